"""Events published by `services/mobility` (stream `MOBILITY` <- `mobility.>`). Ids, places and times only:
no names, and never a driver's gender."""

from __future__ import annotations

from datetime import date
from typing import ClassVar
from uuid import UUID

from pydantic import AwareDatetime

from eventcontracts.personal_data import PersonalDataErased
from platformkit.events import Event


class OfferPublishedV1(Event):
    """A verified driver offered a ride on a corridor segment (once or weekly)."""

    type: ClassVar[str] = "mobility.offer.published.v1"
    subject_field: ClassVar[str | None] = "offer_id"

    offer_id: UUID
    driver_id: UUID
    corridor_id: str
    from_stop: str
    to_stop: str
    departure_wall: str
    commercial: bool = False
    published_at: AwareDatetime


class OfferWithdrawnV1(Event):
    """A driver withdrew an offer (or a date of it); its bookings were re-queued."""

    type: ClassVar[str] = "mobility.offer.withdrawn.v1"
    subject_field: ClassVar[str | None] = "offer_id"

    offer_id: UUID
    service_dates: list[date] = []
    bookings_requeued: int = 0
    withdrawn_at: AwareDatetime


class BookingConfirmedV1(Event):
    """A booking was accepted: on a private ride, or planned onto the guaranteed fallback taxi."""

    type: ClassVar[str] = "mobility.booking.confirmed.v1"
    subject_field: ClassVar[str | None] = "booking_id"

    booking_id: UUID
    person_id: UUID
    corridor_id: str
    origin_stop: str
    destination_stop: str
    departure_at: AwareDatetime
    party: int
    # private | fallback
    ride: str
    booked_by_desk: bool = False


class BookingCancelledV1(Event):
    """A booking was cancelled by its person (on time or late) or for them (erasure)."""

    type: ClassVar[str] = "mobility.booking.cancelled.v1"
    subject_field: ClassVar[str | None] = "booking_id"

    booking_id: UUID
    person_id: UUID | None = None
    late: bool = False
    reason: str = "passenger"
    cancelled_at: AwareDatetime


class FallbackDispatchedV1(Event):
    """A taxi order went to the fallback operator (at the lock, or at short notice after a driver dropped out)."""

    type: ClassVar[str] = "mobility.fallback.dispatched.v1"
    subject_field: ClassVar[str | None] = "order_id"

    order_id: UUID
    corridor_id: str
    departure_at: AwareDatetime
    seats: int
    wheelchairs: int = 0
    short_notice: bool = False
    booking_ids: list[UUID] = []
    ack_deadline: AwareDatetime


class GuaranteeBreachedV1(Event):
    """An accepted booking reached its departure without a car or an acknowledged taxi. Must never happen."""

    type: ClassVar[str] = "mobility.guarantee.breached.v1"
    subject_field: ClassVar[str | None] = "booking_id"

    booking_id: UUID
    corridor_id: str
    departure_at: AwareDatetime
    state_before: str
    detected_at: AwareDatetime


class MobilityPersonalDataErasedV1(PersonalDataErased):
    """mobility has erased a person (its completion report; platformkit.personal_data publishes it)."""

    type: ClassVar[str] = "mobility.personal_data.erased.v1"
