"""The personal-data contract (platformkit.personal_data): export, erase, example.

Erasure cancels the person's future bookings (capacity freed, taxi orders shrunk) and takes their future
rides as a driver off the road (riders re-queued or given a taxi, as the rules say); past trips stay as
anonymous rows so that counts and the drivers' ledger stay right."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from mobility.crud import rides
from mobility.crud._sql import execute
from mobility.models import (
    Booking,
    Corridor,
    Driver,
    DriverDocument,
    FallbackContract,
    Feed,
    LedgerEntry,
    Offer,
    OfferInstance,
    Stop,
    Vehicle,
)
from platformkit import audit


def _row(model: Any) -> dict[str, Any]:
    row: dict[str, Any] = model.model_dump(mode="json")
    return row


async def export(session: AsyncSession, person_id: uuid.UUID) -> dict[str, Any]:
    bookings = (await session.exec(select(Booking).where(Booking.person_id == person_id))).all()
    result: dict[str, Any] = {"bookings": [_row(b) for b in bookings]}
    driver = (await session.exec(select(Driver).where(Driver.person_id == person_id))).first()
    if driver is not None:
        result["driver"] = _row(driver)
        for key, model in (("documents", DriverDocument), ("vehicles", Vehicle), ("offers", Offer),
                           ("ledger", LedgerEntry)):
            rows = (await session.exec(select(model).where(model.driver_id == driver.id))).all()
            result[key] = [_row(r) for r in rows]
    result["audit"] = [_row(entry) for entry in await audit.entries_of(session, person_id)]
    return result


async def erase(session: AsyncSession, person_id: uuid.UUID, erased_at: datetime) -> dict[str, int]:
    counts = {"bookings_cancelled": 0, "bookings_anonymised": 0, "rides_withdrawn": 0}
    for booking in (await session.exec(select(Booking).where(
        Booking.person_id == person_id, col(Booking.state).in_(rides.LIVE), Booking.departure_at > erased_at,
    ))).all():
        await rides.cancel_booking(session, booking, now=erased_at, reason="erased")
        counts["bookings_cancelled"] += 1
    anonymised = await execute(session,
        update(Booking).where(col(Booking.person_id) == person_id).values(person_id=None, created_by=None)
    )
    counts["bookings_anonymised"] = anonymised.rowcount or 0
    driver = (await session.exec(select(Driver).where(Driver.person_id == person_id))).first()
    if driver is not None:
        offers = (await session.exec(select(Offer).where(Offer.driver_id == driver.id, Offer.status == "active"))).all()
        for offer in offers:
            requeued, taxis = await rides.withdraw_offer(session, offer, now=erased_at)
            counts["rides_withdrawn"] += requeued + taxis
        await execute(session, delete(DriverDocument).where(col(DriverDocument.driver_id) == driver.id))
        await execute(session, update(Vehicle).where(col(Vehicle.driver_id) == driver.id).values(label="—"))
        # The driver row stays for the ledger's aggregates, without anything that points to the person.
        driver.person_id, driver.display_name, driver.female_opt_in, driver.status = (
            uuid.uuid5(uuid.NAMESPACE_URL, f"erased:{driver.id}"), "—", False, "revoked")
    await session.flush()
    return counts


EXAMPLE_FEED = "personal-data-example"


async def example(session: AsyncSession, person_id: uuid.UUID) -> list[str]:
    """A driver with documents, a vehicle and an offer, and bookings past and future of the same person,
    on a two-stop corridor of its own (made here when missing). Returns the identifying values written."""
    tag = person_id.hex[:8]
    name, label = f"Fahrer {tag}", f"Kombi {tag}"
    now = datetime.now(UTC)
    if await session.get(Feed, EXAMPLE_FEED) is None:
        session.add(Feed(id=EXAMPLE_FEED, name="Beispiel", timezone="Europe/Berlin", imported_by="example"))
        await session.flush()
        session.add_all([
            Stop(feed_id=EXAMPLE_FEED, stop_id="a", name="Prenzlau", lat=53.3163, lon=13.8628, wheelchair="yes"),
            Stop(feed_id=EXAMPLE_FEED, stop_id="b", name="Dedelow", lat=53.3667, lon=13.8, wheelchair="yes"),
        ])
        session.add(Corridor(id=EXAMPLE_FEED, feed_id=EXAMPLE_FEED, name="Beispiel", stop_ids=["a", "b"],
                             offsets_secs=[0, 600], shape_dists=[None, None], first_secs=0, last_secs=47 * 1800,
                             interval_secs=1800))
        await session.flush()
        session.add(FallbackContract(corridor_id=EXAMPLE_FEED, operator="Taxi", band_from_secs=0,
                                     band_to_secs=48 * 3600, seats_per_slot=8))
        await session.flush()
    driver = Driver(person_id=person_id, display_name=name, status="verified",
                    verified_until=date.today() + timedelta(days=365))
    session.add(driver)
    await session.flush()
    session.add(DriverDocument(driver_id=driver.id, kind="licence", reference="1234",
                               expires_on=date.today() + timedelta(days=400)))
    vehicle = Vehicle(driver_id=driver.id, label=label, seats=3)
    session.add(vehicle)
    await session.flush()
    offer = Offer(driver_id=driver.id, vehicle_id=vehicle.id, corridor_id=EXAMPLE_FEED, from_index=0, to_index=1,
                  departure_wall="10:00", weekdays="0123456", valid_from=date.today())
    session.add(offer)
    await session.flush()
    settings_horizon = 7
    days = [date.today() + timedelta(days=k) for k in range(2, settings_horizon)]
    for day in days:
        departure = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=9)
        session.add(OfferInstance(offer_id=offer.id, driver_id=driver.id, corridor_id=EXAMPLE_FEED, service_date=day,
                                  slot_secs=36000, departure_at=departure, from_index=0, to_index=1, seats=3,
                                  wheelchair_places=0))
    for offset, state in ((-3, "completed"), (3, "fallback_planned")):
        day = date.today() + timedelta(days=offset)
        departure = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=8)
        session.add(Booking(person_id=person_id, corridor_id=EXAMPLE_FEED, service_date=day, slot_secs=36000,
                            origin_stop="a", destination_stop="b", origin_index=0, destination_index=1, party=1,
                            state=state, departure_at=departure, lock_at=departure - timedelta(hours=1),
                            contract_id=None, created_at=now, updated_at=now))
    audit.record(session, actor=str(person_id), person_id=person_id, action="booking_created")
    await session.flush()
    return [name, label]
