"""Request and response bodies of the alerts API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

SeverityWord = Literal["Extreme", "Severe", "Moderate", "Minor", "Unknown"]
Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- subscriptions ----------------------------------------------------------------------------------

class PlaceIn(_In):
    """An Ortsteil (`ortsteil_id`), a whole Gemeinde or the district (`ars`), or a point with a radius."""

    ortsteil_id: Annotated[str, Field(max_length=100)] | None = None
    ars: Annotated[str, Field(pattern=r"^[0-9]{12}$")] | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None
    radius_m: Annotated[float, Field(ge=0)] = 0.0
    label: Annotated[str, Field(max_length=120)] | None = None


class SubscriptionIn(_In):
    places: Annotated[list[PlaceIn], Field(min_length=1, max_length=20)]
    topics: Annotated[list[str], Field(max_length=12)] = []  # empty: every topic
    min_severity: Literal["Minor", "Moderate", "Severe", "Extreme"] = "Minor"
    languages: Annotated[list[Annotated[str, Field(pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})?$")]],
                         Field(min_length=1, max_length=5)] = ["de"]


class PlaceOut(BaseModel):
    kind: str
    place_ref: str
    label: str
    lat: float
    lon: float
    radius_m: float
    ars: str


class SubscriptionOut(BaseModel):
    id: uuid.UUID
    places: list[PlaceOut]
    topics: list[str]
    min_severity: str
    languages: list[str]
    updated_at: datetime


# --- warnings ---------------------------------------------------------------------------------------

class ReadingOut(BaseModel):
    language: str
    headline: str
    description: str
    instruction: str
    description_language: str | None = None


class WarningOut(BaseModel):
    id: uuid.UUID
    source: str
    state: str
    msg_type: str
    severity: SeverityWord
    categories: list[str]
    topics: list[str]
    headline: str
    event: str = ""
    reading: ReadingOut | None
    sent: datetime
    expires: datetime | None
    ended_at: datetime | None
    public: bool
    status: str
    scope: str
    area: dict[str, object]
    ortsteil_ids: list[str]
    unresolved_geocodes: list[str]
    issuing_district: str | None
    version: int
    # For a person's own list: which of their places it concerns.
    my_places: list[str] = []


class WarningList(BaseModel):
    items: list[WarningOut]


class MessageOut(BaseModel):
    id: uuid.UUID
    identifier: str
    sender: str
    sent: datetime
    msg_type: str
    status: str
    scope: str
    disposition: str
    has_cap: bool


# --- local warnings ---------------------------------------------------------------------------------

class CircleIn(_In):
    lat: Latitude
    lon: Longitude
    radius_km: Annotated[float, Field(gt=0, le=100)]


class AreaIn(_In):
    description: Annotated[str, Field(min_length=1, max_length=300)]
    # Rings of [lat, lon] pairs (closed or not; at least three distinct corners).
    polygons: Annotated[list[Annotated[list[tuple[Latitude, Longitude]], Field(max_length=2000)]],
                        Field(max_length=20)] = []
    circles: Annotated[list[CircleIn], Field(max_length=20)] = []
    # Whole Gemeinden (or the district) by ARS, and single Ortsteile (a circle around the village).
    ars: Annotated[list[Annotated[str, Field(pattern=r"^[0-9]{12}$")]], Field(max_length=50)] = []
    ortsteil_ids: Annotated[list[Annotated[str, Field(max_length=100)]], Field(max_length=100)] = []


class LocalWarningIn(_In):
    category: Literal["Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env", "Transport",
                      "Infra", "CBRNE", "Other"]
    event: Annotated[str, Field(min_length=1, max_length=100)]
    severity: Literal["Minor", "Moderate", "Severe", "Extreme"]
    urgency: Literal["Immediate", "Expected", "Future"] = "Immediate"
    certainty: Literal["Observed", "Likely", "Possible"] = "Likely"
    headline: Annotated[str, Field(min_length=1, max_length=200)]
    description: Annotated[str, Field(max_length=4000)] = ""
    instruction: Annotated[str, Field(max_length=2000)] = ""
    expires: AwareDatetime | None = None
    area: AreaIn


class CancelIn(_In):
    note: Annotated[str, Field(max_length=500)] = ""


class PreviewOut(BaseModel):
    people: int
    ortsteil_ids: list[str]
    outside_territory: bool


class AuditOut(BaseModel):
    at: datetime
    actor: str
    on_behalf_of: str | None
    district: str | None
    action: str
    thread_id: uuid.UUID | None
    detail: str


# --- feeds ------------------------------------------------------------------------------------------

class FeedIn(_In):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    kind: Literal["nina_list", "cap_feed", "cap_zip"]
    url: Annotated[str, Field(min_length=8, max_length=500)]
    source: Annotated[str, Field(pattern=r"^[a-z]{2,20}$")] = "cap"
    poll_seconds: Annotated[int, Field(ge=30, le=86_400)] = 60
    enabled: bool = True


class FeedPatch(_In):
    url: Annotated[str, Field(min_length=8, max_length=500)] | None = None
    poll_seconds: Annotated[int, Field(ge=30, le=86_400)] | None = None
    enabled: bool | None = None


class FeedOut(BaseModel):
    id: uuid.UUID
    name: str
    kind: str
    url: str
    source: str
    poll_seconds: int
    enabled: bool
    healthy: bool
    last_outcome: str
    last_error: str | None
    last_attempt_at: datetime | None
    last_success_at: datetime | None
    consecutive_failures: int
    fetches: int
    not_modified: int
    quarantined: int
    items: int


class QuarantineOut(BaseModel):
    id: uuid.UUID
    feed_id: uuid.UUID | None
    item: str
    code: str
    detail: str
    received_at: datetime


# --- anonymous push subscriptions and displays ------------------------------------------------------

class PushKeys(_In):
    p256dh: Annotated[str, Field(min_length=20, max_length=200)]
    auth: Annotated[str, Field(min_length=8, max_length=100)]


class PushTarget(_In):
    """The browser's PushSubscription (`subscription.toJSON()`)."""

    endpoint: Annotated[str, Field(min_length=12, max_length=1000, pattern=r"^https?://")]
    keys: PushKeys


class AnonymousSubscriptionIn(SubscriptionIn):
    push: PushTarget


class AnonymousSubscriptionOut(BaseModel):
    id: uuid.UUID
    # Shown once: send it as `Subscription-Token` to delete the subscription.
    token: str


class DisplayIn(_In):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    url: Annotated[str, Field(min_length=8, max_length=500)]
    ars: Annotated[str, Field(pattern=r"^[0-9]{12}$")] | None = None


class DisplayOut(BaseModel):
    id: uuid.UUID
    name: str
    url: str
    ars: str
    enabled: bool
    consecutive_failures: int
    # Only in the answer to its creation: the Standard Webhooks signing secret.
    secret: str | None = None
