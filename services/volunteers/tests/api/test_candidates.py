"""The volunteers a coordinator is shown for a shift are exactly the best 50 of scoring every opted-in
profile, although the search scores only as many as it must: people who could score higher but do not
fit (the shift's day, a certificate only Python checks: more than a batch of them) come first, people
who fit after them, and equal scores are ordered by id across the 50th place."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date
from typing import Any

from sqlmodel import col, select
from volunteers_testkit import DEDELOW, PRENZLAU, SCHWEDT, Volunteers, soon

from volunteers.crud.facts import shift_facts, volunteer_facts
from volunteers.crud.search import CANDIDATE_POOL
from volunteers.domain.matching import DistanceMode, evaluate
from volunteers.models import EfzRecord, Opportunity, Shift, Volunteer


def helper(village: str | None, radius_km: float, availability: list[dict[str, Any]], **values: Any) -> Volunteer:
    values.setdefault("visible_to_orgs", True)
    return Volunteer(person_id=uuid.uuid4(), display_name="Helfer", birth_year=1980, home_village_id=village,
                     radius_km=radius_km, availability=availability, **values)


async def every_profile_scored(vol: Volunteers, shift_id: str) -> list[tuple[str, int]]:
    async with vol.db.read_sessions() as session:
        shift, opportunity = (await session.exec(select(Shift, Opportunity).join(
            Opportunity, col(Opportunity.id) == col(Shift.opportunity_id)).where(
            col(Shift.id) == uuid.UUID(shift_id)))).one()
        people = (await session.exec(select(Volunteer).where(col(Volunteer.visible_to_orgs).is_(True)))).all()
        certificates = defaultdict(list)
        for record in (await session.exec(select(EfzRecord))).all():
            certificates[record.person_id].append(record)
    facts = shift_facts(shift, opportunity)
    fits = [(str(person.person_id), fit.score) for person in people
            if (fit := evaluate(volunteer_facts(person, certificates[person.person_id]), facts,
                                mode=DistanceMode(vol.settings.distance_mode))).eligible]
    return sorted(fits, key=lambda pair: (-pair[1], pair[0]))[:50]


async def test_candidates_are_the_best_of_every_profile_even_behind_a_batch_of_misfits(vol: Volunteers) -> None:
    world = await vol.world(village_id=PRENZLAU, requirements=["skill:garden"])
    start = soon(5, hour=14)
    shift = await vol.shift(world, start=start, hours=2, capacity=4)
    weekday = start.weekday()
    afternoon = [{"weekday": weekday, "start": "13:00", "end": "18:00"}]
    async with vol.db.transaction() as session:
        # Could score highest (in the village, a wide radius, the skill, time windows), but never on this day.
        session.add_all(helper(PRENZLAU, 30, [{"weekday": (weekday + 1) % 7, "start": "08:00", "end": "20:00"}],
                               skills=["garden"]) for _ in range(CANDIDATE_POOL + 20))
        # Fit: 60 alike (equal scores: the 50th place is decided by id), any time, nearby, too far, hidden.
        session.add_all(helper(DEDELOW, 20, afternoon) for _ in range(60))
        session.add_all(helper(PRENZLAU, 30, [], skills=["garden"]) for _ in range(5))
        session.add_all(helper(DEDELOW, 10, afternoon, skills=["garden", "music"]) for _ in range(5))
        session.add_all(helper(SCHWEDT, 10, afternoon) for _ in range(3))
        session.add(helper(PRENZLAU, 30, afternoon, skills=["garden"], visible_to_orgs=False))

    found = (await vol.http.get(f"/shifts/{shift['id']}/candidates", headers=world.coordinator.headers)).json()
    expected = await every_profile_scored(vol, shift["id"])
    assert [(c["person_id"], c["score"]) for c in found] == expected
    assert len(found) == 50 and len({score for _, score in expected}) > 1


async def test_candidates_past_a_batch_of_people_without_the_certificate(vol: Volunteers) -> None:
    world = await vol.world(village_id=PRENZLAU, requirements=["efz"])
    start = soon(5, hour=10)
    shift = await vol.shift(world, start=start, hours=2, capacity=4)
    checked = [helper(DEDELOW, 15, []) for _ in range(55)]
    async with vol.db.transaction() as session:
        # In the village, a wide radius, the morning free: the best score, were it not for the certificate.
        session.add_all(helper(PRENZLAU, 30, [{"weekday": start.weekday(), "start": "08:00", "end": "12:00"}])
                        for _ in range(CANDIDATE_POOL + 20))
        session.add_all(checked)
        session.add_all(EfzRecord(person_id=person.person_id, inspected_by_kind="district",
                                  certificate_date=date.today(), inspected_on=date.today(), no_exclusion=True,
                                  share_consent=True, recorded_by="test") for person in checked)

    found = (await vol.http.get(f"/shifts/{shift['id']}/candidates", headers=world.coordinator.headers)).json()
    assert [(c["person_id"], c["score"]) for c in found] == await every_profile_scored(vol, shift["id"])
    assert {c["person_id"] for c in found} <= {str(person.person_id) for person in checked} and len(found) == 50
