"""The twelve tricky scenarios of research/mobility.md §7, through the HTTP API, on SQLite and PostgreSQL.
Times are Europe/Berlin; the service's clock is a ManualClock moved by each test."""

from __future__ import annotations

import asyncio
import io
import uuid
import zipfile
from datetime import date, timedelta

import httpx
from mobility_testkit import Mobility, Person, at, running
from sqlalchemy import func, select

from mobility.crud._sql import execute
from mobility.models import Booking, FallbackLoad, FallbackOrder, LedgerEntry, SegmentLoad
from platformkit.tables import outbox

JUNE_2 = date(2026, 6, 2)  # a Tuesday


async def _segment_loads(m: Mobility) -> list[int]:
    async with m.db.session() as session:
        return list((await execute(session, select(SegmentLoad.seats_used))).scalars().all())


async def _notifications_for(m: Mobility, person: uuid.UUID) -> list[str]:
    async with m.db.session() as session:
        rows = (await execute(session, select(outbox.c.data).where(outbox.c.subject == f"mobility.notify.{person}")))
        return [row[0] for row in rows.all()]


# 1 -------------------------------------------------------------------------------------------------------
async def test_1_hundred_concurrent_bookings_for_three_seats(mobility: Mobility) -> None:
    m = mobility
    await m.line(seats_per_slot=40)
    driver, vehicle = await m.driver(seats=3)
    await m.offer(driver, vehicle, one_off=JUNE_2)
    riders = [m.person() for _ in range(90)]
    keys = [uuid.uuid4().hex for _ in riders]
    # Two replicas of the service, each with its own connection pool, on the same database. Both run in this
    # one event loop, so each gets as many requests in flight as it has connections (as a gateway's bounded
    # upstream pool would): every one of them races for the same rows, none waits out the pool's timeout.
    async with running(m.url, m.issuer, m.clock, migrate=False, database_pool_size=5) as replica:
        # platformkit's PostgreSQL pool: pool_size connections plus as many overflow.
        gates = {id(m.http): asyncio.Semaphore(2 * m.settings.database_pool_size),
                 id(replica.http): asyncio.Semaphore(2 * replica.settings.database_pool_size)}

        async def book(rider: Person, key: str, client: httpx.AsyncClient) -> httpx.Response:
            async with gates[id(client)]:
                return await m.book(rider, day=JUNE_2, key=key, client=client)

        jobs = [book(r, k, m.http if i % 2 else replica.http)
                for i, (r, k) in enumerate(zip(riders, keys, strict=True))]
        # Ten retries of the first ten requests, same key and body, at the same moment.
        jobs += [book(riders[i], keys[i], replica.http) for i in range(10)]
        responses = await asyncio.gather(*jobs)
    first, retries = responses[:90], responses[90:]
    states = [r.json().get("state") for r in first if r.status_code == 201]
    refused = [r.json() for r in first if r.status_code == 409]
    assert len(states) + len(refused) == 90, [r.text for r in first if r.status_code not in (201, 409)]
    assert states.count("matched_private") == 3
    assert states.count("fallback_planned") == 40
    assert len(refused) == 47
    assert {p["code"] for p in refused} == {"CAPACITY_EXHAUSTED"}
    assert all(p["next_slot"]["slot"] == "08:00:00" for p in refused)
    for i, retry in enumerate(retries):
        if retry.status_code == 409 and retry.json()["code"] == "IDEMPOTENCY_KEY_IN_PROGRESS":
            retry = await m.book(riders[i], day=JUNE_2, key=keys[i])
        assert retry.status_code == first[i].status_code
        if retry.status_code == 201:
            assert retry.json()["id"] == first[i].json()["id"]
    assert max(await _segment_loads(m)) == 3
    async with m.db.session() as session:
        assert (await execute(session, select(func.count()).select_from(Booking))).scalar_one() == 43
        load = (await execute(session, select(FallbackLoad))).scalars().one()
        assert (load.seats_used, load.seats_total) == (40, 40)


# 2 -------------------------------------------------------------------------------------------------------
async def test_2_party_is_never_split_and_capacity_is_per_segment(mobility: Mobility) -> None:
    m = mobility
    await m.line()
    driver, vehicle = await m.driver(seats=3)
    await m.offer(driver, vehicle, one_off=JUNE_2)
    a = await m.book(m.person(), day=JUNE_2, origin="prenzlau", destination="polssen", party=2)
    b = await m.book(m.person(), day=JUNE_2, origin="gramzow", destination="greiffenberg", party=2)
    c = await m.book(m.person(), day=JUNE_2, origin="polssen", destination="angermuende", party=2)
    assert [r.json()["state"] for r in (a, b, c)] == ["matched_private", "fallback_planned", "matched_private"]
    assert sorted(await _segment_loads(m)) == [2, 2, 2, 2]
    assert max(await _segment_loads(m)) <= 3


# 3 -------------------------------------------------------------------------------------------------------
async def test_3_detour_limit_is_inclusive_and_riders_delay_budgets_hold(mobility: Mobility) -> None:
    m = mobility
    await m.line(detours=[{"stop_id": "wolletz", "after": 3, "secs": 300},
                          {"stop_id": "dedelow", "after": 0, "secs": 301},
                          {"stop_id": "kerkow", "after": 3, "secs": 200}])
    driver, vehicle = await m.driver(seats=3)
    for departure in ("07:30", "08:00", "08:30", "09:00"):
        await m.offer(driver, vehicle, one_off=JUNE_2, departure=departure, max_detour_secs=300)
    exact = await m.book(m.person(), day=JUNE_2, slot="07:30:00", origin="wolletz", destination="angermuende")
    over = await m.book(m.person(), day=JUNE_2, slot="08:00:00", origin="dedelow", destination="angermuende")
    assert exact.json()["state"] == "matched_private"
    assert over.json()["state"] == "fallback_planned"
    # 200 s is within the car's limit, but the rider already on board to Angermünde may lose only 120 s.
    seated = await m.book(m.person(), day=JUNE_2, slot="08:30:00", origin="prenzlau", destination="angermuende")
    delayed = await m.book(m.person(), day=JUNE_2, slot="08:30:00", origin="kerkow", destination="angermuende")
    assert seated.json()["state"] == "matched_private"
    assert delayed.json()["state"] == "fallback_planned"
    alone = await m.book(m.person(), day=JUNE_2, slot="09:00:00", origin="kerkow", destination="angermuende")
    assert alone.json()["state"] == "matched_private"


# 4 -------------------------------------------------------------------------------------------------------
async def test_4_lead_time_boundary_in_real_elapsed_time(mobility: Mobility) -> None:
    m = mobility
    await m.line()
    rider = m.person()
    m.clock.advance(at("2026-06-02T06:30:00+02:00") - m.clock.now())
    on_time = await m.book(rider, day=JUNE_2)
    assert on_time.status_code == 201, on_time.text
    m.clock.advance(timedelta(seconds=1))
    late = await m.book(m.person(), day=JUNE_2)
    assert late.status_code == 422
    assert late.json()["code"] == "LEAD_TIME"
    assert late.json()["next_slot"] == {"service_date": "2026-06-02", "slot": "08:00:00",
                                        "departs": "2026-06-02T08:00:00+02:00"}
    m.clock.advance(timedelta(minutes=15) - timedelta(seconds=1))
    booking = on_time.json()["id"]
    change = await m.http.patch(f"/bookings/{booking}", headers=rider.headers,
                                json={"origin_stop": "gramzow", "destination_stop": "angermuende"})
    assert change.status_code == 409 and change.json()["code"] == "LEAD_TIME"
    cancel = await m.http.post(f"/bookings/{booking}/cancel", headers=rider.headers)
    assert cancel.status_code == 200 and cancel.json()["state"] == "cancelled_late"


# 5 -------------------------------------------------------------------------------------------------------
async def test_5_ride_crossing_midnight_belongs_to_its_service_day(mobility: Mobility) -> None:
    m = mobility
    await m.line(corridor_id="night", stops=["prenzlau", "greiffenberg", "angermuende"], offsets=[0, 1500, 1620],
                 first=23 * 3600 + 45 * 60, last=23 * 3600 + 45 * 60, weekdays="4")
    friday, saturday = date(2026, 7, 10), date(2026, 7, 11)
    driver, vehicle = await m.driver()
    m.clock.advance(at("2026-07-10T20:00:00+02:00") - m.clock.now())
    await m.offer(driver, vehicle, corridor="night", one_off=friday, departure="23:45")
    m.clock.advance(timedelta(hours=2))  # Friday 22:00
    booking = await m.book(m.person(), day=friday, slot="23:45:00", corridor="night")
    assert booking.json()["state"] == "matched_private"
    search = (await m.http.get("/rides", params={"from_stop": "prenzlau", "to_stop": "angermuende",
                                                 "day": friday.isoformat()})).json()
    assert search[0]["slots"][0]["arrival_local"] == "2026-07-11T00:12:00+02:00"
    assert (await m.http.get(f"/network/corridors/night/slots/{saturday}")).json() == []
    ride = (await m.http.get("/drivers/me/rides", headers=driver.headers)).json()[0]
    m.clock.advance(at("2026-07-10T23:38:00+02:00") - m.clock.now())
    assert (await m.http.post(f"/drivers/me/rides/{ride['id']}/check-in", headers=driver.headers)).status_code == 200
    await m.tick()
    # Saturday 00:05: the Friday slot still passes Greiffenberg at 00:10.
    m.clock.advance(at("2026-07-11T00:05:00+02:00") - m.clock.now())
    now = (await m.http.get("/rides/departures", params={"stop": "greiffenberg"})).json()
    assert [(d["service_date"], d["departure_local"]) for d in now] == [("2026-07-10", "2026-07-11T00:10:00+02:00")]
    assert (await m.tick())["breached"] == 0
    m.clock.advance(timedelta(minutes=10))
    assert (await m.http.post(f"/drivers/me/rides/{ride['id']}/complete", headers=driver.headers)).status_code == 200
    ledger = (await m.http.get("/drivers/me/ledger", headers=driver.headers)).json()
    assert [e["service_date"] for e in ledger] == ["2026-07-10"]
    assert ledger[0]["amount_cents"] > 0


# 6 -------------------------------------------------------------------------------------------------------
async def test_6_spring_forward(mobility: Mobility) -> None:
    m = mobility
    await m.line(first=2 * 3600, last=7 * 3600, interval=600)
    sunday = date(2026, 3, 29)
    m.clock.advance(at("2026-03-20T12:00:00+01:00") - m.clock.now())
    slots = {s["slot"]: s["local"] for s in (await m.http.get(f"/network/corridors/line/slots/{sunday}")).json()}
    assert slots["02:30:00"] == "2026-03-29T01:30:00+01:00"
    assert slots["06:00:00"] == "2026-03-29T06:00:00+02:00"
    assert not [label for label in slots.values() if label.startswith("2026-03-29T02:")]
    driver, vehicle = await m.driver()
    await m.offer(driver, vehicle, weekdays=[6], valid_from="2026-03-22", departure="07:30")
    listed = (await m.http.get("/drivers/me/rides", headers=driver.headers)).json()
    rides = {r["service_date"]: r["local"] for r in listed}
    assert rides["2026-03-22"] == "2026-03-22T07:30:00+01:00"
    assert rides["2026-03-29"] == "2026-03-29T07:30:00+02:00"
    # Wall 01:30 CET to wall 03:10 CEST is 100 minutes on the clock face but 40 minutes of real time.
    m.clock.advance(at("2026-03-29T01:30:00+01:00") - m.clock.now())
    refused = await m.book(m.person(), day=sunday, slot="03:10:00")
    assert refused.status_code == 422 and refused.json()["code"] == "LEAD_TIME"
    fine = await m.book(m.person(), day=sunday, slot="03:40:00")
    assert fine.status_code == 201, fine.text


# 7 -------------------------------------------------------------------------------------------------------
async def test_7_fall_back(mobility: Mobility) -> None:
    m = mobility
    await m.line(first=3600, last=4 * 3600, interval=600)
    sunday = date(2026, 10, 25)
    m.clock.advance(at("2026-10-25T01:50:00+02:00") - m.clock.now())
    slots = {s["slot"]: s for s in (await m.http.get(f"/network/corridors/line/slots/{sunday}")).json()}
    assert slots["01:30:00"]["local"] == "2026-10-25T02:30:00+02:00"
    assert slots["02:30:00"]["local"] == "2026-10-25T02:30:00+01:00"
    assert slots["01:30:00"]["departure_at"] != slots["02:30:00"]["departure_at"]
    booking = await m.book(m.person(), day=sunday, slot="02:40:00")  # 110 minutes ahead
    assert booking.status_code == 201, booking.text
    assert booking.json()["departure_local"] == "2026-10-25T02:40:00+01:00"
    m.clock.advance(timedelta(minutes=51))  # past the lock at 01:40 CET
    await m.tick()
    day = (await m.http.get(f"/desk/days/{sunday}", headers=m.desk().headers)).json()
    assert [o["departure_local"] for o in day["orders"]] == ["2026-10-25T02:40:00+01:00"]


# 8 -------------------------------------------------------------------------------------------------------
async def test_8_weekly_offer_with_exception_dates(mobility: Mobility) -> None:
    m = mobility
    await m.line()
    driver, vehicle = await m.driver()
    exceptions = [{"date": "2026-05-01", "kind": "removed"}, {"date": "2026-05-14", "kind": "removed"},
                  {"date": "2026-05-16", "kind": "added"}]
    offer = await m.offer(driver, vehicle, weekdays=[0, 1, 2, 3, 4], valid_from="2026-04-27", exceptions=exceptions)
    days = {r["service_date"] for r in (await m.http.get("/drivers/me/rides", headers=driver.headers)).json()}
    assert "2026-05-01" not in days and "2026-05-14" not in days
    assert {"2026-05-16", "2026-04-27", "2026-05-15"} <= days
    holiday = await m.book(m.person(), day=date(2026, 5, 1))
    assert holiday.json()["state"] == "fallback_planned"
    riders = [m.person(), m.person()]
    for rider in riders:
        assert (await m.book(rider, day=date(2026, 5, 6))).json()["state"] == "matched_private"
    more = [*exceptions, {"date": "2026-05-06", "kind": "removed"}]
    changed = await m.http.put(f"/drivers/me/offers/{offer['id']}/exceptions", headers=driver.headers,
                               json={"exceptions": more})
    assert changed.status_code == 200, changed.text
    for rider in riders:
        mine = (await m.http.get("/bookings", headers=rider.headers)).json()
        assert [b["state"] for b in mine] == ["fallback_planned"]
        assert any("umgeplant" in n for n in await _notifications_for(m, rider.id))
    too_many = [{"date": (date(2026, 6, 1) + timedelta(days=k)).isoformat(), "kind": "removed"} for k in range(91)]
    response = await m.http.put(f"/drivers/me/offers/{offer['id']}/exceptions", headers=driver.headers,
                                json={"exceptions": too_many})
    assert response.status_code == 422 and response.json()["code"] == "EXCEPTIONS_INVALID"
    twice = [{"date": "2026-06-01", "kind": "removed"}, {"date": "2026-06-01", "kind": "added"}]
    response = await m.http.put(f"/drivers/me/offers/{offer['id']}/exceptions", headers=driver.headers,
                                json={"exceptions": twice})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "exceptions"


# 9 -------------------------------------------------------------------------------------------------------
async def test_9_driver_cancels_ten_minutes_before_departure(mobility: Mobility) -> None:
    m = mobility
    await m.line()
    driver, vehicle = await m.driver()
    await m.offer(driver, vehicle, one_off=JUNE_2, departure="07:30")
    await m.offer(driver, vehicle, one_off=JUNE_2, departure="08:00")
    rider = m.person()
    booked = await m.book(rider, day=JUNE_2, party=2)
    other = await m.book(m.person(), day=JUNE_2, slot="08:00:00")
    m.clock.advance(at("2026-06-02T06:31:00+02:00") - m.clock.now())
    await m.tick()
    assert (await m.http.get(f"/bookings/{booked.json()['id']}", headers=rider.headers)).json()["state"] == (
        "confirmed_private")
    rides = {r["local"][11:16]: r["id"] for r in (await m.http.get("/drivers/me/rides", headers=driver.headers)).json()}
    m.clock.advance(at("2026-06-02T07:20:00+02:00") - m.clock.now())
    for _ in range(2):  # the cancel arrives twice
        response = await m.http.post(f"/drivers/me/rides/{rides['07:30']}/cancel", headers=driver.headers)
        assert response.status_code == 200 and response.json()["state"] == "cancelled_late"
    async with m.db.session() as session:
        orders = (await execute(session, select(FallbackOrder))).scalars().all()
    assert len(orders) == 1 and orders[0].short_notice and orders[0].seats == 2
    state = (await m.http.get(f"/bookings/{booked.json()['id']}", headers=rider.headers)).json()
    assert state["state"] == "fallback_dispatched" and state["ride"] == "taxi"
    assert any("Taxi statt Mitfahrt" in n for n in await _notifications_for(m, rider.id))
    assert (await m.http.get("/drivers/me", headers=driver.headers)).json()["late_cancels"] == 1
    ack = await m.http.post(f"/desk/orders/{orders[0].id}/acknowledge", headers=m.desk().headers)
    assert ack.status_code == 200 and ack.json()["state"] == "acknowledged"
    assert (await m.http.get(f"/bookings/{booked.json()['id']}", headers=rider.headers)).json()["state"] == (
        "confirmed_fallback")
    # The 08:00 ride: cancelled at 07:50, nobody acknowledges within the short-notice SLA → escalated.
    m.clock.advance(at("2026-06-02T07:50:00+02:00") - m.clock.now())
    await m.http.post(f"/drivers/me/rides/{rides['08:00']}/cancel", headers=driver.headers)
    m.clock.advance(timedelta(minutes=6))
    await m.tick()
    day = (await m.http.get(f"/desk/days/{JUNE_2}", headers=m.desk().headers)).json()
    escalated = next(b for b in day["bookings"] if b["id"] == other.json()["id"])
    assert escalated["state"] == "escalated"
    async with m.db.session() as session:
        assert (await execute(session, select(func.count()).select_from(LedgerEntry))).scalar_one() == 0


# 10 ------------------------------------------------------------------------------------------------------
async def test_10_wheelchair_needs_a_wheelchair_place_and_is_refused_early_without_one(mobility: Mobility) -> None:
    m = mobility
    await m.line(wheelchair_places=1)
    await m.line(corridor_id="no-wheelchair", wheelchair_places=0)
    for corridor in ("line", "no-wheelchair"):
        for _ in range(2):
            driver, vehicle = await m.driver(seats=3)
            await m.offer(driver, vehicle, one_off=JUNE_2, corridor=corridor)
    booked = await m.book(m.person(), day=JUNE_2, origin="polssen", party=2, wheelchair=True)
    body = booked.json()
    assert body["state"] == "fallback_planned"
    assert "stop_accessibility_unknown_confirm" in body["notices"]
    day = (await m.http.get(f"/desk/days/{JUNE_2}", headers=m.desk().headers)).json()
    assert day["bookings"][0]["stop_access_unknown"] is True
    async with m.db.session() as session:
        load = (await execute(session, select(FallbackLoad))).scalars().one()
    assert (load.seats_used, load.wheelchairs_used) == (1, 1)
    refused = await m.book(m.person(), day=JUNE_2, origin="polssen", party=2, wheelchair=True,
                           corridor="no-wheelchair")
    assert refused.status_code == 409 and refused.json()["code"] == "NO_WHEELCHAIR_VEHICLE"
    m.clock.advance(at("2026-06-02T06:52:00+02:00") - m.clock.now())  # the lock: 07:52 at Polßen − 60 min
    await m.tick()
    async with m.db.session() as session:
        order = (await execute(session, select(FallbackOrder))).scalars().one()
    assert order.wheelchair_vehicle and (order.seats, order.wheelchairs) == (1, 1)


# 11 ------------------------------------------------------------------------------------------------------
async def test_11_female_driver_only_and_the_gender_never_shown(mobility: Mobility) -> None:
    m = mobility
    await m.line()
    male, male_car = await m.driver(name="Karl")
    silent, silent_car = await m.driver(name="Anna")  # female, but did not opt in: indistinguishable
    await m.offer(male, male_car, one_off=JUNE_2)
    await m.offer(silent, silent_car, one_off=JUNE_2)
    rider = m.person()
    booked = await m.book(rider, day=JUNE_2, female_driver_only=True)
    assert booked.json()["state"] == "fallback_planned"
    assert "driver_gender_not_guaranteed_for_taxi" in booked.json()["notices"]
    assert any("Fahrerin" in n for n in await _notifications_for(m, rider.id))
    public = await m.http.get("/rides", params={"from_stop": "prenzlau", "to_stop": "angermuende", "day": "2026-06-02"})
    export = await m.http.get("/opendata/gtfs-flex.zip")
    assert export.status_code == 200
    with zipfile.ZipFile(io.BytesIO(export.content)) as archive:
        exported = b"".join(archive.read(name) for name in archive.namelist()).lower()
    for text in (public.text.lower().encode(), exported):
        assert b"female" not in text and b"gender" not in text
    opted_in, car = await m.driver(name="Petra", female_opt_in=True)
    await m.offer(opted_in, car, one_off=JUNE_2)
    now = (await m.http.get(f"/bookings/{booked.json()['id']}", headers=rider.headers)).json()
    assert now["state"] == "matched_private" and now["driver_name"] == "Petra"


# 12 ------------------------------------------------------------------------------------------------------
async def test_12_desk_booking_for_a_senior_races_an_app_booking_then_no_show(mobility: Mobility) -> None:
    m = mobility
    await m.line()
    driver, vehicle = await m.driver(seats=1)
    await m.offer(driver, vehicle, one_off=JUNE_2)
    senior = uuid.uuid4()  # phone-only: no token of their own
    staff = m.desk()
    app_user = m.person()
    desk_call = m.book(staff, day=JUNE_2, person_id=str(senior))
    app_call = m.book(app_user, day=JUNE_2)
    desk, app = await asyncio.gather(desk_call, app_call)
    assert desk.status_code == 201 and app.status_code == 201
    assert sorted([desk.json()["state"], app.json()["state"]]) == ["fallback_planned", "matched_private"]
    assert desk.json()["channel"] == "phone" and desk.json()["booked_by_desk"] is True
    # Told through the platform's notifications, which accounts delivers on the person's channel (voice/SMS).
    assert await _notifications_for(m, senior)
    audit = (await m.http.get("/desk/audit", headers=staff.headers, params={"person_id": str(senior)})).json()
    assert [(a["actor"], a["action"]) for a in audit] == [(str(staff.id), "booking_created")]
    # Token exchange: a token for the senior with the staff member as `act`.
    on_behalf = m.person(person_id=senior, actor=str(staff.id))
    second = await m.book(on_behalf, day=JUNE_2, slot="09:00:00")
    assert second.status_code == 201 and second.json()["booked_by_desk"] is True
    audit = (await m.http.get("/desk/audit", headers=staff.headers, params={"person_id": str(senior)})).json()
    assert {a["actor"] for a in audit} == {str(staff.id)}
    # An `act` without a desk's authority (e.g. a coordinator's, or none) books nothing for the person.
    for scope in ("org_coordinator", ""):
        refused = await m.book(m.person(person_id=senior, actor=str(staff.id), acting_scope=scope), day=JUNE_2,
                               slot="10:00:00")
        assert refused.status_code == 403, scope


async def test_12_no_show_counts_and_then_the_desk_must_confirm(database_url: str, oidc_issuer: object) -> None:
    from platformkit.scheduler import ManualClock

    clock = ManualClock(at("2026-05-20T09:00:00+02:00"))
    async with running(database_url, oidc_issuer, clock, no_show_limit=1) as m:  # type: ignore[arg-type]
        await m.line()
        driver, vehicle = await m.driver(seats=3)
        await m.offer(driver, vehicle, one_off=JUNE_2)
        senior = m.person()
        staff = m.desk()
        booked = await m.book(staff, day=JUNE_2, person_id=str(senior.id))
        assert booked.json()["state"] == "matched_private"
        ride = (await m.http.get("/drivers/me/rides", headers=driver.headers)).json()[0]["id"]
        clock.advance(at("2026-06-02T07:20:00+02:00") - clock.now())
        await m.tick()
        await m.http.post(f"/drivers/me/rides/{ride}/check-in", headers=driver.headers)
        early = await m.http.post(f"/drivers/me/rides/{ride}/no-show/{booked.json()['id']}", headers=driver.headers)
        assert early.status_code == 409 and early.json()["code"] == "WAIT_WINDOW"
        clock.advance(timedelta(minutes=16))
        reported = await m.http.post(f"/drivers/me/rides/{ride}/no-show/{booked.json()['id']}", headers=driver.headers)
        assert reported.status_code == 200 and reported.json()["state"] == "no_show"
        await m.http.post(f"/drivers/me/rides/{ride}/complete", headers=driver.headers)
        ledger = (await m.http.get("/drivers/me/ledger", headers=driver.headers)).json()
        assert len(ledger) == 1 and ledger[0]["amount_cents"] > 0  # paid for the driven km (Mobilfalt rule)
        self_booked = await m.book(senior, day=date(2026, 6, 3))
        assert self_booked.status_code == 403 and self_booked.json()["code"] == "DESK_CONFIRMATION_REQUIRED"
        by_desk = await m.book(staff, day=date(2026, 6, 3), person_id=str(senior.id))
        assert by_desk.status_code == 201
