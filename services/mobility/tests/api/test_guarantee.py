"""The guarantee's other paths: a withdrawn offer re-queues its riders (another car first, else the taxi),
an unacknowledged taxi reaching departure is a breach (once, with its event), a commercial empty run is
used only when no private car fits, and a driver rate above the legal cap stops start-up."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from mobility_testkit import Mobility, at
from pydantic import ValidationError
from sqlalchemy import select

from mobility.config import MobilitySettings
from mobility.crud._sql import execute
from platformkit.tables import outbox

JUNE_2 = date(2026, 6, 2)


async def test_a_withdrawn_offer_requeues_its_riders(mobility: Mobility) -> None:
    m = mobility
    await m.line()
    first, first_car = await m.driver(seats=2, name="Ines")
    second, second_car = await m.driver(seats=1, name="Olaf")
    offer = await m.offer(first, first_car, one_off=JUNE_2)
    riders = [m.person(), m.person()]
    for rider in riders:
        assert (await m.book(rider, day=JUNE_2)).json()["driver_name"] == "Ines"
    await m.offer(second, second_car, one_off=JUNE_2)
    withdrawn = await m.http.post(f"/drivers/me/offers/{offer['id']}/withdraw", headers=first.headers)
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    states = sorted([(await m.http.get("/bookings", headers=r.headers)).json()[0]["state"] for r in riders])
    assert states == ["fallback_planned", "matched_private"]  # one seat in Olaf's car, the other on the taxi


async def test_an_unacknowledged_taxi_at_departure_is_a_breach_reported_once(mobility: Mobility) -> None:
    m = mobility
    await m.line()
    booked = await m.book(m.person(), day=JUNE_2)
    m.clock.advance(at("2026-06-02T06:31:00+02:00") - m.clock.now())
    assert (await m.tick())["locked_orders"] == 1
    m.clock.advance(at("2026-06-02T07:30:00+02:00") - m.clock.now())
    first = await m.tick()
    assert first["breached"] == 1
    assert (await m.tick())["breached"] == 0
    day = (await m.http.get(f"/desk/days/{JUNE_2}", headers=m.desk().headers)).json()
    assert day["breaches"] == 1 and day["bookings"][0]["state"] == "failed"
    async with m.db.session() as session:
        rows = (await execute(session, select(outbox.c.data).where(
            outbox.c.subject == "mobility.guarantee.breached.v1"))).all()
    assert [json.loads(row[0])["booking_id"] for row in rows] == [booked.json()["id"]]
    assert json.loads(rows[0][0])["state_before"] == "escalated"


async def test_commercial_empty_runs_come_after_private_cars(mobility: Mobility) -> None:
    m = mobility
    await m.line()
    taxi, taxi_car = await m.driver(seats=4, kind="commercial", name="Fahrdienst")
    private, private_car = await m.driver(seats=1, name="Jonas")
    await m.offer(taxi, taxi_car, one_off=JUNE_2)
    await m.offer(private, private_car, one_off=JUNE_2)
    names = [(await m.book(m.person(), day=JUNE_2)).json()["driver_name"] for _ in range(2)]
    assert names == ["Jonas", "Fahrdienst"]


def test_a_rate_above_the_legal_cap_stops_start_up() -> None:
    with pytest.raises(ValidationError, match="LEGAL_CAP"):
        MobilitySettings(database_url="sqlite://", oidc_issuer="http://x", driver_rate_cents_per_km=35,
                         legal_cap_cents_per_km=30)
    assert MobilitySettings(database_url="sqlite://", oidc_issuer="http://x").driver_rate_cents_per_km == 30


async def test_riders_hear_at_the_lock_and_drivers_are_reminded_once(mobility: Mobility) -> None:
    m = mobility
    await m.line()
    driver, car = await m.driver()
    await m.offer(driver, car, one_off=JUNE_2)
    rider = m.person()
    await m.book(rider, day=JUNE_2, party=2)
    m.clock.advance(at("2026-06-02T06:31:00+02:00") - m.clock.now())
    await m.tick()
    await m.tick()
    async with m.db.session() as session:
        told = (await execute(session, select(outbox.c.data).where(
            outbox.c.subject == f"mobility.notify.{rider.id}"))).scalars().all()
    assert sum("ist fest" in text for text in told) == 1
    m.clock.advance(at("2026-06-02T07:05:00+02:00") - m.clock.now())
    assert (await m.tick())["reminders"] == 1
    await m.tick()  # the same reminder again: deduplicated
    async with m.db.session() as session:
        reminders = (await execute(session, select(outbox.c.data).where(
            outbox.c.subject == f"mobility.notify.{driver.id}"))).scalars().all()
    assert sum("einchecken" in text.lower() for text in reminders) == 1
    assert any("2 Person(en) fahren mit" in text for text in reminders)


async def test_changing_stops_before_the_lock_rebooks_and_frees_the_old_seat(mobility: Mobility) -> None:
    m = mobility
    await m.line()
    driver, car = await m.driver(seats=1)
    await m.offer(driver, car, one_off=JUNE_2)
    rider = m.person()
    first = (await m.book(rider, day=JUNE_2)).json()
    assert first["state"] == "matched_private"
    changed = await m.http.patch(f"/bookings/{first['id']}", headers=rider.headers,
                                 json={"origin_stop": "gramzow", "destination_stop": "greiffenberg"})
    assert changed.status_code == 200, changed.text
    second = changed.json()
    assert second["id"] != first["id"] and second["state"] == "matched_private"  # the seat it gave back
    assert (await m.http.get(f"/bookings/{first['id']}", headers=rider.headers)).json()["state"] == (
        "cancelled_on_time")


async def test_the_daily_step_extends_weekly_offers_as_the_horizon_moves(mobility: Mobility) -> None:
    from mobility.background import extend_offers
    from platformkit.scheduler import StepRun

    m = mobility
    await m.line()
    driver, car = await m.driver()
    await m.offer(driver, car, weekdays=[0, 1, 2, 3, 4], valid_from="2026-04-27")

    async def last_day() -> str:
        rides = (await m.http.get("/drivers/me/rides", headers=driver.headers)).json()
        return max(r["service_date"] for r in rides)

    before = await last_day()
    assert before <= "2026-06-19"  # 60 days from 2026-04-20
    m.clock.advance(timedelta(days=14))
    run = StepRun(name="mobility-extend-offers", due=m.clock.now(), db=m.db, clock=m.clock, app=m.app)
    for _ in range(2):  # twice does no harm
        await extend_offers(run)
    after = await last_day()
    assert after > before and after <= "2026-07-03"
    rides = (await m.http.get("/drivers/me/rides", headers=driver.headers)).json()
    assert len({r["service_date"] for r in rides}) == len(rides)  # one instance per date
