"""Opportunities and their shifts: creating and publishing, shifts from local wall times and weekly
series, moving and cancelling shifts (telling only the people it concerns), capacity changes."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from eventcontracts.volunteers import SignupCancelledV1
from platformkit import audit
from platformkit.auth import Principal
from platformkit.events import publish
from platformkit.problems import ProblemError
from volunteers.config import VolunteersSettings
from volunteers.crud._sql import execute
from volunteers.crud.notices import tell, when
from volunteers.crud.organisations import publish_opportunity
from volunteers.crud.signups import fill_free_seats, held_spans, move
from volunteers.domain import texts_de as texts
from volunteers.domain.organisations import OrgState
from volunteers.domain.signups import HOLDING_STATES, SignupState, Span, check_overlap
from volunteers.domain.timing import local_slot, parse_hhmm, weekly_occurrences
from volunteers.models import Opportunity, Organisation, Shift, ShiftSeries, Signup

# A shift moved by less than this is not worth a message (volunteer-planner's 5 minutes).
CHANGE_NOTICE_GRACE = timedelta(minutes=5)
LINK = "/volunteering/my-shifts"


async def publish_or_queue(session: AsyncSession, *, opportunity: Opportunity, organisation: Organisation,
                           by: Principal, now: datetime) -> bool:
    """Publish at once for a verified organisation (True); otherwise the wish is kept: the opportunity
    waits for the verification and goes live with it (False)."""
    if opportunity.state == "published":
        return True
    if opportunity.state == "closed":
        raise ProblemError(409, "OPPORTUNITY_CLOSED", "This opportunity is closed.")
    if organisation.state == OrgState.VERIFIED:
        await publish_opportunity(session, opportunity, now)
        audit.record(session, by=by, action="opportunity.published", subject_kind="opportunity",
                     subject_id=opportunity.id)
        return True
    opportunity.state = "awaiting_verification"
    session.add(opportunity)
    audit.record(session, by=by, action="opportunity.queued", subject_kind="opportunity", subject_id=opportunity.id)
    return False


async def add_shift(session: AsyncSession, *, opportunity: Opportunity, start_at: datetime, end_at: datetime,
                    capacity: int, waitlist_enabled: bool, waitlist_limit: int | None, by: Principal,
                    now: datetime) -> Shift:
    if end_at <= start_at:
        raise ProblemError(422, "SHIFT_ENDS_BEFORE_START", "A shift ends after it starts.", field="body.end")
    if start_at <= now:
        raise ProblemError(422, "SHIFT_IN_PAST", "A new shift lies in the future.", field="body.start")
    shift = Shift(opportunity_id=opportunity.id, organisation_id=opportunity.organisation_id, start_at=start_at,
                  end_at=end_at, capacity=capacity, waitlist_enabled=waitlist_enabled, waitlist_limit=waitlist_limit)
    session.add(shift)
    await session.flush()
    audit.record(session, by=by, action="shift.created", subject_kind="shift", subject_id=shift.id)
    return shift


async def add_series(session: AsyncSession, *, settings: VolunteersSettings, opportunity: Opportunity,
                     weekday: int, local_start: str, local_end: str, capacity: int, waitlist_enabled: bool,
                     valid_from: date, valid_until: date | None, by: Principal, now: datetime) -> ShiftSeries:
    series = ShiftSeries(opportunity_id=opportunity.id, weekday=weekday, local_start=local_start,
                         local_end=local_end, capacity=capacity, waitlist_enabled=waitlist_enabled,
                         valid_from=valid_from, valid_until=valid_until)
    session.add(series)
    await session.flush()
    audit.record(session, by=by, action="series.created", subject_kind="opportunity", subject_id=opportunity.id)
    await generate(session, series=series, organisation_id=opportunity.organisation_id,
                   horizon_end=now.date() + timedelta(days=settings.series_horizon_days), now=now)
    return series


async def generate(session: AsyncSession, *, series: ShiftSeries, organisation_id: uuid.UUID, horizon_end: date,
                   now: datetime) -> int:
    """Create the series' shifts up to `horizon_end`; idempotent: an occurrence that exists (or existed
    and was cancelled) is left alone, by the unique (series_id, occurrence_date)."""
    connection = await session.connection()
    insert = postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert
    created = 0
    for day, start, end in weekly_occurrences(series.weekday, parse_hhmm(series.local_start),
                                              parse_hhmm(series.local_end), series.valid_from, series.valid_until,
                                              horizon_end, series.zone):
        if start <= now:
            continue
        weekday, start_minute, end_minute = local_slot(start, end, series.zone)
        result = await connection.execute(
            insert(Shift).values(
                id=uuid.uuid4(), opportunity_id=series.opportunity_id, organisation_id=organisation_id,
                series_id=series.id, occurrence_date=day, start_at=start, end_at=end, zone=series.zone,
                capacity=series.capacity, seats_taken=0, waitlist_enabled=series.waitlist_enabled,
                waitlist_count=0, waitlist_last_rank=0, state="scheduled", version=1, revision=0,
                created_at=now,
                local_weekday=weekday, local_start_minute=start_minute, local_end_minute=end_minute,
            ).on_conflict_do_nothing(index_elements=["series_id", "occurrence_date"]).returning(col(Shift.id))
        )
        created += len(result.all())
    return created


async def generate_all(session: AsyncSession, settings: VolunteersSettings, now: datetime) -> int:
    rows = (await session.exec(select(ShiftSeries, Opportunity.organisation_id).join(
        Opportunity, col(Opportunity.id) == col(ShiftSeries.opportunity_id)).where(
        col(Opportunity.state) != "closed"))).all()
    horizon = now.date() + timedelta(days=settings.series_horizon_days)
    return sum([await generate(session, series=series, organisation_id=organisation_id, horizon_end=horizon, now=now)
                for series, organisation_id in rows])


async def _people_on(session: AsyncSession, shift_id: uuid.UUID, states: frozenset[str] | set[str]) -> list[Any]:
    return list((await session.exec(select(Signup.id, Signup.person_id, Signup.state).where(
        col(Signup.shift_id) == shift_id, col(Signup.state).in_(sorted(states))))).all())


async def change_shift(session: AsyncSession, *, settings: VolunteersSettings, shift: Shift, opportunity: Opportunity,
                       start_at: datetime | None, end_at: datetime | None, capacity: int | None, by: Principal,
                       now: datetime) -> Shift:
    if shift.state != "scheduled":
        raise ProblemError(409, "SHIFT_CANCELLED", "This shift was cancelled.")
    new_start, new_end = start_at or shift.start_at, end_at or shift.end_at
    if new_end <= new_start:
        raise ProblemError(422, "SHIFT_ENDS_BEFORE_START", "A shift ends after it starts.", field="body.end")
    moved = abs(new_start - shift.start_at) > CHANGE_NOTICE_GRACE or abs(new_end - shift.end_at) > CHANGE_NOTICE_GRACE
    old_capacity = shift.capacity
    before = {"start": shift.start_at, "end": shift.end_at, "capacity": old_capacity}
    weekday, start_minute, end_minute = local_slot(new_start, new_end, shift.zone)
    values: dict[str, Any] = {"start_at": new_start, "end_at": new_end, "local_weekday": weekday,
                              "local_start_minute": start_minute, "local_end_minute": end_minute}
    if moved:
        values["version"] = col(Shift.version) + 1
    if (new_start, new_end) != (shift.start_at, shift.end_at):  # the calendar shows even a small move
        values["revision"] = col(Shift.revision) + 1
        values["changed_at"] = now
    if capacity is not None:
        values["capacity"] = capacity
    await execute(session, update(Shift).where(col(Shift.id) == shift.id).values(**values))
    audit.record(session, by=by, action="shift.changed", subject_kind="shift", subject_id=shift.id,
                 details={f"{key}_before": value for key, value in before.items()}, moved=moved)
    fresh = (await session.exec(select(Shift).where(col(Shift.id) == shift.id)
                                .execution_options(populate_existing=True))).one()
    if moved:
        new = Span(str(shift.id), new_start, new_end)
        grace = timedelta(minutes=settings.overlap_grace_minutes)
        for signup_id, person_id, _state in await _people_on(session, shift.id, HOLDING_STATES):
            # The move may now collide with another of the person's shifts: they are told, not taken off.
            clash = check_overlap(new, await held_spans(session, person_id, now, excluding=shift.id), grace)
            body = texts.SHIFT_CHANGED_BODY.format(when=when(fresh))
            await tell(session, person_id, what="shift_changed",
                       title=texts.SHIFT_CHANGED.format(title=opportunity.title),
                       body=body + (" " + texts.SHIFT_CHANGED_OVERLAP if clash.conflicts else ""),
                       key=f"signup:{signup_id}:changed:v{fresh.version}", link=LINK)
    if capacity is not None and capacity > old_capacity:
        await fill_free_seats(session, settings.promotion, shift.id, now)
        fresh = (await session.exec(select(Shift).where(col(Shift.id) == shift.id)
                                    .execution_options(populate_existing=True))).one()
    return fresh


async def cancel_shift(session: AsyncSession, *, shift: Shift, opportunity: Opportunity, by: Principal,
                       now: datetime) -> None:
    """Cancel a shift: people with a place are told it is off, waitlisted people get a shorter note; a
    shift in the past is only marked, nobody is told."""
    if shift.state != "scheduled":
        return
    await execute(session, update(Shift).where(col(Shift.id) == shift.id).values(
        state="cancelled", seats_taken=0, waitlist_count=0, revision=col(Shift.revision) + 1, changed_at=now))
    audit.record(session, by=by, action="shift.cancelled", subject_kind="shift", subject_id=shift.id)
    if shift.end_at <= now:
        return
    waitlisted = {SignupState.WAITLISTED.value}
    for signup_id, person_id, state in await _people_on(session, shift.id, HOLDING_STATES | waitlisted):
        if not await move(session, signup_id, {state}, SignupState.CANCELLED_BY_ORG, now):
            continue
        await publish(session, SignupCancelledV1(
            signup_id=signup_id, shift_id=shift.id, organisation_id=shift.organisation_id, person_id=person_id,
            reason=SignupState.CANCELLED_BY_ORG.value, cancelled_at=now))
        title, body = (texts.WAITLIST_CANCELLED, texts.WAITLIST_CANCELLED_BODY) if state in waitlisted else (
            texts.SHIFT_CANCELLED, texts.SHIFT_CANCELLED_BODY)
        await tell(session, person_id, what="shift_cancelled", title=title.format(title=opportunity.title),
                   body=body.format(when=when(shift)), key=f"signup:{signup_id}:shift-cancelled", link=LINK)
