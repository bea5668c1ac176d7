"""Consumers: a declaration (`Consumer`) and the worker that runs it.

One durable pull consumer `<service>-<name>` per declaration, bound to the producer's stream with the
event type as filter, explicit ack. A fetched batch is handled in one database transaction: the inbox
row `(consumer, event_id)` and the handler's writes commit together, and only then is the batch acked.
If a handler fails, the batch is run again one message at a time (a savepoint each), so that one bad
message does not hold back the others: it is nak'ed with the consumer's backoff delay, and on its last
allowed delivery it becomes a dead letter (recorded, then terminated). A message that can never
succeed (bad headers, wrong type, fails the schema) becomes a dead letter at once.

A database outage is not the message's fault: the batch is retried in place (with `in_progress` so
the server does not hand it to another replica meanwhile) without using up deliveries."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from enum import Enum
from typing import Any, Generic, TypeVar

from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.js import JetStreamContext, api
from nats.js.errors import NotFoundError
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel.ext.asyncio.session import AsyncSession

from platformkit import tasks
from platformkit.context import request_id
from platformkit.db import Database, utcnow
from platformkit.events.bus import Bus
from platformkit.events.contracts import Event, stream_name
from platformkit.events.envelope import Envelope, UndecodableEvent, decode, traceparent
from platformkit.events.options import EventOptions
from platformkit.tables import dead_letter, inbox

log = logging.getLogger("platformkit.events")

E = TypeVar("E", bound=Event)
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")

# The envelope (id, time, source, request id, ...) of the event whose handler is running.
current_envelope: ContextVar[Envelope | None] = ContextVar("current_envelope", default=None)


@dataclass(frozen=True)
class Consumer(Generic[E]):
    """One event handler of a service.

    `handler(event, session)` runs inside the transaction that also records the event in the inbox;
    it must not commit. It may run more than once for one event (a redelivery after a crash, a retried
    batch), but only one of those runs commits; keep side effects outside the database idempotent."""

    name: str
    event: type[E]
    handler: Callable[[E, AsyncSession], Awaitable[None]]
    max_deliver: int = 5
    backoff: tuple[float, ...] = (1.0, 5.0, 30.0, 120.0)
    # How long the server waits for an ack before redelivering (a crashed or stuck consumer).
    ack_wait: float = 30.0
    batch_size: int = 100
    max_ack_pending: int = 1000
    # Another stream than the producer's, and the subjects to take from it: for the NOTIFY stream
    # (`stream="NOTIFY", filter_subject="notify.>"` with platformkit.events.NotificationSentV1).
    from_stream: str | None = None
    filter_subject: str | None = None

    def __post_init__(self) -> None:
        if not NAME_PATTERN.match(self.name):
            raise ValueError(f"consumer name {self.name!r} must be lowercase letters, digits, '-' or '_'")
        if self.max_deliver < 1:
            raise ValueError("max_deliver must be at least 1")
        if not self.backoff or any(delay <= 0 for delay in self.backoff):
            raise ValueError("backoff needs at least one positive delay")
        if not getattr(self.event, "type", None):
            raise ValueError(f"{self.event.__name__} has no event type")

    @property
    def stream(self) -> str:
        return self.from_stream or stream_name(self.event.service())

    def durable_name(self, service: str) -> str:
        return f"{service}-{self.name}"

    def delay_after(self, deliveries: int) -> float:
        """The nak delay after the `deliveries`-th failed delivery."""
        return self.backoff[min(max(deliveries, 1), len(self.backoff)) - 1]


class Faults:
    """Fault injection for chaos tests: `after_commit(consumer_name, event_ids)` runs after a batch
    committed and before it is acked (e.g. `os._exit(1)` to crash between commit and ack)."""

    after_commit: Callable[[str, Sequence[str]], None] | None = None


FAULTS = Faults()


class Verdict(Enum):
    ACK = "ack"
    DUPLICATE = "duplicate"
    NAK = "nak"
    TERM = "term"


@dataclass(slots=True)
class Item:
    msg: Msg
    deliveries: int
    stream_sequence: int | None
    envelope: Envelope | None = None
    event: Event | None = None
    error: str | None = None  # why it can never be handled
    verdict: Verdict = Verdict.NAK
    delay: float = 0.0


@dataclass(slots=True)
class ConsumerStats:
    handled: int = 0
    duplicates: int = 0  # deliveries of events the inbox had already seen (redelivery, second copy)
    retried: int = 0  # nak'ed after a handler failure
    dead_lettered: int = 0
    last_error: str | None = None


class _HandlerFailed(Exception):
    pass


class _Transient(Exception):
    """The database (or NATS) is unavailable: retry the batch, do not blame the message."""


def is_transient_db_error(error: BaseException) -> bool:
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(
        error, (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError, ConnectionError)
    )


def _dialect_insert(connection: AsyncConnection) -> Callable[..., Any]:
    return postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert


_INBOX_CLAIMS = {
    dialect: insert_(inbox)
    .on_conflict_do_nothing(index_elements=["consumer", "event_id"])
    .returning(inbox.c.event_id)
    for dialect, insert_ in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert))
}


async def claim_inbox(connection: AsyncConnection, consumer: str, event_ids: Sequence[str]) -> set[str]:
    """Insert inbox rows; returns the ids that were new (the others were handled before).

    One statement, compiled once: executemany with RETURNING becomes batched multi-row INSERTs
    (SQLAlchemy's insertmanyvalues) on both databases."""
    if not event_ids:
        return set()
    now = utcnow()
    statement = _INBOX_CLAIMS["postgresql" if connection.dialect.name == "postgresql" else "sqlite"]
    rows = [{"consumer": consumer, "event_id": event_id, "processed_at": now} for event_id in event_ids]
    result = await connection.execute(statement, rows if len(rows) > 1 else rows[0])
    return {row[0] for row in result}


async def record_dead_letter(
    connection: AsyncConnection,
    *,
    consumer: str,
    event_id: str | None,
    subject: str,
    headers: dict[str, str],
    data: str,
    error: str,
    deliveries: int,
    stream_sequence: int | None,
) -> bool:
    """Record a message that will not be retried; once per (consumer, stream sequence). True if new."""
    statement = (
        _dialect_insert(connection)(dead_letter)
        .values(
            consumer=consumer,
            event_id=event_id,
            subject=subject,
            headers=headers,
            data=data,
            error=error[:8000],
            deliveries=deliveries,
            stream_sequence=stream_sequence,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["consumer", "stream_sequence"])
    )
    result = await connection.execute(statement)
    return bool(result.rowcount)


async def run_handler(
    consumer: Consumer[Any], envelope: Envelope, event: Event, session: AsyncSession, *, flush: bool = True
) -> None:
    """Call the handler with the event's context (envelope, request id, trace) and, with `flush`, flush
    its writes so that a constraint violation is charged to this event. (A batch flushes once, at its
    commit, so that the unit of work can batch the handlers' inserts; if that fails, the batch is run
    again one savepoint per event, which does charge each failure to its event.)"""
    tokens = (
        current_envelope.set(envelope),
        request_id.set(envelope.request_id),
        traceparent.set(envelope.traceparent),
    )
    try:
        await consumer.handler(event, session)
        if flush:
            await session.flush()
    finally:
        traceparent.reset(tokens[2])
        request_id.reset(tokens[1])
        current_envelope.reset(tokens[0])


def _describe(error: BaseException) -> str:
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


class ConsumerWorker:
    """Runs one `Consumer`: binds its durable, fetches batches, handles, acks."""

    def __init__(
        self,
        consumer: Consumer[Any],
        *,
        service: str,
        db: Database,
        bus: Bus,
        options: EventOptions | None = None,
    ) -> None:
        self.consumer = consumer
        self.service = service
        self.db = db
        self.bus = bus
        self.options = options or EventOptions()
        self.durable = consumer.durable_name(service)
        self.stream = consumer.stream
        self.stats = ConsumerStats()
        self._task: asyncio.Task[None] | None = None
        self._renew = True
        # Why the last bind failed (said once; retries with the same reason stay quiet), None once bound.
        self._bind_failure: str | None = None
        self._sub: JetStreamContext.PullSubscription | None = None
        self._advisories: Subscription | None = None

    def renew(self) -> None:
        """Declare the consumer again before the next fetch (after a reconnect)."""
        self._renew = True

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"consumer-{self.durable}")

    async def stop(self) -> None:
        await tasks.stop(self._task)
        self._task = None
        await self._unbind()

    def consumer_config(self) -> api.ConsumerConfig:
        return api.ConsumerConfig(
            name=self.durable,
            durable_name=self.durable,
            description=f"{self.service} handles {self.consumer.event.type}",
            deliver_policy=api.DeliverPolicy.ALL,
            ack_policy=api.AckPolicy.EXPLICIT,
            ack_wait=self.consumer.ack_wait,
            # One spare delivery: if the process dies during the last allowed one, the message comes back
            # once more and is dead-lettered by us, not dropped by the server.
            max_deliver=self.consumer.max_deliver + 1,
            filter_subject=self.consumer.filter_subject or self.consumer.event.type,
            max_ack_pending=self.consumer.max_ack_pending,
        )

    async def bind(self) -> JetStreamContext.PullSubscription:
        """Create or update the durable consumer (idempotent) and subscribe to pull from it."""
        await self._unbind()
        js = self.bus.js
        await js.add_consumer(self.stream, config=self.consumer_config())
        self._sub = await js.pull_subscribe_bind(durable=self.durable, stream=self.stream)
        self._advisories = await self.bus.nc.subscribe(
            f"$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.{self.stream}.{self.durable}",
            cb=self._on_max_deliveries,
        )
        return self._sub

    async def _unbind(self) -> None:
        for subscription in (self._sub, self._advisories):
            if subscription is not None:
                with contextlib.suppress(Exception):
                    await subscription.unsubscribe()
        self._sub = None
        self._advisories = None

    async def _run(self) -> None:
        backoff = 0.5
        while True:
            await self.bus.wait_connected()
            if self._renew or self._sub is None:
                try:
                    self._renew = False
                    await self.bind()
                    backoff = 0.5
                    if self._bind_failure is not None:
                        log.info("consumer %s bound to %s", self.durable, self.stream)
                        self._bind_failure = None
                except asyncio.CancelledError:
                    raise
                except Exception as error:  # stream not there yet (producer not started), NATS down, ...
                    self._renew = True
                    self.stats.last_error = _describe(error)
                    self._log_bind_failure(error, self.stats.last_error)
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 10.0)
                    continue
            assert self._sub is not None
            try:
                msgs = await self._sub.fetch(
                    self.consumer.batch_size, timeout=self.options.fetch_timeout_seconds
                )
            except TimeoutError:
                # Nothing to do (nats-py's TimeoutError is an asyncio.TimeoutError). A cancellation lost in
                # such a fetch is cancelled again by stop() (platformkit.tasks).
                continue
            except asyncio.CancelledError:
                raise
            except Exception as error:
                self.stats.last_error = _describe(error)
                log.warning("consumer %s: fetch failed: %s", self.durable, self.stats.last_error)
                self._renew = True
                await asyncio.sleep(1.0)
                continue
            if msgs:
                await self.process(msgs)

    def _log_bind_failure(self, error: Exception, described: str) -> None:
        """Once per reason, then quiet (the retries go on; the ops stats keep `last_error`). A stream that is
        not there is the usual case of a producer not (yet) running — `dorf up --only` starts a few services
        — so that is information; anything else is a warning."""
        if described == self._bind_failure:
            log.debug("consumer %s still cannot bind to %s: %s", self.durable, self.stream, described)
            return
        self._bind_failure = described
        if isinstance(error, NotFoundError):
            log.info("consumer %s waits for the stream %s (its producer is not running yet); retrying quietly",
                     self.durable, self.stream)
        else:
            log.warning("consumer %s cannot bind to %s yet, retrying quietly: %s", self.durable, self.stream,
                        described)

    def _prepare(self, msg: Msg) -> Item:
        try:
            metadata = msg.metadata
            deliveries, sequence = metadata.num_delivered or 1, metadata.sequence.stream
        except Exception:
            deliveries, sequence = 1, None
        item = Item(msg=msg, deliveries=deliveries, stream_sequence=sequence)
        try:
            item.envelope, item.event = decode(msg.headers, msg.data, self.consumer.event)
        except UndecodableEvent as error:
            item.error = str(error)
        return item

    async def process(self, msgs: Sequence[Msg]) -> None:
        """Handle one fetched batch, commit, then ack / nak / term each message."""
        items = [self._prepare(msg) for msg in msgs]
        pause = 0.2
        while True:
            try:
                try:
                    await self._apply(items, isolate=False)
                except _Transient:
                    raise
                except Exception:  # a handler failed: find out which, one savepoint per message
                    await self._apply(items, isolate=True)
                break
            except asyncio.CancelledError:
                raise
            except Exception as error:
                cause = error.__cause__ if isinstance(error, _Transient) and error.__cause__ else error
                self.stats.last_error = _describe(cause)
                if not isinstance(error, _Transient) and not is_transient_db_error(error):
                    # Not even recording the outcome works: let the server redeliver later.
                    log.error(
                        "consumer %s: batch failed outside any handler: %s",
                        self.durable,
                        self.stats.last_error,
                    )
                    for item in items:
                        item.verdict, item.delay = Verdict.NAK, self.consumer.delay_after(item.deliveries)
                    break
                log.warning(
                    "consumer %s: database unavailable (%s); retrying the batch in %.1fs",
                    self.durable,
                    self.stats.last_error,
                    pause,
                )
                await self._keep_alive(items)
                await asyncio.sleep(pause)
                pause = min(pause * 2, max(0.5, min(10.0, self.consumer.ack_wait / 2)))
        hook = FAULTS.after_commit
        if hook is not None:
            hook(self.consumer.name, [item.envelope.id for item in items if item.envelope is not None])
        await self._settle(items)

    async def _keep_alive(self, items: Sequence[Item]) -> None:
        with contextlib.suppress(Exception):
            await asyncio.gather(*(item.msg.in_progress() for item in items), return_exceptions=True)

    async def _apply(self, items: Sequence[Item], *, isolate: bool) -> None:
        name = self.consumer.name
        try:
            async with self.db.transaction() as session:
                connection = await session.connection()
                seen: set[str] = set()
                first: list[Item] = []
                for item in items:
                    if item.envelope is None:
                        await self._dead_letter(connection, item, item.error or "undecodable")
                    elif item.envelope.id in seen:
                        item.verdict = Verdict.DUPLICATE  # two copies in one batch
                    else:
                        seen.add(item.envelope.id)
                        first.append(item)
                if not isolate:
                    fresh = await claim_inbox(
                        connection, name, [item.envelope.id for item in first if item.envelope]
                    )
                    for item in first:
                        assert item.envelope is not None and item.event is not None
                        if item.envelope.id not in fresh:
                            item.verdict = Verdict.DUPLICATE
                            continue
                        try:
                            await run_handler(self.consumer, item.envelope, item.event, session, flush=False)
                        except Exception as error:
                            if is_transient_db_error(error):
                                raise _Transient() from error
                            raise _HandlerFailed() from error
                        item.verdict = Verdict.ACK
                else:
                    for item in first:
                        assert item.envelope is not None and item.event is not None
                        try:
                            async with session.begin_nested():
                                # Ask again: SQLAlchemy emits the SAVEPOINT only when the session hands
                                # out its connection inside the nested transaction.
                                nested = await session.connection()
                                if not await claim_inbox(nested, name, [item.envelope.id]):
                                    item.verdict = Verdict.DUPLICATE
                                    continue
                                await run_handler(self.consumer, item.envelope, item.event, session)
                            item.verdict = Verdict.ACK
                        except Exception as error:
                            if is_transient_db_error(error):
                                raise _Transient() from error
                            await self._failed(connection, item, error)
        except (_Transient, _HandlerFailed):
            raise
        except Exception as error:
            if is_transient_db_error(error):
                raise _Transient() from error
            raise

    async def _failed(self, connection: AsyncConnection, item: Item, error: BaseException) -> None:
        reason = _describe(error)
        self.stats.last_error = reason
        if item.deliveries >= self.consumer.max_deliver:
            log.error(
                "consumer %s: event %s failed on delivery %d of %d, dead-lettered: %s",
                self.durable,
                item.envelope.id if item.envelope else "?",
                item.deliveries,
                self.consumer.max_deliver,
                reason,
            )
            await self._dead_letter(connection, item, reason)
        else:
            log.warning(
                "consumer %s: event %s failed on delivery %d of %d, retrying: %s",
                self.durable,
                item.envelope.id if item.envelope else "?",
                item.deliveries,
                self.consumer.max_deliver,
                reason,
            )
            item.verdict, item.delay = Verdict.NAK, self.consumer.delay_after(item.deliveries)

    async def _dead_letter(self, connection: AsyncConnection, item: Item, reason: str) -> None:
        msg = item.msg
        await record_dead_letter(
            connection,
            consumer=self.consumer.name,
            event_id=item.envelope.id if item.envelope else (msg.headers or {}).get("Nats-Msg-Id"),
            subject=msg.subject,
            headers=dict(msg.headers or {}),
            data=msg.data.decode("utf-8", errors="replace"),
            error=reason,
            deliveries=item.deliveries,
            stream_sequence=item.stream_sequence,
        )
        item.verdict = Verdict.TERM

    async def _settle(self, items: Sequence[Item]) -> None:
        # One after the other: each verdict only appends to the connection's outgoing buffer.
        for item in items:
            try:
                if item.verdict in (Verdict.ACK, Verdict.DUPLICATE):
                    await item.msg.ack()
                elif item.verdict is Verdict.NAK:
                    await item.msg.nak(delay=item.delay)
                else:
                    await item.msg.term()
            except Exception as error:
                # A lost ack means a redelivery, which the inbox absorbs.
                log.info("consumer %s: could not %s a message: %s", self.durable, item.verdict.value, error)
            if item.verdict is Verdict.ACK:
                self.stats.handled += 1
            elif item.verdict is Verdict.DUPLICATE:
                self.stats.duplicates += 1
            elif item.verdict is Verdict.NAK:
                self.stats.retried += 1
            else:
                self.stats.dead_lettered += 1

    async def _on_max_deliveries(self, advisory: Msg) -> None:
        """The server gave up on a message without our verdict (the process died on its last delivery):
        record it as a dead letter from the copy still in the stream."""
        try:
            body = json.loads(advisory.data)
            sequence = int(body["stream_seq"])
            deliveries = int(body.get("deliveries", 0))
            stored = await self.bus.js.get_msg(self.stream, sequence)
            headers = {str(key): str(value) for key, value in (stored.headers or {}).items()}
            async with self.db.engine.begin() as connection:
                if await record_dead_letter(
                    connection,
                    consumer=self.consumer.name,
                    event_id=headers.get("ce-id") or headers.get("Nats-Msg-Id"),
                    subject=stored.subject or self.consumer.event.type,
                    headers=headers,
                    data=(stored.data or b"").decode("utf-8", errors="replace"),
                    error="the server stopped redelivering after max_deliver without an ack "
                    "(the consumer crashed or timed out on every delivery)",
                    deliveries=deliveries,
                    stream_sequence=sequence,
                ):
                    self.stats.dead_lettered += 1
                    log.error(
                        "consumer %s: stream message %d reached max deliveries; dead-lettered",
                        self.durable,
                        sequence,
                    )
        except Exception as error:  # an advisory is best effort; never break the subscription
            log.warning(
                "consumer %s: could not record a max-deliveries advisory: %s", self.durable, _describe(error)
            )

    async def lag(self) -> api.ConsumerInfo | None:
        try:
            info: api.ConsumerInfo = await self.bus.js.consumer_info(self.stream, self.durable)
        except Exception:  # NATS down, consumer not declared yet: no number rather than a failure
            return None
        return info


__all__ = [
    "FAULTS",
    "Consumer",
    "ConsumerStats",
    "ConsumerWorker",
    "claim_inbox",
    "current_envelope",
    "record_dead_letter",
    "run_handler",
]
