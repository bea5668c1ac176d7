"""The outbound sender: claims due messages, hands each to its channel's adapter, records the attempt in
the delivery log and schedules a retry (exponential backoff with jitter) until the channel's horizon.

Several replicas on one database send each message once per attempt: a batch is claimed with a lease
(`UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED) RETURNING`; on SQLite the write lock of
BEGIN IMMEDIATE does the same), and an attempt's result is only recorded by the replica whose claim it
still is (`WHERE attempts = <its attempt> AND status = 'pending'`). A replica that dies mid-send leaves
the lease to expire; the message is then tried again (receivers deduplicate by the message id: the
webhook-id header, the gateway's Idempotency-Key)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import delete, func, insert, or_, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from platformkit import tasks
from platformkit.db import Database, utcnow
from platformkit.outbound.messages import (
    DEFAULT_HORIZONS,
    Adapter,
    Delivery,
    OutboundMessage,
    register_waker,
    unregister_waker,
)
from platformkit.scheduler import Clock, SystemClock
from platformkit.tables import outbound_attempt, outbound_message

log = logging.getLogger("platformkit.outbound")

Status = Literal["sent", "retrying", "failed"]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the owning service learns after every attempt (the `on_outcome` hook)."""

    message_id: str
    dedupe_key: str
    channel: str
    target: str
    reference: str | None
    person_id: str | None
    attempt: int
    status: Status  # retrying: another attempt follows at `next_attempt_at`
    status_code: int | None
    error: str | None
    next_attempt_at: datetime | None

    @property
    def final(self) -> bool:
        return self.status != "retrying"


# Called in the transaction that records the attempt: what it writes commits with the outcome.
OutcomeHook = Callable[[AsyncSession, Outcome], Awaitable[None]]


@dataclass(frozen=True)
class SenderOptions:
    batch_size: int = 20
    # At most this many sends at once per replica (slow receivers do not hold up the others).
    concurrency: int = 10
    lease_seconds: float = 120.0
    poll_seconds: float = 1.0
    # Retry n waits a random time between half and all of min(base * 2^(n-1), max) (equal jitter).
    base_delay_seconds: float = 5.0
    max_delay_seconds: float = 3600.0
    # Finished messages and their log are kept this long; dedupe keys count as long as they are kept.
    retention_seconds: float = 30 * 24 * 3600.0
    prune_interval_seconds: float = 600.0
    # How long each channel keeps trying (seconds from enqueueing); DEFAULT_HORIZONS where missing.
    horizons: Mapping[str, float] = field(default_factory=dict)


def retry_delay(attempt: int, options: SenderOptions, rng: random.Random | None = None) -> float:
    """Seconds to wait after failed attempt `attempt` (1-based)."""
    ceiling = min(options.base_delay_seconds * 2.0 ** min(attempt - 1, 30), options.max_delay_seconds)
    return float(ceiling * (0.5 + 0.5 * (rng or random).random()))


class OutboundSender:
    """Sends the outgoing messages of one database. An asyncio task (`start()` / `stop()`), or
    `run_once()` from tests. Channels without an adapter are left alone (another replica, or a later
    configuration, may send them)."""

    def __init__(
        self,
        db: Database,
        adapters: Mapping[str, Adapter],
        *,
        on_outcome: OutcomeHook | None = None,
        options: SenderOptions | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.db = db
        self.adapters = dict(adapters)
        self.on_outcome = on_outcome
        self.options = options or SenderOptions()
        self.clock = clock or SystemClock()
        self.rng = rng or random.Random()  # noqa: S311 - jitter, not secrecy
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._limit = asyncio.Semaphore(self.options.concurrency)

    def wake(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        if self._task is None:
            register_waker(self.db.engine.sync_engine, self.wake)
            self._task = asyncio.create_task(self._run(), name="outbound-sender")

    async def stop(self) -> None:
        unregister_waker(self.db.engine.sync_engine, self.wake)
        await tasks.stop(self._task)
        self._task = None

    async def _run(self) -> None:
        backoff = 0.5
        last_prune = 0.0
        while True:
            self._wake.clear()
            try:
                tried = await self.run_once()
                if time.monotonic() - last_prune > self.options.prune_interval_seconds:
                    await self.prune()
                    last_prune = time.monotonic()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the database may be away for a moment: keep the loop alive
                log.warning("outbound sender: %s: %s; retrying in %.1fs", type(error).__name__, error, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            backoff = 0.5
            if tried >= self.options.batch_size:
                continue  # more may be due
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.options.poll_seconds)

    async def run_once(self) -> int:
        """Claim one batch of due messages and send them; returns how many were tried."""
        claimed = await self.claim(self.options.batch_size)
        await asyncio.gather(*(self._send(message) for message in claimed))
        return len(claimed)

    async def claim(self, limit: int) -> list[OutboundMessage]:
        if not self.adapters:
            return []
        now = self.clock.now()
        table = outbound_message
        candidates = (
            select(table.c.id)
            .where(table.c.status == "pending")
            .where(table.c.next_attempt_at <= now)
            .where(table.c.channel.in_(sorted(self.adapters)))
            .where(or_(table.c.claimed_until.is_(None), table.c.claimed_until < now))
            .order_by(table.c.next_attempt_at)
            .limit(limit)
        )
        # Most polls find nothing due: a read (which never waits for SQLite's one writer) says so first.
        async with self.db.read_engine.connect() as connection:
            if (await connection.execute(candidates.limit(1))).first() is None:
                return []
        if not self.db.is_sqlite:
            candidates = candidates.with_for_update(skip_locked=True)
        statement = (
            update(table)
            .where(table.c.id.in_(candidates.scalar_subquery()))
            .values(claimed_until=now + timedelta(seconds=self.options.lease_seconds), attempts=table.c.attempts + 1)
            .returning(
                table.c.id, table.c.dedupe_key, table.c.channel, table.c.target, table.c.payload, table.c.params,
                table.c.reference, table.c.person_id, table.c.attempts, table.c.created_at, table.c.give_up_at,
            )
        )
        async with self.db.engine.begin() as connection:
            rows = (await connection.execute(statement)).all()
        return [
            OutboundMessage(
                id=row.id, dedupe_key=row.dedupe_key, channel=row.channel, target=row.target, payload=row.payload,
                params=dict(row.params or {}), reference=row.reference, person_id=row.person_id,
                attempt=row.attempts, created_at=row.created_at, give_up_at=row.give_up_at,
            )
            for row in rows
        ]

    async def _send(self, message: OutboundMessage) -> None:
        async with self._limit:
            started = time.monotonic()
            try:
                delivery = await self.adapters[message.channel].send(message)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the adapter's own failure: transient, retried
                log.warning("outbound %s %s: adapter raised %s", message.channel, message.id, type(error).__name__)
                delivery = Delivery(ok=False, error=f"{type(error).__name__}: {error}")
            duration_ms = int((time.monotonic() - started) * 1000)
        try:
            await self.record(message, delivery, duration_ms)
        except Exception as error:  # the lease runs out and the message is tried again
            log.warning("outbound %s: recording attempt %d failed: %s", message.id, message.attempt, error)

    async def record(self, message: OutboundMessage, delivery: Delivery, duration_ms: int) -> Outcome | None:
        """Write the attempt's result, the log entry and the hook's work in one transaction. Returns None
        when the message is no longer this attempt's (its lease ran out and another replica took it, or
        it was cancelled meanwhile)."""
        now = self.clock.now()
        table = outbound_message
        next_attempt_at: datetime | None = None
        if delivery.ok:
            status: Status = "sent"
        elif delivery.permanent:
            status = "failed"
        else:
            wait = retry_delay(message.attempt, self.options, self.rng)
            if delivery.retry_after_seconds is not None:
                wait = max(wait, delivery.retry_after_seconds)
            next_attempt_at = now + timedelta(seconds=wait)
            status = "retrying"
            if next_attempt_at > self.give_up_at(message):
                status, next_attempt_at = "failed", None
        error = None if delivery.ok else (delivery.error or f"status {delivery.status_code}")[:2000]
        async with self.db.transaction() as session:
            connection = await session.connection()
            values: dict[str, object] = {
                "claimed_until": None,
                "last_status_code": delivery.status_code,
                "last_error": error,
            }
            if status == "retrying":
                values.update(next_attempt_at=next_attempt_at)
            else:
                values.update(status=status, finished_at=now)
            result = await connection.execute(
                update(table)
                .where(table.c.id == message.id)
                .where(table.c.attempts == message.attempt)
                .where(table.c.status == "pending")
                .values(**values)
            )
            if result.rowcount != 1:
                log.info("outbound %s: attempt %d was overtaken; not recorded", message.id, message.attempt)
                return None
            await connection.execute(
                insert(outbound_attempt).values(
                    message_id=message.id, attempt=message.attempt, attempted_at=now, outcome=status,
                    status_code=delivery.status_code, error=error, duration_ms=duration_ms,
                )
            )
            outcome = Outcome(
                message_id=message.id, dedupe_key=message.dedupe_key, channel=message.channel,
                target=message.target, reference=message.reference, person_id=message.person_id,
                attempt=message.attempt, status=status, status_code=delivery.status_code, error=error,
                next_attempt_at=next_attempt_at,
            )
            if self.on_outcome is not None:
                await self.on_outcome(session, outcome)
        if status != "sent":
            log.info("outbound %s %s attempt %d: %s (%s)", message.channel, message.id, message.attempt, status, error)
        return outcome

    def give_up_at(self, message: OutboundMessage) -> datetime:
        if message.give_up_at is not None:
            return message.give_up_at
        horizon = self.options.horizons.get(message.channel, DEFAULT_HORIZONS[message.channel])
        return message.created_at + timedelta(seconds=horizon)

    async def prune(self) -> int:
        """Delete messages finished longer ago than the retention, with their log; returns how many."""
        cutoff = self.clock.now() - timedelta(seconds=self.options.retention_seconds)
        old = select(outbound_message.c.id).where(outbound_message.c.finished_at < cutoff)
        async with self.db.engine.begin() as connection:
            await connection.execute(delete(outbound_attempt).where(outbound_attempt.c.message_id.in_(old)))
            result = await connection.execute(delete(outbound_message).where(outbound_message.c.finished_at < cutoff))
        return int(result.rowcount)


class OutboundLag(BaseModel):
    """Outgoing messages for operators: waiting (and for how long), being retried, held, failed."""

    pending: int
    oldest_pending_seconds: float | None
    retrying: int  # pending after at least one failed attempt
    held: int
    failed: int


async def outbound_lag(db: Database, now: datetime | None = None) -> OutboundLag:
    table = outbound_message
    counts = select(table.c.status, func.count()).group_by(table.c.status)
    waiting = select(func.min(table.c.created_at), func.count(table.c.last_error)).where(table.c.status == "pending")
    async with db.engine.connect() as connection:
        by_status = {status: int(count) for status, count in (await connection.execute(counts)).all()}
        oldest, retrying = (await connection.execute(waiting)).one()
    age = None
    if oldest is not None:
        if isinstance(oldest, str):  # SQLite returns aggregates untyped
            oldest = datetime.fromisoformat(oldest)
        if oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=UTC)
        age = max(0.0, ((now or utcnow()) - oldest).total_seconds())
    return OutboundLag(
        pending=by_status.get("pending", 0), oldest_pending_seconds=age, retrying=int(retrying),
        held=by_status.get("held", 0), failed=by_status.get("failed", 0),
    )


async def delivery_log(session: AsyncSession, message_id: str) -> Sequence[Mapping[str, object]]:
    """The attempts of one message, oldest first (for an owner's "deliveries" view)."""
    connection = await session.connection()
    rows = await connection.execute(
        select(outbound_attempt).where(outbound_attempt.c.message_id == message_id).order_by(outbound_attempt.c.attempt)
    )
    return [dict(row._mapping) for row in rows]
