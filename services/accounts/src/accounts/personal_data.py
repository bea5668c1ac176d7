"""accounts' part of the personal-data contract (platformkit.personal_data), and the erasure of an
account, which accounts starts: its own part at once, in the erasure request (so that the person cannot
sign in from that moment), then `accounts.person.erased.v1` for every other service."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from accounts import events
from accounts.crud import channels, merchants, people, roles, tokens
from accounts.domain.roles import Grant
from accounts.models import Person
from platformkit import audit, outbound
from platformkit.db import utcnow
from platformkit.events import notify
from platformkit.personal_data import PersonalData, erase_person

SERVICE = "accounts"


async def export(session: AsyncSession, person_id: uuid.UUID) -> dict[str, Any]:
    person = await people.get(session=session, person_id=person_id)
    if person is None:
        return {}
    return await people.export(session=session, person=person)


async def erase(session: AsyncSession, person_id: uuid.UUID, erased_at: datetime) -> dict[str, int]:
    return await people.erase_records(session=session, person_id=person_id, erased_at=erased_at)


async def example(session: AsyncSession, person_id: uuid.UUID) -> Collection[str]:
    """A merchant's staff member with everything accounts keeps about someone: the person, a role, a
    live session, a pending reset token, a mail, a browser's push subscription and their channel choice,
    an API key they made, a notification, staff's audit entry about them."""
    tag = person_id.hex[:8]
    name, email = f"Erika Beispiel-{tag}", f"erika.{tag}@beispiel.example"
    phone = f"+49 3984 {int(tag, 16) % 10**7:07d}"
    mail_subject = f"Ihr Hofladen-Schlüssel {tag}"
    person = Person(id=person_id, email=email, email_verified_at=utcnow(), password_hash=f"$argon2id$x{tag}",
                    name=name, phone=phone, home_place="ot-prenzlau-dedelow")
    session.add(person)
    await session.flush()
    await roles.grant_role(
        session=session, person_id=person_id, grant=Grant(role="merchant", merchant_id=f"m-{tag}"), actor_id="staff-1"
    )
    await tokens.save_refresh(
        session=session, token=f"refresh-{person_id}", family_id=uuid.uuid4(), person_id=person_id,
        client_id="gateway", scope="openid", auth_time=0, ttl=timedelta(days=1),
    )
    await tokens.issue_one_time(
        session=session, person_id=person_id, purpose=tokens.RESET_PASSWORD, ttl=timedelta(hours=1)
    )
    await outbound.enqueue(
        session, channel="mail", target=email, payload={"subject": mail_subject, "body": f"Hallo {name}"},
        person_id=person_id, hold=True,
    )
    endpoint = f"https://push.beispiel.example/{tag}"
    await channels.subscribe(
        session=session, person_id=person_id, endpoint=endpoint, p256dh="B" + "A" * 86, auth="x" * 22
    )
    await channels.choose(session=session, person=person, choices=["push", "mail", "sms"], actor_id=str(person_id))
    await merchants.create_api_key(
        session=session, merchant_id=f"m-{tag}", name="Kasse", scopes="orders:read", created_by=str(person_id)
    )
    await notify(session, person_id=person_id, kind="accounts.welcome", title=f"Willkommen, {name}")
    audit.record(session, actor="staff-1", action="person.changed", person_id=person_id)
    await session.flush()
    return [name, email, phone, mail_subject, endpoint]


PERSONAL_DATA = PersonalData(
    export=export,
    erase=erase,
    example=example,
    # The tombstone row (counts stay right), revoked role grants, and the proof of the erasure itself. The
    # audit log keeps a pseudonym instead (platformkit's rule, as in every service).
    keeps_id_in=frozenset({"person.id", "role_grant.person_id", "erasure_report.person_id"}),
)


async def erase_account(session: AsyncSession, *, person: Person, actor_id: str) -> dict[str, int]:
    """Erase a person (themselves, or staff for a phone-only person): accounts' part now, in the caller's
    transaction, with its completion report; every other service is told by `accounts.person.erased.v1`
    in the same commit."""
    erased_at = utcnow()
    if actor_id != str(person.id):
        # Before the erasure, which turns the person's id in it into the pseudonym, as everywhere else.
        audit.record(session, actor=actor_id, action="person.erased", subject_kind="person", subject_id=person.id)
    counts = await erase_person(
        session, service=SERVICE, personal_data=PERSONAL_DATA, person_id=person.id, erased_at=erased_at
    )
    await events.person_erased(session, person.id, erased_at)
    return counts
