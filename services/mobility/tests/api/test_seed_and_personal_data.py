"""The demo district's network, drivers, offers and bookings (seeding twice changes nothing), and the
personal-data contract: export, erase (future cancelled, past anonymised, ledger kept), idempotent."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from mobility_testkit import Mobility
from sqlalchemy import func, select

from mobility.crud import personal
from mobility.crud._sql import execute
from mobility.main import service
from mobility.models import Booking, Corridor, Driver, Feed, LedgerEntry, Offer, OfferInstance, Stop
from mobility.seed import demo_person, seed_demo
from platformkit.personal_data import erase_person


async def _counts(m: Mobility) -> dict[str, int]:
    async with m.db.session() as session:
        return {
            model.__name__: (await execute(session, select(func.count()).select_from(model))).scalar_one()
            for model in (Feed, Stop, Corridor, Driver, Offer, OfferInstance, Booking)
        }


async def test_demo_network_is_seeded_once(mobility: Mobility) -> None:
    m = mobility
    await seed_demo(m.db, m.settings)
    first = await _counts(m)
    await seed_demo(m.db, m.settings)
    assert await _counts(m) == first
    assert first["Corridor"] == 8 and first["Driver"] == 2 and first["Offer"] == 3
    assert first["Booking"] >= 2 and first["OfferInstance"] > 10
    async with m.db.session() as session:
        stops = (await execute(session, select(Stop))).scalars().all()
    # Every demo stop lies in an Ortsteil of the gazetteer.
    assert all(s.ortsteil_id for s in stops), [s.name for s in stops if not s.ortsteil_id]
    erika = (await m.http.get("/bookings", headers=m.person(person_id=demo_person("person:erika")).headers)).json()
    assert [b["ride"] for b in erika] == ["private"]
    gertrud = (await m.http.get("/bookings", headers=m.person(person_id=demo_person("person:gertrud")).headers)).json()
    assert gertrud and gertrud[0]["booked_by_desk"] is True
    search = (await m.http.get("/rides", params={"from_stop": "demo:gramzow", "to_stop": "demo:angermuende",
                                                 "day": erika[0]["service_date"]})).json()
    assert search and {s["expect"] for s in search[0]["slots"]} <= {"private", "taxi", "full"}


async def test_personal_data_is_exported_and_erased(mobility: Mobility) -> None:
    m = mobility
    person = uuid.uuid4()
    async with m.db.transaction() as session:
        await personal.example(session, person)
    async with m.db.session() as session:
        exported = await personal.export(session, person)
    assert len(exported["bookings"]) == 2 and exported["driver"]["display_name"].startswith("Fahrer ")
    assert exported["documents"] and exported["offers"] and exported["audit"]
    async with m.db.session() as session:
        session.add(LedgerEntry(driver_id=uuid.UUID(exported["driver"]["id"]),
                                instance_id=(await execute(session, select(OfferInstance.id))).scalars().first(),
                                service_date=datetime.now(UTC).date(), metres=5000, method="x", rate_cents_per_km=30,
                                amount_cents=150, passenger_fares_cents=100))
        await session.commit()
    assert service.personal_data is not None
    for _ in range(2):  # the erasure event may arrive twice (platformkit's erasure: the service's part and the audit)
        async with m.db.transaction() as session:
            counts = await erase_person(session, service="mobility", personal_data=service.personal_data,
                                        person_id=person, erased_at=datetime.now(UTC))
    assert counts["bookings_cancelled"] == 0  # the second run finds nothing left to cancel
    async with m.db.session() as session:
        left = await personal.export(session, person)
        states = sorted((await execute(session, select(Booking.state))).scalars().all())
        ledger = (await execute(session, select(func.sum(LedgerEntry.amount_cents)))).scalar_one()
    assert left == {"bookings": [], "audit": []}
    assert states == ["cancelled_on_time", "completed"]  # the future one cancelled, the past one kept anonymous
    assert ledger == 150
