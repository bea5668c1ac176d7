"""Scenario 12 of the research: the district's own warnings (KATWARN role) through the HTTP API — valid CAP
1.2 out, the territory, another district's authors, idempotent submission, the audit log — and the timer
that ends a warning at its `expires` (scenario 3b)."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta
from typing import Any

from alerts_testkit import App

from alerts.domain.cap import parse_cap
from alerts.domain.message import parse_references

PRENZLAU_SQUARE = [[53.30, 13.84], [53.30, 13.90], [53.34, 13.90], [53.34, 13.84]]


def body(now: datetime, **changes: Any) -> dict[str, Any]:
    value: dict[str, Any] = {
        "category": "Fire", "event": "Großbrand", "severity": "Severe",
        "headline": "Großbrand in Prenzlau", "description": "Eine Lagerhalle brennt, starker Rauch.",
        "instruction": "Fenster und Türen schließen, Lüftung ausschalten.",
        "expires": (now + timedelta(hours=3)).isoformat(),
        "area": {"description": "Prenzlau, Innenstadt", "polygons": [PRENZLAU_SQUARE]},
    }
    value.update(changes)
    return value


async def subscribe_erika(app: App) -> tuple[Any, dict[str, str]]:
    person_id, headers = app.resident("erika")
    response = await app.http.put("/me/subscription", headers=headers,
                                  json={"places": [{"ortsteil_id": "ot-prenzlau-prenzlau"}]})
    assert response.status_code == 200, response.text
    return person_id, headers


async def cap_messages(app: App, thread_id: str) -> list[bytes]:
    listed = await app.http.get(f"/warnings/{thread_id}/messages", headers=app.author())
    assert listed.status_code == 200, listed.text
    found = []
    for message in listed.json():
        cap = await app.http.get(f"/warnings/{thread_id}/messages/{message['id']}/cap")
        assert cap.status_code == 200 and cap.headers["content-type"].startswith("application/cap+xml")
        found.append(cap.content)
    return found


async def test_12_issue_update_cancel_as_valid_cap_that_reaches_the_resident(alerts_app: App) -> None:
    app = alerts_app
    person_id, resident = await subscribe_erika(app)
    author = {**app.author("op-x"), "Idempotency-Key": "issue-1"}
    now = app.clock.now()
    first = await app.http.post("/local", json=body(now), headers=author)
    assert first.status_code == 201, first.text
    replay = await app.http.post("/local", json=body(now), headers=author)  # a double click
    assert replay.status_code == 201 and replay.json()["id"] == first.json()["id"]
    thread = first.json()
    assert thread["state"] == "active" and thread["issuing_district"] == "120730000000"
    assert "ot-prenzlau-prenzlau" in thread["ortsteil_ids"]

    app.clock.advance(timedelta(minutes=5))
    updated = await app.http.put(f"/local/{thread['id']}", json=body(now, severity="Extreme"),
                                 headers={**app.author("op-x"), "If-Match": str(thread["version"])})
    assert updated.status_code == 200, updated.text
    stale = await app.http.put(f"/local/{thread['id']}", json=body(now),
                               headers={**app.author("op-x"), "If-Match": str(thread["version"])})
    assert stale.status_code == 412 and stale.json()["code"] == "VERSION_MISMATCH"
    cancelled = await app.http.post(f"/local/{thread['id']}/cancel", json={"note": "Das Feuer ist gelöscht."},
                                    headers=app.author("op-x"))
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"

    caps = await cap_messages(app, thread["id"])
    messages = [parse_cap(xml) for xml in caps]
    assert [m.msg_type for m in messages] == ["Alert", "Update", "Cancel"]
    assert len({m.identifier for m in messages}) == 3
    assert {m.sender for m in messages} == {app.settings.cap_sender}
    assert messages[0].sent < messages[1].sent < messages[2].sent
    for index, xml in enumerate(caps):
        refs = re.search(rb"<references>(.*?)</references>", xml)
        earlier = messages[:index]
        if not earlier:
            assert refs is None
            continue
        assert refs is not None
        triples = refs.group(1).decode().split()
        assert [t.split(",")[1] for t in triples] == [m.identifier for m in earlier]
        assert [r.sent for r in parse_references(refs.group(1).decode())] == [m.sent for m in earlier]
        assert all(t.split(",")[0] == app.settings.cap_sender for t in triples)
    polygon = re.search(rb"<polygon>(.*?)</polygon>", caps[0])
    assert polygon is not None
    points = polygon.group(1).decode().split()
    assert len(points) >= 4 and points[0] == points[-1] and points[0] == "53.3,13.84"  # closed, lat,lon
    assert b"<sent>" in caps[0] and re.search(rb"<sent>[^<]*[+-]\d\d:\d\d</sent>", caps[0])

    told = [n["title"] for n in await app.notices(person_id)]
    assert told == ["Warnung: Großbrand in Prenzlau", "Warnung verschärft: Großbrand in Prenzlau",
                    "Entwarnung: Entwarnung: Großbrand in Prenzlau"]
    mine = await app.http.get("/me/warnings", headers=resident)
    assert [w["state"] for w in mine.json()["items"]] == ["cancelled"]

    audit = await app.http.get("/local/audit", headers=app.author("op-x"))
    assert [(e["actor"], e["action"]) for e in reversed(audit.json())] == [
        ("op-x", "local.issued"), ("op-x", "local.updated"), ("op-x", "local.cancelled")]
    atom = await app.http.get("/cap/local.atom")
    assert atom.status_code == 200 and messages[2].identifier.encode() in atom.content


async def test_12_concurrent_double_submission_makes_one_warning(alerts_app: App) -> None:
    app = alerts_app
    headers = {**app.author("op-x"), "Idempotency-Key": "same-click"}
    answers = await asyncio.gather(*(app.http.post("/local", json=body(app.clock.now()), headers=headers)
                                     for _ in range(3)))
    ids = {a.json()["id"] for a in answers if a.status_code == 201}
    assert len(ids) == 1 and {a.status_code for a in answers} <= {201, 409}
    listed = await app.http.get("/local", headers=app.author("op-x"))
    assert len(listed.json()["items"]) == 1


async def test_12_another_district_cannot_touch_the_thread(alerts_app: App) -> None:
    app = alerts_app
    created = await app.http.post("/local", json=body(app.clock.now()), headers=app.author("op-x"))
    thread_id = created.json()["id"]
    other = app.author("op-y", district="130750000000")
    for response in (
        await app.http.put(f"/local/{thread_id}", json=body(app.clock.now()), headers=other),
        await app.http.post(f"/local/{thread_id}/cancel", json={}, headers=other),
        await app.http.post(f"/local/{thread_id}/approve", headers=other),
    ):
        assert response.status_code == 404 and response.json()["code"] == "WARNING_NOT_FOUND"
    assert (await app.http.get("/local", headers=other)).json()["items"] == []
    refused = await app.http.post("/local", json=body(app.clock.now()), headers=other)
    assert refused.status_code == 403 and refused.json()["code"] == "DISTRICT_NOT_SERVED"
    state = await app.http.get(f"/warnings/{thread_id}")
    assert state.json()["state"] == "active"


async def test_12_beyond_the_territory_a_second_author_must_approve(alerts_app: App) -> None:
    app = alerts_app
    _, _ = await subscribe_erika(app)
    berlin = [[52.50, 13.35], [52.50, 13.45], [52.55, 13.45], [52.55, 13.35]]
    request = body(app.clock.now(), area={"description": "Berlin", "polygons": [berlin, PRENZLAU_SQUARE]})
    created = await app.http.post("/local", json=request, headers=app.author("op-x"))
    assert created.status_code == 201 and created.json()["state"] == "pending_approval"
    assert (await app.http.get(f"/warnings/{created.json()['id']}")).status_code == 404  # not public yet
    same = await app.http.post(f"/local/{created.json()['id']}/approve", headers=app.author("op-x"))
    assert same.status_code == 403 and same.json()["code"] == "SECOND_AUTHOR_REQUIRED"
    approved = await app.http.post(f"/local/{created.json()['id']}/approve", headers=app.author("op-2"))
    assert approved.status_code == 200 and approved.json()["state"] == "active"


async def test_12_bad_input_and_the_wrong_people_get_problems(alerts_app: App) -> None:
    app = alerts_app
    line = body(app.clock.now(), area={"description": "x", "polygons": [[[53.3, 13.8], [53.31, 13.81], [53.3, 13.8]]]})
    degenerate = await app.http.post("/local", json=line, headers=app.author())
    assert degenerate.status_code == 422
    assert degenerate.json()["code"] == "AREA_POLYGON_DEGENERATE"
    elsewhere = body(app.clock.now(), area={"description": "x", "ars": ["130750000000"]})
    foreign = await app.http.post("/local", json=elsewhere, headers=app.author())
    assert foreign.status_code == 422 and foreign.json()["code"] == "AREA_OUTSIDE_DISTRICT"
    past = await app.http.post("/local", json=body(app.clock.now(), expires="2020-01-01T00:00:00+00:00"),
                               headers=app.author())
    assert past.status_code == 422 and past.json()["code"] == "EXPIRES_IN_PAST"
    _, resident = app.resident("mallory")
    assert (await app.http.post("/local", json=body(app.clock.now()), headers=resident)).status_code == 403
    desk = app.author("op-desk", scopes=("mobility-desk",))
    assert (await app.http.post("/local", json=body(app.clock.now()), headers=desk)).status_code == 403
    assert (await app.http.post("/local", json=body(app.clock.now()))).status_code == 401
    assert (await app.http.get("/local")).status_code == 401


async def test_3b_the_timer_ends_an_expired_warning_and_a_late_cancel_is_still_accepted(alerts_app: App) -> None:
    app = alerts_app
    person_id, resident = await subscribe_erika(app)
    created_at = app.clock.now()
    created = await app.http.post("/local", json=body(app.clock.now(), expires=(
        app.clock.now() + timedelta(minutes=30)).isoformat()), headers=app.author())
    thread_id = created.json()["id"]
    app.clock.advance(timedelta(minutes=30))
    for _ in range(300):  # time moves on; the scheduler's expiry step ends the warning on its next tick
        app.clock.advance(timedelta(seconds=1))
        state = (await app.http.get(f"/warnings/{thread_id}")).json()["state"]
        if state == "expired":
            break
        await asyncio.sleep(0.02)
    assert state == "expired"
    assert app.clock.now() - created_at <= timedelta(minutes=30, seconds=31 + 30)  # within one 30 s tick
    assert (await app.http.get("/me/warnings", headers=resident)).json()["items"][0]["state"] == "expired"
    assert [n["title"].split(":")[0] for n in await app.notices(person_id)] == ["Warnung"]  # no all-clear push

    late = await app.http.post(f"/local/{thread_id}/cancel", json={}, headers=app.author())
    again = await app.http.post(f"/local/{thread_id}/cancel", json={}, headers=app.author())
    assert late.status_code == again.status_code == 200 and again.json()["state"] == "cancelled"
    assert [m.msg_type for m in map(parse_cap, await cap_messages(app, thread_id))] == ["Alert", "Cancel"]
