"""Scenario 5: erasure (accounts.person.erased.v1, run as platformkit's consumer runs it) while sign-ups
exist: what lies ahead ends and frees places for others, what is past loses the person but keeps its hours,
a shift in progress is closed, certificates and profile go, the audit keeps a pseudonym; twice is once."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlmodel import col, select
from volunteers_testkit import Volunteers, soon

from platformkit.audit import AuditEntry, pseudonym
from platformkit.db import utcnow
from platformkit.personal_data import erase_person
from volunteers.main import service
from volunteers.models import EfzRecord, Opportunity, Shift, Signup


async def test_erasure_with_signups_ahead_behind_and_in_progress(vol: Volunteers) -> None:
    world = await vol.world()
    approval = await vol.world(approval_mode="org_approval")
    person = await vol.profile()
    others = [await vol.profile() for _ in range(2)]
    confirmed = [await vol.shift(world, start=soon(3 + i), capacity=1) for i in range(2)]
    for shift in confirmed:
        assert (await vol.sign_up(shift["id"], person)).json()["state"] == "confirmed"
        assert (await vol.sign_up(shift["id"], others[0])).json()["state"] == "waitlisted"
    full = await vol.shift(world, start=soon(8), capacity=1)
    await vol.sign_up(full["id"], others[1])
    assert (await vol.sign_up(full["id"], person)).json()["state"] == "waitlisted"
    asked = await vol.shift(approval, start=soon(9))
    assert (await vol.sign_up(asked["id"], person)).json()["state"] == "requested"
    staff = vol.staff()
    await vol.http.put(f"/admin/volunteers/{person.id}/certificate-inspection", headers=staff.headers, json={
        "certificate_date": "2026-01-05", "inspected_on": "2026-01-20", "no_exclusion": True})

    # Three completed shifts in the past and one in progress (written as they would be by then).
    now = utcnow()
    opportunity_id = uuid.UUID(world.opportunity_id)
    async with vol.db.transaction() as session:
        opportunity = await session.get(Opportunity, opportunity_id)
        assert opportunity is not None
        for days_ago in (30, 20, 10):
            past = Shift(opportunity_id=opportunity_id, organisation_id=opportunity.organisation_id,
                         start_at=now - timedelta(days=days_ago), end_at=now - timedelta(days=days_ago, hours=-3),
                         capacity=2, seats_taken=1)
            session.add(past)
            await session.flush()
            session.add(Signup(shift_id=past.id, person_id=person.id, state="completed", minutes_credited=180))
        running = Shift(opportunity_id=opportunity_id, organisation_id=opportunity.organisation_id,
                        start_at=now - timedelta(hours=1), end_at=now + timedelta(hours=2), capacity=1, seats_taken=1)
        session.add(running)
        await session.flush()
        session.add(Signup(shift_id=running.id, person_id=person.id, state="checked_in", checked_in_at=now))
    before = (await vol.http.get("/admin/statistics", headers=staff.headers)).json()
    assert before["minutes"] == 540

    assert service.personal_data is not None
    for _ in range(2):  # the event can arrive twice
        async with vol.db.transaction() as session:
            counts = await erase_person(session, service="volunteers", personal_data=service.personal_data,
                                        person_id=person.id, erased_at=utcnow())
        if _ == 0:
            assert counts["signups_cancelled"] == 4 and counts["signups_closed"] == 1
            assert counts["certificate_records_deleted"] == 1 and counts["profiles_deleted"] == 1
    assert counts["signups_cancelled"] == 0 and counts["signups_anonymised"] == 0

    async with vol.db.read_sessions() as session:
        assert (await session.exec(select(Signup).where(col(Signup.person_id) == person.id))).all() == []
        assert (await session.exec(select(EfzRecord).where(col(EfzRecord.person_id) == person.id))).all() == []
        states = sorted((await session.exec(select(Signup.state).where(col(Signup.person_id).is_(None)))).all())
        audit_actors = (await session.exec(select(AuditEntry.actor))).all()
    assert states == ["cancelled_erasure"] * 4 + ["completed"] * 4
    assert str(person.id) not in audit_actors and pseudonym(person.id) in audit_actors

    # The places went to the waitlist; coordinators heard only that a sign-up was withdrawn.
    roster = (await vol.http.get(f"/shifts/{confirmed[0]['id']}/signups", headers=world.coordinator.headers)).json()
    assert [r["state"] for r in roster if r["state"] == "confirmed"] == ["confirmed"]
    assert len(await vol.notifications("signup_confirmed", others[0].id)) == 2
    withdrawn = await vol.notifications("signup_withdrawn", world.coordinator.id)
    assert len(withdrawn) == 2 and all("Helfer" not in n["body"] for n in withdrawn)
    assert len(await vol.events("volunteers.signup.cancelled.v1")) == 4
    assert all(e["person_id"] is None for e in await vol.events("volunteers.signup.cancelled.v1"))

    after = (await vol.http.get("/admin/statistics", headers=staff.headers)).json()
    assert after["minutes"] == before["minutes"] + 180 and after["completed_shifts"] == before["completed_shifts"] + 1
    assert (await vol.http.get("/me/profile", headers=person.headers)).status_code == 404
