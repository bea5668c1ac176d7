"""Matching with the database: the shifts that fit a volunteer (near, qualified, at their times), the
volunteers who fit a shift (opted-in profiles only), and the map. SQL narrows by village, state, time and
the simple gates; domain.matching decides and ranks, with reasons."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import or_
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from places import DEFAULT_DETOUR_FACTOR
from volunteers.config import VolunteersSettings
from volunteers.crud.facts import efz_records, shift_facts, volunteer_facts
from volunteers.crud.villages import gazetteer
from volunteers.domain.matching import DistanceMode, Fit, ShiftFacts, evaluate, ranked
from volunteers.domain.signups import ON_LIST_STATES
from volunteers.models import EfzRecord, Opportunity, Organisation, Shift, Signup, Volunteer

# Profiles say how far they go; nobody is searched for beyond this.
MAX_RADIUS_KM = 50.0


def public_shifts() -> object:
    """Open shifts of published opportunities of verified organisations: the one definition of public."""
    return (
        select(Shift, Opportunity)
        .join(Opportunity, col(Opportunity.id) == col(Shift.opportunity_id))
        .join(Organisation, col(Organisation.id) == col(Shift.organisation_id))
        .where(col(Organisation.state) == "verified", col(Opportunity.state) == "published",
               col(Shift.state) == "scheduled")
    )


def villages_within(village_id: str | None, radius_km: float, mode: DistanceMode) -> list[str]:
    if village_id is None:
        return []
    home = gazetteer().get_ortsteil(village_id)
    if home is None:
        return []
    straight_km = radius_km / DEFAULT_DETOUR_FACTOR if mode is DistanceMode.ROAD else radius_km
    return [hit.ortsteil.id for hit in gazetteer().within(home.lat, home.lon, straight_km * 1000)]


async def shifts_for(session: AsyncSession, settings: VolunteersSettings, volunteer: Volunteer, *, now: datetime,
                     days: int = 60, limit: int = 50, partial_time: bool = False
                     ) -> list[tuple[Fit, ShiftFacts, Shift, Opportunity]]:
    mode = DistanceMode(settings.distance_mode)
    near = villages_within(volunteer.home_village_id, volunteer.radius_km, mode)
    place = or_(col(Opportunity.remote).is_(True), col(Opportunity.district_wide).is_(True),
                col(Opportunity.village_id).in_(near))
    mine = select(Signup.shift_id).where(col(Signup.person_id) == volunteer.person_id,
                                         col(Signup.state).in_(sorted(ON_LIST_STATES)))
    statement = public_shifts().where(  # type: ignore[attr-defined]
        col(Shift.start_at) > now, col(Shift.start_at) < now + timedelta(days=days), place,
        or_(col(Shift.seats_taken) < col(Shift.capacity), col(Shift.waitlist_enabled).is_(True)),
        col(Shift.id).not_in(mine),
    )
    facts = volunteer_facts(volunteer, await efz_records(session, volunteer.person_id))
    found = []
    by_key: dict[str, tuple[Shift, Opportunity]] = {}
    for shift, opportunity in (await session.exec(statement)).all():
        shift_fact = shift_facts(shift, opportunity)
        fit = evaluate(facts, shift_fact, mode=mode, partial_time=partial_time, no_show_limit=settings.no_show_limit)
        if fit.eligible:
            found.append((fit, shift_fact))
            by_key[shift_fact.shift_id] = (shift, opportunity)
    return [(fit, fact, *by_key[fact.shift_id]) for fit, fact in ranked(found)[:limit]]


async def volunteers_for(session: AsyncSession, settings: VolunteersSettings, shift: Shift, opportunity: Opportunity,
                         *, limit: int = 50) -> list[tuple[Fit, Volunteer]]:
    """Opted-in volunteers who fit a shift and are not on its list yet, best first (coordinators)."""
    mode = DistanceMode(settings.distance_mode)
    shift_fact = shift_facts(shift, opportunity)
    statement = select(Volunteer).where(
        col(Volunteer.visible_to_orgs).is_(True), col(Volunteer.archived_at).is_(None),
        col(Volunteer.person_id).not_in(select(Signup.person_id).where(
            col(Signup.shift_id) == shift.id, col(Signup.state).in_(sorted(ON_LIST_STATES)),
            col(Signup.person_id).is_not(None))),
        # Surely old enough (the gate checks exactly); the driving age is checked there too.
        col(Volunteer.birth_year) < shift.start_at.year - opportunity.min_age,
    )
    if not (opportunity.remote or opportunity.district_wide):
        statement = statement.where(col(Volunteer.home_village_id).in_(
            villages_within(opportunity.village_id, MAX_RADIUS_KM, mode)))
    if "own_car" in opportunity.requirements:
        statement = statement.where(col(Volunteer.own_car).is_(True))
    if "first_aid" in opportunity.requirements:
        statement = statement.where(col(Volunteer.first_aid).is_(True))
    people = list((await session.exec(statement)).all())
    certificates: dict[uuid.UUID, list[EfzRecord]] = defaultdict(list)
    if "efz" in opportunity.requirements and people:
        for record in (await session.exec(select(EfzRecord).where(
                col(EfzRecord.person_id).in_([p.person_id for p in people])))).all():
            certificates[record.person_id].append(record)
    fits = []
    for volunteer in people:
        fit = evaluate(volunteer_facts(volunteer, certificates[volunteer.person_id]), shift_fact, mode=mode,
                       no_show_limit=settings.no_show_limit)
        if fit.eligible:
            fits.append((fit, volunteer))
    fits.sort(key=lambda pair: (-pair[0].score, str(pair[1].person_id)))
    return fits[:limit]


async def map_points(session: AsyncSession, now: datetime) -> list[tuple[str, int]]:
    """(village id, open shifts) for the map: only public, future shifts with a place or a waitlist."""
    statement = (
        select(Opportunity.village_id, func.count())
        .select_from(Shift)
        .join(Opportunity, col(Opportunity.id) == col(Shift.opportunity_id))
        .join(Organisation, col(Organisation.id) == col(Shift.organisation_id))
        .where(col(Organisation.state) == "verified", col(Opportunity.state) == "published",
               col(Shift.state) == "scheduled", col(Shift.start_at) > now,
               col(Opportunity.village_id).is_not(None), col(Opportunity.remote).is_(False))
        .group_by(col(Opportunity.village_id))
        .order_by(col(Opportunity.village_id))
    )
    return [(village, count) for village, count in (await session.exec(statement)).all() if village]


