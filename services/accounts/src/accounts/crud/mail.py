"""accounts' mail, through platformkit.outbound: `queue` in the caller's transaction (the platform's
sender delivers it over SMTP with retries, or it is kept as `held` for operators when no SMTP_URL is
set), and the operators' view of the mails sent or held."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from accounts.config import AccountsSettings
from platformkit import outbound
from platformkit.pagination import PageParams, paginate
from platformkit.tables import outbound_message


async def queue(
    *,
    session: AsyncSession,
    settings: AccountsSettings,
    to_address: str,
    subject: str,
    body: str,
    person_id: uuid.UUID | None,
) -> str:
    """Returns the outgoing message's id."""
    return await outbound.enqueue(
        session,
        channel="mail",
        target=to_address,
        payload={"subject": subject, "body": body},
        person_id=person_id,
        hold=not settings.can_send("mail"),
    )


@dataclass(frozen=True)
class Mail:
    """A mail as operators see it (GET /admin/mails)."""

    id: str
    to_address: str
    subject: str
    body: str
    status: str  # pending | held | sent | failed | cancelled
    attempts: int
    created_at: datetime
    sent_at: datetime | None
    last_error: str | None


def _mail(row: Any) -> Mail:
    content = json.loads(row.payload)
    return Mail(
        id=row.id,
        to_address=row.target,
        subject=str(content.get("subject", "")),
        body=str(content.get("body", "")),
        status=row.status,
        attempts=row.attempts,
        created_at=row.created_at,
        sent_at=row.finished_at if row.status == "sent" else None,
        last_error=row.last_error,
    )


async def list_messages(
    *, session: AsyncSession, params: PageParams, status: str | None = None, to_address: str | None = None
) -> tuple[list[Mail], str | None]:
    statement = select(outbound_message).where(outbound_message.c.channel == "mail")
    if status is not None:
        statement = statement.where(outbound_message.c.status == status)
    if to_address is not None:
        statement = statement.where(outbound_message.c.target == to_address)
    rows: list[Any]
    rows, cursor = await paginate(
        session,
        statement,  # type: ignore[arg-type]
        order_by=[outbound_message.c.created_at, outbound_message.c.id],
        params=params,
    )
    return [_mail(row) for row in rows], cursor
