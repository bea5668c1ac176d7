"""Events accounts publishes (through the transactional outbox, in the caller's transaction) and
consumes: every service's erasure completion (`<service>.personal_data.erased.v1`), kept as the erasure
report; every notification of the NOTIFY stream, sent on the person's chosen channels; and marketplace's
merchant approvals, on which the applicant gets the `merchant` role bound to that merchant. The
contracts live in eventcontracts.accounts, eventcontracts.marketplace and eventcontracts.personal_data.

A merchant's suspension (`marketplace.merchant.suspended.v1`) is deliberately not consumed: the role
stays, so that the shopkeeper still sees their orders; marketplace itself decides what a suspended
merchant may still do. An operator revokes the role by hand where someone must lose access."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from accounts.config import AccountsSettings
from accounts.crud import channels, erasure, people, roles
from accounts.domain import texts_de as texts
from accounts.domain.roles import MERCHANT, Grant
from accounts.models import Person, RoleGrant
from eventcontracts.accounts import PersonErasedV1, PersonRegisteredV1, RoleGrantedV1, RoleRevokedV1
from eventcontracts.marketplace import MerchantApprovedV1
from eventcontracts.personal_data import PersonalDataErased, erasure_report_events
from platformkit.context import service_settings
from platformkit.events import Consumer, NotificationSentV1, current_envelope, notify, publish
from platformkit.events.notify import NOTIFY_STREAM


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


async def person_erased(session: AsyncSession, person_id: uuid.UUID, erased_at: datetime) -> None:
    await publish(session, PersonErasedV1(person_id=person_id, erased_at=erased_at))


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


async def on_erasure_reported(event: PersonalDataErased, session: AsyncSession) -> None:
    """A service has erased a person: keep its report (once; a redelivered copy changes nothing)."""
    await erasure.record_report(session=session, event=event)


async def on_notification(event: NotificationSentV1, session: AsyncSession) -> None:
    """A notification for someone (from any service): Web Push, mail, SMS or a call as they chose.
    The inbox and the dedupe keys (from the notification id) keep a redelivery from sending twice."""
    envelope = current_envelope.get()
    if envelope is None or envelope.subject is None:
        return
    settings = service_settings.get()
    assert isinstance(settings, AccountsSettings), "the notification consumer runs inside the accounts app"
    await channels.deliver(
        session=session, settings=settings, person_id=envelope.subject, notification_id=envelope.id,
        notification=event,
    )


async def on_merchant_approved(event: MerchantApprovedV1, session: AsyncSession) -> None:
    """District staff approved a merchant in marketplace: its applicant gets the `merchant` role bound to
    it, as if the deciding staff member had granted it here (audited with them as actor, announced as
    `accounts.role.granted.v1`), and is told. Nothing for a merchant without an applicant, an erased or
    unknown person, or one who holds the role for this merchant already (a re-approval after a
    suspension, or a second copy of the event)."""
    if event.person_id is None:
        return
    person = await people.get(session=session, person_id=event.person_id)
    if person is None:
        return
    if await roles.holds_merchant(session=session, person_id=person.id, merchant_id=event.merchant_id):
        return
    await roles.grant_role(
        session=session, person_id=person.id, grant=Grant(MERCHANT, merchant_id=event.merchant_id),
        actor_id=event.decided_by, note=f"{MerchantApprovedV1.type}: marketplace approval of the application",
    )
    await notify(
        session, person_id=person.id, kind="accounts.merchant_approved", title=texts.MERCHANT_APPROVED_TITLE,
        body=texts.MERCHANT_APPROVED_BODY.format(name=event.name), link="/merchant",
        dedupe_key=f"merchant-approved:{event.merchant_id}",
    )


consumers: list[Any] = [
    *(
        Consumer(name=f"erasure-report-{report.service()}", event=report, handler=on_erasure_reported)
        for report in erasure_report_events()
    ),
    Consumer(
        name="notification-channels", event=NotificationSentV1, handler=on_notification,
        from_stream=NOTIFY_STREAM, filter_subject="notify.>",
    ),
    Consumer(name="merchant-approved", event=MerchantApprovedV1, handler=on_merchant_approved),
]
