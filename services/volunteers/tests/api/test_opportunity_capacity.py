"""A coordinator changes an ongoing commitment's places or a material donation's wanted total after
publishing (PATCH /opportunities/{id}), never below what is taken — also while people pledge at the same
moment over parallel connections (PostgreSQL; SQLite's one writer) — and nobody is told, as nobody's
commitment changes."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlmodel import col, select
from volunteers_testkit import Person, Volunteers, World, make_settings, start_volunteers

from platformkit.audit import AuditEntry
from platformkit.testing.tokens import OidcIssuer
from volunteers.models import Commitment, Opportunity

READING = {"kind": "ongoing", "title": "Lesepate in der Grundschule", "capacity": 2}
JACKETS = {"kind": "material", "title": "Winterjacken für die Kleiderkammer", "capacity": 30, "unit": "Jacken"}
HOLDING = ("requested", "confirmed")


async def respond(vol: Volunteers, world: World, who: Person, **body: Any) -> httpx.Response:
    headers = {**who.headers, "Idempotency-Key": uuid.uuid4().hex}
    return await vol.http.post(f"/opportunities/{world.opportunity_id}/commitments", json=body, headers=headers)


async def change(vol: Volunteers, world: World, who: Person | None = None, **body: Any) -> httpx.Response:
    return await vol.http.patch(f"/opportunities/{world.opportunity_id}", json=body,
                                headers=(who or world.coordinator).headers)


async def test_places_change_after_publishing_but_never_below_what_is_taken(vol: Volunteers) -> None:
    world = await vol.world(**READING)
    anna, ben, cem = [await vol.profile() for _ in range(3)]
    assert (await respond(vol, world, anna)).status_code == 201
    assert (await respond(vol, world, ben)).status_code == 201
    told_before = len(await vol.notifications())

    below = await change(vol, world, capacity=1)
    assert below.status_code == 409 and below.headers["content-type"].startswith("application/problem+json")
    assert below.json()["code"] == "CAPACITY_BELOW_TAKEN" and below.json()["taken"] == 2
    assert [e["field"] for e in below.json()["errors"]] == ["body.capacity"]
    assert (await respond(vol, world, cem)).json()["code"] == "OPPORTUNITY_FULL"

    more = await change(vol, world, capacity=3)
    assert more.status_code == 200, more.text
    assert (more.json()["capacity"], more.json()["taken"], more.json()["still_open"]) == (3, 2, 1)
    assert (await respond(vol, world, cem)).status_code == 201
    exactly = await change(vol, world, capacity=3)
    assert exactly.status_code == 200 and exactly.json()["still_open"] == 0
    opened = await change(vol, world, capacity=None)
    assert opened.status_code == 200 and opened.json()["capacity"] is None and opened.json()["still_open"] is None
    untouched = await change(vol, world)
    assert untouched.status_code == 200 and untouched.json()["capacity"] is None

    # Nobody's commitment changed: nobody is told (the coordinators only about cem's new interest).
    told = await vol.notifications()
    assert [n["kind"] for n in told[told_before:]] == ["volunteers.commitment_requested",
                                                       "volunteers.commitment_to_confirm"]
    async with vol.db.read_sessions() as session:
        changes = (await session.exec(select(AuditEntry).where(
            col(AuditEntry.action) == "opportunity.capacity_changed"))).all()
    assert [c.details["capacity_before"] for c in changes] == [2, 3, 3]


async def test_a_capacity_that_does_not_fit_is_a_problem_with_the_field(vol: Volunteers) -> None:
    jackets = await vol.world(**JACKETS)
    shifts = await vol.world()
    gone = await change(vol, jackets, capacity=None)
    assert gone.status_code == 422 and gone.json()["code"] == "QUANTITY_WANTED_REQUIRED"
    assert [e["field"] for e in gone.json()["errors"]] == ["body.capacity"]
    zero = await change(vol, jackets, capacity=0)
    assert zero.status_code == 422 and [e["field"] for e in zero.json()["errors"]] == ["body.capacity"]
    unknown = await change(vol, jackets, capacity=10, title="Andere")
    assert unknown.status_code == 422
    not_here = await change(vol, shifts, capacity=5)
    assert not_here.status_code == 422 and not_here.json()["code"] == "CAPACITY_NOT_FOR_KIND"
    # Another organisation's opportunity is 404 to a stranger, 401 without a token.
    stranger = await change(vol, jackets, vol.person(), capacity=10)
    assert stranger.status_code == 404 and stranger.json()["code"] == "OPPORTUNITY_NOT_FOUND"
    assert (await vol.http.patch(f"/opportunities/{jackets.opportunity_id}", json={"capacity": 10})
            ).status_code == 401
    assert (await change(vol, jackets, capacity=12)).json()["capacity"] == 12


PLEDGERS = 24
LOWER_TO = (26, 22, 18, 14, 10, 6)


@pytest.fixture
async def wide(database_url: str, oidc_issuer: OidcIssuer) -> AsyncIterator[Volunteers]:
    """A connection for each pledger and the coordinator, and one for the watcher."""
    settings = make_settings(database_url, oidc_issuer, database_pool_size=PLEDGERS // 2 + 4)
    async with start_volunteers(settings, oidc_issuer) as running:
        yield running


async def test_lowering_the_total_while_people_pledge_never_leaves_more_taken_than_wanted(wide: Volunteers) -> None:
    vol = wide
    world = await vol.world(**JACKETS)  # 30 wanted
    people = [await vol.profile() for _ in range(PLEDGERS)]
    opportunity_id = uuid.UUID(world.opportunity_id)
    seen: list[tuple[int | None, int]] = []
    stop = asyncio.Event()

    async def watch() -> None:
        while not stop.is_set():
            async with vol.db.read_sessions() as session:
                seen.append(tuple((await session.exec(select(Opportunity.capacity, Opportunity.taken).where(
                    col(Opportunity.id) == opportunity_id))).one()))
            await asyncio.sleep(0.002)

    # Some pledges are in before the race (8 taken), so that the lowest totals must be refused whatever the
    # order the one SQLite writer takes the rest in.
    early = [await respond(vol, world, p, quantity=2) for p in people[:4]]
    assert [r.status_code for r in early] == [201] * 4
    watcher = asyncio.create_task(watch())
    responses = await asyncio.gather(*(respond(vol, world, p, quantity=2) for p in people[4:]),
                                     *(change(vol, world, capacity=total) for total in LOWER_TO))
    stop.set()
    await watcher
    pledges, lowerings = early + responses[:PLEDGERS - 4], responses[PLEDGERS - 4:]
    assert {r.status_code for r in pledges} <= {201, 409} and {r.status_code for r in lowerings} <= {200, 409}
    for total, lowering in zip(LOWER_TO, lowerings, strict=True):
        if lowering.status_code == 409:
            # Refused only when more than that was taken at that moment.
            assert lowering.json()["code"] == "CAPACITY_BELOW_TAKEN" and lowering.json()["taken"] > total
    async with vol.db.read_sessions() as session:
        capacity, taken = (await session.exec(select(Opportunity.capacity, Opportunity.taken).where(
            col(Opportunity.id) == opportunity_id))).one()
        held = (await session.exec(select(Commitment.quantity).where(
            col(Commitment.opportunity_id) == opportunity_id, col(Commitment.state).in_(HOLDING)))).all()
    assert capacity is not None and 8 <= taken <= capacity
    assert [r.status_code for r in lowerings][-1] == 409  # 6: never below the 8 taken early
    assert taken == sum(held) == 2 * [r.status_code for r in pledges].count(201)
    assert seen and all(c is not None and t <= c for c, t in seen)
