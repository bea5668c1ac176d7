"""Matching with the database: the shifts that fit a volunteer (near, qualified, at their times), the
volunteers who fit a shift (opted-in profiles only), and the map. SQL narrows by state, time, village and
the volunteer's own radius, selecting only the columns matching reads; domain.matching decides and ranks,
with reasons; whole rows are loaded only for what is shown."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, and_, case, cast, false, literal, or_, true
from sqlalchemy import select as select_columns
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select

from places import DEFAULT_DETOUR_FACTOR
from volunteers.config import VolunteersSettings
from volunteers.crud._sql import execute
from volunteers.crud.facts import (
    PROFILE_COLUMNS,
    SHIFT_COLUMNS,
    efz_records,
    shift_facts,
    shift_facts_of_row,
    volunteer_facts,
)
from volunteers.crud.villages import gazetteer, point
from volunteers.domain.matching import DistanceMode, Fit, ShiftFacts, distance_km, evaluate, ranked
from volunteers.domain.signups import ON_LIST_STATES
from volunteers.models import EfzRecord, Opportunity, Organisation, Shift, Signup, Volunteer

# This many shifts (the most promising) or profiles (the nearest) that pass the SQL gates are scored
# (the list shows 50).
CANDIDATE_POOL = 200


def _minutes(hhmm: str) -> int:
    hours, _, minutes = hhmm.partition(":")
    return int(hours) * 60 + int(minutes)


def is_public() -> Any:
    """Open shifts of published opportunities of verified organisations: the one definition of public."""
    return and_(col(Organisation.state) == "verified", col(Opportunity.state) == "published",
                col(Shift.state) == "scheduled")


def public_shifts() -> Select[Shift, Opportunity]:
    return (
        select(Shift, Opportunity)
        .join(Opportunity, col(Opportunity.id) == col(Shift.opportunity_id))
        .join(Organisation, col(Organisation.id) == col(Shift.organisation_id))
        .where(is_public())
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
    anywhere = or_(col(Opportunity.remote).is_(True), col(Opportunity.district_wide).is_(True))
    place = or_(anywhere, col(Opportunity.village_id).in_(near) if near else false())
    home = point(volunteer.home_village_id)
    radius = volunteer.radius_km
    km = {village: distance_km(home, site, mode) for village in near if home and (site := point(village))}
    # The score as SQL can estimate it (nearness, held languages and skills, free places — what
    # domain.matching adds), to score only the most promising shifts: a wide radius at any time leaves
    # a thousand.
    near_points = case((col(Opportunity.remote).is_(True), 20.0), (col(Opportunity.district_wide).is_(True), 10.0),
                       *((col(Opportunity.village_id) == village, 40 * (1 - d / radius) if radius > 0 else 40.0)
                         for village, d in km.items()), else_=0.0)
    # Any level of a language spoken counts here (a higher one excludes the shift later).
    held = [(f'"lang:{code}:', 20) for code in volunteer.languages] + [
        (f'"skill:{skill}"', 15) for skill in volunteer.skills]
    requirements = cast(col(Opportunity.requirements), String)
    gate_points = sum((case((requirements.contains(code, autoescape=True), points), else_=0)
                       for code, points in held), start=literal(0))
    free_points = case((col(Shift.capacity) > 0,
                        (col(Shift.capacity) - col(Shift.seats_taken)) * 10.0 / col(Shift.capacity)), else_=0.0)
    promise = near_points + gate_points + free_points
    windows = [(int(w["weekday"]), _minutes(str(w["start"])), _minutes(str(w["end"]))) for w in volunteer.availability]
    # The same rule as domain.matching's time check, in SQL: within a window (or touching one, if partial).
    in_time = or_(*(
        and_(col(Shift.local_weekday) == day, col(Shift.local_start_minute) < end,
             col(Shift.local_end_minute) > begin) if partial_time else
        and_(col(Shift.local_weekday) == day, col(Shift.local_start_minute) >= begin,
             col(Shift.local_end_minute) <= end)
        for day, begin, end in windows
    )) if windows else true()
    mine = select(Signup.shift_id).where(col(Signup.person_id) == volunteer.person_id,
                                         col(Signup.state).in_(sorted(ON_LIST_STATES)))
    statement = (
        select_columns(*SHIFT_COLUMNS)
        .select_from(Shift)
        .join(Opportunity, col(Opportunity.id) == col(Shift.opportunity_id))
        .join(Organisation, col(Organisation.id) == col(Shift.organisation_id))
        .where(is_public(), col(Shift.start_at) > now, col(Shift.start_at) < now + timedelta(days=days), place,
               or_(col(Shift.seats_taken) < col(Shift.capacity), col(Shift.waitlist_enabled).is_(True)),
               in_time, col(Shift.id).not_in(mine))
        .order_by(promise.desc(), col(Shift.start_at), col(Shift.id))
        .limit(CANDIDATE_POOL)
    )
    facts = volunteer_facts(volunteer, await efz_records(session, volunteer.person_id))
    found = []
    for row in (await execute(session, statement)).all():
        shift_fact = shift_facts_of_row(row)
        fit = evaluate(facts, shift_fact, mode=mode, partial_time=partial_time, no_show_limit=settings.no_show_limit)
        if fit.eligible:
            found.append((fit, shift_fact))
    best = ranked(found)[:limit]
    rows = (await session.exec(public_shifts().where(
        col(Shift.id).in_([uuid.UUID(fact.shift_id) for _, fact in best])))).all()
    by_id = {str(shift.id): (shift, opportunity) for shift, opportunity in rows}
    return [(fit, fact, *by_id[fact.shift_id]) for fit, fact in best if fact.shift_id in by_id]


async def volunteers_for(session: AsyncSession, settings: VolunteersSettings, shift: Shift, opportunity: Opportunity,
                         *, limit: int = 50) -> list[tuple[Fit, Any]]:
    """Opted-in volunteers who fit a shift and are not on its list yet, best first (coordinators): rows
    with PROFILE_COLUMNS. Only people whose own radius reaches the site are looked at."""
    mode = DistanceMode(settings.distance_mode)
    shift_fact = shift_facts(shift, opportunity)
    statement = select_columns(*PROFILE_COLUMNS).where(
        col(Volunteer.visible_to_orgs).is_(True), col(Volunteer.archived_at).is_(None),
        col(Volunteer.person_id).not_in(select(Signup.person_id).where(
            col(Signup.shift_id) == shift.id, col(Signup.state).in_(sorted(ON_LIST_STATES)),
            col(Signup.person_id).is_not(None))),
        # Surely old enough (the gate checks exactly, the driving age too).
        col(Volunteer.birth_year) < shift.start_at.year - opportunity.min_age,
    )
    if not (opportunity.remote or opportunity.district_wide) and shift_fact.site is not None:
        reach = {o.id: distance_km(shift_fact.site, (o.lat, o.lon), mode) for o in gazetteer().ortsteile}
        statement = statement.where(or_(*(
            and_(col(Volunteer.home_village_id) == village, col(Volunteer.radius_km) >= km)
            for village, km in reach.items()
        ))).order_by(case(reach, value=col(Volunteer.home_village_id)), col(Volunteer.person_id))
    else:
        statement = statement.order_by(col(Volunteer.person_id))
    if "own_car" in opportunity.requirements:
        statement = statement.where(col(Volunteer.own_car).is_(True))
    if "first_aid" in opportunity.requirements:
        statement = statement.where(col(Volunteer.first_aid).is_(True))
    people = list((await execute(session, statement.limit(CANDIDATE_POOL))).all())
    certificates: dict[uuid.UUID, list[EfzRecord]] = defaultdict(list)
    if "efz" in opportunity.requirements and people:
        for record in (await session.exec(select(EfzRecord).where(
                col(EfzRecord.person_id).in_([p.person_id for p in people])))).all():
            certificates[record.person_id].append(record)
    fits = []
    for person in people:
        fit = evaluate(volunteer_facts(person, certificates[person.person_id]), shift_fact, mode=mode,
                       no_show_limit=settings.no_show_limit)
        if fit.eligible:
            fits.append((fit, person))
    fits.sort(key=lambda pair: (-pair[0].score, str(pair[1].person_id)))
    return fits[:limit]


async def map_points(session: AsyncSession, now: datetime) -> list[tuple[str, int]]:
    """(village id, open shifts) for the map: only public, future shifts with a place or a waitlist."""
    statement = (
        select(Opportunity.village_id, func.count())
        .select_from(Shift)
        .join(Opportunity, col(Opportunity.id) == col(Shift.opportunity_id))
        .join(Organisation, col(Organisation.id) == col(Shift.organisation_id))
        .where(is_public(), col(Shift.start_at) > now,
               col(Opportunity.village_id).is_not(None), col(Opportunity.remote).is_(False))
        .group_by(col(Opportunity.village_id))
        .order_by(col(Opportunity.village_id))
    )
    return [(village, count) for village, count in (await session.exec(statement)).all() if village]
