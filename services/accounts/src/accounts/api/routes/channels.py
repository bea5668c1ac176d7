"""How notifications reach a person besides the live feed: their browsers' Web Push subscriptions and
their channel choice (push, mail, sms, voice); staff (people-desk) choose for phone-only people."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from accounts.api.deps import CurrentPerson, PeopleDeskDep, SettingsDep
from accounts.crud import channels, people
from accounts.domain import channels as choices
from accounts.domain import texts_de as texts
from accounts.models import Person
from platformkit import audit, outbound
from platformkit.deps import SessionDep
from platformkit.outbound.webpush import InvalidSubscription, parse_subscription
from platformkit.problems import ProblemError

router = APIRouter(tags=["notification channels"])


class PushKeys(BaseModel):
    p256dh: str = Field(max_length=100)
    auth: str = Field(max_length=40)


class PushSubscriptionCreate(BaseModel):
    """What the browser's PushSubscription.toJSON() gives (expirationTime is ignored)."""

    endpoint: str = Field(max_length=2000)
    keys: PushKeys


class PushSubscriptionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    endpoint: str
    created_at: datetime


class PushSubscriptionList(BaseModel):
    items: list[PushSubscriptionPublic]


class ChannelChoice(BaseModel):
    channels: list[choices.Choice] = Field(max_length=len(choices.CHOICES))


class ChannelsPublic(BaseModel):
    """`channels`: what delivers the person's notifications besides the live feed; `available`: what
    they can choose (push and mail need an e-mail address, sms and voice a phone number);
    `push_subscriptions`: how many browsers push reaches."""

    channels: list[choices.Choice]
    available: list[choices.Choice]
    push_subscriptions: int


@router.post("/me/push-subscriptions", status_code=201, response_model=PushSubscriptionPublic)
async def add_push_subscription(
    body: PushSubscriptionCreate, person: CurrentPerson, session: SessionDep, settings: SettingsDep
) -> PushSubscriptionPublic:
    """Subscribe this browser to the person's notifications (the web's "allow notifications" button)."""
    try:
        await outbound.check_public_url(
            body.endpoint, allowed_networks=outbound.parse_networks(settings.outbound_allowed_networks)
        )
    except outbound.UnsafeUrl as refused:
        raise ProblemError(
            422, "PUSH_ENDPOINT_REFUSED", f"{texts.PUSH_ENDPOINT_REFUSED} ({refused.code})", field="body.endpoint"
        ) from None
    try:
        parse_subscription(json.dumps(body.model_dump()))
    except InvalidSubscription:
        raise ProblemError(
            422, "PUSH_SUBSCRIPTION_INVALID", texts.PUSH_SUBSCRIPTION_INVALID, field="body.keys"
        ) from None
    subscription = await channels.subscribe(
        session=session, person_id=person.id, endpoint=body.endpoint, p256dh=body.keys.p256dh, auth=body.keys.auth
    )
    await session.commit()
    return PushSubscriptionPublic.model_validate(subscription)


@router.get("/me/push-subscriptions", response_model=PushSubscriptionList)
async def list_push_subscriptions(person: CurrentPerson, session: SessionDep) -> PushSubscriptionList:
    rows = await channels.push_subscriptions(session=session, person_id=person.id)
    return PushSubscriptionList(items=[PushSubscriptionPublic.model_validate(row) for row in rows])


@router.delete("/me/push-subscriptions/{subscription_id}", status_code=204)
async def delete_push_subscription(subscription_id: uuid.UUID, person: CurrentPerson, session: SessionDep) -> None:
    if not await channels.unsubscribe(session=session, person_id=person.id, subscription_id=subscription_id):
        raise ProblemError(404, "PUSH_SUBSCRIPTION_NOT_FOUND", texts.PUSH_SUBSCRIPTION_NOT_FOUND)
    await session.commit()


async def _public(session: SessionDep, person: Person) -> ChannelsPublic:
    return ChannelsPublic(
        channels=await channels.chosen(session=session, person=person),
        available=choices.available(channels.reachability(person)),
        push_subscriptions=len(await channels.push_subscriptions(session=session, person_id=person.id)),
    )


async def _choose(session: SessionDep, person: Person, body: ChannelChoice, actor_id: str) -> None:
    refused = choices.unavailable(body.channels, channels.reachability(person))
    if refused:
        raise ProblemError(
            422, "CHANNEL_UNAVAILABLE", texts.CHANNEL_UNAVAILABLE.format(channels=", ".join(refused)),
            field="body.channels",
        )
    await channels.choose(session=session, person=person, choices=body.channels, actor_id=actor_id)


@router.get("/me/notification-channels", response_model=ChannelsPublic)
async def read_my_channels(person: CurrentPerson, session: SessionDep) -> ChannelsPublic:
    return await _public(session, person)


@router.put("/me/notification-channels", response_model=ChannelsPublic)
async def choose_my_channels(body: ChannelChoice, person: CurrentPerson, session: SessionDep) -> ChannelsPublic:
    await _choose(session, person, body, actor_id=str(person.id))
    await session.commit()
    return await _public(session, person)


async def _phone_only(session: SessionDep, person_id: uuid.UUID) -> Person:
    person = await people.get(session=session, person_id=person_id)
    if person is None:
        raise ProblemError(404, "PERSON_NOT_FOUND", texts.PERSON_NOT_FOUND)
    if person.email is not None:
        raise ProblemError(409, "NOT_PHONE_ONLY", texts.NOT_PHONE_ONLY)
    return person


@router.get("/admin/people/{person_id}/notification-channels", response_model=ChannelsPublic, tags=["admin"])
async def read_phone_only_channels(
    person_id: uuid.UUID, _staff: PeopleDeskDep, session: SessionDep
) -> ChannelsPublic:
    return await _public(session, await _phone_only(session, person_id))


@router.put("/admin/people/{person_id}/notification-channels", response_model=ChannelsPublic, tags=["admin"])
async def choose_phone_only_channels(
    person_id: uuid.UUID, body: ChannelChoice, staff: PeopleDeskDep, session: SessionDep
) -> ChannelsPublic:
    """For a phone-only person (they cannot sign in): SMS, a voice call, both or neither. Audited."""
    person = await _phone_only(session, person_id)
    await _choose(session, person, body, actor_id=staff.sub)
    audit.record(
        session, actor=staff.sub, action="notification_channels_chosen", person_id=person.id,
        details={"channels": body.channels},
    )
    await session.commit()
    return await _public(session, person)
