"""Telling a person something: one notification contract for every service (issue 8, item 3).

A notification is meant for one person: `kind` (`<service>.<what>`, e.g. `accounts.welcome`), `title`,
`body`, `link`, `severity`, `dedupe_key`. In NATS it is a message on subject `notify.<person_id>` of the
`NOTIFY` stream; its stream sequence is its position in the person's feed (the gateway's SSE `id`, so
`Last-Event-ID` resumes exactly). Channels read it from there: the gateway's live feed, and accounts,
which consumes NOTIFY (`NotificationSentV1`) and sends each notification on the person's chosen channels
(Web Push, mail, SMS, voice) through platformkit.outbound.

How a service sends one, in the transaction of the change that causes it::

    async with db.transaction() as session:
        ...
        await notify(session, person_id=person.id, kind="accounts.welcome", title="Willkommen", body="...")

`notify` writes a row to the service's transactional outbox with subject `<service>.notify.<person_id>`
(inside the service's own stream, so the ordinary relay publishes it with its guarantees). The `NOTIFY`
stream *sources* `<service>.notify.*` from each producer's stream and maps it to `notify.<person_id>`
(a JetStream subject transform), so one stream holds every person's notifications, in one sequence.
A producer without an outbox (or a test) publishes straight to `notify.<person_id>` with
`publish_notification`.

`dedupe_key`: the same (service, person, dedupe_key) is sent once — the outbox row's event id is derived
from it and inserted only if new (for as long as the outbox keeps published rows,
EVENTS_OUTBOX_RETENTION_SECONDS, 7 days by default); a relay retry is dropped by the duplicate window.

Declaring: `ensure_notify_stream` creates `NOTIFY` if missing and adds the given producers as sources
(it never removes any). The gateway runs it at start for every upstream; every producing service runs
`keep_notify_stream_declared` (started by platformkit's app factory), which adds its own source after
every (re)connect.
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import nats.errors
import nats.js.errors
from nats.js import api
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel.ext.asyncio.session import AsyncSession

from platformkit.context import request_id
from platformkit.events.bus import STREAM_NAME_IN_USE, Bus
from platformkit.events.contracts import Event, stream_name
from platformkit.events.envelope import (
    CONTENT_TYPE,
    H_DATACONTENTTYPE,
    H_ID,
    H_MSG_ID,
    H_REQUEST_ID,
    H_SOURCE,
    H_SPECVERSION,
    H_SUBJECT,
    H_TIME,
    H_TYPE,
    SPECVERSION,
    format_time,
    new_event_id,
    parse_time,
)
from platformkit.events.options import EventOptions
from platformkit.events.outbox import _ADDED as _OUTBOX_ROWS_ADDED  # wakes the relay after commit
from platformkit.events.outbox import add_row, outbox_row
from platformkit.tables import outbox

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = [
    "NOTIFICATION_TYPE",
    "NOTIFY_STREAM",
    "FeedItem",
    "Notification",
    "NotificationSentV1",
    "NotificationSubscription",
    "NotificationsUnavailable",
    "NotifyLimits",
    "ensure_notify_stream",
    "follow_notifications",
    "keep_notify_stream_declared",
    "notify",
    "notify_subject",
    "publish_notification",
]

log = logging.getLogger("platformkit.events.notify")

NOTIFY_STREAM = "NOTIFY"
NOTIFICATION_TYPE = "platform.notification.sent.v1"
# Person ids become a subject token: no dots, wildcards or spaces.
PERSON_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
KIND = re.compile(r"^[a-z][a-z0-9_]*\.[a-z0-9_.]{1,80}$")
# Dedupe keys become event ids (UUIDv5) in this namespace.
_DEDUPE_NAMESPACE = uuid.UUID("4f8c7a52-2c55-4f0b-9a7e-6a1f0c2d9b11")

Severity = Literal["info", "warning", "critical"]


class NotificationsUnavailable(Exception):
    """NATS is down, or the NOTIFY stream does not exist yet."""


class Notification(BaseModel):
    """What a person is told. The link is a path on our site or an https URL, never a script."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    kind: str = Field(max_length=100)
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(default="", max_length=2000)
    link: str | None = Field(default=None, max_length=2000)
    severity: Severity = "info"
    dedupe_key: str | None = Field(default=None, max_length=200)

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str) -> str:
        if not KIND.match(value):
            raise ValueError("kind must be '<service>.<what>' in lowercase, e.g. 'accounts.welcome'")
        return value

    @field_validator("link")
    @classmethod
    def _link(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if (value.startswith("/") and not value.startswith("//") and "\\" not in value) or value.startswith(
            "https://"
        ):
            return value
        raise ValueError("link must be a path on this site (/...) or an https:// address")

    @property
    def service(self) -> str:
        return self.kind.split(".", 1)[0]


# Event first: its `service()` classmethod (the "platform" of the type) wins over the notification's
# `service` property; the data fields and checks are the notification's.
class NotificationSentV1(Event, Notification):  # type: ignore[misc]
    """A notification as a consumer of the NOTIFY stream receives it, e.g. the service that delivers it
    on a person's chosen channels: `Consumer(name=..., event=NotificationSentV1, handler=...,
    from_stream=NOTIFY_STREAM, filter_subject="notify.>")`. The person is the envelope's subject
    (`current_envelope.get().subject`), the event id the notification's (stable for a dedupe key)."""

    type: ClassVar[str] = NOTIFICATION_TYPE


def notify_subject(person_id: str) -> str:
    """`notify.<person_id>`: the person's subject in the NOTIFY stream."""
    return f"notify.{_checked_person(person_id)}"


def _checked_person(person_id: object) -> str:
    text = str(person_id)
    if not PERSON_ID.match(text):
        raise ValueError("person_id must be 1-128 letters, digits, '-' or '_'")
    return text


def _event_id(service: str, person: str, dedupe_key: str | None) -> str:
    if dedupe_key is None:
        return new_event_id()
    return str(uuid.uuid5(_DEDUPE_NAMESPACE, f"{service}\n{person}\n{dedupe_key}"))


async def notify(
    session: AsyncSession,
    *,
    person_id: str | uuid.UUID,
    kind: str,
    title: str,
    body: str = "",
    link: str | None = None,
    severity: Severity = "info",
    dedupe_key: str | None = None,
    new_key: bool = False,
) -> str:
    """Tell `person_id` something, in the caller's transaction (sent after commit, never on rollback).
    Returns the notification's event id (an earlier one's, when `dedupe_key` was used before).

    `new_key`: the caller knows that `dedupe_key` cannot have been used before (it names a record this
    transaction creates), so the row is written with the transaction's events at commit, in their one
    INSERT, instead of by a statement of its own now."""
    person = _checked_person(person_id)
    notification = Notification(
        kind=kind, title=title, body=body, link=link, severity=severity, dedupe_key=dedupe_key
    )
    service = notification.service
    stream_name(service)  # the kind must start with a service name
    event_id = _event_id(service, person, dedupe_key)
    row = outbox_row(
        event_id=event_id, event_type=NOTIFICATION_TYPE, subject=f"{service}.notify.{person}",
        ce_subject=person, data=notification.model_dump_json(),
    )
    if new_key:
        await add_row(session, row)
        return event_id
    # Written at once (not at commit like `publish`), so that a repeated dedupe key is skipped by the
    # database itself instead of failing the caller's commit.
    connection = await session.connection()
    await connection.execute(_INSERT_NEW[connection.dialect.name], row)
    session.info[_OUTBOX_ROWS_ADDED] = True
    return event_id


# Built once per dialect (a statement built per call costs more Python than running it).
_INSERT_NEW = {
    "postgresql": postgresql_insert(outbox).on_conflict_do_nothing(index_elements=["event_id"]),
    "sqlite": sqlite_insert(outbox).on_conflict_do_nothing(index_elements=["event_id"]),
}


async def publish_notification(
    bus: Bus, person_id: str | uuid.UUID, notification: Notification, *, source: str, event_id: str | None = None
) -> int:
    """Publish straight to `notify.<person_id>` (no outbox: for producers without a database, and tests).
    Retrying with the same `event_id` stores it once (duplicate window). Returns the stream sequence."""
    person = _checked_person(person_id)
    event_id = event_id or _event_id(notification.service, person, notification.dedupe_key)
    headers = {
        H_SPECVERSION: SPECVERSION,
        H_ID: event_id,
        H_TYPE: NOTIFICATION_TYPE,
        H_SOURCE: source,
        H_TIME: format_time(datetime.now(UTC)),
        H_SUBJECT: person,
        H_DATACONTENTTYPE: CONTENT_TYPE,
        H_MSG_ID: event_id,
    }
    rid = request_id.get()
    if rid is not None:
        headers[H_REQUEST_ID] = rid
    try:
        ack = await bus.js.publish(
            notify_subject(person), notification.model_dump_json().encode(), headers=headers, stream=NOTIFY_STREAM
        )
    except (nats.errors.Error, RuntimeError, TimeoutError) as error:
        raise NotificationsUnavailable(f"{type(error).__name__}: {error}") from None
    return int(ack.seq)


# --- the stream ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class NotifyLimits:
    """How much of a person's history the NOTIFY stream keeps. Set by the gateway, which owns the feed."""

    max_age_seconds: float = 30 * 24 * 3600
    max_per_person: int = 200
    duplicate_window_seconds: float = 120.0
    # Like every stream: EVENTS_STREAM_REPLICAS (3 in production), so a lost NATS node loses no feed.
    replicas: int = field(default_factory=lambda: EventOptions().stream_replicas)


def _source(service: str) -> api.StreamSource:
    return api.StreamSource(
        name=stream_name(service),
        subject_transforms=[api.SubjectTransform(src=f"{service}.notify.*", dest="notify.{{wildcard(1)}}")],
    )


def _stream_config(sources: list[api.StreamSource], limits: NotifyLimits) -> api.StreamConfig:
    return api.StreamConfig(
        name=NOTIFY_STREAM,
        subjects=["notify.>"],
        sources=sources or None,
        storage=api.StorageType.FILE,
        retention=api.RetentionPolicy.LIMITS,
        discard=api.DiscardPolicy.OLD,
        max_age=limits.max_age_seconds,
        max_msgs_per_subject=limits.max_per_person,
        duplicate_window=limits.duplicate_window_seconds,
        num_replicas=limits.replicas,
    )


async def ensure_notify_stream(
    bus: Bus, *, producers: Iterable[str] = (), limits: NotifyLimits | None = None
) -> None:
    """Create NOTIFY if missing; make sure each producer's stream is among its sources (sources are only
    ever added); with `limits`, also bring its retention to them. Safe to run from many processes."""
    wanted = sorted(set(producers))
    js = bus.js
    for _attempt in range(10):
        try:
            info = await js.stream_info(NOTIFY_STREAM)
        except nats.js.errors.NotFoundError:
            try:
                await js.add_stream(_stream_config([_source(name) for name in wanted], limits or NotifyLimits()))
            except nats.js.errors.BadRequestError as error:
                if error.err_code != STREAM_NAME_IN_USE:
                    raise
            continue  # read it back: another process may have created it at the same moment
        config = info.config
        present = {source.name for source in config.sources or []}
        missing = [_source(name) for name in wanted if stream_name(name) not in present]
        retention_differs = limits is not None and (
            config.max_age != limits.max_age_seconds or config.max_msgs_per_subject != limits.max_per_person
            or config.num_replicas != limits.replicas
        )
        if not missing and not retention_differs:
            return
        config.sources = [*(config.sources or []), *missing]
        if limits is not None:
            config.max_age = limits.max_age_seconds
            config.max_msgs_per_subject = limits.max_per_person
            config.num_replicas = limits.replicas
        await js.update_stream(config)
        # Loop: read back, in case another process updated the sources at the same moment.
    raise NotificationsUnavailable("the NOTIFY stream could not be brought to the wanted configuration")


async def keep_notify_stream_declared(app: FastAPI) -> None:
    """The app factory runs this loop for every producing service: adds the service's stream as a source
    of NOTIFY after every (re)connect of its event runtime."""
    events = app.state.events
    service: str = app.state.spec.name
    if events is None:
        raise RuntimeError("keep_notify_stream_declared needs the service's event runtime (a database)")
    bus: Bus = events.bus
    renewed = asyncio.Event()
    renewed.set()
    bus.on_connect(renewed.set)
    while True:
        await renewed.wait()
        renewed.clear()
        pause = 0.5
        while True:
            try:
                await bus.wait_connected()
                await ensure_notify_stream(bus, producers=[service])
                break
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("cannot declare the NOTIFY stream yet: %s: %s", type(error).__name__, error)
                await asyncio.sleep(pause)
                pause = min(pause * 2, 30.0)


# --- reading a person's feed -----------------------------------------------------------------------


@dataclass(frozen=True)
class FeedItem:
    """One notification as the feed shows it: its stream sequence is its position."""

    sequence: int
    event_id: str
    time: datetime
    notification: Notification

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.event_id,
            "sequence": self.sequence,
            "time": format_time(self.time),
            **self.notification.model_dump(exclude={"dedupe_key"}),
        }


class NotificationSubscription:
    """A person's notifications in stream order, from a point on (an ordered, ephemeral consumer)."""

    def __init__(self, subscription: Any) -> None:
        self._subscription = subscription

    async def next(self, wait: float) -> FeedItem | None:
        """The next notification, or None when none came within `wait` seconds. A message that is not
        a valid notification is skipped (logged)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return None
            try:
                message = await self._subscription.next_msg(timeout=remaining)
            except nats.errors.TimeoutError:
                return None
            except nats.errors.Error as error:
                raise NotificationsUnavailable(f"{type(error).__name__}: {error}") from None
            item = _feed_item(message)
            if item is not None:
                return item

    async def close(self) -> None:
        try:
            await self._subscription.unsubscribe()
        except (nats.errors.Error, RuntimeError) as error:
            log.info("closing a feed subscription: %s: %s", type(error).__name__, error)


def _feed_item(message: Any) -> FeedItem | None:
    headers = {key.lower(): value for key, value in (message.headers or {}).items()}
    sequence = int(message.metadata.sequence.stream)
    try:
        notification = Notification.model_validate_json(message.data)
        moment = parse_time(headers[H_TIME]) if H_TIME in headers else message.metadata.timestamp
    except (ValidationError, ValueError) as error:
        log.warning("NOTIFY message %d skipped: not a notification (%s)", sequence, type(error).__name__)
        return None
    event_id = headers.get(H_ID) or headers.get(H_MSG_ID.lower()) or str(sequence)
    return FeedItem(sequence=sequence, event_id=event_id, time=moment, notification=notification)


async def follow_notifications(bus: Bus, person_id: str, *, after: int | None = None) -> NotificationSubscription:
    """Subscribe to `notify.<person_id>`: every retained notification (`after` None), or those after
    stream sequence `after` (a reconnect's Last-Event-ID)."""
    subject = notify_subject(person_id)
    if after is not None and after > 0:
        config = api.ConsumerConfig(deliver_policy=api.DeliverPolicy.BY_START_SEQUENCE, opt_start_seq=after + 1)
    else:
        config = api.ConsumerConfig(deliver_policy=api.DeliverPolicy.ALL)
    if not bus.connected:
        raise NotificationsUnavailable("NATS is not connected")
    try:
        subscription = await bus.js.subscribe(subject, stream=NOTIFY_STREAM, ordered_consumer=True, config=config)
    except (nats.errors.Error, RuntimeError, TimeoutError) as error:
        raise NotificationsUnavailable(f"{type(error).__name__}: {error}") from None
    return NotificationSubscription(subscription)
