"""Role grants and revocations (by operators, audited, announced as events)."""

from __future__ import annotations

import uuid

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from accounts import events
from accounts.crud._sql import execute
from accounts.domain.roles import MERCHANT, Grant
from accounts.models import RoleGrant
from platformkit import audit
from platformkit.db import utcnow


async def active_grants(*, session: AsyncSession, person_id: uuid.UUID) -> list[RoleGrant]:
    statement = (
        select(RoleGrant)
        .where(RoleGrant.person_id == person_id, col(RoleGrant.revoked_at).is_(None))
        .order_by(col(RoleGrant.granted_at), col(RoleGrant.id))
    )
    return list((await session.exec(statement)).all())


async def holds_merchant(*, session: AsyncSession, person_id: uuid.UUID, merchant_id: str) -> bool:
    """Does the person hold an active `merchant` role bound to this merchant?"""
    statement = select(RoleGrant.id).where(
        RoleGrant.person_id == person_id,
        RoleGrant.role == MERCHANT,
        RoleGrant.merchant_id == merchant_id,
        col(RoleGrant.revoked_at).is_(None),
    )
    return (await session.exec(statement)).first() is not None


def as_domain(grants: list[RoleGrant]) -> list[Grant]:
    return [Grant(g.role, g.merchant_id, g.organisation_id, g.scopes) for g in grants]


async def grant_role(
    *, session: AsyncSession, person_id: uuid.UUID, grant: Grant, actor_id: str, note: str | None = None
) -> RoleGrant:
    """Grant, audit (with `note`: why, when not by hand) and announce `accounts.role.granted.v1`."""
    row = RoleGrant(
        person_id=person_id,
        role=grant.role,
        merchant_id=grant.merchant_id,
        organisation_id=grant.organisation_id,
        scopes=" ".join(sorted(set(grant.scopes.split()))),
        granted_by=actor_id,
    )
    session.add(row)
    await session.flush()
    audit.record(
        session,
        actor=actor_id,
        action="role.granted",
        person_id=person_id,
        details={
            "grant_id": str(row.id),
            "role": row.role,
            "merchant_id": row.merchant_id,
            "organisation_id": row.organisation_id,
            "scopes": row.scopes,
            **({"note": note} if note else {}),
        },
    )
    await events.role_granted(session, row)
    return row


async def revoke_role(
    *, session: AsyncSession, person_id: uuid.UUID, grant_id: uuid.UUID, actor_id: str
) -> RoleGrant | None:
    now = utcnow()
    result = await execute(
        session,
        update(RoleGrant)
        .where(
            col(RoleGrant.id) == grant_id,
            col(RoleGrant.person_id) == person_id,
            col(RoleGrant.revoked_at).is_(None),
        )
        .values(revoked_at=now, revoked_by=actor_id)
        .returning(col(RoleGrant.id)),
    )
    if result.first() is None:
        return None
    row = await session.get(RoleGrant, grant_id, populate_existing=True)
    assert row is not None
    audit.record(
        session,
        actor=actor_id,
        action="role.revoked",
        person_id=person_id,
        details={"grant_id": str(grant_id), "role": row.role},
    )
    await events.role_revoked(session, row)
    return row


async def revoke_all(*, session: AsyncSession, person_id: uuid.UUID, actor_id: str) -> int:
    result = await execute(
        session,
        update(RoleGrant)
        .where(col(RoleGrant.person_id) == person_id, col(RoleGrant.revoked_at).is_(None))
        .values(revoked_at=utcnow(), revoked_by=actor_id),
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
