"""Taking part without shifts: an ongoing commitment takes an expression of interest that the organisation
confirms (contact data and arrangements only then), within its cap on places; a material donation takes
pledges against the wanted total, never over it — also when people pledge at the same moment (real
parallel connections on PostgreSQL, the one writer on SQLite). Cancelling, expiry, suspension and erasure
open the share again."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import col, select
from volunteers_testkit import DEDELOW, SCHWEDT, Person, Volunteers, World, make_settings, start_volunteers

from platformkit.db import utcnow
from platformkit.personal_data import erase_person
from platformkit.testing.tokens import OidcIssuer
from volunteers.crud import commitments
from volunteers.main import service
from volunteers.models import Commitment, Opportunity

READING = {"kind": "ongoing", "title": "Lesepate in der Grundschule", "description": "Jeden Dienstag, 14 Uhr.",
           "capacity": 2, "address": "Schulstraße 3", "arrangements": "Frau Krause ruft dich an."}
JACKETS = {"kind": "material", "title": "Winterjacken für die Kleiderkammer", "capacity": 30, "unit": "Jacken",
           "arrangements": "Abgabe im Gemeindehaus, dienstags 16–18 Uhr."}


async def respond(vol: Volunteers, world: World, who: Person, key: str | None = None,
                  **body: Any) -> httpx.Response:
    headers = {**who.headers, "Idempotency-Key": key or uuid.uuid4().hex}
    return await vol.http.post(f"/opportunities/{world.opportunity_id}/commitments", json=body, headers=headers)


async def listing(vol: Volunteers, world: World) -> list[dict[str, Any]]:
    response = await vol.http.get(f"/opportunities/{world.opportunity_id}/commitments",
                                  headers=world.coordinator.headers)
    assert response.status_code == 200, response.text
    return list(response.json())


async def opportunity(vol: Volunteers, world: World) -> dict[str, Any]:
    response = await vol.http.get(f"/opportunities/{world.opportunity_id}", headers=vol.person().headers)
    return dict(response.json())


async def test_an_ongoing_commitment_is_confirmed_by_the_organisation_within_its_places(vol: Volunteers) -> None:
    world = await vol.world(**READING)
    anna, ben, cem = [await vol.profile() for _ in range(3)]

    first = await respond(vol, world, anna, note="Ich kann dienstags.")
    assert first.status_code == 201, first.text
    mine = first.json()
    assert mine["state"] == "requested" and mine["arrangements"] is None and mine["address"] is None
    again = await respond(vol, world, anna)
    assert again.status_code == 200 and again.json()["id"] == mine["id"]
    assert (await respond(vol, world, ben)).json()["state"] == "requested"
    full = await respond(vol, world, cem)
    assert full.status_code == 409 and full.json()["code"] == "OPPORTUNITY_FULL"
    assert (await opportunity(vol, world))["still_open"] == 0

    # The organisation sees names and notes, no contact data before it confirms.
    entries = await listing(vol, world)
    assert [e["note"] for e in entries] == ["Ich kann dienstags.", None]
    assert all(e["contact_email"] is None and e["contact_phone"] is None for e in entries)
    assert len(await vol.notifications("commitment_to_confirm", world.coordinator.id)) == 2
    decided = await vol.http.post(f"/commitments/{mine['id']}/decision", json={"accept": True},
                                  headers=world.coordinator.headers)
    assert decided.status_code == 200, decided.text
    assert decided.json()["state"] == "confirmed" and "@" in decided.json()["contact_email"]
    own = (await vol.http.get("/me/commitments", headers=anna.headers)).json()
    assert own[0]["arrangements"] == "Frau Krause ruft dich an." and own[0]["address"] == "Schulstraße 3"
    assert len(await vol.notifications("commitment_confirmed", anna.id)) == 1
    assert [e["person_id"] for e in await vol.events("volunteers.commitment.confirmed.v1")] == [str(anna.id)]

    # Declining frees the place; someone else can take it.
    ben_id = next(e["commitment_id"] for e in await listing(vol, world) if e["state"] == "requested")
    assert (await vol.http.post(f"/commitments/{ben_id}/decision", json={"accept": False},
                                headers=world.coordinator.headers)).json()["state"] == "rejected"
    assert (await respond(vol, world, cem)).status_code == 201

    # Ending the commitment opens its place again; contact stays visible for a limited time only.
    ended = await vol.http.post(f"/commitments/{mine['id']}/complete", headers=world.coordinator.headers)
    assert ended.json()["state"] == "completed" and ended.json()["contact_email"] is not None
    assert (await opportunity(vol, world))["still_open"] == 1
    vol.app.state.settings = vol.settings.model_copy(update={"contact_release_days": -1})
    assert all(e["contact_email"] is None for e in await listing(vol, world))

    # Another organisation, and another person, get 404.
    other = await vol.world(**READING)
    assert (await vol.http.post(f"/commitments/{mine['id']}/decision", json={"accept": True},
                                headers=other.coordinator.headers)).status_code == 404
    assert (await vol.http.post(f"/commitments/{mine['id']}/cancel", headers=ben.headers)).status_code == 404
    assert (await vol.http.get(f"/opportunities/{world.opportunity_id}/commitments",
                               headers=other.coordinator.headers)).status_code == 404


async def test_pledges_count_against_the_wanted_total_and_can_be_withdrawn(vol: Volunteers) -> None:
    world = await vol.world(**JACKETS)
    anna, ben = await vol.profile(), await vol.profile()
    pledged = await respond(vol, world, anna, quantity=25, note="Größe M und L")
    assert pledged.status_code == 201 and pledged.json()["state"] == "confirmed"
    assert pledged.json()["arrangements"] == JACKETS["arrangements"]
    too_many = await respond(vol, world, ben, quantity=10)
    assert too_many.status_code == 409 and too_many.json()["code"] == "PLEDGE_EXCEEDS_NEED"
    assert too_many.json()["still_open"] == 5
    assert (await respond(vol, world, ben, quantity=5)).status_code == 201
    assert (await opportunity(vol, world))["still_open"] == 0
    assert len(await vol.notifications("pledge_received", world.coordinator.id)) == 2

    # Handed over: it stays counted. Withdrawn: it opens again, the coordinators are told.
    ben_id = next(e["commitment_id"] for e in await listing(vol, world) if e["quantity"] == 5)
    assert (await vol.http.post(f"/commitments/{pledged.json()['id']}/complete",
                                headers=world.coordinator.headers)).json()["state"] == "completed"
    cancelled = await vol.http.post(f"/commitments/{ben_id}/cancel", headers=ben.headers)
    assert cancelled.json()["state"] == "cancelled_by_volunteer"
    assert (await vol.http.post(f"/commitments/{ben_id}/cancel", headers=ben.headers)).status_code == 409
    facts = await opportunity(vol, world)
    assert facts["taken"] == 25 and facts["still_open"] == 5
    assert len(await vol.notifications("commitment_withdrawn", world.coordinator.id)) == 1
    assert [e["reason"] for e in await vol.events("volunteers.commitment.ended.v1")] == [
        "completed", "cancelled_by_volunteer"]


async def test_bad_input_is_a_problem_not_a_crash(vol: Volunteers) -> None:
    organisation_id, admin = await vol.organisation()
    no_total = await vol.http.post(f"/organisations/{organisation_id}/opportunities", headers=admin.headers, json={
        "kind": "material", "title": "Decken", "category": "social", "village_id": "ot-prenzlau-prenzlau"})
    assert no_total.status_code == 422 and no_total.json()["code"] == "QUANTITY_WANTED_REQUIRED"
    shifted = await vol.http.post(f"/organisations/{organisation_id}/opportunities", headers=admin.headers, json={
        "title": "Ausgabe", "category": "social", "village_id": "ot-prenzlau-prenzlau", "capacity": 3})
    assert shifted.status_code == 422 and shifted.json()["code"] == "CAPACITY_NOT_FOR_KIND"

    reading = await vol.world(**READING)
    person = await vol.profile()
    two = await respond(vol, reading, person, quantity=2)
    assert two.status_code == 422 and two.json()["code"] == "QUANTITY_NOT_FOR_KIND"
    zero = await respond(vol, reading, person, quantity=0)
    assert zero.status_code == 422
    shifts = await vol.world()
    wrong = await respond(vol, shifts, person)
    assert wrong.status_code == 409 and wrong.json()["code"] == "NOT_FOR_THIS_KIND"
    unpublished = await vol.world(verified=False, **JACKETS)
    assert (await respond(vol, unpublished, person)).status_code == 404
    assert (await respond(vol, reading, vol.person())).json()["code"] == "PROFILE_REQUIRED"


async def test_requests_expire_and_suspension_ends_commitments(vol: Volunteers) -> None:
    world = await vol.world(**READING)
    anna, ben = await vol.profile(), await vol.profile()
    waiting = (await respond(vol, world, anna)).json()
    async with vol.db.transaction() as session:
        assert await commitments.lapse_due(session, vol.settings, utcnow()) == 0
    async with vol.db.transaction() as session:
        later = utcnow() + timedelta(days=vol.settings.commitment_expiry_days, minutes=1)
        assert await commitments.lapse_due(session, vol.settings, later) == 1
    assert (await vol.http.get("/me/commitments", headers=anna.headers)).json()[0]["state"] == "expired"
    assert waiting["id"] and (await opportunity(vol, world))["still_open"] == 2

    confirmed = (await respond(vol, world, ben)).json()
    await vol.http.post(f"/commitments/{confirmed['id']}/decision", json={"accept": True},
                        headers=world.coordinator.headers)
    suspended = await vol.http.post(f"/admin/organisations/{world.organisation_id}/suspend", json={"reason": "x"},
                                    headers=vol.staff().headers)
    assert suspended.status_code == 200, suspended.text
    assert (await vol.http.get("/me/commitments", headers=ben.headers)).json()[0]["state"] == "cancelled_by_org"
    told = await vol.notifications("commitment_released", ben.id)
    assert len(told) == 1 and "x" not in told[0]["body"]


async def test_erasure_ends_and_anonymises_commitments(vol: Volunteers) -> None:
    jackets = await vol.world(**JACKETS)
    reading = await vol.world(**READING)
    person = await vol.profile()
    handed = (await respond(vol, jackets, person, quantity=4, note="Vier Jacken von Helga")).json()
    await vol.http.post(f"/commitments/{handed['id']}/complete", headers=jackets.coordinator.headers)
    await respond(vol, reading, person, note="Helga, dienstags")
    assert service.personal_data is not None
    async with vol.db.read_sessions() as session:
        data = await service.personal_data.export(session, person.id)
    assert {c["note"] for c in data["commitments"]} == {"Vier Jacken von Helga", "Helga, dienstags"}
    for attempt in range(2):  # the event can arrive twice
        async with vol.db.transaction() as session:
            counts = await erase_person(session, service="volunteers", personal_data=service.personal_data,
                                        person_id=person.id, erased_at=utcnow())
        assert counts["commitments_cancelled"] == (1 if attempt == 0 else 0)
    async with vol.db.read_sessions() as session:
        rows = (await session.exec(select(Commitment).where(
            col(Commitment.opportunity_id).in_([uuid.UUID(jackets.opportunity_id),
                                                uuid.UUID(reading.opportunity_id)])))).all()
        taken = {o.id: o.taken for o in (await session.exec(select(Opportunity))).all()}
    assert sorted(r.state for r in rows) == ["cancelled_erasure", "completed"]
    assert all(r.person_id is None and r.note is None for r in rows)
    # The donation handed over still counts; the interest's place is open again.
    assert taken[uuid.UUID(jackets.opportunity_id)] == 4 and taken[uuid.UUID(reading.opportunity_id)] == 0
    assert len(await vol.notifications("commitment_withdrawn", reading.coordinator.id)) == 1


PLEDGERS = 24


@pytest.fixture
async def wide(database_url: str, oidc_issuer: OidcIssuer) -> AsyncIterator[Volunteers]:
    """A connection for each pledger and one for the watcher (the same engine on PostgreSQL), so that the
    race is between database connections."""
    settings = make_settings(database_url, oidc_issuer, database_pool_size=PLEDGERS // 2 + 1)
    async with start_volunteers(settings, oidc_issuer) as running:
        yield running


async def test_pledges_at_the_same_moment_never_exceed_the_wanted_total(wide: Volunteers) -> None:
    vol = wide
    world = await vol.world(**JACKETS)  # 30 wanted
    people = [await vol.profile() for _ in range(PLEDGERS)]
    seen: list[int] = []
    stop = asyncio.Event()

    async def watch() -> None:
        while not stop.is_set():
            async with vol.db.read_sessions() as session:
                seen.append((await session.exec(select(Opportunity.taken).where(
                    col(Opportunity.id) == uuid.UUID(world.opportunity_id)))).one())
            await asyncio.sleep(0.005)

    watcher = asyncio.create_task(watch())
    responses = await asyncio.gather(*(respond(vol, world, p, quantity=4) for p in people))
    stop.set()
    await watcher
    statuses = [r.status_code for r in responses]
    assert statuses.count(201) == 7 and statuses.count(409) == PLEDGERS - 7
    # Once 28 are pledged, 2 are still open: the later pledges are told so.
    assert {r.json()["still_open"] for r in responses if r.status_code == 409} == {2}
    async with vol.db.read_sessions() as session:
        taken = (await session.exec(select(Opportunity.taken).where(
            col(Opportunity.id) == uuid.UUID(world.opportunity_id)))).one()
        rows = (await session.exec(select(Commitment).where(
            col(Commitment.opportunity_id) == uuid.UUID(world.opportunity_id)))).all()
    assert taken == 28 == sum(r.quantity for r in rows) and len(rows) == 7
    assert max(seen) <= 30


async def test_interest_at_the_same_moment_never_exceeds_the_places(wide: Volunteers) -> None:
    vol = wide
    world = await vol.world(**{**READING, "capacity": 5})
    people = [await vol.profile() for _ in range(PLEDGERS)]
    responses = await asyncio.gather(*(respond(vol, world, p) for p in people))
    assert [r.status_code for r in responses].count(201) == 5
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"OPPORTUNITY_FULL"}
    assert (await opportunity(vol, world))["taken"] == 5
    assert len(await listing(vol, world)) == 5


async def test_near_me_lists_what_is_within_reach_open_and_allowed_nearest_first(vol: Volunteers) -> None:
    here = await vol.world(**{**JACKETS, "title": "Decken", "village_id": "ot-prenzlau-prenzlau"})
    near = await vol.world(**{**READING, "village_id": DEDELOW})
    from_home = await vol.world(**{**READING, "title": "Telefonkette", "village_id": None, "remote": True})
    await vol.world(**{**JACKETS, "village_id": SCHWEDT})  # ~43 km: outside her radius
    await vol.world(**{**READING, "requirements": ["licence:B"]})  # she has no licence
    await vol.world(title="Ausgabe")  # shifts: signed up for on the shift
    full = await vol.world(**{**JACKETS, "title": "Mützen", "capacity": 2})
    assert (await respond(vol, full, await vol.profile(), quantity=2)).status_code == 201
    helper = await vol.profile(radius_km=20)
    found = (await vol.http.get("/me/opportunities", headers=helper.headers)).json()
    # From home counts as here (0 km); equal distances by title.
    assert [(f["opportunity"]["id"], f["distance_km"]) for f in found] == [
        (here.opportunity_id, 0.0), (from_home.opportunity_id, None),
        (near.opportunity_id, found[2]["distance_km"])]
    assert 5 < found[2]["distance_km"] < 10
    assert all(f["opportunity"]["arrangements"] is None for f in found)
    assert (await vol.http.get("/me/opportunities", headers=vol.person().headers)).status_code == 404
