"""Scenario 12 (a–c): the check-in window, completion with the shift's real time, no-shows, the
coordinator's correction (audited), and approval after two no-shows."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlmodel import col, select
from volunteers_testkit import Volunteers, soon

from platformkit.audit import AuditEntry
from platformkit.auth import Principal
from platformkit.db import utcnow
from volunteers.crud import signups
from volunteers.models import Shift, Signup


async def signup_id(vol: Volunteers, shift_id: str, person_id: uuid.UUID) -> uuid.UUID:
    async with vol.db.read_sessions() as session:
        return (await session.exec(select(Signup.id).where(col(Signup.shift_id) == uuid.UUID(shift_id),
                                                           col(Signup.person_id) == person_id))).one()


async def test_check_in_completion_and_no_show(vol: Volunteers) -> None:
    world = await vol.world()
    start = utcnow().replace(microsecond=0) + timedelta(minutes=45)
    shift = await vol.shift(world, start=start, hours=3, capacity=3)
    early, present, absent = await vol.profile(), await vol.profile(), await vol.profile()
    for person in (early, present, absent):
        await vol.sign_up(shift["id"], person)

    too_early = await vol.http.post(f"/signups/{await signup_id(vol, shift['id'], early.id)}/check-in",
                                    headers=early.headers)
    assert too_early.status_code == 409 and too_early.json()["code"] == "CHECK_IN_CLOSED"

    present_signup = await signup_id(vol, shift["id"], present.id)
    async with vol.db.transaction() as session:
        signup = await signups.get_signup(session, present_signup)
        assert signup is not None
        checked = await signups.check_in(session, settings=vol.settings, signup=signup,
                                         by=Principal(sub=str(present.id)), now=start + timedelta(minutes=10))
    assert checked.state == "checked_in"

    async with vol.db.transaction() as session:
        await signups.close_ended(session, vol.settings, start + timedelta(hours=3, minutes=20))  # within grace
    async with vol.db.transaction() as session:
        await signups.close_ended(session, vol.settings, start + timedelta(hours=3, minutes=31))
    roster = {r["signup_id"]: r for r in (await vol.http.get(f"/shifts/{shift['id']}/signups",
                                                             headers=world.coordinator.headers)).json()}
    assert roster[str(present_signup)]["state"] == "completed"
    assert roster[str(present_signup)]["minutes_credited"] == 180
    absent_signup = str(await signup_id(vol, shift["id"], absent.id))
    assert roster[absent_signup]["state"] == "no_show"
    assert (await vol.http.get("/me/hours", headers=present.headers)).json() == {"completed_shifts": 1,
                                                                                 "minutes": 180}

    # The coordinator corrects: the no-show was there after all (audited, with before and after).
    fixed = await vol.http.put(f"/signups/{absent_signup}/minutes", json={"minutes": 120},
                               headers=world.coordinator.headers)
    assert fixed.json()["state"] == "completed" and fixed.json()["minutes_credited"] == 120
    async with vol.db.read_sessions() as session:
        entry = (await session.exec(select(AuditEntry).where(col(AuditEntry.subject_id) == absent_signup,
                                                             col(AuditEntry.action) == "signup.minutes_set"))).one()
    assert entry.actor == str(world.coordinator.id) and entry.details["after"] == 120
    assert (await vol.http.put(f"/signups/{absent_signup}/minutes", json={"minutes": 120},
                               headers=absent.headers)).status_code == 404


async def test_after_two_no_shows_the_organisation_confirms_new_sign_ups(vol: Volunteers) -> None:
    world = await vol.world()
    helper = await vol.profile()
    for hours_ahead in (1, 5):
        start = utcnow().replace(microsecond=0) + timedelta(hours=hours_ahead)
        shift = await vol.shift(world, start=start, hours=1)
        assert (await vol.sign_up(shift["id"], helper)).json()["state"] == "confirmed"
        async with vol.db.transaction() as session:
            await signups.close_ended(session, vol.settings, start + timedelta(hours=2))
    assert (await vol.http.get("/me/profile", headers=helper.headers)).json()["no_show_count"] == 2
    next_shift = await vol.shift(world, start=soon(4))
    answer = await vol.sign_up(next_shift["id"], helper)
    assert answer.json()["state"] == "requested"
    told = await vol.notifications("signup_requested", helper.id)
    assert len(told) == 1 and "nicht erschienen" in told[0]["body"]


async def test_coordinators_find_the_shifts_that_ended_to_correct_their_hours(vol: Volunteers) -> None:
    """After a shift it leaves the upcoming list; `ended=true` gives the organisation's members the shifts that
    ended within the contact-release days (latest first), so hours and no-shows can still be corrected."""
    world = await vol.world()
    shifts = [await vol.shift(world, start=soon(days)) for days in (2, 3, 4)]
    now = utcnow()
    # Two of them happened (yesterday, and longer ago than the release days); the shift's times are moved back.
    async with vol.db.transaction() as session:
        for shift, days_ago in ((shifts[0], 1), (shifts[1], vol.settings.contact_release_days + 2)):
            row = await session.get(Shift, uuid.UUID(shift["id"]))
            assert row is not None
            row.start_at, row.end_at = now - timedelta(days=days_ago, hours=3), now - timedelta(days=days_ago)
            session.add(row)
    path = f"/opportunities/{world.opportunity_id}/shifts"
    upcoming = (await vol.http.get(path, headers=world.coordinator.headers)).json()
    assert [s["id"] for s in upcoming] == [shifts[2]["id"]]
    ended = await vol.http.get(path, params={"ended": "true"}, headers=world.coordinator.headers)
    assert ended.status_code == 200 and [s["id"] for s in ended.json()] == [shifts[0]["id"]]
    # Anyone else: the public upcoming list, and nothing that ended.
    someone = vol.person()
    assert [s["id"] for s in (await vol.http.get(path, headers=someone.headers)).json()] == [shifts[2]["id"]]
    assert (await vol.http.get(path, params={"ended": "true"}, headers=someone.headers)).json() == []
