"""Request and response bodies of the mobility API. Public shapes never carry a driver's gender, and
riders see a driver only by display name."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from mobility.domain.gtfstime import format_gtfs_time, local_label, parse_gtfs_time
from mobility.domain.matching import MAX_PARTY
from mobility.domain.planning import MAX_EXCEPTIONS

Id = Annotated[str, Field(min_length=1, max_length=128)]
Name = Annotated[str, Field(min_length=1, max_length=200)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def gtfs_time_field(value: str) -> int:
    try:
        return parse_gtfs_time(value)
    except ValueError as error:
        raise ValueError("a time like 07:30:00 (GTFS: may exceed 24:00:00)") from error


# --- network -------------------------------------------------------------------------------------------


class FeedOut(BaseModel):
    id: str
    name: str
    timezone: str
    imported_at: datetime
    report: dict[str, Any]


class StopOut(BaseModel):
    stop_id: str
    name: str
    lat: float | None
    lon: float | None
    wheelchair: str
    ortsteil_id: str | None


class TripRunOut(BaseModel):
    trip_id: str
    route_id: str
    service_id: str
    departure: str
    departure_at: datetime
    local: str


class ServiceDayOut(BaseModel):
    feed_id: str
    service_date: date
    services: list[str]
    trips: list[TripRunOut]


class Detour(Strict):
    stop_id: Id
    after: Annotated[int, Field(ge=0)]
    secs: Annotated[int, Field(ge=1, le=3600)]


class CorridorIn(Strict):
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]
    feed_id: Id
    name: Name
    # Either a scheduled trip whose stops and times the corridor takes over, or stops with offsets.
    trip_id: Id | None = None
    stop_ids: Annotated[list[Id], Field(max_length=100)] = []
    offsets_secs: Annotated[list[Annotated[int, Field(ge=0)]], Field(max_length=100)] = []
    detours: Annotated[list[Detour], Field(max_length=20)] = []
    first_slot: str = "06:00:00"
    last_slot: str = "23:30:00"
    interval_minutes: Annotated[int, Field(ge=5, le=240)] = 30
    weekdays: Annotated[list[Annotated[int, Field(ge=0, le=6)]], Field(min_length=1, max_length=7)] = [
        0, 1, 2, 3, 4, 5, 6]

    @field_validator("first_slot", "last_slot")
    @classmethod
    def _time(cls, value: str) -> str:
        gtfs_time_field(value)
        return value


class CorridorStop(BaseModel):
    stop_id: str
    name: str
    offset_minutes: float
    wheelchair: str
    ortsteil_id: str | None


class CorridorOut(BaseModel):
    id: str
    feed_id: str
    name: str
    stops: list[CorridorStop]
    detours: list[dict[str, Any]]
    first_slot: str
    last_slot: str
    interval_minutes: int
    weekdays: list[int]


class SlotOut(BaseModel):
    corridor_id: str
    service_date: date
    slot: str
    departure_at: datetime
    local: str


class ContractIn(Strict):
    operator: Name
    band_from: str = "00:00:00"
    band_to: str = "30:00:00"
    seats_per_slot: Annotated[int, Field(ge=0, le=100)]
    wheelchair_places_per_slot: Annotated[int, Field(ge=0, le=20)] = 0
    vehicle_seats: Annotated[int, Field(ge=1, le=8)] = 4
    wheelchair_vehicle_seats: Annotated[int, Field(ge=0, le=8)] = 3
    notice_minutes: Annotated[int, Field(ge=0, le=24 * 60)] = 60
    ack_minutes: Annotated[int, Field(ge=1, le=24 * 60)] = 15

    @field_validator("band_from", "band_to")
    @classmethod
    def _time(cls, value: str) -> str:
        gtfs_time_field(value)
        return value


class ContractOut(BaseModel):
    id: uuid.UUID
    corridor_id: str
    operator: str
    band_from: str
    band_to: str
    seats_per_slot: int
    wheelchair_places_per_slot: int


# --- drivers -------------------------------------------------------------------------------------------


class DriverIn(Strict):
    display_name: Annotated[str, Field(min_length=1, max_length=100)]
    kind: Literal["private", "commercial"] = "private"
    # Only to match riders who ask for a female driver; never shown to anyone.
    female_opt_in: bool = False


class DriverOut(BaseModel):
    id: uuid.UUID
    display_name: str
    kind: str
    status: str
    verified_until: date | None
    late_cancels: int
    female_opt_in: bool


class DocumentIn(Strict):
    kind: Literal["id_card", "licence", "registration"]
    reference: Annotated[str, Field(min_length=4, max_length=40)]
    expires_on: date


class DocumentOut(BaseModel):
    id: uuid.UUID
    kind: str
    reference: str
    expires_on: date
    status: str


class VehicleIn(Strict):
    label: Annotated[str, Field(min_length=1, max_length=100)]
    seats: Annotated[int, Field(ge=0, le=8)]
    wheelchair_places: Annotated[int, Field(ge=0, le=2)] = 0


class VehicleOut(BaseModel):
    id: uuid.UUID
    label: str
    seats: int
    wheelchair_places: int


class VerificationIn(Strict):
    action: Literal["verify", "suspend", "revoke"]
    valid_until: date | None = None


class StaffDriverOut(DriverOut):
    person_id: uuid.UUID
    documents: list[DocumentOut]


# --- offers --------------------------------------------------------------------------------------------


class ExceptionIn(Strict):
    date: date
    kind: Literal["added", "removed"]


class OfferIn(Strict):
    vehicle_id: uuid.UUID
    corridor_id: Id
    from_stop: Id
    to_stop: Id
    departure: time
    one_off: date | None = None
    weekdays: Annotated[list[Annotated[int, Field(ge=0, le=6)]], Field(max_length=7)] = []
    valid_from: date | None = None
    valid_to: date | None = None
    # Longer lists are refused field by field (not silently cut): at most 90, each date once.
    exceptions: list[ExceptionIn] = []
    max_detour_secs: Annotated[int, Field(ge=0, le=1800)] = 0


class ExceptionsIn(Strict):
    exceptions: list[ExceptionIn] = Field(default_factory=list, max_length=MAX_EXCEPTIONS + 1000)


class OfferOut(BaseModel):
    id: uuid.UUID
    corridor_id: str
    from_stop: str
    to_stop: str
    departure: str
    one_off: date | None
    weekdays: list[int]
    valid_from: date
    valid_to: date | None
    exceptions: dict[str, str]
    max_detour_secs: int
    status: str


class InstanceOut(BaseModel):
    id: uuid.UUID
    offer_id: uuid.UUID
    corridor_id: str
    service_date: date
    departure_at: datetime
    local: str
    seats: int
    wheelchair_places: int
    state: str


class RiderOut(BaseModel):
    booking_id: uuid.UUID
    origin_stop: str
    destination_stop: str
    pickup_local: str
    party: int
    wheelchair: bool
    pram: bool
    bike: bool
    state: str


class LedgerOut(BaseModel):
    instance_id: uuid.UUID
    service_date: date
    metres: int
    method: str
    rate_cents_per_km: int
    amount_cents: int


# --- bookings ------------------------------------------------------------------------------------------


class BookingIn(Strict):
    corridor_id: Id
    service_date: date
    slot: str
    origin_stop: Id
    destination_stop: Id
    party: Annotated[int, Field(ge=1, le=MAX_PARTY)] = 1
    wheelchair: bool = False
    pram: bool = False
    bike: bool = False
    female_driver_only: bool = False
    # The desk only: whom the booking is for (a phone-only person without a token of their own).
    person_id: uuid.UUID | None = None

    @field_validator("slot")
    @classmethod
    def _slot(cls, value: str) -> str:
        gtfs_time_field(value)
        return value


class ChangeIn(Strict):
    origin_stop: Id
    destination_stop: Id


class BookingOut(BaseModel):
    id: uuid.UUID
    state: str
    corridor_id: str
    service_date: date
    slot: str
    origin_stop: str
    destination_stop: str
    departure_at: datetime
    # Offset-qualified local time at the pickup stop (unambiguous on DST days).
    departure_local: str
    confirm_by: datetime
    party: int
    wheelchair: bool
    pram: bool
    bike: bool
    female_driver_only: bool
    ride: Literal["private", "taxi", "none"]
    driver_name: str | None = None
    notices: list[str] = []
    channel: str
    booked_by_desk: bool
    fare_cents: int


class NoShowIn(Strict):
    pass


# --- public search and the desk ------------------------------------------------------------------------


class SlotOffer(BaseModel):
    service_date: date
    slot: str
    departure_at: datetime
    departure_local: str
    arrival_local: str
    # What the rider will get if they book now: a private ride with free seats, or the taxi.
    expect: Literal["private", "taxi", "full"]
    free_private_seats: int
    bookable: bool


class DepartureOut(BaseModel):
    corridor_id: str
    service_date: date
    slot: str
    departure_at: datetime
    departure_local: str
    arrival_local: str


class SearchOut(BaseModel):
    corridor_id: str
    corridor_name: str
    origin_stop: str
    destination_stop: str
    slots: list[SlotOffer]


class OrderOut(BaseModel):
    id: uuid.UUID
    corridor_id: str
    service_date: date
    slot: str
    departure_at: datetime
    departure_local: str
    short_notice: bool
    wheelchair_vehicle: bool
    seats: int
    wheelchairs: int
    state: str
    ack_deadline: datetime
    booking_ids: list[uuid.UUID]


class DeskBookingOut(BookingOut):
    person_id: uuid.UUID | None
    created_by: str | None
    stop_access_unknown: bool


class DeskDayOut(BaseModel):
    service_date: date
    bookings: list[DeskBookingOut]
    orders: list[OrderOut]
    breaches: int


class AuditOut(BaseModel):
    at: datetime
    actor: str
    person_id: uuid.UUID | None
    action: str
    subject_id: str | None
    detail: str


def slot_text(secs: int) -> str:
    return format_gtfs_time(secs)


def local(instant: datetime) -> str:
    return local_label(instant)
