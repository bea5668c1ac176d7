"""Scenarios 1, 2 and 8 (research/volunteers.md 6): the place is a database invariant under real
concurrency (PostgreSQL: parallel connections; SQLite: the one writer), the waitlist hands out ranks in
commit order, one person's overlapping sign-ups cannot both win, capacity changes cancel nobody."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlmodel import col, select
from volunteers_testkit import DEDELOW, SCHWEDT, Person, Volunteers, make_settings, soon, start_volunteers

from platformkit.testing.tokens import OidcIssuer
from volunteers.crud import seats
from volunteers.models import Shift, Signup

STAMPEDE = 40


async def watch_seats(vol: Volunteers, shift_id: str, seen: list[int], stop: asyncio.Event) -> None:
    while not stop.is_set():
        async with vol.db.read_sessions() as session:
            seen.append((await session.exec(select(Shift.seats_taken).where(
                col(Shift.id) == uuid.UUID(shift_id)))).one())
        await asyncio.sleep(0.005)


async def stampede(vol: Volunteers, shift_id: str, people: list[Person]) -> tuple[list[int], list[int]]:
    seen: list[int] = []
    stop = asyncio.Event()
    watcher = asyncio.create_task(watch_seats(vol, shift_id, seen, stop))
    responses = await asyncio.gather(*(vol.sign_up(shift_id, p) for p in people))
    stop.set()
    await watcher
    return [r.status_code for r in responses], seen


@pytest.fixture
async def wide(database_url: str, oidc_issuer: OidcIssuer) -> AsyncIterator[Volunteers]:
    """The service with a connection for each of the 40 and one for the watcher, which reads through the
    same engine on PostgreSQL (21 + 21 overflow, well under its limit of 100), so that the race is between
    database connections, not a queue for the pool (a loaded machine made the watcher wait out the pool's
    5 s timeout with exactly 40)."""
    settings = make_settings(database_url, oidc_issuer, database_pool_size=STAMPEDE // 2 + 1)
    async with start_volunteers(settings, oidc_issuer) as running:
        yield running


@pytest.mark.parametrize("waitlist", [True, False], ids=["waitlist", "no-waitlist"])
async def test_forty_people_race_for_five_places(wide: Volunteers, waitlist: bool) -> None:
    vol = wide
    world = await vol.world()
    shift = await vol.shift(world, start=soon(5), capacity=5, waitlist_enabled=waitlist)
    people = [await vol.profile() for _ in range(STAMPEDE)]
    statuses, seen = await stampede(vol, shift["id"], people)

    async with vol.db.read_sessions() as session:
        rows = (await session.exec(select(Signup).where(col(Signup.shift_id) == uuid.UUID(shift["id"]))
                                   .order_by(col(Signup.waitlist_rank)))).all()
        taken = (await session.exec(select(Shift.seats_taken).where(col(Shift.id) == uuid.UUID(shift["id"])))).one()
    confirmed = [r for r in rows if r.state == "confirmed"]
    waitlisted = [r for r in rows if r.state == "waitlisted"]
    assert len(confirmed) == 5 and taken == 5
    assert max(seen) <= 5
    assert statuses.count(201) == (STAMPEDE if waitlist else 5)
    if waitlist:
        assert [r.waitlist_rank for r in waitlisted] == list(range(1, STAMPEDE - 4))
        # Commit order: each transaction holds the shift row from taking its rank to its commit, so the
        # notifications it writes on the way land in the outbox in rank order.
        told = await vol.notifications("signup_waitlisted")
        assert [int(re.search(r"Platz (\d+)", n["body"]).group(1)) for n in told] == list(range(1, STAMPEDE - 4))
    else:
        assert statuses.count(409) == STAMPEDE - 5 and waitlisted == []
        assert len(rows) == 5
    assert len(await vol.notifications("signup_confirmed")) == 5
    assert len(await vol.events("volunteers.signup.confirmed.v1")) == 5


async def test_a_shift_read_as_full_still_gives_a_freed_seat_before_a_rank(vol: Volunteers) -> None:
    """A sign-up that read the shift as full tries for a rank first (seats.take_place), but only while the
    shift is still full: a seat freed since its read is taken, nobody waits beside a free seat."""
    world = await vol.world()
    shift_id = uuid.UUID((await vol.shift(world, start=soon(5), capacity=1))["id"])
    async with vol.db.transaction() as session:
        stale = await seats.take_place(session, shift_id, looked_full=True)
        exact = await seats.take_place(session, shift_id, looked_full=True)
        guessed_free = await seats.take_place(session, shift_id, looked_full=False)
    assert stale == seats.Place(seat=True)
    assert exact == seats.Place(seat=False, rank=1) and guessed_free == seats.Place(seat=False, rank=2)
    async with vol.db.read_sessions() as session:
        shift = (await session.exec(select(Shift).where(col(Shift.id) == shift_id))).one()
    assert (shift.seats_taken, shift.waitlist_count, shift.waitlist_last_rank) == (1, 2, 2)


async def test_one_person_from_two_devices_gets_one_signup(vol: Volunteers) -> None:
    world = await vol.world()
    shift = await vol.shift(world, start=soon(5), capacity=5)
    helper = await vol.profile()
    first, second = await asyncio.gather(vol.sign_up(shift["id"], helper), vol.sign_up(shift["id"], helper))
    assert sorted([first.status_code, second.status_code]) == [200, 201]
    assert first.json()["id"] == second.json()["id"]
    # The same Idempotency-Key again replays the first answer.
    again = await vol.sign_up(shift["id"], helper, key="same")
    replay = await vol.sign_up(shift["id"], helper, key="same")
    assert replay.headers.get("Idempotent-Replayed") == "true" and replay.json() == again.json()
    async with vol.db.read_sessions() as session:
        assert len((await session.exec(select(Signup).where(col(Signup.person_id) == helper.id))).all()) == 1
    shown = (await vol.http.get(f"/shifts/{shift['id']}", headers=helper.headers)).json()
    assert shown["seats_taken"] == 1


async def test_overlapping_shifts_of_one_person(vol: Volunteers) -> None:
    world = await vol.world()
    other_site = await vol.world(village_id=SCHWEDT)
    day = soon(6, hour=10)
    morning = await vol.shift(world, start=day, hours=4)  # 10:00-14:00 Prenzlau
    overlapping = await vol.shift(world, start=day.replace(hour=13, minute=30), hours=2.5)
    afterwards_far = await vol.shift(other_site, start=day.replace(hour=14), hours=2)  # 14:00 in Schwedt, 43 km
    evening = await vol.shift(world, start=day.replace(hour=18), hours=2)
    helper = await vol.profile()
    assert (await vol.sign_up(morning["id"], helper)).status_code == 201

    refused = await vol.sign_up(overlapping["id"], helper)
    assert refused.status_code == 409 and refused.json()["code"] == "SHIFT_OVERLAP"
    assert refused.json()["conflicting_shifts"] == [morning["id"]]

    far = await vol.sign_up(afterwards_far["id"], helper)
    assert far.status_code == 201 and far.json()["warnings"] == [f"travel:{morning['id']}"]
    assert (await vol.sign_up(evening["id"], helper)).status_code == 201  # same day, no overlap


async def test_a_grace_lets_a_hand_over_through(vol: Volunteers) -> None:
    vol.app.state.settings = vol.settings.model_copy(update={"overlap_grace_minutes": 60})
    world = await vol.world()
    day = soon(6, hour=10)
    morning = await vol.shift(world, start=day, hours=4)
    hand_over = await vol.shift(world, start=day.replace(hour=13, minute=30), hours=2.5)
    helper = await vol.profile()
    assert (await vol.sign_up(morning["id"], helper)).status_code == 201
    accepted = await vol.sign_up(hand_over["id"], helper)
    assert accepted.status_code == 201 and accepted.json()["warnings"] == [f"overlap:{morning['id']}"]


async def test_two_overlapping_signups_raced_by_one_person(vol: Volunteers) -> None:
    world = await vol.world(village_id=DEDELOW)
    day = soon(7, hour=9)
    shifts = [await vol.shift(world, start=day.replace(hour=9 + i), hours=3) for i in range(4)]
    helper = await vol.profile()
    responses = await asyncio.gather(*(vol.sign_up(s["id"], helper) for s in shifts))
    assert sorted(r.status_code for r in responses).count(201) <= 2
    async with vol.db.read_sessions() as session:
        held = (await session.exec(select(Shift.start_at, Shift.end_at).join(
            Signup, col(Signup.shift_id) == col(Shift.id)).where(col(Signup.person_id) == helper.id))).all()
    held = sorted(held)
    assert all(a_end <= b_start for (_, a_end), (b_start, _) in zip(held, held[1:], strict=False))
    assert [r.json()["code"] for r in responses if r.status_code != 201] == ["SHIFT_OVERLAP"] * (4 - len(held))


async def test_capacity_down_flags_overbooking_capacity_up_promotes(vol: Volunteers) -> None:
    world = await vol.world()
    shift = await vol.shift(world, start=soon(5), capacity=5)
    people = [await vol.profile() for _ in range(7)]
    for person in people:
        assert (await vol.sign_up(shift["id"], person)).status_code == 201
    coordinator = world.coordinator.headers

    lowered = await vol.http.patch(f"/shifts/{shift['id']}", json={"capacity": 3}, headers=coordinator)
    assert lowered.status_code == 200
    assert lowered.json()["overbooked"] and lowered.json()["seats_taken"] == 5
    roster = (await vol.http.get(f"/shifts/{shift['id']}/signups", headers=coordinator)).json()
    assert [r["state"] for r in roster].count("confirmed") == 5  # nobody cancelled
    late = await vol.profile()
    assert (await vol.sign_up(shift["id"], late)).json()["state"] == "waitlisted"

    release = await vol.http.post(f"/signups/{roster[0]['signup_id']}/release", headers=coordinator)
    assert release.status_code == 200 and release.json()["state"] == "cancelled_by_org"
    assert len(await vol.notifications("signup_released", people[0].id)) == 1

    raised = await vol.http.patch(f"/shifts/{shift['id']}", json={"capacity": 8}, headers=coordinator)
    assert raised.json()["seats_taken"] == 7 and raised.json()["places_left"] == 1
    roster = (await vol.http.get(f"/shifts/{shift['id']}/signups", headers=coordinator)).json()
    assert sorted(r["state"] for r in roster).count("confirmed") == 7
    promoted = [p for p in (people[5], people[6], late)
                if await vol.notifications("signup_confirmed", p.id)]
    assert promoted == [people[5], people[6], late]

    too_low = await vol.http.patch(f"/shifts/{shift['id']}", json={"capacity": 0}, headers=coordinator)
    assert too_low.status_code == 422
