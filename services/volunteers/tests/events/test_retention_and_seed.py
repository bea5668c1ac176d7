"""Archiving inactive profiles (warned first, archived only after the warning had its time), and the demo
seed (twice changes nothing; only verified organisations are public)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func
from sqlmodel import col, select
from volunteers_testkit import Volunteers, soon

from platformkit.db import utcnow
from volunteers.crud import retention
from volunteers.models import HelpRequest, Opportunity, Organisation, Shift, Signup, Volunteer
from volunteers.seed import seed_demo


async def test_an_inactive_profile_is_warned_then_archived(vol: Volunteers) -> None:
    world = await vol.world()
    shift = await vol.shift(world, start=soon(5))
    sleepy, active = await vol.profile(visible_to_orgs=True), await vol.profile(visible_to_orgs=True)
    await vol.sign_up(shift["id"], sleepy)
    blankets = await vol.world(kind="material", title="Decken", capacity=10, unit="Decken")
    pledged = await vol.http.post(f"/opportunities/{blankets.opportunity_id}/commitments", json={"quantity": 2},
                                  headers={**sleepy.headers, "Idempotency-Key": "blankets"})
    assert pledged.json()["state"] == "confirmed"
    days = vol.settings.archive_after_days
    later = utcnow() + timedelta(days=days - 20)  # inside the warning period for both
    async with vol.db.transaction() as session:
        active_row = await session.get(Volunteer, active.id)
        assert active_row is not None
        active_row.last_active_at = later - timedelta(days=1)  # active recently, as seen from `later`
        session.add(active_row)
    async with vol.db.transaction() as session:
        counts = await retention.archive_inactive(session, vol.settings, later)
    assert counts == {"warned": 1, "archived": 0}
    assert len(await vol.notifications("archive_warning", sleepy.id)) == 1
    async with vol.db.transaction() as session:  # too early: the warning has not had its 30 days
        assert await retention.archive_inactive(session, vol.settings, later + timedelta(days=21)) == {
            "warned": 0, "archived": 0}
    async with vol.db.transaction() as session:
        assert await retention.archive_inactive(session, vol.settings, later + timedelta(days=31)) == {
            "warned": 0, "archived": 1}
    profile = (await vol.http.get("/me/profile", headers=sleepy.headers)).json()
    assert profile["visible_to_orgs"] is False and profile["contact_email"] is None
    async with vol.db.read_sessions() as session:
        states = (await session.exec(select(Signup.state).where(col(Signup.person_id) == sleepy.id))).all()
    assert states == ["cancelled_by_volunteer"]
    # The pledge ended too, and its blankets are wanted again.
    assert (await vol.http.get("/me/commitments", headers=sleepy.headers)).json()[0]["state"] == (
        "cancelled_by_volunteer")
    assert (await vol.http.get(f"/opportunities/{blankets.opportunity_id}", headers=active.headers)).json()[
        "still_open"] == 10
    revived = await vol.http.put("/me/profile", headers=sleepy.headers, json={
        "display_name": "Wieder da", "birth_year": 1980, "visible_to_orgs": True})
    assert revived.status_code == 200 and revived.json()["visible_to_orgs"] is True



async def test_the_demo_seed_twice_changes_nothing(vol: Volunteers) -> None:
    await seed_demo(vol.db, vol.settings)

    async def counts() -> tuple[int, ...]:
        async with vol.db.read_sessions() as session:
            return tuple([(await session.exec(select(func.count()).select_from(model))).one()
                          for model in (Organisation, Opportunity, Shift, Volunteer, HelpRequest)])

    first = await counts()
    await seed_demo(vol.db, vol.settings)
    assert await counts() == first
    assert first[0] == 4 and first[2] >= 8 and first[4] == 3
    public = (await vol.http.get("/opportunities")).json()
    assert {o["organisation"] for o in public} == {"Prenzlauer Tafel e.V.", "Ev. Kirchengemeinde Angermünde",
                                                   "Förderverein Feuerwehr Gramzow e.V."}
    assert len((await vol.http.get("/map")).json()) >= 3
