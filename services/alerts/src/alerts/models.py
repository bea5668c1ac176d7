"""The tables of alerts (its own SQLModel registry, see platformkit.db.service_registry).

A warning is a *thread*: the CAP messages (Alert, Updates, Cancel) or NINA versions that are one warning,
joined by `references` and normalised identifiers (`thread_key`). At most one message is current."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from platformkit.db import UtcDateTime, service_registry, utcnow


class AlertsModel(SQLModel, registry=service_registry()):
    """The base of every alerts table: its own metadata, with the platform tables in it."""


def _uuid() -> uuid.UUID:
    return uuid.uuid4()


class WarningThread(AlertsModel, table=True):
    __tablename__ = "warning_thread"
    __table_args__ = (Index("ix_warning_thread_state_expires", "state", "expires_at"),)

    id: uuid.UUID = Field(default_factory=_uuid, primary_key=True)
    # The normalised identifier of the first message seen (display and debugging).
    first_key: str = Field(max_length=200)
    # Where it came from: dwd, mowas, katwarn, biwapp, lhp, police, cap, local.
    source: str = Field(max_length=32)
    # active | cancelled | expired | ended (gone from its feed) | pending_approval (a local draft)
    state: str = Field(default="active", max_length=20, index=True)
    # Whether the current message may reach residents (status Actual, scope Public, msgType Alert/Update).
    public: bool = False
    status: str = Field(default="Actual", max_length=16)
    scope: str = Field(default="Public", max_length=16)
    severity: int = 0
    categories: str = Field(default="", max_length=200)
    topic_mask: int = 0
    headline: str = Field(default="", max_length=500)
    sent_at: datetime = Field(sa_type=UtcDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    current_message_id: uuid.UUID | None = None
    fingerprint: str = Field(default="", max_length=64)
    # The current area for maps and matching: {"shapes": [...], "area_prefixes": [...], ...} as JSON text.
    area_json: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    ortsteil_ids: str = Field(default="", sa_column=Column(Text, nullable=False))
    unresolved_geocodes: str = Field(default="", sa_column=Column(Text, nullable=False))
    # Local warnings: the district (Kreis ARS) that issued it; only its authors may change it.
    issuing_district: str | None = Field(default=None, max_length=12, index=True)
    # A local warning beyond the territory waits for a second author: its request (JSON) and who asked.
    pending_json: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    requested_by: str | None = Field(default=None, max_length=64)
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class ThreadKey(AlertsModel, table=True):
    """Every normalised identifier belonging to a thread — its messages' and those they reference. A key
    that a Cancel referenced before its Alert arrived is the tombstone that suppresses the late Alert."""

    __tablename__ = "thread_key"
    key: str = Field(primary_key=True, max_length=200)
    thread_id: uuid.UUID = Field(index=True)


class WarningMessage(AlertsModel, table=True):
    __tablename__ = "warning_message"

    id: uuid.UUID = Field(default_factory=_uuid, primary_key=True)
    thread_id: uuid.UUID = Field(index=True)
    # normalised identifier | sent (epoch seconds) | NINA version: one row per distinct message
    message_key: str = Field(max_length=260, unique=True)
    identifier: str = Field(max_length=200)
    sender: str = Field(max_length=200)
    sent: datetime = Field(sa_type=UtcDateTime)
    msg_type: str = Field(max_length=16)
    status: str = Field(max_length=16)
    scope: str = Field(max_length=16)
    fingerprint: str = Field(max_length=64)
    # What readers see, per language (JSON): [{language, headline, description, instruction, ...}].
    infos_json: str = Field(sa_column=Column(Text, nullable=False))
    # The CAP 1.2 XML of our own (local) messages.
    cap_xml: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    feed_id: uuid.UUID | None = None
    # current | superseded | suppressed (arrived after its thread was cancelled) | stale (older than current)
    disposition: str = Field(default="current", max_length=16)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class Quarantine(AlertsModel, table=True):
    """A message that could not be taken, with why (operators see these beside feed health)."""

    id: uuid.UUID = Field(default_factory=_uuid, primary_key=True)
    feed_id: uuid.UUID | None = Field(default=None, index=True)
    item: str = Field(default="", max_length=300)
    code: str = Field(max_length=40)
    detail: str = Field(max_length=500)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class Feed(AlertsModel, table=True):
    """A source an operator configured: its address (on an allowed host), how often, and its health."""

    id: uuid.UUID = Field(default_factory=_uuid, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    # nina_list (mapData.json or dashboard/{ARS}.json + warnings/{id}.json/.geojson) | cap_feed (Atom/RSS
    # or a single CAP) | cap_zip (DWD status snapshot)
    kind: str = Field(max_length=16)
    url: str = Field(max_length=500)
    source: str = Field(max_length=32)
    poll_seconds: int = 60
    enabled: bool = True
    etag: str | None = Field(default=None, max_length=300)
    last_modified: str | None = Field(default=None, max_length=100)
    body_sha256: str | None = Field(default=None, max_length=64)
    next_poll_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    last_attempt_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    last_success_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    # ok | not_modified | failing
    last_outcome: str = Field(default="never", max_length=20)
    last_error: str | None = Field(default=None, max_length=500)
    consecutive_failures: int = 0
    fetches: int = 0
    not_modified: int = 0
    quarantined: int = 0
    created_by: str = Field(default="system", max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class FeedItem(AlertsModel, table=True):
    """What a feed listed last: removal only after absence from successful list fetches, never on a
    failed fetch."""

    __tablename__ = "feed_item"
    feed_id: uuid.UUID = Field(primary_key=True)
    item: str = Field(primary_key=True, max_length=300)
    # What tells a changed item apart (NINA version:hash, Atom updated, a body's sha256).
    change_key: str = Field(default="", max_length=200)
    # The normalised message key it gave (None until its detail was fetched and parsed).
    message_key: str | None = Field(default=None, max_length=200)
    thread_id: uuid.UUID | None = None
    missed: int = 0
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class Subscription(AlertsModel, table=True):
    """A person's subscription: places (SubscriptionPlace), topics, a minimum severity, languages. An
    anonymous one (no account, a push endpoint only) has its own random `person_id`, the browser's push
    subscription and the hash of the token that lets its holder delete it."""

    id: uuid.UUID = Field(default_factory=_uuid, primary_key=True)
    person_id: uuid.UUID = Field(index=True)
    push_target: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    token_sha256: str | None = Field(default=None, max_length=64)
    topic_mask: int
    min_severity: int = 0
    languages: str = Field(default="de", max_length=60)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class SubscriptionPlace(AlertsModel, table=True):
    """One subscribed place. Topic mask, minimum severity and languages are copied from the subscription so
    that matching a warning against a million places is one indexed scan without a join."""

    __tablename__ = "subscription_place"
    __table_args__ = (
        # Covering the cell scan (which cells hold places wanting this severity and topic).
        Index("ix_subscription_place_cell", "cell", "kind", "min_severity", "topic_mask"),
        Index("ix_subscription_place_ars", "ars"),
        Index("ix_subscription_place_radius", "radius_m"),
        Index("ix_subscription_place_kind", "kind"),
    )

    id: uuid.UUID = Field(default_factory=_uuid, primary_key=True)
    subscription_id: uuid.UUID = Field(index=True)
    person_id: uuid.UUID = Field(index=True)
    # ortsteil (place_ref = Ortsteil id) | point (a coordinate with a radius) | area (place_ref = ARS)
    kind: str = Field(max_length=10)
    place_ref: str = Field(default="", max_length=100)
    label: str = Field(max_length=120)
    lat: float
    lon: float
    radius_m: float = 0.0
    # The Gemeinde ARS of an Ortsteil or point ("" for a point outside the district); the area's ARS for
    # kind "area".
    ars: str = Field(max_length=12)
    # The 0.01° cell of lat/lon (domain.geometry.cell_of); 0 for kind "area".
    cell: int = 0
    topic_mask: int
    min_severity: int = 0
    languages: str = Field(default="de", max_length=60)


class Delivery(AlertsModel, table=True):
    """What one person was told about one thread (the delivery rules' memory)."""

    __table_args__ = (UniqueConstraint("thread_id", "person_id"),)

    id: uuid.UUID = Field(default_factory=_uuid, primary_key=True)
    thread_id: uuid.UUID = Field(index=True)
    person_id: uuid.UUID = Field(index=True)
    told_severity: int = 0
    affected: bool = True
    all_clear_sent: bool = False
    last_notified_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    places: str = Field(default="", max_length=500)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class DeliveryRecord(AlertsModel, table=True):
    """Each notice sent to a person (new, escalation, no longer affected, all-clear), through notify."""

    __tablename__ = "delivery_record"

    id: uuid.UUID = Field(default_factory=_uuid, primary_key=True)
    thread_id: uuid.UUID = Field(index=True)
    message_id: uuid.UUID
    # None once the person was erased (the count stays).
    person_id: uuid.UUID | None = Field(default=None, index=True)
    notice: str = Field(max_length=24)
    channel: str = Field(default="feed", max_length=16)
    dedupe_key: str = Field(max_length=200)
    sent_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class Display(AlertsModel, table=True):
    """A display or another system that gets the district's public warnings as signed webhooks (Standard
    Webhooks, through platformkit.outbound)."""

    id: uuid.UUID = Field(default_factory=_uuid, primary_key=True)
    name: str = Field(max_length=100)
    url: str = Field(max_length=500)
    secret: str = Field(max_length=100)
    # Only warnings concerning this ARS area (any level); "" for the whole district.
    ars: str = Field(default="", max_length=12)
    enabled: bool = True
    consecutive_failures: int = 0
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
