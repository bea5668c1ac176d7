"""Who fits which shift: hard filters that are never ranked away (age, qualifications, language, time,
distance) with a reason for every exclusion, then a score with the reasons shown as "Warum passt das?".

Requirement codes on an opportunity: `licence:<class>`, `own_car`, `first_aid`, `efz` (extended police
certificate, §72a SGB VIII), `lang:<code>:<CEFR level>` (hard), `skill:<name>` (ranks up, never excludes)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum

from places import DEFAULT_DETOUR_FACTOR, haversine_m
from volunteers.domain.timing import local

CEFR = ("A1", "A2", "B1", "B2", "C1", "C2")
# Driving for others needs full age (no "begleitetes Fahren").
DRIVING_MIN_AGE = 18
# The score's parts (crud.search estimates them in SQL, so they are named once here).
LANGUAGE_POINTS = 20
SKILL_POINTS = 15
AVAILABILITY_POINTS = 15
NEARBY_POINTS = 40
REMOTE_POINTS = 20
DISTRICT_WIDE_POINTS = 10
FREE_PLACES_POINTS = 10
MAX_SCORE = 100
EFZ_VALID_MONTHS = 60
EFZ_MAX_AGE_AT_INSPECTION_MONTHS = 3


class DistanceMode(StrEnum):
    STRAIGHT = "straight"
    ROAD = "road"


class EfzSource(StrEnum):
    SELF = "self"
    ORGANISATION = "organisation"
    DISTRICT = "district"


@dataclass(frozen=True)
class Efz:
    source: EfzSource
    organisation_id: str | None
    certificate_date: date
    inspected_on: date
    no_exclusion: bool
    share_consent: bool


@dataclass(frozen=True)
class Window:
    weekday: int
    start: time
    end: time


@dataclass(frozen=True)
class VolunteerFacts:
    person_id: str
    birth_year: int
    home: tuple[float, float] | None
    radius_km: float
    windows: tuple[Window, ...] = ()
    languages: Mapping[str, str] = field(default_factory=dict)
    skills: frozenset[str] = frozenset()
    licence_classes: frozenset[str] = frozenset()
    own_car: bool = False
    first_aid: bool = False
    efz: tuple[Efz, ...] = ()
    no_shows: int = 0


@dataclass(frozen=True)
class ShiftFacts:
    shift_id: str
    organisation_id: str
    start: datetime
    end: datetime
    zone: str
    site: tuple[float, float] | None
    requirements: tuple[str, ...] = ()
    min_age: int = 16
    remote: bool = False
    district_wide: bool = False
    max_radius_km: float | None = None
    capacity: int = 1
    seats_taken: int = 0


@dataclass(frozen=True)
class Fit:
    eligible: bool
    # Eligible, but the organisation must confirm (self-declared certificate, too many no-shows).
    needs_approval: bool
    score: int
    reasons: tuple[str, ...]
    distance_km: float | None = None


def level_at_least(held: str | None, needed: str) -> bool:
    return held is not None and held in CEFR and CEFR.index(held) >= CEFR.index(needed)


def age_in(year: int, birth_year: int) -> int:
    """The age someone surely has in `year` when only the birth year is known (birthday maybe still to come)."""
    return year - birth_year - 1


def _months_between(earlier: date, later: date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month - (1 if later.day < earlier.day else 0)


def efz_status(records: Iterable[Efz], organisation_id: str, on: date) -> str:
    """'valid', 'unverified' (only declared, or inspected by another organisation: the organisation has to
    see it), 'outdated', 'exclusion' or 'missing'. A district inspection counts everywhere only with
    the person's consent to share it."""
    best = "missing"
    for record in records:
        trusted = (record.source is EfzSource.DISTRICT and record.share_consent) or (
            record.source is EfzSource.ORGANISATION and record.organisation_id == organisation_id
        )
        if not trusted:
            best = "unverified" if best == "missing" else best
            continue
        if not record.no_exclusion:
            return "exclusion"
        if (
            _months_between(record.inspected_on, on) >= EFZ_VALID_MONTHS
            or _months_between(record.certificate_date, record.inspected_on) > EFZ_MAX_AGE_AT_INSPECTION_MONTHS
        ):
            best = "outdated" if best in ("missing", "unverified") else best
            continue
        return "valid"
    return best


def distance_km(a: tuple[float, float], b: tuple[float, float], mode: DistanceMode) -> float:
    straight = haversine_m(a[0], a[1], b[0], b[1]) / 1000
    return straight * DEFAULT_DETOUR_FACTOR if mode is DistanceMode.ROAD else straight


def _time_fit(volunteer: VolunteerFacts, shift: ShiftFacts) -> str:
    """'any', 'fits', 'partial' or 'outside'."""
    if not volunteer.windows:
        return "any"
    start, end = local(shift.start, shift.zone), local(shift.end, shift.zone)
    partial = False
    for window in volunteer.windows:
        if window.weekday != start.weekday():
            continue
        if start.date() == end.date() and window.start <= start.time() and end.time() <= window.end:
            return "fits"
        if start.time() < window.end and (end.date() > start.date() or end.time() > window.start):
            partial = True
    return "partial" if partial else "outside"


@dataclass(frozen=True)
class Gate:
    """The qualification part of a fit: what any sign-up is checked against."""

    excluded: tuple[str, ...]
    needs_approval: bool
    reasons: tuple[str, ...]
    score: int


def min_age_for(shift: ShiftFacts) -> int:
    return age_needed(shift.min_age, shift.requirements)


def age_needed(min_age: int, requirements: Iterable[str]) -> int:
    """The age an opportunity asks for, or 18 when it means driving (whatever it says)."""
    codes = list(requirements)
    if "own_car" in codes or any(code.startswith("licence:") for code in codes):
        return max(min_age, DRIVING_MIN_AGE)
    return min_age


def nearby_points(km: float, limit_km: float) -> int:
    return round(NEARBY_POINTS * (1 - km / limit_km)) if limit_km > 0 else NEARBY_POINTS


def free_places_points(shift: ShiftFacts) -> int:
    if shift.capacity <= 0:
        return 0
    return round(FREE_PLACES_POINTS * max(shift.capacity - shift.seats_taken, 0) / shift.capacity)


def qualification_gate(volunteer: VolunteerFacts, shift: ShiftFacts, *, no_show_limit: int = 2) -> Gate:
    excluded: list[str] = []
    why: list[str] = []
    approval = False
    score = 0
    min_age = min_age_for(shift)
    if age_in(shift.start.year, volunteer.birth_year) < min_age:
        excluded.append(f"age_below:{min_age}")

    for requirement in shift.requirements:
        kind, _, rest = requirement.partition(":")
        if kind == "licence" and rest not in volunteer.licence_classes:
            excluded.append(f"licence_missing:{rest}")
        elif kind == "own_car" and not volunteer.own_car:
            excluded.append("own_car_missing")
        elif kind == "first_aid" and not volunteer.first_aid:
            excluded.append("first_aid_missing")
        elif kind == "lang":
            code, _, level = rest.partition(":")
            if level_at_least(volunteer.languages.get(code), level):
                why.append(f"language:{code}")
                score += LANGUAGE_POINTS
            else:
                excluded.append(f"language_below:{code}:{level}")
        elif kind == "skill":
            if rest in volunteer.skills:
                why.append(f"skill:{rest}")
                score += SKILL_POINTS
        elif kind == "efz":
            status = efz_status(volunteer.efz, shift.organisation_id, shift.start.date())
            if status == "unverified":
                approval = True
                why.append("efz_to_be_inspected")
            elif status != "valid":
                excluded.append(f"efz_{status}")
    if volunteer.no_shows >= no_show_limit:
        approval = True
        why.append("approval_after_no_shows")
    return Gate(tuple(excluded), approval, tuple(why), score)


def evaluate(
    volunteer: VolunteerFacts,
    shift: ShiftFacts,
    *,
    mode: DistanceMode = DistanceMode.STRAIGHT,
    partial_time: bool = False,
    no_show_limit: int = 2,
) -> Fit:
    """The qualification gate, then time and distance (for search: a person may still sign up for a shift
    outside their usual times or radius)."""
    gate = qualification_gate(volunteer, shift, no_show_limit=no_show_limit)
    excluded = list(gate.excluded)
    why = list(gate.reasons)
    approval = gate.needs_approval
    score = gate.score

    timing = _time_fit(volunteer, shift)
    if timing == "outside" or (timing == "partial" and not partial_time):
        excluded.append("outside_availability")
    elif timing == "partial":
        why.append("availability_partial")
    elif timing == "fits":
        why.append("availability")
        score += AVAILABILITY_POINTS

    km: float | None = None
    if shift.remote:
        why.append("remote")
        score += REMOTE_POINTS
    elif shift.district_wide:
        why.append("district_wide")
        score += DISTRICT_WIDE_POINTS
    elif volunteer.home is None or shift.site is None:
        excluded.append("no_location")
    else:
        km = round(distance_km(volunteer.home, shift.site, mode), 1)
        limit = volunteer.radius_km if shift.max_radius_km is None else min(volunteer.radius_km, shift.max_radius_km)
        if km > limit:
            excluded.append("outside_radius")
        else:
            why.append("nearby")
            score += nearby_points(km, limit)

    score += free_places_points(shift)
    if excluded:
        return Fit(False, False, 0, tuple(excluded), km)
    return Fit(True, approval, min(score, MAX_SCORE), tuple(why), km)


def rank_key(fit: Fit, shift: ShiftFacts) -> tuple[int, datetime, str]:
    """Best first; equal scores by start time, then id, so the order never depends on the database."""
    return -fit.score, shift.start, shift.shift_id


def ranked(fits: Sequence[tuple[Fit, ShiftFacts]]) -> list[tuple[Fit, ShiftFacts]]:
    return sorted(fits, key=lambda pair: rank_key(*pair))
