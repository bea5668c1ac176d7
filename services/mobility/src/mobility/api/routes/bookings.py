"""Riders: search the rides and the guaranteed taxi from a stop, book (also on behalf, by the desk), see and
cancel bookings. The desk: today's bookings and taxi orders, acknowledgements, the audit log."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from mobility.api.deps import DeskPrincipal, MobilitySettingsDep, person_of
from mobility.api.views import booking_out, desk_booking_out, order_out
from mobility.crud import guarantee, network, rides
from mobility.domain.gtfstime import gtfs_instant, parse_gtfs_time, service_dates_around
from mobility.domain.matching import RideRequest, rank
from mobility.models import Booking, Corridor, FallbackLoad, FallbackOrder
from mobility.schemas import (
    AuditOut,
    BookingIn,
    BookingOut,
    ChangeIn,
    DepartureOut,
    DeskDayOut,
    OrderOut,
    SearchOut,
    SlotOffer,
    local,
)
from platformkit import audit as audit_log  # `audit` is a route here
from platformkit.auth import Principal, PrincipalDep
from platformkit.deps import NowDep, ReadSessionDep, SessionDep
from platformkit.idempotency import IdempotencyDep
from platformkit.pagination import PageParams
from platformkit.problems import ProblemError

router = APIRouter(tags=["bookings"])


@router.get("/rides", response_model=list[SearchOut])
async def search(session: ReadSessionDep, now: NowDep, settings: MobilitySettingsDep,
                 from_stop: Annotated[str, Query(min_length=1, max_length=128)],
                 to_stop: Annotated[str, Query(min_length=1, max_length=128)], day: date) -> list[SearchOut]:
    """Every corridor that runs from `from_stop` to `to_stop`, with its slots on `day` and what a booking
    now would get: a private ride (seats free), the guaranteed taxi, or nothing (full)."""
    corridors = (await session.exec(select(Corridor))).all()
    results = []
    notice = settings.booking_notice_minutes * 60
    for corridor in corridors:
        if from_stop not in corridor.stop_ids or to_stop not in corridor.stop_ids:
            continue
        o, d = corridor.stop_ids.index(from_stop), corridor.stop_ids.index(to_stop)
        if o >= d:
            continue
        request = RideRequest(origin=o, destination=d, party=1)
        slot_offers = []
        for slot in await network.corridor_slots(session, corridor, day):
            pickup = gtfs_instant(day, slot.slot_secs + corridor.offsets_secs[o])
            arrival = gtfs_instant(day, slot.slot_secs + corridor.offsets_secs[d])
            fits = rank(await rides.candidates(session, corridor.id, slot.departure_at, with_riders=False), request)
            free = max((min(c.seats - c.seat_loads[k] for k in request.segments) for c in fits), default=0)
            expect = "private" if fits else "full"
            if not fits:
                contract = await rides.contract_for(session, corridor.id, slot.slot_secs)
                if contract is not None:
                    load = await session.get(FallbackLoad, (contract.id, day, slot.slot_secs))
                    used = load.seats_used if load else 0
                    total = load.seats_total if load else contract.seats_per_slot
                    expect = "taxi" if used < total else "full"
            slot_offers.append(SlotOffer(
                service_date=day, slot=slot.gtfs_time, departure_at=pickup, departure_local=local(pickup),
                arrival_local=local(arrival), expect=expect, free_private_seats=free,
                bookable=expect != "full" and (pickup - now).total_seconds() >= notice,
            ))
        results.append(SearchOut(corridor_id=corridor.id, corridor_name=corridor.name, origin_stop=from_stop,
                                 destination_stop=to_stop, slots=slot_offers))
    return results


@router.get("/rides/departures", response_model=list[DepartureOut])
async def departing_now(session: ReadSessionDep, now: NowDep,
                        stop: Annotated[str, Query(min_length=1, max_length=128)],
                        within_minutes: Annotated[int, Query(ge=1, le=360)] = 60) -> list[DepartureOut]:
    """Slots passing `stop` from now on, within the window, whatever their service date: after midnight
    the previous service day's late slots are still on their way."""
    until = now + timedelta(minutes=within_minutes)
    found = []
    for corridor in (await session.exec(select(Corridor))).all():
        if stop not in corridor.stop_ids:
            continue
        index = corridor.stop_ids.index(stop)
        for day in service_dates_around(now):
            for slot in await network.corridor_slots(session, corridor, day):
                pickup = gtfs_instant(day, slot.slot_secs + corridor.offsets_secs[index])
                if now <= pickup <= until and index < len(corridor.stop_ids) - 1:
                    arrival = gtfs_instant(day, slot.slot_secs + corridor.offsets_secs[-1])
                    found.append(DepartureOut(
                        corridor_id=corridor.id, service_date=day, slot=slot.gtfs_time, departure_at=pickup,
                        departure_local=local(pickup), arrival_local=local(arrival),
                    ))
    return sorted(found, key=lambda s: s.departure_at)


def _booker(principal: Principal, body: BookingIn) -> tuple[uuid.UUID, str | None, str]:
    """Whose booking it is and who made it: the person themselves; the desk with a token for the person
    (`act.sub` = the staff member, token exchange — the web's Mobilitätszentrale books this way; platformkit
    lets through only a desk's authority in `act.scope`, ServiceSpec.acting_scopes in main.py); or the desk
    naming a person without a token of their own (`person_id` in the body, for other clients), which needs
    the staff scope."""
    if principal.actor is not None:
        if body.person_id is not None and str(body.person_id) != principal.sub:
            raise ProblemError(422, "PERSON_MISMATCH", "The token is for another person.", field="person_id")
        return person_of(principal), principal.actor, "phone"
    if body.person_id is not None:
        if not (principal.has_role("operator") and principal.has_scope("mobility-desk")):
            raise ProblemError(403, "FORBIDDEN", "Only the Mobilitätszentrale books for others.", field="person_id")
        return body.person_id, principal.sub, "phone"
    return person_of(principal), None, "app"


@router.post("/bookings", status_code=201, response_model=BookingOut)
async def create_booking(body: BookingIn, principal: PrincipalDep, session: SessionDep, idempotency: IdempotencyDep,
                         now: NowDep, settings: MobilitySettingsDep) -> Response | BookingOut:
    person_id, created_by, channel = _booker(principal, body)
    replay = await idempotency.claim()
    if replay is not None:
        return replay
    booking = await rides.book(
        session, person_id=person_id, created_by=created_by, channel=channel, corridor_id=body.corridor_id,
        service_date=body.service_date, slot_secs=parse_gtfs_time(body.slot), origin_stop=body.origin_stop,
        destination_stop=body.destination_stop, party=body.party, wheelchair=body.wheelchair, pram=body.pram,
        bike=body.bike, female_driver_only=body.female_driver_only, now=now, settings=settings,
    )
    result = await booking_out(session, booking)
    await idempotency.complete(201, result)
    await session.commit()
    return result


async def _mine(session: AsyncSession, principal: Principal, booking_id: uuid.UUID) -> Booking:
    booking = await session.get(Booking, booking_id)
    desk = principal.has_role("operator") and principal.has_scope("mobility-desk")
    if booking is None or (booking.person_id != person_of(principal) and not desk):
        raise ProblemError(404, "BOOKING_NOT_FOUND", "No such booking.")
    return booking


@router.get("/bookings", response_model=list[BookingOut])
async def my_bookings(principal: PrincipalDep, session: ReadSessionDep) -> list[BookingOut]:
    rows = (await session.exec(
        select(Booking).where(Booking.person_id == person_of(principal))
        .order_by(col(Booking.departure_at).desc()).limit(100)
    )).all()
    return [await booking_out(session, b) for b in rows]


@router.get("/bookings/{booking_id}", response_model=BookingOut)
async def get_booking(booking_id: uuid.UUID, principal: PrincipalDep, session: ReadSessionDep) -> BookingOut:
    return await booking_out(session, await _mine(session, principal, booking_id))


@router.post("/bookings/{booking_id}/cancel", response_model=BookingOut)
async def cancel(booking_id: uuid.UUID, principal: PrincipalDep, session: SessionDep, now: NowDep) -> BookingOut:
    booking = await _mine(session, principal, booking_id)
    await rides.cancel_booking(session, booking, now=now)
    if principal.actor or booking.person_id != person_of(principal):
        audit_log.record(session, by=principal, person_id=booking.person_id, action="booking_cancelled",
                         subject_kind="booking", subject_id=booking.id, at=now)
    await session.commit()
    return await booking_out(session, booking)


@router.patch("/bookings/{booking_id}", response_model=BookingOut)
async def change(booking_id: uuid.UUID, body: ChangeIn, principal: PrincipalDep, session: SessionDep, now: NowDep,
                 settings: MobilitySettingsDep) -> BookingOut:
    booking = await _mine(session, principal, booking_id)
    fresh = await rides.change_stops(session, booking, origin_stop=body.origin_stop,
                                     destination_stop=body.destination_stop, now=now, settings=settings)
    await session.commit()
    return await booking_out(session, fresh)


# --- the desk ---------------------------------------------------------------------------------------------


@router.get("/desk/days/{day}", response_model=DeskDayOut)
async def desk_day(day: date, _staff: DeskPrincipal, session: ReadSessionDep) -> DeskDayOut:
    bookings = (await session.exec(select(Booking).where(Booking.service_date == day)
                                   .order_by(col(Booking.departure_at), col(Booking.created_at)))).all()
    orders = (await session.exec(select(FallbackOrder).where(FallbackOrder.service_date == day)
                                 .order_by(col(FallbackOrder.departure_at)))).all()
    return DeskDayOut(
        service_date=day, bookings=[await desk_booking_out(session, b) for b in bookings],
        orders=[await order_out(session, o) for o in orders],
        breaches=sum(1 for b in bookings if b.state == "failed"),
    )


@router.post("/desk/orders/{order_id}/acknowledge", response_model=OrderOut)
async def acknowledge(order_id: uuid.UUID, principal: DeskPrincipal, session: SessionDep, now: NowDep) -> OrderOut:
    order = await session.get(FallbackOrder, order_id)
    if order is None:
        raise ProblemError(404, "ORDER_NOT_FOUND", "No such taxi order.")
    await guarantee.acknowledge(session, order, actor=principal.sub, now=now)
    await session.commit()
    return await order_out(session, order)


@router.get("/desk/audit", response_model=list[AuditOut])
async def audit(_staff: DeskPrincipal, session: ReadSessionDep, person_id: uuid.UUID | None = None) -> list[AuditOut]:
    entries, _ = await audit_log.page(session, PageParams(limit=200, cursor=None), person_id=person_id,
                                      newest_first=True)
    return [AuditOut(at=entry.at, actor=entry.actor, person_id=entry.person_id, action=entry.action,
                     subject_id=entry.subject_id, detail=str(entry.details.get("note", ""))) for entry in entries]
