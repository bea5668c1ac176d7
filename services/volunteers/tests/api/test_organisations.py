"""Scenarios 3 and 4: an organisation the district has not verified publishes nothing (its wish waits for
the verification); suspension unpublishes and tells confirmed volunteers neutrally; contact data only for
confirmed volunteers, only for a while, never for another organisation or a co-volunteer."""

from __future__ import annotations

from volunteers_testkit import Volunteers, soon


async def test_an_unverified_organisation_cannot_publish_until_verified(vol: Volunteers) -> None:
    world = await vol.world(verified=False)
    refused = await vol.http.post(f"/opportunities/{world.opportunity_id}/publish", headers=world.coordinator.headers)
    assert refused.status_code == 403 and refused.json()["code"] == "ORGANISATION_NOT_VERIFIED"
    assert refused.json()["state"] == "awaiting_verification"
    shift = await vol.shift(world, start=soon(4))
    outsider = await vol.profile()
    assert world.opportunity_id not in [o["id"] for o in (await vol.http.get("/opportunities")).json()]
    assert (await vol.http.get(f"/opportunities/{world.opportunity_id}", headers=outsider.headers)).status_code == 404
    assert (await vol.http.get(f"/shifts/{shift['id']}", headers=outsider.headers)).status_code == 404
    assert (await vol.http.get("/map")).json() == []
    assert (await vol.http.get("/me/matches", headers=outsider.headers)).json() == []
    assert (await vol.sign_up(shift["id"], outsider)).status_code == 404
    assert await vol.events("volunteers.opportunity.published.v1") == []

    staff = vol.staff()
    queue = (await vol.http.get("/admin/organisations", headers=staff.headers)).json()
    assert [o["id"] for o in queue] == [world.organisation_id]
    assert (await vol.http.post(f"/admin/organisations/{world.organisation_id}/review", json={},
                                headers=staff.headers)).json()["state"] == "in_review"
    verified = await vol.http.post(f"/admin/organisations/{world.organisation_id}/verify", json={},
                                   headers=staff.headers)
    assert verified.json()["state"] == "verified"
    assert [e["opportunity_id"] for e in await vol.events("volunteers.opportunity.published.v1")] == [
        world.opportunity_id]
    assert len(await vol.notifications("organisation_verified", world.coordinator.id)) == 1
    assert [m["shift"]["id"] for m in (await vol.http.get("/me/matches", headers=outsider.headers)).json()] == [
        shift["id"]]
    assert (await vol.http.get("/map")).json()[0]["open_shifts"] == 1


async def test_suspension_unpublishes_and_tells_confirmed_volunteers_neutrally(vol: Volunteers) -> None:
    world = await vol.world()
    shift = await vol.shift(world, start=soon(4))
    helper = await vol.profile()
    assert (await vol.sign_up(shift["id"], helper)).status_code == 201
    reporter = vol.person()
    reported = await vol.http.post(f"/organisations/{world.organisation_id}/reports",
                                   json={"reason": "Verdacht auf Betrug"}, headers=reporter.headers)
    assert reported.status_code == 202
    staff = vol.staff()
    reports = (await vol.http.get("/admin/reports", headers=staff.headers)).json()
    assert [r["organisation_id"] for r in reports] == [world.organisation_id]
    suspended = await vol.http.post(f"/admin/organisations/{world.organisation_id}/suspend",
                                    json={"reason": "Verdacht auf Betrug"}, headers=staff.headers)
    assert suspended.json()["state"] == "suspended"
    assert (await vol.http.get("/opportunities")).json() == []
    assert (await vol.http.get(f"/shifts/{shift['id']}", headers=vol.person().headers)).status_code == 404
    told = await vol.notifications("shift_cancelled", helper.id)
    assert len(told) == 1 and "Betrug" not in told[0]["title"] + told[0]["body"]
    assert (await vol.http.get("/me/signups", headers=helper.headers)).json()[0]["state"] == "cancelled_by_org"
    # Not staff: no verification queue, no decisions.
    assert (await vol.http.get("/admin/organisations", headers=helper.headers)).status_code == 403
    assert (await vol.http.post(f"/admin/organisations/{world.organisation_id}/verify", json={},
                                headers=vol.staff("mobility-desk").headers)).status_code == 403


async def test_contact_data_only_for_confirmed_people_of_the_own_organisation(vol: Volunteers) -> None:
    world = await vol.world(approval_mode="org_approval", address="Marktberg 1")
    shift = await vol.shift(world, start=soon(4), capacity=2)
    first, second, third = (await vol.profile(show_name_to_co_volunteers=True), await vol.profile(),
                            await vol.profile())
    for person in (first, second, third):
        assert (await vol.sign_up(shift["id"], person)).status_code == 201
    coordinator = world.coordinator.headers
    roster = (await vol.http.get(f"/shifts/{shift['id']}/signups", headers=coordinator)).json()
    assert [r["state"] for r in roster] == ["requested", "requested", "waitlisted"]
    assert all(r["contact_email"] is None and r["contact_phone"] is None for r in roster)
    assert all(r["display_name"] for r in roster)
    accepted = await vol.http.post(f"/signups/{roster[0]['signup_id']}/decision", json={"accept": True},
                                   headers=coordinator)
    assert accepted.json()["state"] == "confirmed"
    roster = (await vol.http.get(f"/shifts/{shift['id']}/signups", headers=coordinator)).json()
    assert roster[0]["contact_email"] and roster[0]["contact_phone"]
    assert roster[0]["contact_visible_until"] is not None
    assert roster[1]["contact_email"] is None and roster[2]["contact_email"] is None
    exported = await vol.http.get(f"/shifts/{shift['id']}/signups.csv", headers=coordinator)
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    lines = exported.text.strip().splitlines()
    assert len(lines) == 4 and lines[1].count("@") == 1 and "@" not in lines[2] + lines[3]

    other_world = await vol.world()
    assert (await vol.http.get(f"/shifts/{shift['id']}/signups", headers=other_world.coordinator.headers)
            ).status_code == 404
    assert (await vol.http.get(f"/shifts/{shift['id']}/signups.csv", headers=other_world.coordinator.headers)
            ).status_code == 404
    assert (await vol.http.post(f"/signups/{roster[1]['signup_id']}/decision", json={"accept": True},
                                headers=other_world.coordinator.headers)).status_code == 404
    assert (await vol.http.get(f"/shifts/{shift['id']}/signups", headers=second.headers)).status_code == 404

    # A co-volunteer sees names of those who agreed, never contact data; the address once confirmed.
    first_name = (await vol.http.get("/me/profile", headers=first.headers)).json()["display_name"]
    view = (await vol.http.get(f"/shifts/{shift['id']}", headers=first.headers)).json()
    assert view["team"] == [first_name] and view["address"] == "Marktberg 1"
    assert "@" not in str(view)
    waiting = (await vol.http.get(f"/shifts/{shift['id']}", headers=second.headers)).json()
    assert waiting["team"] == [first_name] and waiting["address"] is None
    assert (await vol.http.get(f"/shifts/{shift['id']}", headers=vol.person().headers)).json()["team"] == []

    # After the release period the organisation no longer sees it.
    vol.app.state.settings = vol.settings.model_copy(update={"contact_release_days": -10})
    roster = (await vol.http.get(f"/shifts/{shift['id']}/signups", headers=coordinator)).json()
    assert roster[0]["contact_email"] is None


async def test_an_operator_granted_coordinator_acts_for_the_organisation(vol: Volunteers) -> None:
    world = await vol.world()
    granted = vol.person(roles=["resident", "org_coordinator"], organisation_id=world.organisation_id)
    elsewhere = vol.person(roles=["resident", "org_coordinator"],
                           organisation_id="5f2c1f5e-0000-4000-8000-000000000000")
    shift = await vol.shift(world, start=soon(3))
    assert (await vol.http.get(f"/shifts/{shift['id']}/signups", headers=granted.headers)).status_code == 200
    assert (await vol.http.get(f"/shifts/{shift['id']}/signups", headers=elsewhere.headers)).status_code == 404
    assert (await vol.http.post(f"/organisations/{world.organisation_id}/withdraw", headers=granted.headers)
            ).status_code == 403
    mine = (await vol.http.get("/organisations/mine", headers=granted.headers)).json()
    assert [(o["id"], o["role"]) for o in mine] == [(world.organisation_id, "coordinator")]
