"""Events published by `services/alerts` (stream `ALERTS` <- `alerts.>`): a public warning thread for the
district was issued, changed or ended. Only public, real warnings (status Actual, scope Public) are
published; drills, tests and restricted messages stay inside alerts."""

from __future__ import annotations

from typing import ClassVar, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel

from eventcontracts.personal_data import PersonalDataErased
from platformkit.events import Event


class WarningArea(BaseModel):
    """Where a warning applies, in the district's terms: the Ortsteile it concerns (libs/places ids), the ARS
    area keys it names, and a bounding box of its shapes (lat/lon, WGS84) if it has any."""

    ortsteil_ids: list[str] = []
    ars: list[str] = []
    bbox: list[float] | None = None  # [min_lat, min_lon, max_lat, max_lon]


class WarningIssuedV1(Event):
    """A public warning started: a new thread (a CAP Alert, or the first message of one we saw)."""

    type: ClassVar[str] = "alerts.warning.issued.v1"
    subject_field: ClassVar[str | None] = "thread_id"

    thread_id: UUID
    source: str  # e.g. "dwd", "mowas", "local"
    severity: Literal["Extreme", "Severe", "Moderate", "Minor", "Unknown"]
    categories: list[str]
    topics: list[str]
    headline: str
    area: WarningArea
    expires: AwareDatetime | None = None
    sent: AwareDatetime


class WarningUpdatedV1(Event):
    """A public warning changed what it says or where it applies (an Update, or a new NINA version).
    Updates that change nothing but `sent` are not published."""

    type: ClassVar[str] = "alerts.warning.updated.v1"
    subject_field: ClassVar[str | None] = "thread_id"

    thread_id: UUID
    source: str
    severity: Literal["Extreme", "Severe", "Moderate", "Minor", "Unknown"]
    categories: list[str]
    topics: list[str]
    headline: str
    area: WarningArea
    expires: AwareDatetime | None = None
    sent: AwareDatetime


class WarningCancelledV1(Event):
    """A public warning is over: cancelled by its sender (the all-clear), expired, or gone from its feed."""

    type: ClassVar[str] = "alerts.warning.cancelled.v1"
    subject_field: ClassVar[str | None] = "thread_id"

    thread_id: UUID
    reason: Literal["cancelled", "expired", "ended"]
    ended_at: AwareDatetime


class AlertsPersonalDataErasedV1(PersonalDataErased):
    """alerts has erased a person (its completion report; platformkit.personal_data publishes it)."""

    type: ClassVar[str] = "alerts.personal_data.erased.v1"
