"""Rows to response bodies, in one place."""

from __future__ import annotations

from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from mobility.models import Booking, Driver, FallbackOrder, OfferInstance
from mobility.schemas import BookingOut, DeskBookingOut, OrderOut, local, slot_text

RIDE = {
    "matched_private": "private", "confirmed_private": "private", "completed": "private",
    "fallback_planned": "taxi", "fallback_dispatched": "taxi", "confirmed_fallback": "taxi", "escalated": "taxi",
}


async def booking_out(session: AsyncSession, booking: Booking) -> BookingOut:
    return BookingOut(**await _booking_values(session, booking))


async def desk_booking_out(session: AsyncSession, booking: Booking) -> DeskBookingOut:
    return DeskBookingOut(**await _booking_values(session, booking), person_id=booking.person_id,
                          created_by=booking.created_by, stop_access_unknown=booking.stop_access_unknown)


async def _booking_values(session: AsyncSession, booking: Booking) -> dict[str, Any]:
    driver_name = None
    if booking.instance_id is not None and RIDE.get(booking.state) == "private":
        instance = await session.get(OfferInstance, booking.instance_id)
        driver = await session.get(Driver, instance.driver_id) if instance else None
        driver_name = driver.display_name if driver else None
    notices = []
    if booking.female_driver_only and RIDE.get(booking.state) == "taxi":
        notices.append("driver_gender_not_guaranteed_for_taxi")
    if booking.stop_access_unknown:
        notices.append("stop_accessibility_unknown_confirm")
    values: dict[str, Any] = dict(  # noqa: C408 - keyword form reads like the model
        id=booking.id, state=booking.state, corridor_id=booking.corridor_id, service_date=booking.service_date,
        slot=slot_text(booking.slot_secs), origin_stop=booking.origin_stop, destination_stop=booking.destination_stop,
        departure_at=booking.departure_at, departure_local=local(booking.departure_at), confirm_by=booking.lock_at,
        party=booking.party, wheelchair=booking.wheelchair, pram=booking.pram, bike=booking.bike,
        female_driver_only=booking.female_driver_only, ride=RIDE.get(booking.state, "none"), driver_name=driver_name,
        notices=notices, channel=booking.channel, booked_by_desk=booking.created_by is not None,
        fare_cents=booking.fare_cents,
    )
    return values


async def order_out(session: AsyncSession, order: FallbackOrder) -> OrderOut:
    booking_ids = list((await session.exec(select(Booking.id).where(Booking.fallback_order_id == order.id))).all())
    return OrderOut(
        id=order.id, corridor_id=order.corridor_id, service_date=order.service_date, slot=slot_text(order.slot_secs),
        departure_at=order.departure_at, departure_local=local(order.departure_at), short_notice=order.short_notice,
        wheelchair_vehicle=order.wheelchair_vehicle, seats=order.seats, wheelchairs=order.wheelchairs,
        state=order.state, ack_deadline=order.ack_deadline, booking_ids=booking_ids,
    )
