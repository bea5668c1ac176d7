"""Volunteer profiles, recorded certificate inspections and the personal calendar link."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import date
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from platformkit import audit
from platformkit.auth import Principal
from platformkit.db import utcnow
from platformkit.problems import ProblemError
from volunteers.domain.matching import EfzSource
from volunteers.models import EfzRecord, Volunteer


async def get(session: AsyncSession, person_id: uuid.UUID) -> Volunteer | None:
    return (await session.exec(select(Volunteer).where(col(Volunteer.person_id) == person_id)
                               .execution_options(populate_existing=True))).first()


async def save(session: AsyncSession, *, person_id: uuid.UUID, values: dict[str, Any], by: Principal) -> Volunteer:
    volunteer = await get(session, person_id)
    if volunteer is None:
        volunteer = Volunteer(person_id=person_id, **values)
    else:
        for key, value in values.items():
            setattr(volunteer, key, value)
        volunteer.archived_at = None
        volunteer.archive_warned_at = None
    volunteer.last_active_at = utcnow()
    session.add(volunteer)
    audit.record(session, by=by, action="profile.saved", subject_kind="volunteer", subject_id=person_id)
    await session.flush()
    return volunteer


async def record_efz(session: AsyncSession, *, person_id: uuid.UUID, source: EfzSource,
                     organisation_id: uuid.UUID | None, certificate_date: date, inspected_on: date,
                     no_exclusion: bool, share_consent: bool, by: Principal) -> EfzRecord:
    """Keep only that the certificate was seen, its date and the yes/no: one record per inspecting body."""
    if await get(session, person_id) is None:
        raise ProblemError(404, "VOLUNTEER_NOT_FOUND", "No such volunteer.")
    existing = (await session.exec(select(EfzRecord).where(
        col(EfzRecord.person_id) == person_id, col(EfzRecord.inspected_by_kind) == source.value,
        col(EfzRecord.organisation_id) == organisation_id if organisation_id else
        col(EfzRecord.organisation_id).is_(None)))).first()
    record = existing or EfzRecord(person_id=person_id, inspected_by_kind=source.value,
                                   organisation_id=organisation_id, certificate_date=certificate_date,
                                   inspected_on=inspected_on, no_exclusion=no_exclusion, recorded_by="")
    record.certificate_date, record.inspected_on = certificate_date, inspected_on
    record.no_exclusion, record.share_consent = no_exclusion, share_consent
    record.recorded_by = audit.actor_of(by)[0]
    record.recorded_at = utcnow()
    session.add(record)
    audit.record(session, by=by, action="efz.recorded", subject_kind="volunteer", subject_id=person_id,
                 source=source.value)
    await session.flush()
    return record


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def new_calendar_token(session: AsyncSession, volunteer: Volunteer) -> str:
    """A new secret link; the previous one stops working. Only its hash is kept."""
    token = secrets.token_urlsafe(32)
    volunteer.calendar_token_hash = _token_hash(token)
    session.add(volunteer)
    await session.flush()
    return token


async def by_calendar_token(session: AsyncSession, token: str) -> Volunteer | None:
    if not 20 <= len(token) <= 100:
        return None
    return (await session.exec(select(Volunteer).where(
        col(Volunteer.calendar_token_hash) == _token_hash(token)))).first()
