"""Events accounts publishes (through the transactional outbox, in the caller's transaction) and
consumes (none yet). The contracts live in eventcontracts.accounts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from accounts.models import Person, RoleGrant
from eventcontracts.accounts import PersonErasedV1, PersonRegisteredV1, RoleGrantedV1, RoleRevokedV1
from platformkit.events import publish

consumers: list[Any] = []


async def person_registered(session: AsyncSession, person: Person) -> None:
    await publish(
        session,
        PersonRegisteredV1(
            person_id=person.id,
            registered_at=person.created_at,
            phone_only=person.email is None,
            created_by=person.created_by,
        ),
    )


async def person_erased(session: AsyncSession, person: Person, erased_at: datetime) -> None:
    await publish(session, PersonErasedV1(person_id=person.id, erased_at=erased_at))


async def role_granted(session: AsyncSession, grant: RoleGrant) -> None:
    await publish(
        session,
        RoleGrantedV1(
            person_id=grant.person_id,
            grant_id=grant.id,
            role=grant.role,
            merchant_id=grant.merchant_id,
            organisation_id=grant.organisation_id,
            scopes=grant.scopes.split(),
            granted_at=grant.granted_at,
        ),
    )


async def role_revoked(session: AsyncSession, grant: RoleGrant) -> None:
    assert grant.revoked_at is not None
    await publish(
        session,
        RoleRevokedV1(
            person_id=grant.person_id,
            grant_id=grant.id,
            role=grant.role,
            merchant_id=grant.merchant_id,
            organisation_id=grant.organisation_id,
            revoked_at=grant.revoked_at,
        ),
    )
