"""Numbers for operators: outbox lag, dead letters, consumer lag. The admin dashboard shows these."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import func, select

from platformkit.db import Database, utcnow
from platformkit.events.deadletters import count_open_dead_letters
from platformkit.outbound.sender import OutboundLag
from platformkit.tables import outbox


class OutboxLag(BaseModel):
    unpublished: int
    oldest_unpublished_seconds: float | None
    # Unpublished rows whose last publish attempt failed (NATS down, stream missing, ...).
    failing: int


class RelayCounters(BaseModel):
    published: int
    duplicates: int
    failed_attempts: int
    last_error: str | None
    last_published_at: datetime | None


class ConsumerLag(BaseModel):
    consumer: str
    durable: str
    stream: str
    event_type: str
    # From the server (None while NATS is unreachable): not yet delivered, delivered but not acked,
    # and redelivered.
    num_pending: int | None
    num_ack_pending: int | None
    num_redelivered: int | None
    # Since this process started.
    handled: int
    duplicates: int
    retried: int
    dead_lettered: int
    last_error: str | None


class EventStats(BaseModel):
    service: str
    connected: bool
    outbox: OutboxLag | None
    # Outgoing messages (platformkit.outbound), for a service that runs the outbound sender.
    outbound: OutboundLag | None = None
    relay: RelayCounters | None
    dead_letters_open: dict[str, int]
    consumers: list[ConsumerLag]


async def outbox_lag(db: Database) -> OutboxLag:
    query = select(
        func.count(),
        func.min(outbox.c.created_at),
        func.count(outbox.c.last_error),
    ).where(outbox.c.published_at.is_(None))
    async with db.engine.connect() as connection:
        count, oldest, failing = (await connection.execute(query)).one()
    age: float | None = None
    if oldest is not None:
        if isinstance(oldest, str):  # SQLite returns aggregates untyped
            oldest = datetime.fromisoformat(oldest)
        if oldest.tzinfo is None:
            from datetime import UTC

            oldest = oldest.replace(tzinfo=UTC)
        age = max(0.0, (utcnow() - oldest).total_seconds())
    return OutboxLag(unpublished=int(count), oldest_unpublished_seconds=age, failing=int(failing))


__all__ = ["ConsumerLag", "EventStats", "OutboxLag", "RelayCounters", "count_open_dead_letters", "outbox_lag"]
