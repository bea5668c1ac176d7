"""The guarantee over time: the lock at departure − notice (private rides confirmed, fallback bookings
consolidated into taxi orders), short-notice taxis when a driver drops out after the lock, escalation of
orders the operator has not acknowledged, and the watch that no accepted booking reaches its departure
without a car or an acknowledged taxi. Every step is a set of conditional state changes, so running it
twice (two replicas, a retried tick, a repeated cancel) changes nothing the second time."""

from __future__ import annotations

import hashlib
import uuid
from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

import places
from eventcontracts.mobility import FallbackDispatchedV1, GuaranteeBreachedV1
from mobility.config import MobilitySettings
from mobility.crud._sql import execute
from mobility.crud.rides import _tell, contract_for, request_of
from mobility.domain import texts_de
from mobility.domain.planning import FallbackParty, consolidate
from mobility.models import (
    Booking,
    Corridor,
    Driver,
    FallbackContract,
    FallbackOrder,
    LedgerEntry,
    OfferInstance,
    Stop,
)
from platformkit import audit
from platformkit.db import Database
from platformkit.events import notify, publish
from platformkit.problems import ProblemError

SHORT_NOTICE_ACK = timedelta(minutes=5)
REMINDER_AHEAD = timedelta(minutes=30)
# States in which a booking is still owed a ride and has none secured yet.
UNSECURED = ("matched_private", "fallback_planned", "fallback_dispatched", "escalated")


async def _insert_order(session: AsyncSession, values: dict[str, object]) -> uuid.UUID | None:
    """The order, unless one with its dedupe key exists; its id, or None when it existed."""
    connection = await session.connection()
    insert = postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert
    result = await connection.execute(
        insert(FallbackOrder.__table__).values(**values)  # type: ignore[attr-defined]
        .on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(FallbackOrder.__table__.c.id)  # type: ignore[attr-defined]
    )
    created: uuid.UUID | None = result.scalar_one_or_none()
    return created


async def short_notice_order(session: AsyncSession, booking: Booking, *, trigger: str, now: datetime) -> bool:
    """One taxi for this booking now, bypassing the notice; at most one per booking and trigger."""
    contract = await contract_for(session, booking.corridor_id, booking.slot_secs)
    if contract is None:
        raise ProblemError(409, "NO_FALLBACK", "No fallback operator for this slot.")
    request = request_of(booking)
    order_id = await _insert_order(session, {
        "id": uuid.uuid4(), "dedupe_key": f"{booking.id}:{trigger}", "contract_id": contract.id,
        "corridor_id": booking.corridor_id, "service_date": booking.service_date, "slot_secs": booking.slot_secs,
        "departure_at": booking.departure_at, "short_notice": True, "wheelchair_vehicle": booking.wheelchair,
        "seats": request.seats, "wheelchairs": request.wheelchairs, "state": "sent",
        "ack_deadline": min(now + SHORT_NOTICE_ACK, booking.departure_at), "created_at": now,
    })
    if order_id is None:
        return False
    moved = await execute(session,
        update(Booking).where(col(Booking.id) == booking.id, col(Booking.state).in_(
            ("matched_private", "confirmed_private")))
        .values(state="fallback_dispatched", fallback_order_id=order_id, contract_id=contract.id, updated_at=now)
        .returning(col(Booking.id))
    )
    if moved.scalar_one_or_none() is None:
        return False
    audit.record(session, person_id=booking.person_id, action="short_notice_taxi", subject_kind="booking",
                 subject_id=booking.id, note=trigger, at=now)
    await publish(session, FallbackDispatchedV1(
        order_id=order_id, corridor_id=booking.corridor_id, departure_at=booking.departure_at, seats=request.seats,
        wheelchairs=request.wheelchairs, short_notice=True, booking_ids=[booking.id],
        ack_deadline=min(now + SHORT_NOTICE_ACK, booking.departure_at),
    ))
    await session.refresh(booking)
    await _tell(session, booking, texts_de.taxi_instead, f"taxi:{booking.id}:{trigger}")
    return True


async def lock_due(session: AsyncSession, *, now: datetime) -> int:
    """At departure − notice: private matches become confirmed; fallback bookings are consolidated, per
    contract and slot, into as few taxi orders as the vehicles allow."""
    confirmed = list((await execute(session,
        update(Booking).where(col(Booking.state) == "matched_private", col(Booking.lock_at) <= now)
        .values(state="confirmed_private", updated_at=now).returning(col(Booking.id))
    )).scalars().all())
    for booking_id in confirmed:
        booking = await session.get(Booking, booking_id)
        assert booking is not None
        await _tell(session, booking, texts_de.ride_locked, f"locked:{booking.id}")
    due = (await session.exec(
        select(Booking).where(Booking.state == "fallback_planned", col(Booking.lock_at) <= now)
        .order_by(col(Booking.created_at), col(Booking.id))
    )).all()
    groups: dict[tuple[uuid.UUID, object, int], list[Booking]] = defaultdict(list)
    for booking in due:
        assert booking.contract_id is not None
        groups[(booking.contract_id, booking.service_date, booking.slot_secs)].append(booking)
    orders = 0
    for (contract_id, _day, _slot), bookings in groups.items():
        contract = await session.get(FallbackContract, contract_id)
        assert contract is not None
        parties = [FallbackParty(str(b.id), request_of(b).seats, request_of(b).wheelchairs) for b in bookings]
        by_id = {str(b.id): b for b in bookings}
        for load in consolidate(parties, vehicle_seats=contract.vehicle_seats,
                                wheelchair_vehicle_seats=contract.wheelchair_vehicle_seats):
            members = sorted(p.booking_id for p in load.parties)
            first = min((by_id[m] for m in members), key=lambda b: b.departure_at)
            digest = hashlib.sha256(",".join(members).encode()).hexdigest()[:32]
            ack_deadline = first.lock_at + timedelta(minutes=contract.ack_minutes)
            order_id = await _insert_order(session, {
                "id": uuid.uuid4(), "dedupe_key": f"lock:{digest}", "contract_id": contract.id,
                "corridor_id": first.corridor_id, "service_date": first.service_date, "slot_secs": first.slot_secs,
                "departure_at": first.departure_at, "short_notice": False,
                "wheelchair_vehicle": load.wheelchair_vehicle, "seats": sum(p.seats for p in load.parties),
                "wheelchairs": sum(p.wheelchairs for p in load.parties), "state": "sent",
                "ack_deadline": ack_deadline, "created_at": now,
            })
            if order_id is None:
                continue
            await execute(session,
                update(Booking).where(col(Booking.id).in_([uuid.UUID(m) for m in members]),
                                      col(Booking.state) == "fallback_planned")
                .values(state="fallback_dispatched", fallback_order_id=order_id, updated_at=now)
            )
            await publish(session, FallbackDispatchedV1(
                order_id=order_id, corridor_id=first.corridor_id, departure_at=first.departure_at,
                seats=sum(p.seats for p in load.parties), wheelchairs=sum(p.wheelchairs for p in load.parties),
                booking_ids=[uuid.UUID(m) for m in members], ack_deadline=ack_deadline,
            ))
            orders += 1
    return orders


async def missing_check_ins(session: AsyncSession, *, now: datetime, settings: MobilitySettings) -> int:
    """A driver not checked in by departure − check-in minutes: a short-notice taxi for each rider."""
    late = (await session.exec(
        select(Booking).join(OfferInstance, col(OfferInstance.id) == Booking.instance_id).where(
            Booking.state == "confirmed_private", OfferInstance.state == "open",
            col(Booking.departure_at) <= now + timedelta(minutes=settings.check_in_minutes),
        )
    )).all()
    for booking in late:
        await short_notice_order(session, booking, trigger="no_check_in", now=now)
    return len(late)


async def remind_drivers(session: AsyncSession, *, now: datetime) -> int:
    """Half an hour before departure, a driver with riders is reminded to check in (once per ride)."""
    soon = (await session.exec(
        select(OfferInstance).where(OfferInstance.state == "open", col(OfferInstance.departure_at) > now,
                                    col(OfferInstance.departure_at) <= now + REMINDER_AHEAD)
    )).all()
    reminded = 0
    for instance in soon:
        riders = (await session.exec(select(Booking).where(
            Booking.instance_id == instance.id, col(Booking.state).in_(("matched_private", "confirmed_private"))
        ))).all()
        if not riders:
            continue
        driver = await session.get(Driver, instance.driver_id)
        assert driver is not None
        title, body = texts_de.check_in_reminder(instance.departure_at, sum(b.party for b in riders))
        await notify(session, person_id=driver.person_id, kind="mobility.ride", title=title, body=body,
                     link="/rides/driver", severity="warning", dedupe_key=f"check-in:{instance.id}")
        reminded += 1
    return reminded


async def escalate_unacknowledged(session: AsyncSession, *, now: datetime) -> int:
    overdue = list((await execute(session,
        update(FallbackOrder).where(col(FallbackOrder.state) == "sent", col(FallbackOrder.ack_deadline) <= now)
        .values(state="escalated").returning(col(FallbackOrder.id))
    )).scalars().all())
    if overdue:
        await execute(session,
            update(Booking)
            .where(col(Booking.fallback_order_id).in_(overdue), col(Booking.state) == "fallback_dispatched")
            .values(state="escalated", updated_at=now)
        )
        for order_id in overdue:
            audit.record(session, action="taxi_order_escalated", subject_kind="taxi_order", subject_id=order_id, at=now)
    return len(overdue)


async def watch_guarantee(session: AsyncSession, *, now: datetime) -> int:
    """Bookings at their departure with neither a checked-in car nor an acknowledged taxi: breached."""
    unsecured = list((await session.exec(
        select(Booking).where(col(Booking.state).in_(UNSECURED), col(Booking.departure_at) <= now)
    )).all())
    no_car = (await session.exec(
        select(Booking).join(OfferInstance, col(OfferInstance.id) == Booking.instance_id).where(
            Booking.state == "confirmed_private", OfferInstance.state == "open", col(Booking.departure_at) <= now,
        )
    )).all()
    breached = 0
    for booking in [*unsecured, *no_car]:
        before = booking.state  # the UPDATE below refreshes the loaded row
        moved = await execute(session,
            update(Booking).where(col(Booking.id) == booking.id, col(Booking.state) == before)
            .values(state="failed", updated_at=now).returning(col(Booking.id))
        )
        if moved.scalar_one_or_none() is None:
            continue
        await publish(session, GuaranteeBreachedV1(
            booking_id=booking.id, corridor_id=booking.corridor_id, departure_at=booking.departure_at,
            state_before=before, detected_at=now,
        ))
        breached += 1
    return breached


async def tick(db: Database, *, now: datetime, settings: MobilitySettings) -> dict[str, int]:
    """One pass of every time-driven step, each in its own transaction (a failing one does not hold up the
    others; the next tick retries it)."""
    done: dict[str, int] = {}
    async with db.transaction() as session:
        done["locked_orders"] = await lock_due(session, now=now)
    async with db.transaction() as session:
        done["reminders"] = await remind_drivers(session, now=now)
    async with db.transaction() as session:
        done["missing_check_ins"] = await missing_check_ins(session, now=now, settings=settings)
    async with db.transaction() as session:
        done["escalated"] = await escalate_unacknowledged(session, now=now)
    async with db.transaction() as session:
        done["breached"] = await watch_guarantee(session, now=now)
    return done


# --- acknowledgements, riders on board, the ledger ------------------------------------------------------


async def acknowledge(session: AsyncSession, order: FallbackOrder, *, actor: str, now: datetime) -> FallbackOrder:
    """The operator took the order (entered by the desk): its bookings are confirmed on the taxi. An
    escalated order resolved this way counts too."""
    if order.state not in ("sent", "escalated", "acknowledged"):
        raise ProblemError(409, "ORDER_CLOSED", "This order was cancelled.")
    if order.state != "acknowledged":
        order.state, order.acknowledged_by, order.acknowledged_at = "acknowledged", actor, now
        bookings = (await session.exec(select(Booking).where(
            Booking.fallback_order_id == order.id, col(Booking.state).in_(("fallback_dispatched", "escalated"))
        ))).all()
        for booking in bookings:
            booking.state, booking.updated_at = "confirmed_fallback", now
            await _tell(session, booking, texts_de.taxi_confirmed, f"taxi-confirmed:{booking.id}")
        audit.record(session, actor=actor, action="taxi_order_acknowledged", subject_kind="taxi_order",
                     subject_id=order.id, at=now)
        await session.flush()
    return order


async def shrink_order(session: AsyncSession, booking: Booking) -> None:
    """A booking leaves its taxi order; an order left without riders is cancelled."""
    order = await session.get(FallbackOrder, booking.fallback_order_id)
    if order is None:
        return
    request = request_of(booking)
    order.seats = max(order.seats - request.seats, 0)
    order.wheelchairs = max(order.wheelchairs - request.wheelchairs, 0)
    others = (await session.exec(select(Booking.id).where(
        Booking.fallback_order_id == order.id, Booking.id != booking.id,
        col(Booking.state).in_(("fallback_dispatched", "confirmed_fallback", "escalated")),
    ))).all()
    if not others:
        order.state = "cancelled"


async def check_in(session: AsyncSession, instance: OfferInstance, *, now: datetime) -> OfferInstance:
    if instance.state not in ("open", "checked_in"):
        raise ProblemError(409, "RIDE_CLOSED", "This ride was cancelled.")
    instance.state, instance.checked_in_at = "checked_in", instance.checked_in_at or now
    await session.flush()
    return instance


async def complete(session: AsyncSession, instance: OfferInstance, *, now: datetime,
                   settings: MobilitySettings) -> LedgerEntry | None:
    """The driver finished the ride: riders completed, and one ledger entry for the driven kilometres
    (dated by the service date), unless nobody rode (or all were no-shows and the policy says so)."""
    if instance.state == "completed":
        return (await session.exec(select(LedgerEntry).where(LedgerEntry.instance_id == instance.id))).first()
    if instance.state != "checked_in":
        raise ProblemError(409, "NOT_CHECKED_IN", "Check in before completing the ride.")
    instance.state = "completed"
    riders = (await session.exec(select(Booking).where(
        Booking.instance_id == instance.id, col(Booking.state).in_(("confirmed_private", "no_show"))
    ))).all()
    for booking in riders:
        if booking.state == "confirmed_private":
            booking.state, booking.updated_at = "completed", now
    travelled = [b for b in riders if b.state == "completed"]
    if not riders or (not travelled and not settings.pay_when_all_no_show):
        await session.flush()
        return None
    corridor = await session.get(Corridor, instance.corridor_id)
    assert corridor is not None
    first_index = min(b.origin_index for b in riders)
    last_index = max(b.destination_index for b in riders)
    a = await session.get(Stop, (corridor.feed_id, corridor.stop_ids[first_index]))
    b = await session.get(Stop, (corridor.feed_id, corridor.stop_ids[last_index]))
    assert a is not None and b is not None and a.lat is not None and a.lon is not None
    assert b.lat is not None and b.lon is not None
    start, end = corridor.shape_dists[first_index], corridor.shape_dists[last_index]
    distance = places.reimbursable_distance(
        (a.lat, a.lon), (b.lat, b.lon), shape_dist_start=start, shape_dist_end=end,
        unit=corridor.shape_unit if start is not None else None, detour_factor=settings.detour_factor,
    )
    rate = min(settings.driver_rate_cents_per_km, settings.legal_cap_cents_per_km)
    amount = round(distance.km * rate)
    fares = sum(x.fare_cents for x in travelled)
    entry = LedgerEntry(
        driver_id=instance.driver_id, instance_id=instance.id, service_date=instance.service_date,
        metres=round(distance.metres), method=distance.method.value, rate_cents_per_km=rate, amount_cents=amount,
        # Passengers pay the district, never the driver; attributed fares never exceed the reimbursement.
        passenger_fares_cents=min(fares, amount), created_at=now,
    )
    session.add(entry)
    await session.flush()
    return entry


async def no_show(session: AsyncSession, booking: Booking, *, now: datetime, wait_minutes: int = 5) -> Booking:
    if booking.state != "confirmed_private":
        raise ProblemError(409, "NOT_ON_RIDE", "Only a confirmed rider can be reported missing.")
    if now < booking.departure_at + timedelta(minutes=wait_minutes):
        raise ProblemError(409, "WAIT_WINDOW", f"Please wait {wait_minutes} minutes at the stop first.")
    booking.state, booking.updated_at = "no_show", now
    audit.record(session, actor="driver", person_id=booking.person_id, action="no_show", subject_kind="booking",
                 subject_id=booking.id, at=now)
    await session.flush()
    return booking


async def driver_for_instance(session: AsyncSession, instance: OfferInstance) -> Driver:
    driver = await session.get(Driver, instance.driver_id)
    assert driver is not None
    return driver
