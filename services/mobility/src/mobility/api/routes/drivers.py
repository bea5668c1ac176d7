"""Drivers: registration, documents and vehicles (the driver); verification (staff scope `verifier`);
offers and their instances, check-in, completion, the ledger (the driver)."""

from __future__ import annotations

import uuid
from typing import Literal

from fastapi import APIRouter
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from mobility.api.deps import DriverPrincipal, MobilitySettingsDep, VerifierPrincipal, person_of
from mobility.crud import drivers, guarantee, rides
from mobility.domain.planning import ExceptionError, check_exceptions
from mobility.models import Booking, Driver, DriverDocument, LedgerEntry, Offer, OfferInstance, Vehicle
from mobility.schemas import (
    DocumentIn,
    DocumentOut,
    DriverIn,
    DriverOut,
    ExceptionIn,
    ExceptionsIn,
    InstanceOut,
    LedgerOut,
    OfferIn,
    OfferOut,
    RiderOut,
    StaffDriverOut,
    VehicleIn,
    VehicleOut,
    VerificationIn,
    local,
)
from platformkit.auth import Principal
from platformkit.deps import NowDep, ReadSessionDep, SessionDep
from platformkit.problems import ProblemError

router = APIRouter(prefix="/drivers", tags=["drivers"])


async def my_driver(session: AsyncSession, principal: Principal) -> Driver:
    driver = await drivers.driver_of(session, person_of(principal))
    if driver is None:
        raise ProblemError(404, "DRIVER_NOT_FOUND", "Register as a driver first.")
    return driver


def driver_out(driver: Driver) -> DriverOut:
    return DriverOut.model_validate(driver, from_attributes=True)


@router.post("/me", status_code=201, response_model=DriverOut)
async def register(body: DriverIn, principal: DriverPrincipal, session: SessionDep) -> DriverOut:
    driver = await drivers.register(session, person_id=person_of(principal), display_name=body.display_name,
                                    kind=body.kind, female_opt_in=body.female_opt_in)
    await session.commit()
    return driver_out(driver)


@router.get("/me", response_model=DriverOut)
async def me(principal: DriverPrincipal, session: ReadSessionDep) -> DriverOut:
    return driver_out(await my_driver(session, principal))


@router.post("/me/documents", status_code=201, response_model=DocumentOut)
async def add_document(body: DocumentIn, principal: DriverPrincipal, session: SessionDep, now: NowDep) -> DocumentOut:
    document = await drivers.add_document(session, await my_driver(session, principal), kind=body.kind,
                                          reference=body.reference, expires_on=body.expires_on, today=now.date())
    await session.commit()
    return DocumentOut.model_validate(document, from_attributes=True)


@router.post("/me/vehicles", status_code=201, response_model=VehicleOut)
async def add_vehicle(body: VehicleIn, principal: DriverPrincipal, session: SessionDep) -> VehicleOut:
    if body.seats + body.wheelchair_places < 1:
        raise ProblemError(422, "EMPTY_VEHICLE", "A vehicle takes at least one rider.", field="seats")
    vehicle = await drivers.add_vehicle(session, await my_driver(session, principal), label=body.label,
                                        seats=body.seats, wheelchair_places=body.wheelchair_places)
    await session.commit()
    return VehicleOut.model_validate(vehicle, from_attributes=True)


@router.get("/me/vehicles", response_model=list[VehicleOut])
async def my_vehicles(principal: DriverPrincipal, session: ReadSessionDep) -> list[VehicleOut]:
    driver = await my_driver(session, principal)
    rows = (await session.exec(select(Vehicle).where(Vehicle.driver_id == driver.id))).all()
    return [VehicleOut.model_validate(v, from_attributes=True) for v in rows]


# --- staff ----------------------------------------------------------------------------------------------


async def staff_driver_out(session: AsyncSession, driver: Driver) -> StaffDriverOut:
    documents = (await session.exec(select(DriverDocument).where(DriverDocument.driver_id == driver.id))).all()
    return StaffDriverOut(
        **driver_out(driver).model_dump(), person_id=driver.person_id,
        documents=[DocumentOut.model_validate(d, from_attributes=True) for d in documents],
    )


@router.get("", response_model=list[StaffDriverOut])
async def list_drivers(_staff: VerifierPrincipal, session: ReadSessionDep,
                       status: Literal["pending", "verified", "suspended", "revoked"] | None = None
                       ) -> list[StaffDriverOut]:
    query = select(Driver).order_by(col(Driver.created_at))
    if status:
        query = query.where(Driver.status == status)
    return [await staff_driver_out(session, d) for d in (await session.exec(query.limit(200))).all()]


@router.post("/{driver_id}/verification", response_model=StaffDriverOut)
async def verification(driver_id: uuid.UUID, body: VerificationIn, principal: VerifierPrincipal,
                       session: SessionDep, now: NowDep) -> StaffDriverOut:
    driver = await session.get(Driver, driver_id)
    if driver is None:
        raise ProblemError(404, "DRIVER_NOT_FOUND", "No such driver.")
    if body.action == "verify":
        if body.valid_until is None or body.valid_until <= now.date():
            raise ProblemError(422, "VALID_UNTIL", "Give a future date the verification holds until.",
                               field="valid_until")
        await drivers.verify(session, driver, verifier=principal.sub, until=body.valid_until, now=now)
    else:
        await rides.change_driver_status(session, driver, status="suspended" if body.action == "suspend" else "revoked",
                                         actor=principal.sub, now=now)
    await session.commit()
    return await staff_driver_out(session, driver)


# --- offers ---------------------------------------------------------------------------------------------


def offer_out(offer: Offer, corridor_stops: list[str]) -> OfferOut:
    return OfferOut(
        id=offer.id, corridor_id=offer.corridor_id, from_stop=corridor_stops[offer.from_index],
        to_stop=corridor_stops[offer.to_index], departure=offer.departure_wall, one_off=offer.one_off,
        weekdays=[int(d) for d in offer.weekdays], valid_from=offer.valid_from, valid_to=offer.valid_to,
        exceptions=offer.exceptions, max_detour_secs=offer.max_detour_secs, status=offer.status,
    )


async def _offer_out(session: AsyncSession, offer: Offer) -> OfferOut:
    from mobility.models import Corridor

    corridor = await session.get(Corridor, offer.corridor_id)
    assert corridor is not None
    return offer_out(offer, corridor.stop_ids)


def _checked_exceptions(items: list[ExceptionIn]) -> dict:  # type: ignore[type-arg]
    try:
        return check_exceptions([(e.date, e.kind) for e in items])
    except ExceptionError as error:
        raise ProblemError(422, "EXCEPTIONS_INVALID", str(error), field="exceptions") from error


@router.post("/me/offers", status_code=201, response_model=OfferOut)
async def create_offer(body: OfferIn, principal: DriverPrincipal, session: SessionDep, now: NowDep,
                       settings: MobilitySettingsDep) -> OfferOut:
    offer = await rides.create_offer(
        session, driver=await my_driver(session, principal), vehicle_id=body.vehicle_id, corridor_id=body.corridor_id,
        from_stop=body.from_stop, to_stop=body.to_stop, departure_wall=body.departure, one_off=body.one_off,
        weekdays=body.weekdays, valid_from=body.valid_from, valid_to=body.valid_to,
        exceptions=_checked_exceptions(body.exceptions), max_detour_secs=body.max_detour_secs, now=now,
        settings=settings,
    )
    await session.commit()
    return await _offer_out(session, offer)


async def _my_offer(session: AsyncSession, principal: Principal, offer_id: uuid.UUID) -> Offer:
    driver = await my_driver(session, principal)
    offer = await session.get(Offer, offer_id)
    if offer is None or offer.driver_id != driver.id:
        raise ProblemError(404, "OFFER_NOT_FOUND", "No such offer.")
    return offer


@router.get("/me/offers", response_model=list[OfferOut])
async def my_offers(principal: DriverPrincipal, session: ReadSessionDep) -> list[OfferOut]:
    driver = await my_driver(session, principal)
    offers = (await session.exec(select(Offer).where(Offer.driver_id == driver.id)
                                 .order_by(col(Offer.created_at)))).all()
    return [await _offer_out(session, o) for o in offers]


@router.put("/me/offers/{offer_id}/exceptions", response_model=OfferOut)
async def set_exceptions(offer_id: uuid.UUID, body: ExceptionsIn, principal: DriverPrincipal, session: SessionDep,
                         now: NowDep, settings: MobilitySettingsDep) -> OfferOut:
    offer = await _my_offer(session, principal, offer_id)
    await rides.set_exceptions(session, offer, _checked_exceptions(body.exceptions), now=now, settings=settings)
    await session.commit()
    return await _offer_out(session, offer)


@router.post("/me/offers/{offer_id}/withdraw", response_model=OfferOut)
async def withdraw(offer_id: uuid.UUID, principal: DriverPrincipal, session: SessionDep, now: NowDep) -> OfferOut:
    offer = await _my_offer(session, principal, offer_id)
    if offer.status == "active":
        await rides.withdraw_offer(session, offer, now=now)
    await session.commit()
    return await _offer_out(session, offer)


def instance_out(instance: OfferInstance) -> InstanceOut:
    return InstanceOut(
        id=instance.id, offer_id=instance.offer_id, corridor_id=instance.corridor_id,
        service_date=instance.service_date, departure_at=instance.departure_at, local=local(instance.departure_at),
        seats=instance.seats, wheelchair_places=instance.wheelchair_places, state=instance.state,
    )


@router.get("/me/rides", response_model=list[InstanceOut])
async def my_rides(principal: DriverPrincipal, session: ReadSessionDep, now: NowDep) -> list[InstanceOut]:
    driver = await my_driver(session, principal)
    rows = (await session.exec(
        select(OfferInstance).where(OfferInstance.driver_id == driver.id, OfferInstance.service_date >= now.date())
        .order_by(col(OfferInstance.departure_at)).limit(100)
    )).all()
    return [instance_out(i) for i in rows]


async def _my_instance(session: AsyncSession, principal: Principal, instance_id: uuid.UUID) -> OfferInstance:
    driver = await my_driver(session, principal)
    instance = await session.get(OfferInstance, instance_id)
    if instance is None or instance.driver_id != driver.id:
        raise ProblemError(404, "RIDE_NOT_FOUND", "No such ride.")
    return instance


@router.get("/me/rides/{instance_id}/riders", response_model=list[RiderOut])
async def riders(instance_id: uuid.UUID, principal: DriverPrincipal, session: ReadSessionDep) -> list[RiderOut]:
    instance = await _my_instance(session, principal, instance_id)
    bookings = (await session.exec(select(Booking).where(Booking.instance_id == instance.id)
                                   .order_by(col(Booking.departure_at)))).all()
    return [RiderOut(booking_id=b.id, origin_stop=b.origin_stop, destination_stop=b.destination_stop,
                     pickup_local=local(b.departure_at), party=b.party, wheelchair=b.wheelchair, pram=b.pram,
                     bike=b.bike, state=b.state) for b in bookings if b.state in rides.LIVE or b.state == "completed"]


@router.post("/me/rides/{instance_id}/cancel", response_model=InstanceOut)
async def cancel_ride(instance_id: uuid.UUID, principal: DriverPrincipal, session: SessionDep,
                      now: NowDep) -> InstanceOut:
    """The driver cannot drive: before the lock the riders are re-queued, after it each gets a taxi at once.
    Sent twice, the second changes nothing."""
    instance = await _my_instance(session, principal, instance_id)
    await rides.withdraw_instances(session, [instance], now=now, reason="driver_cancelled")
    await session.commit()
    await session.refresh(instance)
    return instance_out(instance)


@router.post("/me/rides/{instance_id}/check-in", response_model=InstanceOut)
async def check_in(instance_id: uuid.UUID, principal: DriverPrincipal, session: SessionDep, now: NowDep) -> InstanceOut:
    instance = await guarantee.check_in(session, await _my_instance(session, principal, instance_id), now=now)
    await session.commit()
    return instance_out(instance)


@router.post("/me/rides/{instance_id}/complete", response_model=InstanceOut)
async def complete(instance_id: uuid.UUID, principal: DriverPrincipal, session: SessionDep, now: NowDep,
                   settings: MobilitySettingsDep) -> InstanceOut:
    instance = await _my_instance(session, principal, instance_id)
    await guarantee.complete(session, instance, now=now, settings=settings)
    await session.commit()
    return instance_out(instance)


@router.post("/me/rides/{instance_id}/no-show/{booking_id}", response_model=RiderOut)
async def no_show(instance_id: uuid.UUID, booking_id: uuid.UUID, principal: DriverPrincipal, session: SessionDep,
                  now: NowDep) -> RiderOut:
    instance = await _my_instance(session, principal, instance_id)
    booking = await session.get(Booking, booking_id)
    if booking is None or booking.instance_id != instance.id:
        raise ProblemError(404, "BOOKING_NOT_FOUND", "No such rider on this ride.")
    await guarantee.no_show(session, booking, now=now)
    await session.commit()
    return RiderOut(booking_id=booking.id, origin_stop=booking.origin_stop, destination_stop=booking.destination_stop,
                    pickup_local=local(booking.departure_at), party=booking.party, wheelchair=booking.wheelchair,
                    pram=booking.pram, bike=booking.bike, state=booking.state)


@router.get("/me/ledger", response_model=list[LedgerOut])
async def my_ledger(principal: DriverPrincipal, session: ReadSessionDep) -> list[LedgerOut]:
    driver = await my_driver(session, principal)
    rows = (await session.exec(select(LedgerEntry).where(LedgerEntry.driver_id == driver.id)
                               .order_by(col(LedgerEntry.service_date)))).all()
    return [LedgerOut.model_validate(e, from_attributes=True) for e in rows]
