"""Rows turned into the domain's facts (matching.VolunteerFacts / ShiftFacts)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

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


def volunteer_facts(volunteer: Volunteer, efz: Iterable[EfzRecord] = ()) -> VolunteerFacts:
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
