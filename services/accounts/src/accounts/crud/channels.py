"""A person's notification channels: Web Push subscriptions, the channel choice, and the delivery of
each notification from the NOTIFY stream on those channels (through platformkit.outbound)."""

from __future__ import annotations

import json
import uuid
from urllib.parse import urlsplit

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from accounts.config import AccountsSettings
from accounts.crud._sql import execute
from accounts.domain import channels
from accounts.domain import texts_de as texts
from accounts.models import NotificationChannels, Person, PushSubscription
from platformkit import outbound
from platformkit.db import utcnow
from platformkit.events import Notification

# A person keeps at most this many browsers subscribed; subscribing another drops the oldest.
MAX_PUSH_SUBSCRIPTIONS = 10
GONE_REFERENCE = "push_subscription:"


def reachability(person: Person) -> channels.Reachability:
    return channels.Reachability(
        active=person.status == "active",
        email=person.email,
        email_verified=person.email_verified_at is not None,
        phone=person.phone,
    )


# --- push subscriptions ----------------------------------------------------------------------------


async def subscribe(
    *, session: AsyncSession, person_id: uuid.UUID, endpoint: str, p256dh: str, auth: str
) -> PushSubscription:
    """Store a browser's subscription for `person_id` (the same endpoint again: it moves to them)."""
    connection = await session.connection()
    insert = postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert
    statement = insert(PushSubscription).values(
        id=uuid.uuid4(), person_id=person_id, endpoint=endpoint, p256dh=p256dh, auth=auth, created_at=utcnow()
    )
    await execute(
        session,
        statement.on_conflict_do_update(
            index_elements=["endpoint"],
            set_={"person_id": person_id, "p256dh": p256dh, "auth": auth, "created_at": utcnow()},
        ),
    )
    kept = (
        await session.exec(
            select(PushSubscription.id)
            .where(PushSubscription.person_id == person_id)
            .order_by(col(PushSubscription.created_at).desc())
            .limit(MAX_PUSH_SUBSCRIPTIONS)
        )
    ).all()
    await execute(
        session,
        delete(PushSubscription)
        .where(col(PushSubscription.person_id) == person_id)
        .where(col(PushSubscription.id).not_in(kept)),
    )
    row = (await session.exec(select(PushSubscription).where(PushSubscription.endpoint == endpoint))).one()
    await session.refresh(row)
    return row


async def push_subscriptions(*, session: AsyncSession, person_id: uuid.UUID) -> list[PushSubscription]:
    return list(
        (
            await session.exec(
                select(PushSubscription)
                .where(PushSubscription.person_id == person_id)
                .order_by(col(PushSubscription.created_at))
            )
        ).all()
    )


async def unsubscribe(*, session: AsyncSession, person_id: uuid.UUID, subscription_id: uuid.UUID) -> bool:
    """Delete one of the person's subscriptions; False when it is not theirs (or not there)."""
    result = await execute(
        session,
        delete(PushSubscription)
        .where(col(PushSubscription.id) == subscription_id)
        .where(col(PushSubscription.person_id) == person_id),
    )
    removed = int(result.rowcount)  # type: ignore[attr-defined]
    if removed:
        await outbound.cancel(session, reference=f"{GONE_REFERENCE}{subscription_id}")
    return removed > 0


async def forget_gone_subscriptions(session: AsyncSession, outcome: outbound.Outcome) -> None:
    """The outbound hook: a push service that answers 404/410 says the browser unsubscribed."""
    if (
        outcome.channel == "webpush"
        and outcome.status == "failed"
        and outcome.status_code in (404, 410)
        and outcome.reference is not None
        and outcome.reference.startswith(GONE_REFERENCE)
    ):
        try:
            subscription_id = uuid.UUID(outcome.reference.removeprefix(GONE_REFERENCE))
        except ValueError:
            return
        await execute(session, delete(PushSubscription).where(col(PushSubscription.id) == subscription_id))
        await outbound.cancel(session, reference=outcome.reference)


def subscription_json(subscription: PushSubscription) -> str:
    return json.dumps(
        {"endpoint": subscription.endpoint, "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth}}
    )


# --- the channel choice ----------------------------------------------------------------------------


async def chosen(*, session: AsyncSession, person: Person) -> list[channels.Choice]:
    row = await session.get(NotificationChannels, person.id)
    return channels.parse(row.channels if row is not None else None, reachability(person))


async def choose(
    *, session: AsyncSession, person: Person, choices: list[channels.Choice], actor_id: str
) -> list[channels.Choice]:
    """Store the choice (already checked against `channels.available`)."""
    row = await session.get(NotificationChannels, person.id)
    value = " ".join(choice for choice in channels.CHOICES if choice in choices)
    if row is None:
        session.add(NotificationChannels(person_id=person.id, channels=value, updated_by=actor_id))
    else:
        row.channels, row.updated_at, row.updated_by = value, utcnow(), actor_id
    await session.flush()
    return channels.parse(value, reachability(person))


async def forget_person(*, session: AsyncSession, person_id: uuid.UUID) -> dict[str, int]:
    """Erasure: the person's subscriptions and channel choice go (their queued messages go with the
    platform's part of the erasure, platformkit.outbound.forget_person)."""
    subscriptions = await execute(
        session, delete(PushSubscription).where(col(PushSubscription.person_id) == person_id)
    )
    choice = await execute(
        session, delete(NotificationChannels).where(col(NotificationChannels.person_id) == person_id)
    )
    return {
        "push_subscriptions_deleted": int(subscriptions.rowcount),  # type: ignore[attr-defined]
        "channel_choices_deleted": int(choice.rowcount),  # type: ignore[attr-defined]
    }


# --- delivering a notification ---------------------------------------------------------------------


def web_origin(settings: AccountsSettings) -> str:
    """Where the person's browser finds the site (links in notifications are paths on it)."""
    parts = urlsplit(settings.link_base)
    return f"{parts.scheme}://{parts.netloc}"


async def deliver(
    *,
    session: AsyncSession,
    settings: AccountsSettings,
    person_id: str,
    notification_id: str,
    notification: Notification,
) -> list[str]:
    """Enqueue `notification` on the person's chosen channels that this installation can send;
    returns the outbound message ids. Repeating it (a redelivery) adds nothing: the dedupe keys come
    from the notification id."""
    try:
        person = await session.get(Person, uuid.UUID(person_id))
    except ValueError:
        return []
    if person is None:
        return []
    subscriptions = await push_subscriptions(session=session, person_id=person.id)
    planned = channels.plan(
        notification,
        notification_id=notification_id,
        person=reachability(person),
        chosen=await chosen(session=session, person=person),
        push_subscriptions=[(str(s.id), subscription_json(s)) for s in subscriptions],
        origin=web_origin(settings),
        texts={"mail_footer": texts.NOTIFICATION_MAIL_FOOTER, "voice_intro": texts.NOTIFICATION_VOICE_INTRO},
    )
    ids = []
    for message in planned:
        if message.channel != "mail" and not settings.can_send(message.channel):
            continue  # not configured here: the live feed still has it
        ids.append(
            await outbound.enqueue(
                session,
                channel=message.channel,
                target=message.target,
                payload=message.payload,
                dedupe_key=message.dedupe_key,
                params=message.params,
                reference=message.reference,
                person_id=person.id,
                hold=not settings.can_send(message.channel),
            )
        )
    return ids
