"""Inactive profiles are archived after `archive_after_days` (JeVeuxAider's three years), with a warning
`archive_warning_days` before: the profile is hidden from organisations and emptied of contact data and
qualifications; sign-ups still on a list, and commitments that hold a place or a pledge, end. Logging in
and saving the profile again brings it back."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from volunteers.config import VolunteersSettings
from volunteers.crud import commitments
from volunteers.crud._sql import execute
from volunteers.crud.notices import tell
from volunteers.crud.signups import release
from volunteers.domain import texts_de as texts
from volunteers.domain.commitments import HOLDING_STATES as COMMITMENT_HOLDING_STATES
from volunteers.domain.signups import ON_LIST_STATES, SignupState
from volunteers.domain.timing import local
from volunteers.models import Commitment, EfzRecord, Opportunity, Signup, Volunteer


async def archive_inactive(session: AsyncSession, settings: VolunteersSettings, now: datetime) -> dict[str, int]:
    archive_before = now - timedelta(days=settings.archive_after_days)
    warn_before = archive_before + timedelta(days=settings.archive_warning_days)
    warn = (await session.exec(select(Volunteer).where(
        col(Volunteer.archived_at).is_(None), col(Volunteer.archive_warned_at).is_(None),
        col(Volunteer.last_active_at) < warn_before))).all()
    for volunteer in warn:
        until = volunteer.last_active_at + timedelta(days=settings.archive_after_days)
        await tell(session, volunteer.person_id, what="archive_warning", title=texts.ARCHIVE_WARNING,
                   body=texts.ARCHIVE_WARNING_BODY.format(until=f"{local(until):%d.%m.%Y}"),
                   key=f"profile:{volunteer.person_id}:archive-warning:{volunteer.last_active_at.date()}",
                   link="/volunteering/profile")
        await execute(session, update(Volunteer).where(col(Volunteer.person_id) == volunteer.person_id)
                      .values(archive_warned_at=now))
    # Archived only after the warning had its time, even if the warning step ran late.
    due = (await session.exec(select(Volunteer.person_id).where(
        col(Volunteer.archived_at).is_(None), col(Volunteer.last_active_at) < archive_before,
        col(Volunteer.archive_warned_at).is_not(None),
        col(Volunteer.archive_warned_at) <= now - timedelta(days=settings.archive_warning_days)))).all()
    for person_id in due:
        still_on = sorted(ON_LIST_STATES - {SignupState.CHECKED_IN.value})
        for signup in (await session.exec(select(Signup).where(
                col(Signup.person_id) == person_id, col(Signup.state).in_(still_on)))).all():
            await release(session, settings.promotion, signup, SignupState.CANCELLED_BY_VOLUNTEER, now, by=None)
        for commitment, opportunity in (await session.exec(select(Commitment, Opportunity).join(
                Opportunity, col(Opportunity.id) == col(Commitment.opportunity_id)).where(
                col(Commitment.person_id) == person_id,
                col(Commitment.state).in_(sorted(COMMITMENT_HOLDING_STATES))))).all():
            await commitments.end(session, commitment, opportunity, SignupState.CANCELLED_BY_VOLUNTEER, now, by=None)
        await execute(session, delete(EfzRecord).where(col(EfzRecord.person_id) == person_id))
        await execute(session, update(Volunteer).where(col(Volunteer.person_id) == person_id).values(
            archived_at=now, visible_to_orgs=False, contact_email=None, contact_phone=None, skills=[],
            languages={}, licence_classes=[], availability=[], calendar_token_hash=None))
    return {"warned": len(warn), "archived": len(due)}
