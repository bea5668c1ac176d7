"""Rows turned into the domain's facts (matching.VolunteerFacts / ShiftFacts)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from volunteers.crud.villages import point
from volunteers.domain.matching import Efz, EfzSource, ShiftFacts, VolunteerFacts, Window
from volunteers.domain.timing import parse_hhmm
from volunteers.models import EfzRecord, Opportunity, Shift, Volunteer


def efz_of(record: EfzRecord) -> Efz:
    return Efz(
        source=EfzSource(record.inspected_by_kind),
        organisation_id=str(record.organisation_id) if record.organisation_id else None,
        certificate_date=record.certificate_date,
        inspected_on=record.inspected_on,
        no_exclusion=record.no_exclusion,
        share_consent=record.share_consent,
    )


class ProfileLike(Protocol):
    """A Volunteer row, or a result row with its matching columns (PROFILE_COLUMNS)."""

    @property
    def person_id(self) -> uuid.UUID: ...
    @property
    def birth_year(self) -> int | None: ...
    @property
    def home_village_id(self) -> str | None: ...
    @property
    def radius_km(self) -> float: ...
    @property
    def availability(self) -> Sequence[dict[str, Any]]: ...
    @property
    def languages(self) -> dict[str, str]: ...
    @property
    def skills(self) -> Sequence[str]: ...
    @property
    def licence_classes(self) -> Sequence[str]: ...
    @property
    def own_car(self) -> bool: ...
    @property
    def first_aid(self) -> bool: ...
    @property
    def no_show_count(self) -> int: ...


# What matching reads of a profile: selected as columns, not entities, when many are scored.
PROFILE_COLUMNS: tuple[Any, ...] = (
    Volunteer.person_id, Volunteer.display_name, Volunteer.birth_year, Volunteer.home_village_id,
    Volunteer.radius_km, Volunteer.availability, Volunteer.languages, Volunteer.skills,
    Volunteer.licence_classes, Volunteer.own_car, Volunteer.first_aid, Volunteer.no_show_count,
)
# What matching reads of a shift and its opportunity.
SHIFT_COLUMNS: tuple[Any, ...] = (
    Shift.id, Shift.organisation_id, Shift.start_at, Shift.end_at, Shift.zone, Shift.capacity,
    Shift.seats_taken, Opportunity.village_id, Opportunity.requirements, Opportunity.min_age,
    Opportunity.remote, Opportunity.district_wide, Opportunity.max_radius_km,
)


def volunteer_facts(volunteer: ProfileLike, efz: Iterable[EfzRecord] = ()) -> VolunteerFacts:
    return VolunteerFacts(
        person_id=str(volunteer.person_id),
        birth_year=volunteer.birth_year or 9999,
        home=point(volunteer.home_village_id),
        radius_km=volunteer.radius_km,
        windows=tuple(
            Window(int(w["weekday"]), parse_hhmm(str(w["start"])), parse_hhmm(str(w["end"])))
            for w in volunteer.availability
        ),
        languages=dict(volunteer.languages),
        skills=frozenset(volunteer.skills),
        licence_classes=frozenset(volunteer.licence_classes),
        own_car=volunteer.own_car,
        first_aid=volunteer.first_aid,
        efz=tuple(efz_of(record) for record in efz),
        no_shows=volunteer.no_show_count,
    )


async def efz_records(session: AsyncSession, person_id: uuid.UUID) -> list[EfzRecord]:
    return list((await session.exec(select(EfzRecord).where(col(EfzRecord.person_id) == person_id))).all())


def shift_facts_of_row(row: Any) -> ShiftFacts:
    """From a result row of SHIFT_COLUMNS."""
    return ShiftFacts(
        shift_id=str(row.id), organisation_id=str(row.organisation_id), start=row.start_at, end=row.end_at,
        zone=row.zone, site=point(row.village_id), requirements=tuple(row.requirements), min_age=row.min_age,
        remote=row.remote, district_wide=row.district_wide, max_radius_km=row.max_radius_km,
        capacity=row.capacity, seats_taken=row.seats_taken,
    )


def shift_facts(shift: Shift, opportunity: Opportunity) -> ShiftFacts:
    return ShiftFacts(
        shift_id=str(shift.id),
        organisation_id=str(shift.organisation_id),
        start=shift.start_at,
        end=shift.end_at,
        zone=shift.zone,
        site=point(opportunity.village_id),
        requirements=tuple(opportunity.requirements),
        min_age=opportunity.min_age,
        remote=opportunity.remote,
        district_wide=opportunity.district_wide,
        max_radius_km=opportunity.max_radius_km,
        capacity=shift.capacity,
        seats_taken=shift.seats_taken,
    )


def commitment_facts(opportunity: Opportunity, now: datetime) -> ShiftFacts:
    """An ongoing commitment as the qualification gate sees it: it begins now (age and certificates are
    judged today) and has no time window of its own."""
    return ShiftFacts(
        shift_id=str(opportunity.id),
        organisation_id=str(opportunity.organisation_id),
        start=now,
        end=now,
        zone="Europe/Berlin",
        site=point(opportunity.village_id),
        requirements=tuple(opportunity.requirements),
        min_age=opportunity.min_age,
        remote=opportunity.remote,
        district_wide=opportunity.district_wide,
        max_radius_km=opportunity.max_radius_km,
        capacity=opportunity.capacity or 0,
        seats_taken=opportunity.taken,
    )
