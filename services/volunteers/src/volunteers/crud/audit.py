"""The audit trail: who did what to which record. Staff acting for a person appear as the actor, with the
person as `on_behalf_of`; the system's own steps as `system`."""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from platformkit.auth import Principal
from volunteers.models import AuditEntry

SYSTEM = "system"


def actor_of(principal: Principal | None) -> tuple[str, str | None]:
    if principal is None:
        return SYSTEM, None
    if principal.actor is not None:
        return principal.actor, principal.sub
    return principal.sub, None


def record(
    session: AsyncSession,
    *,
    by: Principal | None,
    action: str,
    subject_kind: str,
    subject_id: uuid.UUID | str,
    **detail: Any,
) -> None:
    actor, on_behalf_of = actor_of(by)
    session.add(
        AuditEntry(
            actor=actor,
            on_behalf_of=on_behalf_of,
            action=action,
            subject_kind=subject_kind,
            subject_id=str(subject_id),
            detail={key: value if isinstance(value, (int, float, bool, type(None))) else str(value)
                    for key, value in detail.items()},
        )
    )
