"""Hilfe suchen, and scenario 4's senior: staff enter a request for a person without a smartphone (token
exchange: sub = the person, act = the staff member; both audited); the address goes only to the one
confirmed helper."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select
from volunteers_testkit import DEDELOW, Volunteers

from platformkit.audit import AuditEntry
from platformkit.db import utcnow
from volunteers.models import HelpRequest


async def test_staff_ask_for_a_senior_and_only_the_confirmed_helper_sees_the_address(vol: Volunteers) -> None:
    senior = vol.person()
    staff = vol.staff("people-desk")
    # As accounts' token exchange issues it for the people desk (act.scope: the desk's authority).
    on_behalf = vol.token(str(senior.id), roles=["resident"],
                          extra_claims={"act": {"sub": str(staff.id), "scope": "people-desk"}})
    start = utcnow() + timedelta(days=2)
    created = await vol.http.post("/help-requests", headers={"Authorization": f"Bearer {on_behalf}"}, json={
        "category": "shopping", "village_id": DEDELOW, "description": "Wocheneinkauf",
        "window_start": start.isoformat(), "window_end": (start + timedelta(hours=3)).isoformat(),
        "address": "Dorfstraße 7", "contact_phone": "039862 4711"})
    assert created.status_code == 201 and created.json()["entered_by_staff"]
    request_id = created.json()["id"]
    async with vol.db.read_sessions() as session:
        entry = (await session.exec(select(AuditEntry).where(col(AuditEntry.subject_id) == request_id))).one()
    assert (entry.actor, entry.on_behalf_of) == (str(staff.id), str(senior.id))
    assert [e["entered_by_staff"] for e in await vol.events("volunteers.help.requested.v1")] == [True]

    helper, other = await vol.profile(), await vol.profile()
    listed = (await vol.http.get("/help-requests", headers=helper.headers)).json()
    assert [r["id"] for r in listed] == [request_id]
    assert listed[0]["address"] is None and listed[0]["contact_phone"] is None

    offered = await vol.http.post(f"/help-requests/{request_id}/offer", headers=helper.headers)
    assert offered.json()["state"] == "offered" and offered.json()["address"] is None
    assert (await vol.http.post(f"/help-requests/{request_id}/offer", headers=other.headers)).status_code == 404
    assert len(await vol.notifications("help_offered", senior.id)) == 1
    # Only the requester (or staff for them) confirms.
    assert (await vol.http.post(f"/help-requests/{request_id}/decision", json={"accept": True},
                                headers=helper.headers)).status_code == 404
    confirmed = await vol.http.post(f"/help-requests/{request_id}/decision", json={"accept": True},
                                    headers={"Authorization": f"Bearer {on_behalf}"})
    assert confirmed.json()["state"] == "matched"

    seen = (await vol.http.get(f"/help-requests/{request_id}", headers=helper.headers)).json()
    assert seen["address"] == "Dorfstraße 7" and seen["contact_phone"] == "039862 4711"
    assert (await vol.http.get(f"/help-requests/{request_id}", headers=other.headers)).status_code == 404
    assert len(await vol.events("volunteers.help.matched.v1")) == 1
    desk = (await vol.http.get("/admin/help-requests", headers=staff.headers)).json()
    assert [r["id"] for r in desk] == [request_id]
    assert (await vol.http.get("/admin/help-requests", headers=helper.headers)).status_code == 403
    assert (await vol.http.post(f"/help-requests/{request_id}/done", headers=senior.headers)).json()["state"] == "done"


async def test_only_the_people_desk_acts_for_a_person(vol: Volunteers) -> None:
    """Tokens acting for a person from any other authority (the mobility desk's; a coordinator's, which
    accounts issues towards volunteers too) are refused, and nothing is entered or audited."""
    senior = vol.person()
    start = utcnow() + timedelta(days=2)
    body = {"category": "visit", "village_id": DEDELOW, "window_start": start.isoformat(),
            "window_end": (start + timedelta(hours=1)).isoformat()}
    acts = {"mobility desk": {"sub": "staff-1", "scope": "mobility-desk"},
            "coordinator": {"sub": "staff-2", "role": "org_coordinator", "organisation_id": "org-1"},
            "no authority": {"sub": "staff-3"}}
    for why, act in acts.items():
        token = vol.token(str(senior.id), roles=["resident"], extra_claims={"act": act})
        for method, path in (("POST", "/help-requests"), ("GET", "/help-requests/mine"), ("GET", "/me/signups")):
            answer = await vol.http.request(method, path, json=body if method == "POST" else None,
                                            headers={"Authorization": f"Bearer {token}"})
            assert answer.status_code == 403 and answer.json()["code"] == "FORBIDDEN", (why, path, answer.text)
    async with vol.db.read_sessions() as session:
        assert (await session.exec(select(HelpRequest))).all() == []
        assert (await session.exec(select(AuditEntry).where(col(AuditEntry.action) == "help.requested"))).all() == []
    # The senior's own token (no `act`) is not affected.
    own = await vol.http.post("/help-requests", headers=senior.headers, json=body)
    assert own.status_code == 201 and not own.json()["entered_by_staff"]


async def test_bad_input_is_a_problem_with_the_field(vol: Volunteers) -> None:
    asker = vol.person()
    start = utcnow() + timedelta(days=1)
    body = {"category": "garden", "village_id": "ot-nirgendwo", "window_start": start.isoformat(),
            "window_end": (start + timedelta(hours=1)).isoformat()}
    unknown = await vol.http.post("/help-requests", headers=asker.headers, json=body)
    assert unknown.status_code == 422 and unknown.json()["code"] == "UNKNOWN_VILLAGE"
    backwards = await vol.http.post("/help-requests", headers=asker.headers, json={
        **body, "village_id": DEDELOW, "window_end": (start - timedelta(hours=1)).isoformat()})
    assert backwards.status_code == 422 and backwards.json()["errors"][0]["field"] == "body.window_end"
    assert (await vol.http.post("/help-requests", json=body)).status_code == 401


async def test_a_request_for_a_time_that_is_over_is_refused(vol: Volunteers) -> None:
    """A day picked wrongly (last year's date) would sit as "open" in every helper's list; today's window
    that is still running is fine."""
    asker = vol.person()
    yesterday = utcnow() - timedelta(days=1)
    over = await vol.http.post("/help-requests", headers=asker.headers, json={
        "category": "garden", "village_id": DEDELOW, "window_start": yesterday.isoformat(),
        "window_end": (yesterday + timedelta(hours=2)).isoformat()})
    assert over.status_code == 422 and over.json()["code"] == "WINDOW_IN_PAST"
    assert over.json()["errors"][0]["field"] == "body.window_end"
    async with vol.db.read_sessions() as session:
        assert (await session.exec(select(HelpRequest))).all() == []
    running = await vol.http.post("/help-requests", headers=asker.headers, json={
        "category": "garden", "village_id": DEDELOW, "window_start": (utcnow() - timedelta(hours=1)).isoformat(),
        "window_end": (utcnow() + timedelta(hours=1)).isoformat()})
    assert running.status_code == 201
