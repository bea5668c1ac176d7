"""Scenarios 7 and 9: late cancellation with waitlist promotion (given far ahead, offered close to the
start, never after it), and a shift moved or cancelled after sign-ups (only the people concerned are told,
once; reminders and the calendar follow the new version)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from volunteers_testkit import Person, Volunteers, soon

from platformkit.auth import Principal
from platformkit.db import utcnow
from volunteers.crud import signups
from volunteers.models import Signup


def calendar_entries(feed: str) -> dict[str, dict[str, str]]:
    """The feed's VEVENTs by UID, each as its properties (unfolded lines are enough for these)."""
    found: dict[str, dict[str, str]] = {}
    event: dict[str, str] = {}
    for line in feed.split("\r\n"):
        key, _, value = line.partition(":")
        if line == "BEGIN:VEVENT":
            event = {}
        elif line == "END:VEVENT":
            found[event["UID"]] = event
        else:
            event[key] = value
    return found


BERLIN = ZoneInfo("Europe/Berlin")


async def states(vol: Volunteers, shift_id: str) -> dict[uuid.UUID, str]:
    async with vol.db.read_sessions() as session:
        rows = (await session.exec(select(Signup.person_id, Signup.state).where(
            col(Signup.shift_id) == uuid.UUID(shift_id)))).all()
    return {person: state for person, state in rows if person is not None}


async def test_late_cancellations_offer_the_places_and_nobody_moves_up_twice(vol: Volunteers) -> None:
    world = await vol.world()
    start = utcnow().replace(microsecond=0) + timedelta(hours=26, minutes=5)
    shift = await vol.shift(world, start=start, capacity=3)
    a, b, c = [await vol.profile() for _ in range(3)]
    waiting = [await vol.profile() for _ in range(4)]
    for person in (a, b, c, *waiting):
        assert (await vol.sign_up(shift["id"], person)).status_code == 201

    # A cancels 26 h ahead: rank 1 simply gets the place and is told.
    cancelled = await vol.http.post(f"/signups/{await mine(vol, a)}/cancel", headers=a.headers)
    assert cancelled.json()["state"] == "cancelled_by_volunteer" and not cancelled.json()["late_cancel"]
    assert (await states(vol, shift["id"]))[waiting[0].id] == "confirmed"
    assert len(await vol.notifications("signup_confirmed", waiting[0].id)) == 1

    # B and C cancel at the same moment, 2 h before the start (called with that time).
    two_hours_before = start - timedelta(hours=2)

    async def cancel(person_id: uuid.UUID) -> Signup:
        async with vol.db.transaction() as session:
            return await signups.cancel_by_volunteer(
                session, settings=vol.settings, signup_id=await mine(vol, person_id), person_id=person_id,
                by=Principal(sub=str(person_id)), now=two_hours_before)

    cancelled_b, cancelled_c = await asyncio.gather(cancel(b.id), cancel(c.id))
    assert cancelled_b.late_cancel and cancelled_c.late_cancel
    assert len(await vol.notifications("late_cancel", world.coordinator.id)) == 2
    now_states = await states(vol, shift["id"])
    assert [now_states[p.id] for p in waiting] == ["confirmed", "offered", "offered", "waitlisted"]
    async with vol.db.read_sessions() as session:
        offers = (await session.exec(select(Signup.offer_expires_at).where(col(Signup.state) == "offered"))).all()
    assert offers == [two_hours_before + timedelta(minutes=30)] * 2

    # Rank 2 declines: rank 4 is offered the place. (At the decline's time the offer stands.)
    async with vol.db.transaction() as session:
        await signups.lapse_offer(session, vol.settings.promotion, await mine(vol, waiting[1].id),
                                  two_hours_before + timedelta(minutes=10), by=None)
    assert (await states(vol, shift["id"]))[waiting[3].id] == "offered"
    # Rank 3's offer runs out only after the start: the place goes to nobody.
    async with vol.db.transaction() as session:
        await signups.lapse_due(session, vol.settings, start + timedelta(minutes=1))
    final = await states(vol, shift["id"])
    assert [final[p.id] for p in waiting] == ["confirmed", "offer_lapsed", "offer_lapsed", "offer_lapsed"]
    promoted = [n for p in waiting for n in await vol.notifications("signup_confirmed", p.id)]
    assert len(promoted) == 1

    # The day before: a reminder for the confirmed, none for those who cancelled.
    async with vol.db.transaction() as session:
        await signups.send_reminders(session, vol.settings, start - timedelta(hours=23))
    assert len(await vol.notifications("reminder", waiting[0].id)) == 1
    assert await vol.notifications("reminder", a.id) == []


async def states_of(vol: Volunteers, person_id: uuid.UUID) -> list[str]:
    async with vol.db.read_sessions() as session:
        return list((await session.exec(select(Signup.state).where(col(Signup.person_id) == person_id))).all())


async def mine(vol: Volunteers, who: object) -> uuid.UUID:
    person_id = who if isinstance(who, uuid.UUID) else who.id  # type: ignore[attr-defined]
    async with vol.db.read_sessions() as session:
        return (await session.exec(select(Signup.id).where(col(Signup.person_id) == person_id))).one()


async def test_offers_are_accepted_through_the_api(vol: Volunteers) -> None:
    world = await vol.world()
    start = utcnow().replace(microsecond=0) + timedelta(hours=3, minutes=10)
    shift = await vol.shift(world, start=start, capacity=1)
    holder, waiting = await vol.profile(), await vol.profile()
    await vol.sign_up(shift["id"], holder)
    await vol.sign_up(shift["id"], waiting)
    late = await vol.http.post(f"/signups/{await mine(vol, holder)}/cancel", headers=holder.headers)
    assert late.json()["late_cancel"] is False  # before the 3 h deadline
    signup_id = await mine(vol, waiting)
    feed_path = (await vol.http.post("/me/calendar-link", headers=waiting.headers)).json()["path"].removeprefix(
        "/api/volunteers")
    [offered] = calendar_entries((await vol.http.get(feed_path)).text).values()
    assert offered["STATUS"] == "TENTATIVE"  # a place offered, not yet taken
    accepted = await vol.http.post(f"/signups/{signup_id}/offer", json={"accept": True}, headers=waiting.headers)
    assert accepted.status_code == 200 and accepted.json()["state"] == "confirmed"
    [taken] = calendar_entries((await vol.http.get(feed_path)).text).values()
    assert taken["STATUS"] == "CONFIRMED" and int(taken["SEQUENCE"]) > int(offered["SEQUENCE"])
    again = await vol.http.post(f"/signups/{signup_id}/offer", json={"accept": True}, headers=waiting.headers)
    assert again.status_code == 409 and again.json()["code"] == "NO_OPEN_OFFER"
    foreign = await vol.http.post(f"/signups/{signup_id}/cancel", headers=holder.headers)
    assert foreign.status_code == 404


async def test_moving_and_cancelling_a_shift_tells_only_the_people_on_it(vol: Volunteers) -> None:
    world = await vol.world()
    shift = await vol.shift(world, start=soon(4, hour=10), capacity=1)
    confirmed, waitlisted = await vol.profile(), await vol.profile()
    await vol.sign_up(shift["id"], confirmed)
    await vol.sign_up(shift["id"], waitlisted)
    link = (await vol.http.post("/me/calendar-link", headers=confirmed.headers)).json()["path"]
    assert link.startswith("/api/volunteers/calendar/")
    feed_path = link.removeprefix("/api/volunteers")
    before = (await vol.http.get(feed_path)).text
    [uid] = calendar_entries(before)

    def sequence_of(feed: str) -> int:
        return int(calendar_entries(feed)[uid]["SEQUENCE"])

    first = sequence_of(before)
    headers = world.coordinator.headers

    nudged = await vol.http.patch(f"/shifts/{shift['id']}", headers=headers,
                                  json={"start": soon(4, hour=10).replace(minute=3).isoformat()})
    assert nudged.json()["version"] == 1
    assert await vol.notifications("shift_changed") == []  # too small a move to tell anyone ...
    after_nudge = (await vol.http.get(feed_path)).text
    assert sequence_of(after_nudge) == first + 1  # ... but the calendar shows the new time
    nudged_start = soon(4, hour=10).replace(minute=3, tzinfo=BERLIN).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    assert calendar_entries(after_nudge)[uid]["DTSTART"] == nudged_start

    # The confirmed volunteer has another shift at 14:00: the move now collides, and they are told so.
    other = await vol.shift(await vol.world(), start=soon(4, hour=14), capacity=2)
    assert (await vol.sign_up(other["id"], confirmed)).status_code == 201
    moved = await vol.http.patch(f"/shifts/{shift['id']}", headers=headers, json={
        "start": soon(4, hour=12).isoformat(), "end": soon(4, hour=15).isoformat()})
    assert moved.json()["version"] == 2 and moved.json()["local_time"] == "12:00 – 15:00"
    changed = await vol.notifications("shift_changed")
    assert [n["person_id"] for n in changed] == [str(confirmed.id)]
    assert "anderen Einsatz" in changed[0]["body"]
    assert (await states_of(vol, confirmed.id)) == ["confirmed", "confirmed"]  # nobody taken off
    after = (await vol.http.get(feed_path)).text
    assert sequence_of(after) == first + 2

    assert (await vol.http.delete(f"/shifts/{shift['id']}", headers=headers)).status_code == 204
    told = await vol.notifications("shift_cancelled")
    assert sorted(n["person_id"] for n in told) == sorted([str(confirmed.id), str(waitlisted.id)])
    assert "Warteliste" in next(n for n in told if n["person_id"] == str(waitlisted.id))["body"]
    cancelled = (await vol.http.get(feed_path)).text
    assert calendar_entries(cancelled)[uid]["STATUS"] == "CANCELLED"
    assert sequence_of(cancelled) > first + 2  # cancelled: a change calendar apps must not skip

    # The link can be revoked.
    assert (await vol.http.delete("/me/calendar-link", headers=confirmed.headers)).status_code == 204
    assert (await vol.http.get(feed_path)).status_code == 404


async def test_a_volunteer_who_cancels_sees_the_entry_cancelled_with_a_higher_sequence(vol: Volunteers) -> None:
    world = await vol.world()
    shift = await vol.shift(world, start=soon(5, hour=9), capacity=2)
    person = await vol.profile()
    await vol.sign_up(shift["id"], person)
    feed_path = (await vol.http.post("/me/calendar-link", headers=person.headers)).json()["path"].removeprefix(
        "/api/volunteers")
    [(uid, before)] = calendar_entries((await vol.http.get(feed_path)).text).items()
    assert before["STATUS"] == "CONFIRMED" and before["LAST-MODIFIED"] <= before["DTSTAMP"]
    cancelled = await vol.http.post(f"/signups/{await mine(vol, person)}/cancel", headers=person.headers)
    assert cancelled.status_code == 200
    after = calendar_entries((await vol.http.get(feed_path)).text)[uid]
    assert after["STATUS"] == "CANCELLED" and int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    assert after["LAST-MODIFIED"] >= before["LAST-MODIFIED"]


async def test_cancelling_a_shift_nobody_signed_up_for_tells_nobody(vol: Volunteers) -> None:
    world = await vol.world()
    shift = await vol.shift(world, start=soon(4))
    assert (await vol.http.delete(f"/shifts/{shift['id']}", headers=world.coordinator.headers)).status_code == 204
    assert await vol.notifications("shift_cancelled") == []


async def test_promotion_passes_over_someone_who_meanwhile_took_a_place_at_the_same_time(vol: Volunteers) -> None:
    world = await vol.world()
    start = soon(days=5)
    wanted = await vol.shift(world, start=start, capacity=1)
    elsewhere = await vol.shift(world, start=start + timedelta(hours=1), capacity=1)
    holder, busy, free = await vol.profile(), await vol.profile(), await vol.profile()
    for person in (holder, busy, free):
        assert (await vol.sign_up(wanted["id"], person)).status_code == 201
    # A waitlist entry holds no place: taking one at the same time elsewhere is allowed.
    assert (await vol.sign_up(elsewhere["id"], busy)).json()["state"] == "confirmed"

    async def cancel(person: Person, shift: dict[str, Any]) -> None:
        async with vol.db.read_sessions() as session:
            signup_id = (await session.exec(select(Signup.id).where(
                col(Signup.person_id) == person.id, col(Signup.shift_id) == uuid.UUID(shift["id"])))).one()
        answer = await vol.http.post(f"/signups/{signup_id}/cancel", headers=person.headers)
        assert answer.status_code == 200, answer.text

    await cancel(holder, wanted)
    after = await states(vol, wanted["id"])
    assert (after[busy.id], after[free.id]) == ("waitlisted", "confirmed")  # rank 1 passed over, not booked twice
    assert len(await vol.notifications("signup_confirmed", busy.id)) == 1  # for the other shift only
    # Once the other place is given up, rank 1 moves up when a place is free again.
    await cancel(busy, elsewhere)
    await cancel(free, wanted)
    assert (await states(vol, wanted["id"]))[busy.id] == "confirmed"
    assert len(await vol.notifications("signup_confirmed", busy.id)) == 2
