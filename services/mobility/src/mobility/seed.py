"""Demo data for `dorf seed --demo` / `dorf up --demo`: a small Uckermark bus network (package data
`mobility/data/demo_gtfs/`: lines 450 Prenzlau–Gramzow–Angermünde, 468 Angermünde–Schwedt, 517 Prenzlau–
Templin, 519 Templin–Angermünde, stops at real Ortsteile of libs/places), its corridors with the fallback taxi,
the demo driver Hans Müller (accounts' demo person) with a weekly ride and a one-off, a commercial empty run,
and bookings by Erika Schulze (app) and Gertrud Neumann (phone-only, booked by the Leitstelle).

Dates are relative to today, so the demo is always current. Running it twice changes nothing: every step
looks for what it would make first."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from importlib import resources
from pathlib import Path

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from mobility.config import MobilitySettings
from mobility.crud import network, rides
from mobility.models import Booking, Corridor, Driver, DriverDocument, FallbackContract, Feed, Offer, Vehicle
from platformkit.config import ServiceSettings
from platformkit.db import Database
from platformkit.problems import ProblemError

FEED_ID = "uckermark-demo"
# accounts' demo people have uuid5 ids in this namespace (accounts/seed.py); the same ids name them here.
ACCOUNTS_DEMO_NAMESPACE = uuid.UUID("5b0f3c1e-6d7a-4f0e-9a52-0d0f5e1c0a11")


def demo_person(key: str) -> uuid.UUID:
    return uuid.uuid5(ACCOUNTS_DEMO_NAMESPACE, key)


# (corridor id, name, trip whose stops it follows)
CORRIDORS = (
    ("prenzlau-angermuende", "Prenzlau – Gramzow – Angermünde", "450-0-werktags-0610"),
    ("angermuende-prenzlau", "Angermünde – Gramzow – Prenzlau", "450-1-werktags-0610"),
    ("angermuende-schwedt", "Angermünde – Schwedt/Oder", "468-0-werktags-0640"),
    ("schwedt-angermuende", "Schwedt/Oder – Angermünde", "468-1-werktags-0640"),
    ("prenzlau-templin", "Prenzlau – Gerswalde – Templin", "517-0-werktags-0605"),
    ("templin-prenzlau", "Templin – Gerswalde – Prenzlau", "517-1-werktags-0605"),
    ("templin-angermuende", "Templin – Wolletz – Angermünde", "519-0-werktags-0630"),
    ("angermuende-templin", "Angermünde – Wolletz – Templin", "519-1-werktags-0630"),
)


def demo_feed_path() -> Path:
    return Path(str(resources.files("mobility").joinpath("data", "demo_gtfs")))


async def _network(session: AsyncSession) -> None:
    if await session.get(Feed, FEED_ID) is None:
        await network.import_feed(session, feed_id=FEED_ID, name="Uckermark (Demo)", path=demo_feed_path(),
                                  actor="demo-seed")
    for corridor_id, name, trip_id in CORRIDORS:
        if await session.get(Corridor, corridor_id) is not None:
            continue
        await network.corridor_from_trip(session, corridor_id=corridor_id, feed_id=FEED_ID, trip_id=trip_id,
                                         name=name, first_secs=6 * 3600, last_secs=22 * 3600, interval_secs=1800)
        session.add(FallbackContract(corridor_id=corridor_id, operator="Taxi Uckermark (Demo)", band_from_secs=0,
                                     band_to_secs=24 * 3600, seats_per_slot=8, wheelchair_places_per_slot=1))
    await session.flush()


async def _driver(session: AsyncSession, person_id: uuid.UUID, name: str, kind: str, seats: int,
                  wheelchair_places: int) -> tuple[Driver, Vehicle]:
    driver = (await session.exec(select(Driver).where(Driver.person_id == person_id))).first()
    if driver is None:
        driver = Driver(person_id=person_id, display_name=name, kind=kind, status="verified",
                        verified_until=date.today() + timedelta(days=365), status_changed_by="demo-seed")
        session.add(driver)
        await session.flush()
        for document in ("id_card", "licence", "registration"):
            session.add(DriverDocument(driver_id=driver.id, kind=document, reference="D3M0", status="accepted",
                                       expires_on=date.today() + timedelta(days=3 * 365), checked_by="demo-seed"))
        session.add(Vehicle(driver_id=driver.id, label="Demo", seats=seats, wheelchair_places=wheelchair_places))
        await session.flush()
    vehicle = (await session.exec(select(Vehicle).where(Vehicle.driver_id == driver.id))).one()
    return driver, vehicle


async def _offer(session: AsyncSession, driver: Driver, vehicle: Vehicle, corridor_id: str, wall: time, *,
                 weekdays: list[int], one_off: date | None, now: datetime, settings: MobilitySettings) -> None:
    exists = (await session.exec(select(Offer).where(
        Offer.driver_id == driver.id, Offer.corridor_id == corridor_id, Offer.departure_wall == wall.strftime("%H:%M"),
    ))).first()
    if exists is not None:
        return
    corridor = await session.get(Corridor, corridor_id)
    assert corridor is not None
    await rides.create_offer(
        session, driver=driver, vehicle_id=vehicle.id, corridor_id=corridor_id, from_stop=corridor.stop_ids[0],
        to_stop=corridor.stop_ids[-1], departure_wall=wall, one_off=one_off, weekdays=weekdays,
        valid_from=now.date(), valid_to=None, exceptions={}, max_detour_secs=0, now=now, settings=settings,
    )


async def _booking(session: AsyncSession, person_id: uuid.UUID, corridor_id: str, day: date, slot: time, *,
                   origin: str, destination: str, created_by: uuid.UUID | None, now: datetime,
                   settings: MobilitySettings) -> None:
    slot_secs = slot.hour * 3600 + slot.minute * 60
    exists = (await session.exec(select(Booking).where(
        Booking.person_id == person_id, Booking.corridor_id == corridor_id, Booking.service_date == day,
        Booking.slot_secs == slot_secs,
    ))).first()
    if exists is not None:
        return
    try:
        async with session.begin_nested():
            await rides.book(
                session, person_id=person_id, created_by=str(created_by) if created_by else None,
                channel="phone" if created_by else "app", corridor_id=corridor_id, service_date=day,
                slot_secs=slot_secs, origin_stop=origin, destination_stop=destination, party=1, wheelchair=False,
                pram=False, bike=False, female_driver_only=False, now=now, settings=settings,
            )
    except ProblemError:
        pass  # e.g. a scheduled bus runs at that time on this weekday: the demo simply has one booking less


def _next_weekday(today: date, offset: int) -> date:
    day = today + timedelta(days=offset)
    while day.weekday() > 4:
        day += timedelta(days=1)
    return day


async def seed_demo(db: Database, settings: ServiceSettings) -> None:
    assert isinstance(settings, MobilitySettings)
    now = datetime.now(UTC)
    async with db.transaction() as session:
        await _network(session)
        hans, car = await _driver(session, demo_person("person:hans"), "Hans", "private", 3, 0)
        taxi, bus = await _driver(session, demo_person("driver:fahrdienst-schwedt"), "Fahrdienst Oder",
                                  "commercial", 4, 1)
        tomorrow = _next_weekday(now.date(), 1)
        await _offer(session, hans, car, "templin-angermuende", time(7, 0), weekdays=[0, 1, 2, 3, 4], one_off=None,
                     now=now, settings=settings)
        await _offer(session, hans, car, "prenzlau-angermuende", time(9, 30), weekdays=[], one_off=tomorrow,
                     now=now, settings=settings)
        await _offer(session, taxi, bus, "schwedt-angermuende", time(13, 0), weekdays=[0, 1, 2, 3, 4, 5],
                     one_off=None, now=now, settings=settings)
        await _booking(session, demo_person("person:erika"), "prenzlau-angermuende", tomorrow, time(9, 30),
                       origin="demo:prenzlau", destination="demo:angermuende", created_by=None, now=now,
                       settings=settings)
        await _booking(session, demo_person("person:gertrud"), "prenzlau-angermuende", tomorrow, time(10, 0),
                       origin="demo:gramzow", destination="demo:angermuende",
                       created_by=demo_person("operator:leitstelle"), now=now, settings=settings)
        await _booking(session, demo_person("person:karl"), "schwedt-angermuende", tomorrow, time(13, 0),
                       origin="demo:schwedt", destination="demo:angermuende", created_by=None, now=now,
                       settings=settings)
