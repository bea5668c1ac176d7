"""Offers, their instances, bookings and matching (research/mobility.md §6.3–6.4).

A booking request is matched in one transaction: feasible private instances in rank order (domain.matching),
each tried with a conditional take of its seats; then commercial empty runs; then the fallback contract of
the slot, itself finite. A booking that cannot be honoured is refused at request time, with the next slot."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

import places
from eventcontracts.mobility import (
    BookingCancelledV1,
    BookingConfirmedV1,
    OfferPublishedV1,
    OfferWithdrawnV1,
)
from mobility.config import MobilitySettings
from mobility.crud import capacity
from mobility.crud._sql import execute
from mobility.crud.drivers import eligible
from mobility.crud.network import corridor_slots
from mobility.domain import texts_de
from mobility.domain.gtfstime import gtfs_instant, gtfs_seconds, local_wall_instant
from mobility.domain.matching import Candidate, Rider, RideRequest, delay_budget_holds, rank
from mobility.domain.planning import offer_dates
from mobility.models import (
    Booking,
    Corridor,
    Driver,
    FallbackContract,
    Offer,
    OfferInstance,
    SegmentLoad,
    Stop,
    Vehicle,
)
from platformkit import audit
from platformkit.events import notify, publish
from platformkit.problems import ProblemError

LIVE = ("matched_private", "fallback_planned", "confirmed_private", "fallback_dispatched", "confirmed_fallback",
        "escalated")
BEFORE_LOCK = ("matched_private", "fallback_planned")


def _slot_instant(corridor: Corridor, day: date, slot_secs: int, index: int) -> datetime:
    return gtfs_instant(day, slot_secs + corridor.offsets_secs[index])


async def _stop(session: AsyncSession, corridor: Corridor, stop_id: str) -> Stop:
    stop = await session.get(Stop, (corridor.feed_id, stop_id))
    assert stop is not None, "corridor stops are checked when the corridor is made"
    return stop


# --- offers -------------------------------------------------------------------------------------------


async def create_offer(
    session: AsyncSession, *, driver: Driver, vehicle_id: uuid.UUID, corridor_id: str, from_stop: str, to_stop: str,
    departure_wall: time, one_off: date | None, weekdays: Sequence[int], valid_from: date | None,
    valid_to: date | None, exceptions: dict[date, str], max_detour_secs: int, now: datetime,
    settings: MobilitySettings,
) -> Offer:
    if driver.status != "verified":
        raise ProblemError(403, "DRIVER_NOT_VERIFIED", "Your documents have not been verified yet.")
    vehicle = await session.get(Vehicle, vehicle_id)
    if vehicle is None or vehicle.driver_id != driver.id:
        raise ProblemError(422, "UNKNOWN_VEHICLE", "No such vehicle of yours.", field="vehicle_id")
    corridor = await session.get(Corridor, corridor_id)
    if corridor is None:
        raise ProblemError(422, "UNKNOWN_CORRIDOR", "No such corridor.", field="corridor_id")
    if from_stop not in corridor.stop_ids or to_stop not in corridor.stop_ids:
        raise ProblemError(422, "STOP_NOT_ON_CORRIDOR", "Both stops must lie on the corridor.", field="from_stop")
    from_index, to_index = corridor.stop_ids.index(from_stop), corridor.stop_ids.index(to_stop)
    if from_index >= to_index:
        raise ProblemError(422, "WRONG_DIRECTION", "The ride goes from an earlier stop to a later one.",
                           field="to_stop")
    if one_off is None and not weekdays:
        raise ProblemError(422, "NO_DAYS", "Give a date, or the weekdays of a weekly ride.", field="weekdays")
    offer = Offer(
        driver_id=driver.id, vehicle_id=vehicle.id, corridor_id=corridor.id, from_index=from_index, to_index=to_index,
        departure_wall=departure_wall.strftime("%H:%M"), one_off=one_off,
        weekdays="".join(str(d) for d in sorted(set(weekdays))), valid_from=one_off or valid_from or now.date(),
        valid_to=valid_to, exceptions={d.isoformat(): kind for d, kind in exceptions.items()},
        max_detour_secs=max_detour_secs,
    )
    session.add(offer)
    await session.flush()
    await expand_offer(session, offer, now=now, settings=settings)
    await publish(session, OfferPublishedV1(
        offer_id=offer.id, driver_id=driver.id, corridor_id=corridor.id, from_stop=from_stop, to_stop=to_stop,
        departure_wall=offer.departure_wall, commercial=driver.kind == "commercial", published_at=now,
    ))
    return offer


def _exceptions(offer: Offer) -> dict[date, str]:
    return {date.fromisoformat(day): kind for day, kind in offer.exceptions.items()}


async def expand_offer(session: AsyncSession, offer: Offer, *, now: datetime, settings: MobilitySettings) -> int:
    """Create the offer's missing instances up to the booking horizon (wall time in Europe/Berlin: a date
    whose wall time falls into the spring-forward gap has no instance), and let each pull waiting fallback
    bookings of its slot onto the car. Returns how many instances were created."""
    if offer.status != "active":
        return 0
    corridor = await session.get(Corridor, offer.corridor_id)
    vehicle = await session.get(Vehicle, offer.vehicle_id)
    driver = await session.get(Driver, offer.driver_id)
    assert corridor is not None and vehicle is not None and driver is not None
    today = now.date()
    days = offer_dates(
        one_off=offer.one_off, weekdays=[int(d) for d in offer.weekdays], valid_from=offer.valid_from,
        valid_to=offer.valid_to, exceptions=_exceptions(offer), window_from=today - timedelta(days=1),
        window_to=today + timedelta(days=settings.booking_horizon_days),
    )
    existing = set((await session.exec(
        select(col(OfferInstance.service_date)).where(OfferInstance.offer_id == offer.id)
    )).all())
    wall = time.fromisoformat(offer.departure_wall)
    created = 0
    for day in days:
        if day in existing:
            continue
        departure = local_wall_instant(day, wall)
        if departure is None or departure <= now:
            continue
        instance = OfferInstance(
            offer_id=offer.id, driver_id=driver.id, corridor_id=corridor.id, service_date=day,
            slot_secs=gtfs_seconds(day, departure), departure_at=departure, from_index=offer.from_index,
            to_index=offer.to_index, seats=vehicle.seats, wheelchair_places=vehicle.wheelchair_places,
            commercial=driver.kind == "commercial", max_detour_secs=offer.max_detour_secs,
        )
        session.add(instance)
        await session.flush()
        session.add_all([
            SegmentLoad(instance_id=instance.id, segment=k, seats_total=vehicle.seats,
                        wheelchairs_total=vehicle.wheelchair_places)
            for k in range(offer.from_index, offer.to_index)
        ])
        await session.flush()
        created += 1
        await pull_fallback_queue(session, instance, now=now)
    return created


async def pull_fallback_queue(session: AsyncSession, instance: OfferInstance, *, now: datetime) -> int:
    """Before the lock, a new car takes waiting fallback bookings of its slot (first come, first served)."""
    waiting = (await session.exec(
        select(Booking).where(
            Booking.corridor_id == instance.corridor_id, Booking.service_date == instance.service_date,
            Booking.slot_secs == instance.slot_secs, Booking.state == "fallback_planned", Booking.lock_at > now,
        ).order_by(col(Booking.created_at), col(Booking.id))
    )).all()
    moved = 0
    for booking in waiting:
        candidate = (await candidates(session, instance.corridor_id, instance.departure_at, only=instance.id))
        request = request_of(booking)
        if not rank(candidate, request) or not await capacity.take_seats(session, instance.id, request):
            continue
        assert booking.contract_id is not None
        await capacity.release_fallback(session, booking.contract_id, booking.service_date, booking.slot_secs,
                                        seats=request.seats, wheelchairs=request.wheelchairs)
        booking.state, booking.instance_id, booking.contract_id, booking.updated_at = (
            "matched_private", instance.id, None, now)
        await session.flush()
        await _tell(session, booking, texts_de.moved_to_private, f"moved:{booking.id}:{instance.id}")
        moved += 1
    return moved


def request_of(booking: Booking) -> RideRequest:
    return RideRequest(
        origin=booking.origin_index, destination=booking.destination_index, party=booking.party,
        wheelchair=booking.wheelchair, female_driver_only=booking.female_driver_only,
        detour_secs=booking.detour_secs, detour_after=booking.detour_after,
    )


async def candidates(session: AsyncSession, corridor_id: str, departure_at: datetime,
                     only: uuid.UUID | None = None, exclude: uuid.UUID | None = None,
                     with_riders: bool = True) -> list[Candidate]:
    """The open instances of a slot with their segment loads and drivers (one query), riders only for detour
    requests (their delay budgets depend on them), the fairness count only when there is a choice."""
    query = (
        select(OfferInstance, Driver, Offer, SegmentLoad)
        .join(Driver, col(Driver.id) == OfferInstance.driver_id)
        .join(Offer, col(Offer.id) == OfferInstance.offer_id)
        .outerjoin(SegmentLoad, col(SegmentLoad.instance_id) == OfferInstance.id)
        .where(OfferInstance.corridor_id == corridor_id, OfferInstance.departure_at == departure_at,
               OfferInstance.state == "open")
    )
    if only is not None:
        query = query.where(OfferInstance.id == only)
    found: dict[uuid.UUID, tuple[OfferInstance, Driver, Offer]] = {}
    loads: dict[uuid.UUID, dict[int, tuple[int, int]]] = {}
    for instance, driver, offer, load in (await session.exec(query)).all():
        if instance.id == exclude or not eligible(driver, instance.service_date):
            continue
        found.setdefault(instance.id, (instance, driver, offer))
        if load is not None:
            loads.setdefault(instance.id, {})[load.segment] = (load.seats_used, load.wheelchairs_used)
    rows = list(found.values())
    if not rows:
        return []
    ids = list(found)
    riders: dict[uuid.UUID, list[Rider]] = {}
    for booking in [] if not with_riders else (await session.exec(
        select(Booking).where(col(Booking.instance_id).in_(ids), col(Booking.state).in_(LIVE))
        .order_by(col(Booking.created_at), col(Booking.id))
    )).all():
        assert booking.instance_id is not None
        riders.setdefault(booking.instance_id, []).append(Rider(
            destination=booking.destination_index, detour_secs=booking.detour_secs,
            detour_after=booking.detour_after, delay_budget_secs=booking.delay_budget_secs,
        ))
    month_start = departure_at.date().replace(day=1)
    rides: dict[uuid.UUID, int] = {} if len(rows) < 2 else dict((await execute(session,
        select(col(OfferInstance.driver_id), func.count())
        .where(col(OfferInstance.driver_id).in_([d.id for _i, d, _o in rows]),
               OfferInstance.service_date >= month_start, OfferInstance.state != "withdrawn")
        .group_by(col(OfferInstance.driver_id))
    )).all())
    result = []
    width = max(instance.to_index for instance, _d, _o in rows) + 1
    for instance, driver, offer in rows:
        seat_loads = [0] * width
        wheelchair_loads = [0] * width
        for segment, (seats_used, wheelchairs_used) in loads.get(instance.id, {}).items():
            seat_loads[segment], wheelchair_loads[segment] = seats_used, wheelchairs_used
        for segment in range(width):
            if not instance.from_index <= segment < instance.to_index:
                seat_loads[segment] = instance.seats  # not driven: no room
        result.append(Candidate(
            instance_id=str(instance.id), commercial=instance.commercial, covers_from=instance.from_index,
            covers_to=instance.to_index, seats=instance.seats, wheelchair_places=instance.wheelchair_places,
            seat_loads=seat_loads, wheelchair_loads=wheelchair_loads, female_driver=driver.female_opt_in,
            max_detour_secs=instance.max_detour_secs, detour_used_secs=instance.detour_used_secs,
            rides_this_month=int(rides.get(driver.id, 0)), offer_created_at=offer.created_at,
            riders=riders.get(instance.id, []),
        ))
    return result


async def _place_private(session: AsyncSession, corridor_id: str, departure_at: datetime, request: RideRequest,
                         *, exclude: uuid.UUID | None = None) -> uuid.UUID | None:
    """Try the ranked instances in order; the first whose conditional take succeeds gets the party."""
    found = await candidates(session, corridor_id, departure_at, exclude=exclude, with_riders=request.detour_secs > 0)
    for candidate in rank(found, request):
        instance_id = uuid.UUID(candidate.instance_id)
        if await capacity.take_seats(session, instance_id, request):
            # Detours: the per-rider delay budgets are checked again now that the instance row is ours.
            if request.detour_secs and not await _delays_hold(session, instance_id, request, corridor_id):
                continue
            return instance_id
    return None


async def _delays_hold(session: AsyncSession, instance_id: uuid.UUID, request: RideRequest, corridor_id: str) -> bool:
    fresh = await candidates(session, corridor_id, (await _instance(session, instance_id)).departure_at)
    mine = next((c for c in fresh if c.instance_id == str(instance_id)), None)
    if mine is None or delay_budget_holds(mine.riders, request):
        return True
    # Undo the take: a rider already on this car would be delayed beyond their budget.
    await capacity.release_seats(session, instance_id, origin=request.origin, destination=request.destination,
                                 seats=request.seats, wheelchairs=request.wheelchairs, detour_secs=request.detour_secs)
    return False


async def _instance(session: AsyncSession, instance_id: uuid.UUID) -> OfferInstance:
    instance = await session.get(OfferInstance, instance_id)
    assert instance is not None
    return instance


async def contract_for(session: AsyncSession, corridor_id: str, slot_secs: int) -> FallbackContract | None:
    return (await session.exec(
        select(FallbackContract).where(
            FallbackContract.corridor_id == corridor_id, FallbackContract.band_from_secs <= slot_secs,
            FallbackContract.band_to_secs >= slot_secs,
        ).order_by(col(FallbackContract.band_from_secs))
    )).first()


# --- bookings -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Position:
    index: int
    detour_secs: int = 0
    detour_after: int | None = None


def _position(corridor: Corridor, stop_id: str, *, boarding: bool, field: str) -> Position:
    if stop_id in corridor.stop_ids:
        return Position(corridor.stop_ids.index(stop_id))
    for detour in corridor.detours:
        if detour["stop_id"] == stop_id:
            after = int(detour["after"])
            return Position(after if boarding else after + 1, int(detour["secs"]), after)
    raise ProblemError(422, "STOP_NOT_ON_CORRIDOR", "This stop is not served by the corridor.", field=field)


async def next_slot(session: AsyncSession, corridor: Corridor, day: date, after_secs: int, origin: int,
                    now: datetime, notice: timedelta) -> dict[str, str] | None:
    """The next slot (today or tomorrow) that can still be booked from the origin, for a refusal."""
    for service_date in (day, day + timedelta(days=1)):
        for slot in await corridor_slots(session, corridor, service_date):
            if service_date == day and slot.slot_secs <= after_secs:
                continue
            if _slot_instant(corridor, service_date, slot.slot_secs, origin) - notice >= now:
                return {"service_date": service_date.isoformat(), "slot": slot.gtfs_time, "departs": slot.local}
    return None


async def recent_no_shows(session: AsyncSession, person_id: uuid.UUID, now: datetime, days: int) -> int:
    return int((await execute(session,
        select(func.count()).select_from(Booking).where(
            Booking.person_id == person_id, Booking.state == "no_show",
            Booking.departure_at >= now - timedelta(days=days),
        )
    )).scalar_one())


async def book(
    session: AsyncSession, *, person_id: uuid.UUID, created_by: str | None, channel: str, corridor_id: str,
    service_date: date, slot_secs: int, origin_stop: str, destination_stop: str, party: int, wheelchair: bool,
    pram: bool, bike: bool, female_driver_only: bool, now: datetime, settings: MobilitySettings,
) -> Booking:
    corridor = await session.get(Corridor, corridor_id)
    if corridor is None:
        raise ProblemError(422, "UNKNOWN_CORRIDOR", "No such corridor.", field="corridor_id")
    origin = _position(corridor, origin_stop, boarding=True, field="origin_stop")
    destination = _position(corridor, destination_stop, boarding=False, field="destination_stop")
    if origin.detour_secs and destination.detour_secs:
        raise ProblemError(422, "TWO_DETOURS", "At most one of the two stops may be off the corridor.",
                           field="destination_stop")
    if origin.index >= destination.index:
        raise ProblemError(422, "WRONG_DIRECTION", "The destination must come after the pickup on the corridor.",
                           field="destination_stop")
    a, b = await _stop(session, corridor, origin_stop), await _stop(session, corridor, destination_stop)
    if a.lat is not None and b.lat is not None and a.lon is not None and b.lon is not None and (
        places.haversine_m(a.lat, a.lon, b.lat, b.lon) < settings.min_trip_metres
    ):
        raise ProblemError(422, "TRIP_TOO_SHORT", "Rides are for trips of at least a kilometre.",
                           field="destination_stop")
    if not any(s.slot_secs == slot_secs for s in await corridor_slots(session, corridor, service_date)):
        raise ProblemError(422, "NO_SUCH_SLOT", "The corridor has no ride slot at this time on this date.",
                           field="slot")
    notice = timedelta(minutes=settings.booking_notice_minutes)
    departure = _slot_instant(corridor, service_date, slot_secs, origin.index)
    if now > departure - notice:
        raise ProblemError(
            422, "LEAD_TIME", f"Rides must be booked at least {settings.booking_notice_minutes} minutes ahead.",
            field="slot", extra={"next_slot": await next_slot(session, corridor, service_date, slot_secs,
                                                              origin.index, now, notice)},
        )
    if departure - now > timedelta(days=settings.booking_horizon_days):
        raise ProblemError(422, "TOO_FAR_AHEAD", "Rides can be booked at most "
                           f"{settings.booking_horizon_days} days ahead.", field="service_date")
    if created_by is None and await recent_no_shows(session, person_id, now, settings.no_show_window_days) >= (
        settings.no_show_limit
    ):
        raise ProblemError(403, "DESK_CONFIRMATION_REQUIRED", "Please book this ride through the "
                           "Mobilitätszentrale by phone.")
    request = RideRequest(
        origin=origin.index, destination=destination.index, party=party, wheelchair=wheelchair,
        female_driver_only=female_driver_only, detour_secs=origin.detour_secs or destination.detour_secs,
        detour_after=origin.detour_after if origin.detour_secs else destination.detour_after,
    )
    first_stop_departure = _slot_instant(corridor, service_date, slot_secs, 0)
    booking = Booking(
        person_id=person_id, created_by=created_by, channel=channel, corridor_id=corridor.id,
        service_date=service_date, slot_secs=slot_secs, origin_stop=origin_stop, destination_stop=destination_stop,
        origin_index=origin.index, destination_index=destination.index, detour_secs=request.detour_secs,
        detour_after=request.detour_after, party=party, wheelchair=wheelchair, pram=pram, bike=bike,
        female_driver_only=female_driver_only, state="requested", departure_at=departure,
        lock_at=departure - notice, delay_budget_secs=settings.rider_delay_budget_secs,
        stop_access_unknown=wheelchair and a.wheelchair != "yes", created_at=now, updated_at=now,
    )
    instance_id = None
    if not (wheelchair and a.wheelchair != "yes"):  # private cars need a step-free stop for a wheelchair
        instance_id = await _place_private(session, corridor.id, first_stop_departure, request)
    contract = None
    if instance_id is not None:
        booking.state, booking.instance_id, booking.fare_cents = "matched_private", instance_id, (
            settings.fare_private_cents)
    else:
        contract = await contract_for(session, corridor.id, slot_secs)
        if contract is None:
            raise ProblemError(409, "NO_FALLBACK", "No ride and no guaranteed taxi at this time.", field="slot",
                               extra={"next_slot": await next_slot(session, corridor, service_date, slot_secs,
                                                                   origin.index, now, notice)})
        if wheelchair and contract.wheelchair_places_per_slot < 1:
            raise ProblemError(409, "NO_WHEELCHAIR_VEHICLE", "No wheelchair-accessible vehicle at this time.",
                               field="wheelchair")
        booking.state, booking.contract_id, booking.fare_cents = "fallback_planned", contract.id, (
            settings.fare_fallback_cents)
    session.add(booking)
    await session.flush()
    audit.record(session, actor=created_by or str(person_id), person_id=person_id, action="booking_created",
                 subject_kind="booking", subject_id=booking.id, note=f"{booking.state} via {channel}", at=now)
    await publish(session, BookingConfirmedV1(
        booking_id=booking.id, person_id=person_id, corridor_id=corridor.id, origin_stop=origin_stop,
        destination_stop=destination_stop, departure_at=departure, party=party,
        ride="private" if instance_id else "fallback", booked_by_desk=created_by is not None,
    ))
    if instance_id is not None:
        await _tell(session, booking, texts_de.booking_private, f"confirmed:{booking.id}")
        await _tell_driver(session, booking)
    else:
        await _tell(session, booking, lambda stop, at: texts_de.booking_fallback(stop, at, female_driver_only),
                    f"confirmed:{booking.id}")
        # The slot's fallback counter is one row every request of the slot updates: taken last, so that
        # its lock is held only until the commit that follows.
        assert contract is not None
        if not await capacity.take_fallback(session, contract, service_date, slot_secs, request):
            raise ProblemError(409, "CAPACITY_EXHAUSTED", "This slot is fully booked.", field="slot",
                               extra={"next_slot": await next_slot(session, corridor, service_date, slot_secs,
                                                                   origin.index, now, notice)})
    return booking


Text = Callable[[str, datetime], tuple[str, str]]


async def _tell(session: AsyncSession, booking: Booking, text: Text, dedupe_key: str) -> None:
    """Notify the booking's person (title and body from `text(stop name, departure)`), once per key."""
    if booking.person_id is None:
        return
    corridor = await session.get(Corridor, booking.corridor_id)
    assert corridor is not None
    stop = await _stop(session, corridor, booking.origin_stop)
    title, body = text(stop.name, booking.departure_at)
    await notify(session, person_id=booking.person_id, kind="mobility.booking", title=title, body=body,
                 link=f"/rides/bookings/{booking.id}", dedupe_key=dedupe_key)


async def _tell_driver(session: AsyncSession, booking: Booking) -> None:
    instance = await _instance(session, booking.instance_id) if booking.instance_id else None
    if instance is None:
        return
    driver = await session.get(Driver, instance.driver_id)
    corridor = await session.get(Corridor, booking.corridor_id)
    assert driver is not None and corridor is not None
    stop = await _stop(session, corridor, booking.origin_stop)
    title, body = texts_de.rider_booked(stop.name, booking.departure_at, booking.party)
    await notify(session, person_id=driver.person_id, kind="mobility.ride", title=title, body=body,
                 link="/rides/driver", dedupe_key=f"rider:{booking.id}:{instance.id}")


async def release(session: AsyncSession, booking: Booking) -> None:
    """Give back what the booking holds: seats on its car, or its place on the fallback contract."""
    request = request_of(booking)
    if booking.instance_id is not None and booking.state in ("matched_private", "confirmed_private"):
        await capacity.release_seats(session, booking.instance_id, origin=request.origin,
                                     destination=request.destination, seats=request.seats,
                                     wheelchairs=request.wheelchairs, detour_secs=request.detour_secs)
    elif booking.contract_id is not None and booking.state == "fallback_planned":
        await capacity.release_fallback(session, booking.contract_id, booking.service_date, booking.slot_secs,
                                        seats=request.seats, wheelchairs=request.wheelchairs)


async def requeue(session: AsyncSession, booking: Booking, *, now: datetime, exclude: uuid.UUID) -> str:
    """A booking whose car fell away before the lock: another car, else the fallback (never lost: if the
    contract is full for the slot it is stretched and the desk sees it)."""
    corridor = await session.get(Corridor, booking.corridor_id)
    assert corridor is not None
    request = request_of(booking)
    departure = _slot_instant(corridor, booking.service_date, booking.slot_secs, 0)
    instance_id = await _place_private(session, corridor.id, departure, request, exclude=exclude)
    if instance_id is not None:
        booking.instance_id, booking.state = instance_id, "matched_private"
    else:
        contract = await contract_for(session, corridor.id, booking.slot_secs)
        if contract is None:
            raise ProblemError(409, "NO_FALLBACK", "A booking on this slot would lose its guarantee.")
        if not await capacity.take_fallback(session, contract, booking.service_date, booking.slot_secs, request,
                                            stretch=True):
            audit.record(session, person_id=booking.person_id, action="fallback_over_contract",
                         subject_kind="booking", subject_id=booking.id, at=now)
        booking.instance_id, booking.contract_id, booking.state = None, contract.id, "fallback_planned"
    booking.updated_at = now
    await session.flush()
    await _tell(session, booking, texts_de.requeued, f"requeued:{booking.id}:{exclude}")
    return booking.state


async def cancel_booking(session: AsyncSession, booking: Booking, *, now: datetime,
                         reason: str = "passenger") -> Booking:
    """By the passenger: on time before the lock (capacity freed), late after it (the taxi order shrinks)."""
    if booking.state not in LIVE:
        raise ProblemError(409, "BOOKING_CLOSED", "This booking cannot be cancelled any more.")
    late = now >= booking.lock_at
    await release(session, booking)
    if booking.fallback_order_id is not None:
        from mobility.crud.guarantee import shrink_order

        await shrink_order(session, booking)
    booking.state = "cancelled_late" if late else "cancelled_on_time"
    booking.updated_at = now
    await session.flush()
    await publish(session, BookingCancelledV1(booking_id=booking.id, person_id=booking.person_id, late=late,
                                              reason=reason, cancelled_at=now))
    await _tell(session, booking, lambda _stop, at: texts_de.booking_cancelled(at), f"cancelled:{booking.id}")
    return booking


async def change_stops(session: AsyncSession, booking: Booking, *, origin_stop: str, destination_stop: str,
                       now: datetime, settings: MobilitySettings) -> Booking:
    """Changing pickup or destination is a new request: allowed only before the lock."""
    if booking.state not in BEFORE_LOCK or now >= booking.lock_at:
        raise ProblemError(409, "LEAD_TIME", "Changes are possible up to "
                           f"{settings.booking_notice_minutes} minutes before departure; you may still cancel.")
    assert booking.person_id is not None
    await release(session, booking)
    booking.state, booking.updated_at = "cancelled_on_time", now
    await session.flush()
    await publish(session, BookingCancelledV1(booking_id=booking.id, person_id=booking.person_id, late=False,
                                              reason="changed", cancelled_at=now))
    fresh = await book(
        session, person_id=booking.person_id, created_by=booking.created_by, channel=booking.channel,
        corridor_id=booking.corridor_id, service_date=booking.service_date, slot_secs=booking.slot_secs,
        origin_stop=origin_stop, destination_stop=destination_stop, party=booking.party,
        wheelchair=booking.wheelchair, pram=booking.pram, bike=booking.bike,
        female_driver_only=booking.female_driver_only, now=now, settings=settings,
    )
    return fresh


# --- driver side ------------------------------------------------------------------------------------------


async def withdraw_instances(session: AsyncSession, instances: Sequence[OfferInstance], *, now: datetime,
                             reason: str) -> tuple[int, int]:
    """Take instances off the road. Bookings before their lock are re-queued; bookings already confirmed on
    the car get a short-notice taxi each (idempotent per booking). Returns (re-queued, taxis)."""
    from mobility.crud.guarantee import short_notice_order

    requeued = taxis = 0
    for instance in instances:
        bookings = (await session.exec(
            select(Booking).where(Booking.instance_id == instance.id, col(Booking.state).in_(
                ("matched_private", "confirmed_private")))
            .order_by(col(Booking.created_at), col(Booking.id))
        )).all()
        confirmed = [b for b in bookings if b.state == "confirmed_private" or now >= b.lock_at]
        moved = await execute(session,
            update(OfferInstance)
            .where(col(OfferInstance.id) == instance.id, col(OfferInstance.state).in_(("open", "checked_in")))
            .values(state="cancelled_late" if confirmed else "withdrawn")
            .returning(col(OfferInstance.id))
        )
        if moved.scalar_one_or_none() is None:
            continue  # withdrawn before: a repeated cancel changes nothing
        if confirmed:
            await execute(session, update(Driver).where(col(Driver.id) == instance.driver_id)
                                  .values(late_cancels=Driver.late_cancels + 1))
        for booking in bookings:
            if booking in confirmed:
                await short_notice_order(session, booking, trigger=reason, now=now)
                taxis += 1
            else:
                await release(session, booking)
                await requeue(session, booking, now=now, exclude=instance.id)
                requeued += 1
    return requeued, taxis


async def withdraw_offer(session: AsyncSession, offer: Offer, *, now: datetime,
                         dates: Sequence[date] | None = None) -> tuple[int, int]:
    query = select(OfferInstance).where(OfferInstance.offer_id == offer.id, col(OfferInstance.state).in_(
        ("open", "checked_in")), OfferInstance.departure_at > now)
    if dates is not None:
        query = query.where(col(OfferInstance.service_date).in_(dates))
    else:
        offer.status = "withdrawn"
    instances = (await session.exec(query)).all()
    result = await withdraw_instances(session, instances, now=now, reason="driver_cancelled")
    await publish(session, OfferWithdrawnV1(
        offer_id=offer.id, service_dates=sorted(i.service_date for i in instances), bookings_requeued=result[0],
        withdrawn_at=now,
    ))
    return result


async def set_exceptions(session: AsyncSession, offer: Offer, exceptions: dict[date, str], *, now: datetime,
                         settings: MobilitySettings) -> Offer:
    """New exception dates: instances on newly removed dates are withdrawn (bookings re-queued), newly
    added dates get instances."""
    removed = [d for d, kind in exceptions.items() if kind == "removed" and _exceptions(offer).get(d) != "removed"]
    offer.exceptions = {d.isoformat(): kind for d, kind in exceptions.items()}
    await session.flush()
    if removed:
        await withdraw_offer(session, offer, now=now, dates=removed)
    await expand_offer(session, offer, now=now, settings=settings)
    return offer


async def change_driver_status(session: AsyncSession, driver: Driver, *, status: str, actor: str,
                               now: datetime) -> Driver:
    """Suspension or revocation takes the driver's future rides off the road (taxis for confirmed riders)."""
    driver.status, driver.status_changed_by = status, actor
    audit.record(session, actor=actor, person_id=driver.person_id, action=f"driver_{status}", subject_kind="driver",
                 subject_id=driver.id, at=now)
    instances = (await session.exec(select(OfferInstance).where(
        OfferInstance.driver_id == driver.id, col(OfferInstance.state).in_(("open", "checked_in")),
        OfferInstance.departure_at > now,
    ))).all()
    await withdraw_instances(session, instances, now=now, reason=f"driver_{status}")
    await session.flush()
    return driver
