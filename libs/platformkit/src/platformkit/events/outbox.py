"""The transactional outbox: `publish(session, event)` adds a row in the caller's transaction, and the
`OutboxRelay` publishes committed rows to JetStream.

The relay claims a batch with a short lease (`UPDATE ... WHERE position IN (SELECT ... FOR UPDATE SKIP
LOCKED) RETURNING ...`; on SQLite the write lock of BEGIN IMMEDIATE does the same), publishes it with
`Nats-Msg-Id` = event id, and marks rows published only after their PubAck. Several replicas on one
database therefore publish each row once; a crash between publish and mark makes the row come back
after its lease, and JetStream's duplicate window drops the second copy."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from nats.js import api
from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import Session, SessionTransaction
from sqlmodel.ext.asyncio.session import AsyncSession

from platformkit import tasks
from platformkit.context import request_id
from platformkit.db import Database, utcnow
from platformkit.events.bus import Bus
from platformkit.events.contracts import Event, stream_name
from platformkit.events.envelope import (
    CONTENT_TYPE,
    H_DATACONTENTTYPE,
    H_ID,
    H_MSG_ID,
    H_REQUEST_ID,
    H_SOURCE,
    H_SPECVERSION,
    H_SUBJECT,
    H_TIME,
    H_TRACEPARENT,
    H_TYPE,
    SPECVERSION,
    format_time,
    new_event_id,
    source_for,
    traceparent,
)
from platformkit.events.options import EventOptions
from platformkit.tables import outbox

log = logging.getLogger("platformkit.events")

# How long published rows may wait to be marked together with the next claim.
MARK_DELAY = 0.05

_ADDED = "platformkit.outbox.added"
_wakers: dict[Engine, list[Callable[[], None]]] = {}


def outbox_row(
    *, event_id: str, event_type: str, subject: str, ce_subject: str | None, data: str
) -> dict[str, Any]:
    """One outbox row: the CloudEvents headers, with the current request id and trace context."""
    now = utcnow()
    headers = {H_ID: event_id, H_TYPE: event_type, H_TIME: format_time(now)}
    if ce_subject is not None:
        headers[H_SUBJECT] = ce_subject
    rid = request_id.get()
    if rid is not None:
        headers[H_REQUEST_ID] = rid
    trace = traceparent.get()
    if trace is not None:
        headers[H_TRACEPARENT] = trace
    return {"event_id": event_id, "subject": subject, "headers": headers, "data": data, "created_at": now}


async def publish(session: AsyncSession, event: Event) -> str:
    """Add `event` to the outbox in the session's current transaction; returns the event id.

    Nothing is sent until the transaction commits; if it rolls back, the event never happened. The
    request id and trace context of the current request travel with the event.

    The row is written when the transaction commits (all events of a transaction in one executemany,
    not one round trip each), or at once inside a savepoint, so that rolling the savepoint back takes
    its events with it."""
    event_id = new_event_id()
    await add_row(session, outbox_row(
        event_id=event_id, event_type=event.type, subject=event.type, ce_subject=event.ce_subject(),
        data=event.model_dump_json(),
    ))
    return event_id


async def add_row(session: AsyncSession, row: dict[str, Any]) -> None:
    """Add an outbox row (`outbox_row`) as `publish` does: written with the transaction's other rows at
    commit, or at once inside a savepoint. Its event id must be new (a plain INSERT: a duplicate fails the
    commit)."""
    if session.in_nested_transaction():
        connection = await session.connection()
        await connection.execute(_INSERT, [row])
    else:
        session.info.setdefault(_PENDING, []).append(row)
    session.info[_ADDED] = True


_INSERT = insert(outbox)
_PENDING = "platformkit.outbox.pending"


async def write_published(session: AsyncSession) -> None:
    """Write the events published so far in this transaction now (one statement) instead of at commit: for
    a transaction that wants its last statement before the commit to be the one taking a contended row
    lock (a hot product's stock), so that the lock is held for no more than that statement and the commit."""
    rows = session.info.pop(_PENDING, None)
    if rows:
        await (await session.connection()).execute(_INSERT, rows[0] if len(rows) == 1 else rows)


@sa_event.listens_for(Session, "before_commit")
def _write_pending_before_commit(session: Session) -> None:
    # Also fired when a savepoint is released: only the outermost commit writes the pending rows.
    if session.in_nested_transaction():
        return
    rows = session.info.pop(_PENDING, None)
    if rows:
        session.connection().execute(_INSERT, rows[0] if len(rows) == 1 else rows)


@sa_event.listens_for(Session, "after_transaction_end")
def _forget_pending(session: Session, transaction: SessionTransaction) -> None:
    # The outermost transaction ended (after_commit has run by now). Not on a savepoint's end:
    # after_rollback fires for those too, and the outer transaction's events still count.
    if transaction.parent is None:
        session.info.pop(_PENDING, None)
        session.info.pop(_ADDED, None)


@sa_event.listens_for(Session, "after_commit")
def _wake_relays_after_commit(session: Session) -> None:
    if session.info.pop(_ADDED, False) and isinstance(session.bind, Engine):
        for waker in _wakers.get(session.bind, ()):
            waker()


@dataclass(frozen=True, slots=True)
class OutboxRow:
    position: int
    event_id: str
    subject: str
    headers: dict[str, str]
    data: str


@dataclass(slots=True)
class RelayStats:
    published: int = 0  # rows marked published by this relay
    duplicates: int = 0  # PubAcks that said "already stored" (a retry absorbed by the duplicate window)
    failed_attempts: int = 0  # publishes that got no PubAck in time, or an error
    last_error: str | None = None
    last_published_at: datetime | None = field(default=None)


class PublishFailed(Exception):
    """Some rows of a batch got no PubAck; they are released and retried."""


class OutboxRelay:
    """Publishes the outbox of one database. An asyncio task: `start()` / `stop()`.

    Woken right after a commit in this process that added outbox rows; otherwise it polls every
    `poll_seconds` (rows written by other processes). While NATS is down it waits; when a publish fails
    it backs off exponentially and retries forever."""

    def __init__(
        self,
        db: Database,
        bus: Bus,
        *,
        service: str,
        poll_seconds: float = 0.5,
        options: EventOptions | None = None,
    ) -> None:
        self.db = db
        self.bus = bus
        self.service = service
        self.stream = stream_name(service)
        self.source = source_for(service)
        self.poll_seconds = poll_seconds
        self.options = options or EventOptions()
        self.stats = RelayStats()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        if self._task is None:
            _wakers.setdefault(self.db.engine.sync_engine, []).append(self.wake)
            self._task = asyncio.create_task(self._run(), name=f"outbox-relay-{self.service}")

    async def stop(self) -> None:
        wakers = _wakers.get(self.db.engine.sync_engine, [])
        if self.wake in wakers:
            wakers.remove(self.wake)
            if not wakers:
                _wakers.pop(self.db.engine.sync_engine, None)
        await tasks.stop(self._task)
        self._task = None

    async def _run(self) -> None:
        backoff = 0.1
        published: list[int] = []  # acknowledged by JetStream, to be marked with the next claim
        while True:
            await self.bus.wait_connected()
            self._wake.clear()
            try:
                rows = await self.claim(self.options.relay_batch_size, mark_published=published)
                published = []
                if rows:
                    published = await self._publish_claimed(rows)
            except asyncio.CancelledError:
                await self._mark_on_the_way_out(published)
                raise
            except Exception as error:  # DB or NATS trouble: log, back off, never give up
                self.stats.last_error = f"{type(error).__name__}: {error}"
                log.warning("outbox relay: %s; retrying in %.1fs", self.stats.last_error, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self.options.relay_max_backoff_seconds)
                continue
            backoff = 0.1
            if len(rows) >= self.options.relay_batch_size:
                continue  # more may be waiting
            # Published rows are marked together with the next claim (one transaction instead of two),
            # but no later than MARK_DELAY: until then their lease keeps other relays off them.
            timeout = min(self.poll_seconds, MARK_DELAY) if published else self.poll_seconds
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=timeout)

    async def _publish_claimed(self, rows: Sequence[OutboxRow]) -> list[int]:
        """Publish claimed rows; returns the positions to mark. Failed rows are released (and raise)."""
        outcomes = await self.publish_rows(rows)
        done = [row.position for row, outcome in zip(rows, outcomes, strict=True) if isinstance(outcome, api.PubAck)]
        failed = [
            (row, outcome) for row, outcome in zip(rows, outcomes, strict=True) if not isinstance(outcome, api.PubAck)
        ]
        if failed:
            await self.mark_published(done)
            error = failed[0][1]
            reason = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
            await self.release([row.position for row, _ in failed], reason)
            self.stats.failed_attempts += len(failed)
            raise PublishFailed(f"{len(failed)} of {len(rows)} events got no PubAck ({reason})")
        return done

    async def _mark_on_the_way_out(self, positions: list[int]) -> None:
        if positions:
            with contextlib.suppress(Exception):  # unmarked rows are republished later, and deduplicated
                await asyncio.shield(self.mark_published(positions))

    async def run_once(self) -> int:
        """Claim, publish and mark one batch; returns how many rows were claimed."""
        rows = await self.claim(self.options.relay_batch_size)
        if rows:
            await self.mark_published(await self._publish_claimed(rows))
        return len(rows)

    async def claim(self, limit: int, *, mark_published: Sequence[int] = ()) -> list[OutboxRow]:
        """Lease up to `limit` unpublished rows that no other relay holds (marking `mark_published` as
        published in the same transaction)."""
        now = utcnow()
        lease_end = now + timedelta(seconds=self.options.relay_lease_seconds)
        candidates = (
            select(outbox.c.position)
            .where(outbox.c.published_at.is_(None))
            .where(or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until < now))
            .order_by(outbox.c.position)
            .limit(limit)
        )
        if not self.db.is_sqlite:
            candidates = candidates.with_for_update(skip_locked=True)
        statement = (
            update(outbox)
            .where(outbox.c.position.in_(candidates.scalar_subquery()))
            .values(claimed_until=lease_end, attempts=outbox.c.attempts + 1)
            .returning(outbox.c.position, outbox.c.event_id, outbox.c.subject, outbox.c.headers, outbox.c.data)
        )
        async with self.db.engine.begin() as connection:
            if mark_published:
                await connection.execute(self._mark_statement(mark_published, now))
            result = await connection.execute(statement)
            rows = [OutboxRow(r.position, r.event_id, r.subject, dict(r.headers), r.data) for r in result]
        if mark_published:
            self._count_published(len(mark_published), now)
        rows.sort(key=lambda row: row.position)  # RETURNING promises no order
        return rows

    def headers_for(self, row: OutboxRow) -> dict[str, str]:
        headers = dict(row.headers)
        headers[H_SPECVERSION] = SPECVERSION
        headers[H_SOURCE] = self.source
        headers[H_DATACONTENTTYPE] = CONTENT_TYPE
        headers[H_MSG_ID] = row.event_id
        return headers

    async def publish_rows(self, rows: Sequence[OutboxRow]) -> list[api.PubAck | BaseException]:
        """Publish in order, pipelined (`publish_async`), and wait for each PubAck with a timeout."""
        js = self.bus.js
        futures: list[asyncio.Future[api.PubAck]] = []
        outcomes: list[api.PubAck | BaseException] = []
        try:
            for row in rows:
                futures.append(
                    await js.publish_async(
                        row.subject, row.data.encode(), headers=self.headers_for(row), stream=self.stream
                    )
                )
        except Exception as send_error:  # the connection went away while sending: the rest count as failed
            unsent: BaseException = send_error
        else:
            unsent = TimeoutError("no PubAck within the publish timeout")
        if futures:
            await asyncio.wait(futures, timeout=self.options.publish_timeout_seconds)
        for index in range(len(rows)):
            if index >= len(futures):
                outcomes.append(unsent)
                continue
            future = futures[index]
            if not future.done():
                future.cancel()  # releases nats-py's pending slot; the row is retried later
                outcomes.append(TimeoutError("no PubAck within the publish timeout"))
            elif future.cancelled():
                outcomes.append(TimeoutError("publish cancelled"))
            elif (failure := future.exception()) is not None:
                outcomes.append(failure)
            else:
                ack = future.result()
                if ack.duplicate:
                    self.stats.duplicates += 1
                outcomes.append(ack)
        return outcomes

    async def mark_published(self, positions: Sequence[int]) -> None:
        if not positions:
            return
        now = utcnow()
        async with self.db.engine.begin() as connection:
            await connection.execute(self._mark_statement(positions, now))
        self._count_published(len(positions), now)

    @staticmethod
    def _mark_statement(positions: Sequence[int], now: datetime) -> Any:
        return (
            update(outbox)
            .where(outbox.c.position.in_(positions))
            .values(published_at=now, claimed_until=None, last_error=None)
        )

    def _count_published(self, count: int, now: datetime) -> None:
        self.stats.published += count
        self.stats.last_published_at = now

    async def release(self, positions: Sequence[int], reason: str) -> None:
        async with self.db.engine.begin() as connection:
            await connection.execute(
                update(outbox)
                .where(outbox.c.position.in_(positions))
                .where(outbox.c.published_at.is_(None))
                .values(claimed_until=None, last_error=reason[:2000])
            )


async def prune_outbox(connection: AsyncConnection, older_than: timedelta) -> int:
    """Delete rows published longer ago than `older_than`; returns how many."""
    cutoff = utcnow() - older_than
    result = await connection.execute(delete(outbox).where(outbox.c.published_at < cutoff))
    return int(result.rowcount)
