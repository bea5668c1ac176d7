"""The audit log: who did what to which record (staff acting for someone recorded beside them)."""

from __future__ import annotations

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from marketplace.models import AuditEntry
from platformkit.auth import Principal


async def record(
    session: AsyncSession,
    *,
    principal: Principal,
    action: str,
    target: str,
    merchant_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditEntry(
            actor=principal.sub[:64],
            acting_staff=principal.actor,
            merchant_id=merchant_id,
            action=action,
            target=target,
            detail=detail or {},
        )
    )
