"""Dead letters: messages a consumer gave up on, visible to operators, replayable or discardable.

Replaying runs the stored message through the same handler and inbox as a live delivery (so replaying
an event that was handled meanwhile changes nothing) and records who did it; discarding records who
decided the message does not matter. Both act only on open dead letters."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import func, literal, select, update

from platformkit.db import Database, utcnow
from platformkit.events.consumer import Consumer, claim_inbox, run_handler
from platformkit.events.envelope import decode
from platformkit.tables import dead_letter


@dataclass(frozen=True, slots=True)
class DeadLetter:
    id: int
    consumer: str
    event_id: str | None
    subject: str
    headers: dict[str, str]
    data: str
    error: str
    deliveries: int
    stream_sequence: int | None
    created_at: datetime
    resolution: str | None
    resolved_by: str | None
    resolved_at: datetime | None


class DeadLetterNotOpen(LookupError):
    """No dead letter with this id, or it was already replayed or discarded."""


class UnknownConsumer(LookupError):
    """The dead letter belongs to a consumer this service no longer declares."""


class ReplayFailed(RuntimeError):
    """The handler failed again; the dead letter stays open with the new error recorded."""


def _row(row: Any) -> DeadLetter:
    return DeadLetter(
        id=row.id,
        consumer=row.consumer,
        event_id=row.event_id,
        subject=row.subject,
        headers=dict(row.headers),
        data=row.data,
        error=row.error,
        deliveries=row.deliveries,
        stream_sequence=row.stream_sequence,
        created_at=row.created_at,
        resolution=row.resolution,
        resolved_by=row.resolved_by,
        resolved_at=row.resolved_at,
    )


async def list_dead_letters(
    db: Database,
    *,
    consumer: str | None = None,
    include_resolved: bool = False,
    limit: int = 100,
    after_id: int = 0,
) -> list[DeadLetter]:
    """Dead letters by id (oldest first), open ones only unless `include_resolved`."""
    query = select(dead_letter).where(dead_letter.c.id > after_id).order_by(dead_letter.c.id).limit(limit)
    if consumer is not None:
        query = query.where(dead_letter.c.consumer == consumer)
    if not include_resolved:
        query = query.where(dead_letter.c.resolution.is_(None))
    async with db.engine.connect() as connection:
        return [_row(row) for row in await connection.execute(query)]


async def get_dead_letter(db: Database, dead_letter_id: int) -> DeadLetter | None:
    async with db.engine.connect() as connection:
        row = (
            await connection.execute(select(dead_letter).where(dead_letter.c.id == dead_letter_id))
        ).first()
    return None if row is None else _row(row)


async def count_open_dead_letters(db: Database) -> dict[str, int]:
    query = (
        select(dead_letter.c.consumer, func.count())
        .where(dead_letter.c.resolution.is_(None))
        .group_by(dead_letter.c.consumer)
    )
    async with db.engine.connect() as connection:
        return {consumer: int(count) for consumer, count in await connection.execute(query)}


def _resolve(dead_letter_id: int, resolution: str, by: str) -> Any:
    return (
        update(dead_letter)
        .where(dead_letter.c.id == dead_letter_id)
        .where(dead_letter.c.resolution.is_(None))
        .values(resolution=resolution, resolved_by=by, resolved_at=utcnow())
        .returning(*dead_letter.c)
    )


async def replay_dead_letter(
    db: Database, dead_letter_id: int, *, consumers: Sequence[Consumer[Any]], by: str
) -> Literal["handled", "already_handled"]:
    """Run an open dead letter through its consumer's handler, in one transaction with the inbox row and
    the resolution (`replayed`, by whom). "already_handled": the inbox had the event, nothing ran."""
    if not by:
        raise ValueError("say who replays the dead letter (the operator's subject)")
    try:
        async with db.transaction() as session:
            connection = await session.connection()
            row = (await connection.execute(_resolve(dead_letter_id, "replayed", by))).first()
            if row is None:
                raise DeadLetterNotOpen(f"dead letter {dead_letter_id} is not open")
            letter = _row(row)
            consumer = next((c for c in consumers if c.name == letter.consumer), None)
            if consumer is None:
                raise UnknownConsumer(f"this service has no consumer {letter.consumer!r}")
            envelope, event = decode(letter.headers, letter.data.encode(), consumer.event)
            if not await claim_inbox(connection, consumer.name, [envelope.id]):
                return "already_handled"
            await run_handler(consumer, envelope, event, session)
            return "handled"
    except (DeadLetterNotOpen, UnknownConsumer):
        raise
    except Exception as error:
        reason = f"{type(error).__name__}: {error}"
        async with db.engine.begin() as connection:
            await connection.execute(
                update(dead_letter)
                .where(dead_letter.c.id == dead_letter_id)
                .values(
                    error=func.substr(
                        literal(f"replay by {by} at {utcnow().isoformat()} failed: {reason[:2000]}\n")
                        + dead_letter.c.error,
                        1,
                        8000,
                    )
                )
            )
        raise ReplayFailed(reason) from error


async def discard_dead_letter(db: Database, dead_letter_id: int, *, by: str) -> DeadLetter:
    """Close an open dead letter without handling it, recording who decided so."""
    if not by:
        raise ValueError("say who discards the dead letter (the operator's subject)")
    async with db.engine.begin() as connection:
        row = (await connection.execute(_resolve(dead_letter_id, "discarded", by))).first()
    if row is None:
        raise DeadLetterNotOpen(f"dead letter {dead_letter_id} is not open")
    return _row(row)
