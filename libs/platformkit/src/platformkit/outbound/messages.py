"""Outgoing messages in the service's database: `enqueue` in the caller's transaction, `cancel`, and the
shapes the sender and its channel adapters share (`OutboundMessage`, `Delivery`, `Adapter`)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from sqlalchemy import delete, select, update
from sqlalchemy import event as sa_event
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlmodel.ext.asyncio.session import AsyncSession

from platformkit.db import utcnow
from platformkit.tables import outbound_attempt, outbound_message

Channel = Literal["webhook", "mail", "webpush", "sms", "voice"]
CHANNELS: tuple[Channel, ...] = ("webhook", "mail", "webpush", "sms", "voice")

# How long a channel keeps trying before a message counts as failed (OUTBOUND_HORIZON_SECONDS).
DEFAULT_HORIZONS: dict[str, float] = {
    "webhook": 24 * 3600.0,
    "mail": 24 * 3600.0,
    "webpush": 4 * 3600.0,
    "sms": 2 * 3600.0,
    "voice": 3600.0,
}

_ADDED = "platformkit.outbound.added"
_wakers: dict[Engine, list[Callable[[], None]]] = {}


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    """A message as the sender hands it to an adapter (one attempt of it)."""

    id: str
    dedupe_key: str
    channel: str
    target: str
    payload: str
    params: Mapping[str, Any]
    reference: str | None
    person_id: str | None
    attempt: int  # 1 for the first attempt
    created_at: datetime
    give_up_at: datetime | None

    def json_payload(self) -> Any:
        return json.loads(self.payload)


@dataclass(frozen=True, slots=True)
class Delivery:
    """What one attempt came to. `permanent`: retrying cannot help (the address is refused, the push
    subscription is gone, the number is invalid), so the message fails at once."""

    ok: bool
    status_code: int | None = None
    error: str | None = None
    permanent: bool = False
    # The receiver asked us to wait this long (Retry-After), within the channel's horizon.
    retry_after_seconds: float | None = None
    details: Mapping[str, Any] = field(default_factory=dict)


class Adapter(Protocol):
    """A channel's way out. Must not raise for the receiver's failures (return a Delivery); an exception
    counts as a transient failure."""

    channel: str

    async def send(self, message: OutboundMessage) -> Delivery: ...


def _payload_text(payload: str | bytes | Mapping[str, Any] | list[Any]) -> str:
    if isinstance(payload, bytes):
        return payload.decode()
    if isinstance(payload, str):
        return payload
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


async def enqueue(
    session: AsyncSession,
    *,
    channel: Channel,
    target: str,
    payload: str | bytes | Mapping[str, Any] | list[Any],
    dedupe_key: str | None = None,
    params: Mapping[str, Any] | None = None,
    reference: str | None = None,
    person_id: str | uuid.UUID | None = None,
    horizon: timedelta | None = None,
    hold: bool = False,
    not_before: datetime | None = None,
) -> str:
    """Add an outgoing message in the session's transaction; sent after commit, never on rollback.
    Returns the message id — the earlier message's id when `dedupe_key` was enqueued before (then nothing
    new is written). `horizon` overrides the channel's retry horizon (the sender's, see DEFAULT_HORIZONS);
    `hold` keeps the message for operators to read instead of sending it (mail without an SMTP server);
    `not_before` delays the first attempt (e.g. a reminder)."""
    key = dedupe_key or f"{channel}:{uuid.uuid4()}"
    if len(key) > 200:
        raise ValueError("dedupe_key is limited to 200 characters")
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}; one of {', '.join(CHANNELS)}")
    now = utcnow()
    start = max(not_before or now, now)
    message_id = str(uuid.uuid4())
    row = {
        "id": message_id,
        "dedupe_key": key,
        "channel": channel,
        "target": target,
        "payload": _payload_text(payload),
        "params": dict(params or {}),
        "reference": reference,
        "person_id": str(person_id) if person_id is not None else None,
        "status": "held" if hold else "pending",
        "attempts": 0,
        "next_attempt_at": start,
        "give_up_at": start + horizon if horizon is not None else None,
        "created_at": now,
    }
    # Written at once, so that a repeated dedupe key is skipped by the database instead of failing the
    # caller's commit.
    connection = await session.connection()
    insert = postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert
    result = await connection.execute(
        insert(outbound_message)
        .values(**row)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(outbound_message.c.id)
    )
    inserted = result.scalar_one_or_none()
    if inserted is None:
        existing = await connection.execute(
            select(outbound_message.c.id).where(outbound_message.c.dedupe_key == row["dedupe_key"])
        )
        return str(existing.scalar_one())
    if not hold:
        session.info[_ADDED] = True
    return str(inserted)


async def cancel(session: AsyncSession, *, reference: str) -> int:
    """Cancel every message of `reference` not yet sent (e.g. a webhook subscription that was disabled or
    deleted); returns how many. A send already under way still finishes."""
    connection = await session.connection()
    result = await connection.execute(
        update(outbound_message)
        .where(outbound_message.c.reference == reference)
        .where(outbound_message.c.status.in_(("pending", "held")))
        .values(status="cancelled", finished_at=utcnow(), claimed_until=None)
    )
    return int(result.rowcount)


async def forget_person(session: AsyncSession, *, person_id: str | uuid.UUID) -> int:
    """Erasure: delete every outgoing message about the person (queued ones are not sent) and their
    delivery log; returns how many messages."""
    connection = await session.connection()
    theirs = select(outbound_message.c.id).where(outbound_message.c.person_id == str(person_id))
    await connection.execute(delete(outbound_attempt).where(outbound_attempt.c.message_id.in_(theirs)))
    result = await connection.execute(delete(outbound_message).where(outbound_message.c.person_id == str(person_id)))
    return int(result.rowcount)


async def messages_of(session: AsyncSession, *, person_id: str | uuid.UUID) -> list[dict[str, Any]]:
    """A person's data export: the messages sent to them (channel, address, content, status)."""
    connection = await session.connection()
    rows = await connection.execute(
        select(
            outbound_message.c.channel, outbound_message.c.target, outbound_message.c.payload,
            outbound_message.c.status, outbound_message.c.created_at, outbound_message.c.finished_at,
        )
        .where(outbound_message.c.person_id == str(person_id))
        .order_by(outbound_message.c.created_at)
    )
    return [
        {**row._asdict(), "target": "push subscription" if row.channel == "webpush" else row.target}
        for row in rows
    ]


@sa_event.listens_for(Session, "after_commit")
def _wake_senders_after_commit(session: Session) -> None:
    if session.info.pop(_ADDED, False) and isinstance(session.bind, Engine):
        for waker in _wakers.get(session.bind, ()):
            waker()


@sa_event.listens_for(Session, "after_rollback")
def _forget_added(session: Session) -> None:
    session.info.pop(_ADDED, None)


def register_waker(engine: Engine, waker: Callable[[], None]) -> None:
    _wakers.setdefault(engine, []).append(waker)


def unregister_waker(engine: Engine, waker: Callable[[], None]) -> None:
    wakers = _wakers.get(engine, [])
    if waker in wakers:
        wakers.remove(waker)
    if not wakers:
        _wakers.pop(engine, None)
