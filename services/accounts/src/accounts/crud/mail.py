"""The mail outbox: `queue` in the caller's transaction; the delivery loop claims due messages with a
lease (several replicas never send one twice while the lease holds), and marks them sent or due again
later with exponential backoff."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from accounts.config import AccountsSettings
from accounts.models import MailMessage
from platformkit.db import Database, utcnow
from platformkit.pagination import PageParams, paginate

LEASE = timedelta(seconds=60)
MAX_BACKOFF = timedelta(hours=1)


async def queue(
    *,
    session: AsyncSession,
    settings: AccountsSettings,
    to_address: str,
    subject: str,
    body: str,
    person_id: uuid.UUID | None,
) -> MailMessage:
    message = MailMessage(
        person_id=person_id,
        to_address=to_address,
        subject=subject,
        body=body,
        status="pending" if settings.smtp_url is not None else "held",
    )
    session.add(message)
    await session.flush()
    return message


@dataclass(frozen=True)
class OutgoingMail:
    id: uuid.UUID
    to_address: str
    subject: str
    body: str
    attempts: int


async def claim_due(*, db: Database, limit: int = 20) -> list[OutgoingMail]:
    now = utcnow()
    candidates = (
        select(MailMessage.id)
        .where(MailMessage.status == "pending", col(MailMessage.next_attempt_at) <= now)
        .where(or_(col(MailMessage.claimed_until).is_(None), col(MailMessage.claimed_until) < now))
        .order_by(col(MailMessage.next_attempt_at))
        .limit(limit)
    )
    if not db.is_sqlite:
        candidates = candidates.with_for_update(skip_locked=True)
    statement = (
        update(MailMessage)
        .where(col(MailMessage.id).in_(candidates.scalar_subquery()))
        .values(claimed_until=now + LEASE, attempts=MailMessage.attempts + 1)
        .returning(
            col(MailMessage.id),
            col(MailMessage.to_address),
            col(MailMessage.subject),
            col(MailMessage.body),
            col(MailMessage.attempts),
        )
    )
    async with db.engine.begin() as connection:
        rows = (await connection.execute(statement)).all()
    return [OutgoingMail(row.id, row.to_address, row.subject, row.body, row.attempts) for row in rows]


def backoff(attempts: int) -> timedelta:
    return min(timedelta(seconds=5 * 2 ** min(attempts - 1, 20)), MAX_BACKOFF)


async def mark_sent(*, db: Database, mail_id: uuid.UUID) -> None:
    async with db.engine.begin() as connection:
        await connection.execute(
            update(MailMessage)
            .where(col(MailMessage.id) == mail_id)
            .values(status="sent", sent_at=utcnow(), claimed_until=None, last_error=None)
        )


async def mark_failed(
    *, db: Database, mail: OutgoingMail, error: str, max_attempts: int, now: datetime | None = None
) -> None:
    now = now or utcnow()
    final = mail.attempts >= max_attempts
    async with db.engine.begin() as connection:
        await connection.execute(
            update(MailMessage)
            .where(col(MailMessage.id) == mail.id)
            .values(
                status="failed" if final else "pending",
                next_attempt_at=now + backoff(mail.attempts),
                claimed_until=None,
                last_error=error[:500],
            )
        )


async def list_messages(
    *, session: AsyncSession, params: PageParams, status: str | None = None
) -> tuple[list[MailMessage], str | None]:
    statement = select(MailMessage)
    if status is not None:
        statement = statement.where(MailMessage.status == status)
    return await paginate(
        session, statement, order_by=[MailMessage.created_at, MailMessage.id], params=params
    )
