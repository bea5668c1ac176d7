"""Hostile and careless callers: others' records answer 404, staff routes 403, bad input a problem with its
field (never a 500), and nothing already accepted is lost."""

from __future__ import annotations

import uuid
from datetime import date

from mobility_testkit import Mobility

JUNE_2 = date(2026, 6, 2)


async def test_others_records_are_not_found_and_staff_routes_are_refused(mobility: Mobility) -> None:
    m = mobility
    await m.line()
    owner, stranger = m.person(), m.person()
    booked = await m.book(owner, day=JUNE_2)
    booking_id = booked.json()["id"]
    for method, path in (("GET", f"/bookings/{booking_id}"), ("POST", f"/bookings/{booking_id}/cancel")):
        response = await m.http.request(method, path, headers=stranger.headers)
        assert response.status_code == 404 and response.json()["code"] == "BOOKING_NOT_FOUND"
    assert (await m.http.get(f"/bookings/{booking_id}", headers=owner.headers)).json()["state"] == "fallback_planned"
    # A resident cannot book for someone else, nor reach the desk or the verifiers.
    forged = await m.book(stranger, day=JUNE_2, person_id=str(owner.id))
    assert forged.status_code == 403
    for path in (f"/desk/days/{JUNE_2}", "/desk/audit", "/drivers"):
        assert (await m.http.get(path, headers=stranger.headers)).status_code == 403
    driver, _vehicle = await m.driver()
    ride_of_someone_else = await m.http.post(f"/drivers/me/rides/{uuid.uuid4()}/cancel", headers=driver.headers)
    assert ride_of_someone_else.status_code == 404
    assert (await m.http.post("/drivers/me", headers=owner.headers, json={"display_name": "X"})).status_code == 403
    anonymous = await m.http.post("/bookings", json={})
    assert anonymous.status_code == 401


async def test_bad_input_is_a_problem_with_its_field(mobility: Mobility) -> None:
    m = mobility
    await m.line()
    rider = m.person()
    cases = [
        ({"slot": "7:3"}, 422, "body.slot"),
        ({"party": 4}, 422, "body.party"),
        ({"corridor": "nowhere"}, 422, "corridor_id"),
        ({"origin": "wolletz"}, 422, "origin_stop"),
        ({"origin": "angermuende", "destination": "prenzlau"}, 422, "destination_stop"),
        ({"slot": "07:45:00"}, 422, "slot"),
        ({"day": date(2026, 12, 24)}, 422, "service_date"),
    ]
    for change, status, field in cases:
        day = change.pop("day", JUNE_2)
        response = await m.book(rider, day=day, **change)  # type: ignore[arg-type]
        assert response.status_code == status, (change, response.text)
        body = response.json()
        assert body["errors"][0]["field"] == field, (change, body)
    missing_key = await m.http.post("/bookings", headers=rider.headers, json={})
    assert missing_key.status_code == 400 and missing_key.json()["code"] == "IDEMPOTENCY_KEY_REQUIRED"
    assert (await m.http.get("/bookings", headers=rider.headers)).json() == []
