"""The audit log: what staff did, for whom, when."""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from accounts.models import AuditEntry
from platformkit.pagination import PageParams, paginate


async def record(
    *,
    session: AsyncSession,
    actor_id: str,
    action: str,
    person_id: uuid.UUID | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    entry = AuditEntry(actor_id=actor_id, person_id=person_id, action=action, details=details or {})
    session.add(entry)
    await session.flush()
    return entry


async def list_entries(
    *,
    session: AsyncSession,
    params: PageParams,
    person_id: uuid.UUID | None = None,
    actor_id: str | None = None,
) -> tuple[list[AuditEntry], str | None]:
    statement = select(AuditEntry)
    if person_id is not None:
        statement = statement.where(AuditEntry.person_id == person_id)
    if actor_id is not None:
        statement = statement.where(AuditEntry.actor_id == actor_id)
    return await paginate(session, statement, order_by=[AuditEntry.at, AuditEntry.id], params=params)
