"""Matching with the database: the shifts that fit a volunteer (near, qualified, at their times), the
volunteers who fit a shift (opted-in profiles only), and the map. SQL narrows by state, time, village and
the volunteer's own radius, selecting only the columns matching reads; domain.matching decides and ranks,
with reasons; whole rows are loaded only for what is shown."""

from __future__ import annotations

import json
import uuid
from bisect import insort
from collections import defaultdict
from datetime import datetime, time, timedelta
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import JSON, Float, Integer, String, and_, bindparam, case, cast, join, literal, or_, true
from sqlalchemy import select as select_columns
from sqlalchemy.dialects.postgresql import JSONB
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
from volunteers.domain.matching import (
    AVAILABILITY_POINTS,
    CEFR,
    DISTRICT_WIDE_POINTS,
    FREE_PLACES_POINTS,
    LANGUAGE_POINTS,
    MAX_SCORE,
    NEARBY_POINTS,
    REMOTE_POINTS,
    SKILL_POINTS,
    DistanceMode,
    Fit,
    ShiftFacts,
    distance_km,
    evaluate,
    free_places_points,
    min_age_for,
    nearby_points,
    rank_key,
)
from volunteers.domain.signups import ON_LIST_STATES
from volunteers.domain.timing import local
from volunteers.models import EfzRecord, Opportunity, Organisation, Shift, Signup, Volunteer

# Both searches read candidates best possible score first: twice the list, then batches of this many when
# the first does not settle it.
CANDIDATE_POOL = 200
# Pads a person's languages and skills (crud.search.shifts_for): no requirement's JSON text holds a "#".
NO_CODE = '"#'
T = TypeVar("T")
# What the list of shifts for a volunteer shows of each (api.views.shift_out reads a row as both the shift
# and the opportunity: their names do not clash).
SHOWN_COLUMNS: tuple[Any, ...] = (
    Shift.id, Shift.opportunity_id, Shift.start_at, Shift.end_at, Shift.zone, Shift.capacity, Shift.seats_taken,
    Shift.waitlist_enabled, Shift.waitlist_count, Shift.state, Shift.version, Opportunity.title,
    Opportunity.village_id, Opportunity.address, Opportunity.address_public,
    col(Organisation.name).label("organisation_name"),
)


def _padded(items: list[T], filler: T) -> list[T]:
    """`items` and as many `filler`s as make a power of two (none for none): statements built from a
    person's or a shift's lists take a few shapes, not one for every length — each shape is compiled once
    and stays in the engine's cache (an object graph every full garbage collection scans)."""
    if not items:
        return items
    return items + [filler] * ((1 << (len(items) - 1).bit_length()) - len(items))


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


@lru_cache(maxsize=256)
def _shifts_statement(dialect: str, windows: int, held: int, partial_time: bool, by_category: bool = False) -> Any:
    """The search for shifts with `windows` availability windows and `held` languages and skills (each
    padded to a power of two, so there are a handful of shapes): built once per shape, the person's
    values are bound parameters (shifts_for). The SQL gates: public, in the time range, in a village in
    reach (or remote or district-wide), a place or a waitlist, in the person's times (domain.matching's
    rule: within a window, or touching one if partial), not on the person's list yet, of one category if
    `by_category` (the `category` parameter). The order: the
    highest score each shift could get (`best_possible`) but for the availability bonus, which is the
    same for every shift the SQL lets through."""
    near_points = case(
        (col(Opportunity.remote).is_(True), REMOTE_POINTS),
        (col(Opportunity.district_wide).is_(True), DISTRICT_WIDE_POINTS),
        else_=func.coalesce(_json_member(bindparam("village_points", type_=String), col(Opportunity.village_id),
                                         dialect), 0))
    # Points for a requirement that names a language the person speaks (at any level: a level too high
    # excludes the shift later) or a skill they have: found in the JSON text. Each is there once at most
    # (schemas.OpportunityIn: one requirement per skill and per language).
    requirements = cast(col(Opportunity.requirements), String)
    gate_points = sum((case((requirements.contains(bindparam(f"held_{i}", type_=String), escape="/"),
                             bindparam(f"held_points_{i}", type_=Integer)), else_=0)
                       for i in range(held)), start=literal(0))
    # matching.free_places_points rounds; floor(x + 0.5) is at least that (the 1e-6 keeps it so should the
    # database's float differ from Python's in the last bit).
    free_points = case((col(Shift.capacity) > col(Shift.seats_taken), func.floor(
        (col(Shift.capacity) - col(Shift.seats_taken)) * float(FREE_PLACES_POINTS) / col(Shift.capacity)
        + 0.5 + 1e-6)), else_=0)
    best_possible = (near_points + gate_points + free_points).label("best_possible")
    slots = [(bindparam(f"weekday_{i}", type_=Integer), bindparam(f"begin_{i}", type_=Integer),
              bindparam(f"end_{i}", type_=Integer)) for i in range(windows)]
    in_time = or_(*(
        and_(col(Shift.local_weekday) == day, col(Shift.local_start_minute) < end,
             col(Shift.local_end_minute) > begin) if partial_time else
        and_(col(Shift.local_weekday) == day, col(Shift.local_start_minute) >= begin,
             col(Shift.local_end_minute) <= end)
        for day, begin, end in slots
    )) if slots else true()
    place = or_(col(Opportunity.remote).is_(True), col(Opportunity.district_wide).is_(True),
                col(Opportunity.village_id).in_(bindparam("near", expanding=True)))
    mine = select(Signup.shift_id).where(col(Signup.person_id) == bindparam("person_id"),
                                         col(Signup.state).in_(sorted(ON_LIST_STATES)))
    return (
        select_columns(*SHIFT_COLUMNS, best_possible)
        .select_from(Shift)
        .join(Opportunity, col(Opportunity.id) == col(Shift.opportunity_id))
        .join(Organisation, col(Organisation.id) == col(Shift.organisation_id))
        .where(is_public(), col(Shift.start_at) > bindparam("now"), col(Shift.start_at) < bindparam("until"), place,
               or_(col(Shift.seats_taken) < col(Shift.capacity), col(Shift.waitlist_enabled).is_(True)),
               in_time, col(Shift.id).not_in(mine),
               col(Opportunity.category) == bindparam("category") if by_category else true())
        .order_by(best_possible.desc(), col(Shift.start_at), col(Shift.id))
    )


async def shifts_for(session: AsyncSession, settings: VolunteersSettings, volunteer: Volunteer, *, now: datetime,
                     days: int = 60, limit: int = 50, partial_time: bool = False, category: str | None = None
                     ) -> list[tuple[Fit, ShiftFacts, Any]]:
    """Public shifts near the volunteer that fit their qualifications and times, best first: the same
    list as scoring every public shift ahead, without scoring them all. SQL applies the gates it can and
    orders the rest by the highest score each could get; shifts are scored in that order, in batches,
    until none left could enter the list. Only the `limit` shown are read further: rows of SHOWN_COLUMNS."""
    mode = DistanceMode(settings.distance_mode)
    near = villages_within(volunteer.home_village_id, volunteer.radius_km, mode)
    home = point(volunteer.home_village_id)
    # matching.nearby_points of each village in reach, at the person's own radius: at least what a shift
    # there scores (an opportunity's smaller maximum radius gives fewer).
    village_points = {village: nearby_points(round(distance_km(home, site, mode), 1), volunteer.radius_km)
                      for village in near if home and (site := point(village))}
    held = _padded([(f'"lang:{code}:', LANGUAGE_POINTS) for code in volunteer.languages] + [
        (f'"skill:{skill}"', SKILL_POINTS) for skill in volunteer.skills], (NO_CODE, 0))
    # Padded with windows on no weekday.
    windows = _padded([(int(w["weekday"]), _minutes(str(w["start"])), _minutes(str(w["end"])))
                       for w in volunteer.availability], (-1, 0, 0))
    dialect = (await session.connection()).dialect.name
    statement = _shifts_statement(dialect, len(windows), len(held), partial_time, category is not None)
    parameters = {
        **({"category": category} if category is not None else {}),
        "person_id": volunteer.person_id, "now": now, "until": now + timedelta(days=days), "near": near,
        "village_points": json.dumps(village_points),
        **{f"held_{i}": _like_escaped(code) for i, (code, _) in enumerate(held)},
        **{f"held_points_{i}": points for i, (_, points) in enumerate(held)},
        **{f"{part}_{i}": value for i, window in enumerate(windows)
           for part, value in zip(("weekday", "begin", "end"), window, strict=True)},
    }
    # What every shift the SQL lets through may add: the bonus for lying in one's windows.
    bonus = AVAILABILITY_POINTS if volunteer.availability else 0
    facts = volunteer_facts(volunteer, await efz_records(session, volunteer.person_id))
    found: list[tuple[tuple[int, datetime, str], Fit, ShiftFacts]] = []  # the best `limit`, in the list's order
    # A third of what SQL lets through may fail a rule only Python checks (licence, car, first aid,
    # language level, age, certificate), and a further batch runs the whole statement again: three times
    # the list is nearly always one batch (on the bench's data 95 % of searches score at most 100).
    offset, batch = 0, 3 * limit
    while True:
        rows = (await execute(session, statement.offset(offset).limit(batch), parameters)).all()
        for row in rows:
            if len(found) == limit and _cannot_enter(int(row.best_possible) + bonus,
                                                     (row.start_at, str(row.id)), found[-1][0]):
                return await _with_shown_rows(session, found)
            shift_fact = shift_facts_of_row(row)
            fit = evaluate(facts, shift_fact, mode=mode, partial_time=partial_time,
                           no_show_limit=settings.no_show_limit)
            if fit.eligible:
                insort(found, (rank_key(fit, shift_fact), fit, shift_fact), key=lambda entry: entry[0])
                del found[limit:]
        if len(rows) < batch:
            return await _with_shown_rows(session, found)
        offset, batch = offset + batch, CANDIDATE_POOL


def _cannot_enter(possible: int, then: tuple[Any, ...], last: tuple[Any, ...]) -> bool:
    """Whether a candidate that scores at most `possible` and is ordered by `then` among equals can no
    longer enter a full list whose last entry has the order key `last` (minus its score first): every
    candidate after it can score at most as much, and equals come later."""
    return min(possible, MAX_SCORE) < -last[0] or (possible == -last[0] and then > last[1:])


async def _with_shown_rows(session: AsyncSession, found: list[tuple[Any, Fit, ShiftFacts]]
                           ) -> list[tuple[Fit, ShiftFacts, Any]]:
    statement = (select_columns(*SHOWN_COLUMNS).select_from(Shift)
                 .join(Opportunity, col(Opportunity.id) == col(Shift.opportunity_id))
                 .join(Organisation, col(Organisation.id) == col(Shift.organisation_id))
                 .where(is_public(), col(Shift.id).in_([uuid.UUID(fact.shift_id) for _, _, fact in found])))
    by_id = {str(row.id): row for row in (await execute(session, statement)).all()}
    return [(fit, fact, by_id[fact.shift_id]) for _, fit, fact in found if fact.shift_id in by_id]


async def volunteers_for(session: AsyncSession, settings: VolunteersSettings, shift: Shift, opportunity: Opportunity,
                         *, limit: int = 50) -> list[tuple[Fit, Any]]:
    """Opted-in volunteers who fit a shift and are not on its list yet, best first (coordinators): rows
    with PROFILE_COLUMNS. The same list as scoring every opted-in profile, without scoring them all: SQL
    applies the hard rules it can (age, reach, car, first aid, licence, language) and orders the rest by
    the highest score each could get (domain.matching's points; the availability bonus for anyone with
    time windows, as only domain.matching checks those). Profiles are scored in that order until no one
    left could enter the list."""
    mode = DistanceMode(settings.distance_mode)
    shift_fact = shift_facts(shift, opportunity)
    located = not (opportunity.remote or opportunity.district_wide)
    reach_km = _reach_km(shift_fact.site, shift_fact.max_radius_km, mode) if located and shift_fact.site else None
    if located and reach_km is None:
        return []  # nobody can be near a site without a place, or with no village in reach
    start, end = local(shift_fact.start, shift_fact.zone), local(shift_fact.end, shift_fact.zone)
    same_day = start.date() == end.date()  # past midnight no window holds a shift
    # Points every eligible person gets (domain.matching.evaluate); SQL adds what only some can.
    fixed = free_places_points(shift_fact) + (
        REMOTE_POINTS if opportunity.remote else DISTRICT_WIDE_POINTS if opportunity.district_wide else 0)
    parameters: dict[str, Any] = {
        "shift_id": shift.id, "born_before": shift_fact.start.year - min_age_for(shift_fact), "reach_km": reach_km,
        "max_radius_km": shift_fact.max_radius_km, "weekday": start.weekday(),
        "weekday_text": f'"weekday": {start.weekday()}', "opens": _hhmm(start.time()), "closes": _hhmm(end.time())}
    dialect = (await session.connection()).dialect.name
    kinds = []
    for i, requirement in enumerate(shift_fact.requirements):
        kind, _, rest = requirement.partition(":")
        if kind in ("licence", "skill"):
            parameters[f"requirement_{i}"] = _like_escaped(json.dumps(rest))
        elif kind == "lang":
            code, _, level = rest.partition(":")
            fixed += LANGUAGE_POINTS
            if level not in CEFR:
                continue
            parameters[f"requirement_{i}"] = code if dialect == "postgresql" else f'$."{code}"'
            parameters[f"levels_{i}"] = list(CEFR[CEFR.index(level):])
        elif kind not in ("own_car", "first_aid"):
            continue  # the certificate: only Python checks it
        kinds.append((i, kind))
    statement = _volunteers_statement(dialect, located, shift_fact.max_radius_km is not None, same_day, tuple(kinds))
    found: list[tuple[tuple[int, str], Fit, Any]] = []  # the best `limit` so far, by the list's order
    # Those SQL lets through fit but for a certificate, and their highest possible score is mostly the
    # score: the list and a few more are nearly always one batch.
    offset, batch = 0, limit + limit // 5 + 1
    while True:
        people = list((await execute(session, statement.offset(offset).limit(batch), parameters)).all())
        certificates: dict[uuid.UUID, list[EfzRecord]] = defaultdict(list)
        if "efz" in shift_fact.requirements and people:
            for record in (await session.exec(select(EfzRecord).where(
                    col(EfzRecord.person_id).in_([p.person_id for p in people])))).all():
                certificates[record.person_id].append(record)
        for person in people:
            # Nobody from here on scores above the last one shown, or ties it with a later id (the rows come
            # best possible first, then by id, as the list is ordered).
            if len(found) == limit and _cannot_enter(int(person.best_possible) + fixed, (str(person.person_id),),
                                                     found[-1][0]):
                return [(fit, row) for _, fit, row in found]
            fit = evaluate(volunteer_facts(person, certificates[person.person_id]), shift_fact, mode=mode,
                           no_show_limit=settings.no_show_limit)
            if fit.eligible:
                insort(found, ((-fit.score, str(person.person_id)), fit, person), key=lambda entry: entry[0])
                del found[limit:]
        if len(people) < batch:
            return [(fit, row) for _, fit, row in found]
        offset, batch = offset + batch, CANDIDATE_POOL


@lru_cache(maxsize=256)
def _volunteers_statement(dialect: str, located: bool, capped: bool, same_day: bool,
                          requirements: tuple[tuple[int, str], ...]) -> Any:
    """The search for volunteers for a shift at a site (`located`) or not, with a maximum radius (`capped`)
    or not, within one day or past midnight, with these (index, kind) of requirements SQL checks: built
    once per shape, the shift's values are bound parameters (volunteers_for)."""
    any_time = _no_windows()
    gates: list[Any] = [
        col(Volunteer.visible_to_orgs).is_(True), col(Volunteer.archived_at).is_(None),
        col(Volunteer.person_id).not_in(select(Signup.person_id).where(
            col(Signup.shift_id) == bindparam("shift_id"), col(Signup.state).in_(sorted(ON_LIST_STATES)),
            col(Signup.person_id).is_not(None))),
        # matching.age_in: surely old enough in the shift's year.
        col(Volunteer.birth_year) < bindparam("born_before", type_=Integer),
    ]
    points: list[Any] = [case((any_time, 0), else_=AVAILABILITY_POINTS)]
    for i, kind in requirements:
        value = bindparam(f"requirement_{i}", type_=String)
        if kind == "own_car":
            gates.append(col(Volunteer.own_car).is_(True))
        elif kind == "first_aid":
            gates.append(col(Volunteer.first_aid).is_(True))
        elif kind == "licence":
            gates.append(_json_text(col(Volunteer.licence_classes)).contains(value, escape="/"))
        elif kind == "lang":
            gates.append(_json_string_at(col(Volunteer.languages), value, dialect).in_(
                bindparam(f"levels_{i}", expanding=True)))
        elif kind == "skill":
            points.append(case((_json_text(col(Volunteer.skills)).contains(value, escape="/"), SKILL_POINTS),
                               else_=0))
    source: Any = Volunteer
    if located:
        # One index range per village in reach (ix_volunteer_reach; on SQLite the covering
        # ix_volunteer_visible_reach): only profiles whose radius reaches the site are read.
        km: Any
        reach = bindparam("reach_km", type_=String)
        if dialect == "postgresql":
            villages = func.json_each_text(cast(reach, JSON)).table_valued("key", "value").alias("reach")
            km = cast(villages.c.value, Float)
        else:
            villages = func.json_each(reach).table_valued("key", "value").alias("reach")
            km = villages.c.value
        source = join(Volunteer, villages,
                      and_(col(Volunteer.home_village_id) == villages.c.key, col(Volunteer.radius_km) >= km))
        cap = bindparam("max_radius_km", type_=Float)
        radius = case((col(Volunteer.radius_km) > cap, cap), else_=col(Volunteer.radius_km)) if capped else col(
            Volunteer.radius_km)
        # floor(x + 0.5) is at least round(x) (matching.nearby_points); the 1e-6 keeps it so should the
        # database's float differ from Python's in the last bit.
        points.append(func.floor(case((radius > 0, NEARBY_POINTS * (1 - km / radius)), else_=NEARBY_POINTS)
                                 + 0.5 + 1e-6))
    # Last: SQLite evaluates the conditions in this order, and reading the windows' JSON costs the most.
    gates.append(or_(any_time, _window_fits(dialect)) if same_day else any_time)
    best_possible = sum(points[1:], start=points[0]).label("best_possible")
    return (select_columns(*PROFILE_COLUMNS, best_possible).select_from(source).where(*gates)
            .order_by(best_possible.desc(), col(Volunteer.person_id)))


@lru_cache(maxsize=4096)
def _reach_km(site: tuple[float, float], max_radius_km: float | None, mode: DistanceMode) -> str | None:
    """{village id: km to the site} of the villages within the opportunity's maximum radius, as JSON;
    None if there is none. The same for every shift at a site, so computed once per site."""
    reach = {}
    for village in gazetteer().ortsteile:
        home = point(village.id)
        village_km = round(distance_km(home, site, mode), 1) if home else None
        if village_km is not None and (max_radius_km is None or village_km <= max_radius_km):
            reach[village.id] = village_km
    return json.dumps(reach) if reach else None


def _hhmm(moment: time) -> str:
    """A local time to compare with windows' "HH:MM" as text: 14:00 is "14:00", 14:00:30 "14:00:30",
    which sorts after "14:00" as the time does."""
    return f"{moment:%H:%M}" if not (moment.second or moment.microsecond) else moment.isoformat()


def _no_windows() -> Any:
    # Both databases parse a JSON column's text for every row a JSON function is asked about; the text of
    # an empty list is "[]" (json.dumps).
    return _json_text(col(Volunteer.availability)) == "[]"


def _window_fits(dialect: str) -> Any:
    """Some availability window holds the whole shift (matching's "fits"; search for a shift takes no
    partial fits): on its local weekday, from no later than its start (`opens`) to no earlier than its end
    (`closes`), as "HH:MM" text (zero-padded by the profile's schema)."""
    opens: Any
    closes: Any
    if dialect == "postgresql":
        windows = func.json_array_elements(col(Volunteer.availability)).table_valued("value").alias("window")
        weekday = windows.c.value.op("->>", return_type=String)("weekday") == cast(
            bindparam("weekday", type_=Integer), String)
        # Compared as text, byte by byte (a locale's collation might skip the colon).
        opens = windows.c.value.op("->>", return_type=String)("start").collate("C")
        closes = windows.c.value.op("->>", return_type=String)("end").collate("C")
    else:
        windows = func.json_each(col(Volunteer.availability)).table_valued("value").alias("window")
        weekday = func.json_extract(windows.c.value, "$.weekday") == bindparam("weekday", type_=Integer)
        opens = func.json_extract(windows.c.value, "$.start")
        closes = func.json_extract(windows.c.value, "$.end")
    fits = select_columns(literal(1)).select_from(windows).where(
        weekday, opens <= bindparam("opens", type_=String), closes >= bindparam("closes", type_=String)).exists()
    # Only profiles with a window on that weekday at all (as json.dumps writes it) have their JSON read.
    return and_(_json_text(col(Volunteer.availability)).contains(bindparam("weekday_text", type_=String)), fits)


def _json_string_at(column: Any, key: Any, dialect: str) -> Any:
    """The string under `key` of a JSON object column (PostgreSQL: the key; SQLite: its path '$."key"')."""
    if dialect == "postgresql":
        return column.op("->>", return_type=String)(key)
    return func.json_extract(column, key, type_=String)


def _like_escaped(text: str) -> str:
    """`text` to find with LIKE … ESCAPE '/': its wildcards (and the escape) taken literally."""
    return text.replace("/", "//").replace("%", "/%").replace("_", "/_")


def _json_member(mapping: Any, key: Any, dialect: str) -> Any:
    """The number under `key` in the JSON object `mapping` (a bound parameter), NULL if it has none."""
    if dialect == "postgresql":
        return cast(cast(mapping, JSONB).op("->>", return_type=String)(key), Float)
    return func.json_extract(mapping, literal('$."') + key + literal('"'), type_=Float)


def _json_text(column: Any) -> Any:
    """A JSON column as its text, to find a string in a list: `"B"` with its quotes, as json.dumps wrote it."""
    return cast(column, String)


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
