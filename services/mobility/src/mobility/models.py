"""The tables of mobility (its own SQLModel registry, see platformkit.db.service_registry).

Capacity lives in rows that are only ever changed by conditional UPDATEs: `segment_load` (one row per
segment of an offer instance) and `fallback_load` (one row per fallback contract and slot). Their CHECK
constraints restate the invariant, so that even a wrong UPDATE could not overbook."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from platformkit.db import UtcDateTime, service_registry, utcnow


class MobilityModel(SQLModel, registry=service_registry()):
    """The base of every mobility table: its own metadata, with the platform tables in it."""


def _uuid() -> uuid.UUID:
    return uuid.uuid4()


# --- the network (imported from GTFS) ---------------------------------------------------------------


class Feed(MobilityModel, table=True):
    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    timezone: str = Field(max_length=64)
    imported_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    imported_by: str = Field(max_length=64)
    report: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Stop(MobilityModel, table=True):
    feed_id: str = Field(foreign_key="feed.id", primary_key=True, max_length=64)
    stop_id: str = Field(primary_key=True, max_length=128)
    name: str = Field(max_length=200)
    lat: float | None = None
    lon: float | None = None
    # yes | no | unknown
    wheelchair: str = Field(max_length=8)
    location_type: int = 0
    parent_station: str | None = Field(default=None, max_length=128)
    # The libs/places Ortsteil the stop lies in (nearest centroid within reach), when there is one.
    ortsteil_id: str | None = Field(default=None, max_length=120, index=True)


class Route(MobilityModel, table=True):
    feed_id: str = Field(foreign_key="feed.id", primary_key=True, max_length=64)
    route_id: str = Field(primary_key=True, max_length=128)
    short_name: str = Field(default="", max_length=64)
    long_name: str = Field(default="", max_length=300)
    route_type: int


class Trip(MobilityModel, table=True):
    feed_id: str = Field(foreign_key="feed.id", primary_key=True, max_length=64)
    trip_id: str = Field(primary_key=True, max_length=128)
    route_id: str = Field(max_length=128)
    service_id: str = Field(max_length=128)
    direction_id: int | None = None
    headsign: str = Field(default="", max_length=200)


class StopTime(MobilityModel, table=True):
    __tablename__ = "stop_time"
    feed_id: str = Field(foreign_key="feed.id", primary_key=True, max_length=64)
    trip_id: str = Field(primary_key=True, max_length=128)
    stop_sequence: int = Field(primary_key=True)
    stop_id: str = Field(max_length=128)
    # Seconds after noon − 12 h of the service day (may exceed 24 h).
    arrival_secs: int
    departure_secs: int
    shape_dist: float | None = None


class ServiceCalendar(MobilityModel, table=True):
    __tablename__ = "service_calendar"
    feed_id: str = Field(foreign_key="feed.id", primary_key=True, max_length=64)
    service_id: str = Field(primary_key=True, max_length=128)
    # Seven characters 0/1, Monday first.
    weekdays: str = Field(max_length=7)
    start_date: date
    end_date: date


class ServiceException(MobilityModel, table=True):
    __tablename__ = "service_exception"
    feed_id: str = Field(foreign_key="feed.id", primary_key=True, max_length=64)
    service_id: str = Field(primary_key=True, max_length=128)
    day: date = Field(primary_key=True)
    # 1 added, 2 removed (GTFS exception_type)
    kind: int


class Frequency(MobilityModel, table=True):
    feed_id: str = Field(foreign_key="feed.id", primary_key=True, max_length=64)
    trip_id: str = Field(primary_key=True, max_length=128)
    start_secs: int = Field(primary_key=True)
    end_secs: int
    headway_secs: int


class Corridor(MobilityModel, table=True):
    """Ordered service stops a ride may use (origin before destination), with the minutes from the first
    stop, and the slot grid: a ride may depart the first stop every `interval_secs` from `first_secs` to
    `last_secs` (GTFS seconds), except where a scheduled bus already runs (`scheduled`)."""

    id: str = Field(primary_key=True, max_length=64)
    feed_id: str = Field(foreign_key="feed.id", max_length=64)
    name: str = Field(max_length=200)
    stop_ids: list[str] = Field(sa_column=Column(JSON, nullable=False))
    offsets_secs: list[int] = Field(sa_column=Column(JSON, nullable=False))
    shape_dists: list[float | None] = Field(sa_column=Column(JSON, nullable=False))
    shape_unit: str | None = Field(default=None, max_length=4)
    # Off-corridor stops a driver may agree to detour to: [{"stop_id", "after", "secs"}].
    detours: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    first_secs: int
    last_secs: int
    interval_secs: int
    # The weekdays (Monday = 0) the corridor's slots run on, e.g. "4" for Fridays only.
    weekdays: str = Field(default="0123456", max_length=7)
    # service_id -> departures (GTFS seconds) of scheduled buses serving the corridor's first→last stop.
    scheduled: dict[str, list[int]] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class FallbackContract(MobilityModel, table=True):
    """The guarantee, as far as it goes: an operator's taxis for a corridor in a band of slots, with a
    finite number of seats and wheelchair places per slot."""

    __tablename__ = "fallback_contract"
    id: uuid.UUID = Field(default_factory=_uuid, primary_key=True)
    corridor_id: str = Field(foreign_key="corridor.id", index=True, max_length=64)
    operator: str = Field(max_length=200)
    band_from_secs: int
    band_to_secs: int
    seats_per_slot: int
    wheelchair_places_per_slot: int = 0
    vehicle_seats: int = 4
    wheelchair_vehicle_seats: int = 3
    notice_minutes: int = 60
    ack_minutes: int = 15


class FallbackLoad(MobilityModel, table=True):
    __tablename__ = "fallback_load"
    __table_args__ = (
        CheckConstraint("seats_used >= 0 AND seats_used <= seats_total", name="seats_within_contract"),
        CheckConstraint("wheelchairs_used >= 0 AND wheelchairs_used <= wheelchairs_total",
                        name="wheelchairs_within_contract"),
    )
    contract_id: uuid.UUID = Field(foreign_key="fallback_contract.id", primary_key=True)
    service_date: date = Field(primary_key=True)
    slot_secs: int = Field(primary_key=True)
    seats_used: int = 0
    seats_total: int
    wheelchairs_used: int = 0
    wheelchairs_total: int


# --- drivers, vehicles, offers ------------------------------------------------------------------------


class Driver(MobilityModel, table=True):
    id: uuid.UUID = Field(default_factory=_uuid, primary_key=True)
    person_id: uuid.UUID = Field(unique=True)
    # What riders see: a first name or the firm's name.
    display_name: str = Field(max_length=100)
    # private | commercial (taxi, courier, patient transport offering empty runs)
    kind: str = Field(default="private", max_length=16)
    # pending | verified | suspended | revoked
    status: str = Field(default="pending", max_length=16)
    verified_until: date | None = None
    # Set only when the driver chose to say so, and used only to match "female driver only"; never shown.
    female_opt_in: bool = False
    late_cancels: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    status_changed_by: str | None = Field(default=None, max_length=64)


class DriverDocument(MobilityModel, table=True):
    __tablename__ = "driver_document"
    id: uuid.UUID = Field(default_factory=_uuid, primary_key=True)
    driver_id: uuid.UUID = Field(foreign_key="driver.id", index=True)
    # id_card | licence | registration
    kind: str = Field(max_length=16)
    # The last characters of the document number only, for the desk to compare with the paper.
    reference: str = Field(max_length=8)
    expires_on: date
    # submitted | accepted | rejected
    status: str = Field(default="submitted", max_length=16)
    checked_by: str | None = Field(default=None, max_length=64)
    checked_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class Vehicle(MobilityModel, table=True):
    id: uuid.UUID = Field(default_factory=_uuid, primary_key=True)
    driver_id: uuid.UUID = Field(foreign_key="driver.id", index=True)
    label: str = Field(max_length=100)
    seats: int
    wheelchair_places: int = 0


class Offer(MobilityModel, table=True):
    """A driver's ride on a corridor segment, once or weekly, at a local wall time (Europe/Berlin) of
    departure from the corridor's first stop."""

    id: uuid.UUID = Field(default_factory=_uuid, primary_key=True)
    driver_id: uuid.UUID = Field(foreign_key="driver.id", index=True)
    vehicle_id: uuid.UUID = Field(foreign_key="vehicle.id")
    corridor_id: str = Field(foreign_key="corridor.id", max_length=64)
    from_index: int
    to_index: int
    departure_wall: str = Field(max_length=5)
    one_off: date | None = None
    # Weekday numbers, Monday = 0, e.g. "01234".
    weekdays: str = Field(default="", max_length=7)
    valid_from: date
    valid_to: date | None = None
    # ISO date -> "added" | "removed"
    exceptions: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    max_detour_secs: int = 0
    # active | withdrawn
    status: str = Field(default="active", max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class OfferInstance(MobilityModel, table=True):
    """An offer on one service date: the unit bookings are matched against."""

    __tablename__ = "offer_instance"
    __table_args__ = (
        UniqueConstraint("offer_id", "service_date"),
        Index("ix_offer_instance_slot", "corridor_id", "departure_at"),
        CheckConstraint("detour_used_secs <= max_detour_secs", name="detour_within_limit"),
    )
    id: uuid.UUID = Field(default_factory=_uuid, primary_key=True)
    offer_id: uuid.UUID = Field(foreign_key="offer.id")
    driver_id: uuid.UUID = Field(foreign_key="driver.id", index=True)
    corridor_id: str = Field(max_length=64)
    service_date: date
    slot_secs: int
    # Departure from the corridor's first stop.
    departure_at: datetime = Field(sa_type=UtcDateTime)
    from_index: int
    to_index: int
    seats: int
    wheelchair_places: int
    commercial: bool = False
    max_detour_secs: int = 0
    detour_used_secs: int = 0
    # open | locked | checked_in | completed | withdrawn | cancelled_late
    state: str = Field(default="open", max_length=16)
    checked_in_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class SegmentLoad(MobilityModel, table=True):
    __tablename__ = "segment_load"
    __table_args__ = (
        CheckConstraint("seats_used >= 0 AND seats_used <= seats_total", name="seats_within_car"),
        CheckConstraint("wheelchairs_used >= 0 AND wheelchairs_used <= wheelchairs_total",
                        name="wheelchairs_within_car"),
    )
    instance_id: uuid.UUID = Field(foreign_key="offer_instance.id", primary_key=True)
    segment: int = Field(primary_key=True)
    seats_used: int = 0
    seats_total: int
    wheelchairs_used: int = 0
    wheelchairs_total: int


# --- bookings and the fallback ------------------------------------------------------------------------


class Booking(MobilityModel, table=True):
    __table_args__ = (Index("ix_booking_slot", "corridor_id", "service_date", "slot_secs"),)
    id: uuid.UUID = Field(default_factory=_uuid, primary_key=True)
    # None once the person is erased (the trip stays, anonymous, for the counts).
    person_id: uuid.UUID | None = Field(default=None, index=True)
    # The staff member who booked on the person's behalf (the desk), else None.
    created_by: str | None = Field(default=None, max_length=64)
    # app | phone: phone bookings are confirmed by a call, not in an app.
    channel: str = Field(default="app", max_length=8)
    corridor_id: str = Field(max_length=64)
    service_date: date
    slot_secs: int
    origin_stop: str = Field(max_length=128)
    destination_stop: str = Field(max_length=128)
    origin_index: int
    destination_index: int
    detour_secs: int = 0
    detour_after: int | None = None
    party: int
    wheelchair: bool = False
    pram: bool = False
    bike: bool = False
    female_driver_only: bool = False
    # matched_private | fallback_planned | confirmed_private | fallback_dispatched | confirmed_fallback |
    # escalated | completed | no_show | cancelled_on_time | cancelled_late | failed
    state: str = Field(max_length=24, index=True)
    instance_id: uuid.UUID | None = Field(default=None, foreign_key="offer_instance.id", index=True)
    contract_id: uuid.UUID | None = Field(default=None, foreign_key="fallback_contract.id")
    fallback_order_id: uuid.UUID | None = Field(default=None, foreign_key="fallback_order.id")
    # Departure at the pickup stop, and the lock (departure − notice): both instants.
    departure_at: datetime = Field(sa_type=UtcDateTime, index=True)
    lock_at: datetime = Field(sa_type=UtcDateTime, index=True)
    fare_cents: int = 0
    stop_access_unknown: bool = False
    delay_budget_secs: int = 120
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class FallbackOrder(MobilityModel, table=True):
    """A taxi order sent to the fallback operator: one vehicle for one slot."""

    __tablename__ = "fallback_order"
    id: uuid.UUID = Field(default_factory=_uuid, primary_key=True)
    # What made it, once: "lock:<contract>:<date>:<slot>:<n>" or "<booking>:<trigger>".
    dedupe_key: str = Field(unique=True, max_length=200)
    contract_id: uuid.UUID = Field(foreign_key="fallback_contract.id")
    corridor_id: str = Field(max_length=64)
    service_date: date
    slot_secs: int
    departure_at: datetime = Field(sa_type=UtcDateTime)
    short_notice: bool = False
    wheelchair_vehicle: bool = False
    seats: int
    wheelchairs: int = 0
    # sent | acknowledged | escalated | cancelled
    state: str = Field(default="sent", max_length=16, index=True)
    ack_deadline: datetime = Field(sa_type=UtcDateTime)
    acknowledged_by: str | None = Field(default=None, max_length=64)
    acknowledged_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class LedgerEntry(MobilityModel, table=True):
    """What a driver is owed for one driven trip (per vehicle km, never per passenger)."""

    __tablename__ = "ledger_entry"
    id: uuid.UUID = Field(default_factory=_uuid, primary_key=True)
    driver_id: uuid.UUID = Field(foreign_key="driver.id", index=True)
    instance_id: uuid.UUID = Field(foreign_key="offer_instance.id", unique=True)
    # The service date (a ride after midnight belongs to the day it was offered for).
    service_date: date
    metres: int
    method: str = Field(max_length=40)
    rate_cents_per_km: int
    amount_cents: int
    passenger_fares_cents: int
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
