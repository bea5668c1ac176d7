"""Opportunities: the public list and page, publishing (or queueing until the organisation is verified),
shifts from local wall times, weekly series."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from sqlmodel import col, select

from platformkit.auth import Principal, PrincipalDep
from platformkit.db import utcnow
from platformkit.deps import ReadSessionDep, SessionDep
from platformkit.problems import ProblemError
from volunteers.api.deps import SettingsDep
from volunteers.api.views import opportunity_out, shift_out
from volunteers.crud import commitments, organisations, shifts
from volunteers.crud.search import public_shifts
from volunteers.domain.organisations import MemberRole, is_public
from volunteers.domain.timing import LocalTimeError, Occurrence, to_utc
from volunteers.models import Opportunity, Organisation, Shift
from volunteers.schemas import OpportunityChangeIn, OpportunityOut, SeriesIn, SeriesOut, ShiftIn, ShiftOut

router = APIRouter(prefix="/opportunities", tags=["opportunities"])


def instant(value: datetime, occurrence: str | None, *, field: str) -> datetime:
    """A wall-clock time in Europe/Berlin (or an instant, if it carries an offset) as UTC."""
    if value.tzinfo is not None:
        return value.astimezone(UTC)
    try:
        return to_utc(value, occurrence=Occurrence(occurrence) if occurrence else None)
    except LocalTimeError as error:
        raise ProblemError(422, error.code, str(error), field=field) from None


async def opportunity_for_member(session: ReadSessionDep | SessionDep, opportunity_id: uuid.UUID,
                                 principal: Principal, needed: MemberRole) -> tuple[Opportunity, Organisation]:
    opportunity = await session.get(Opportunity, opportunity_id)
    if opportunity is None:
        raise ProblemError(404, "OPPORTUNITY_NOT_FOUND", "No such opportunity.")
    try:
        organisation = await organisations.for_member(session, opportunity.organisation_id, principal, needed)
    except ProblemError as error:
        if error.status == 404:
            raise ProblemError(404, "OPPORTUNITY_NOT_FOUND", "No such opportunity.") from None
        raise
    return opportunity, organisation


@router.get("", response_model=list[OpportunityOut])
async def list_public(session: ReadSessionDep,
                      category: Annotated[str | None, Query(max_length=40)] = None,
                      village_id: Annotated[str | None, Query(max_length=80)] = None,
                      kind: Annotated[Literal["shifts", "ongoing", "one_off", "material"] | None, Query()] = None,
                      ) -> list[OpportunityOut]:
    """Published opportunities of verified organisations (nothing else is public)."""
    statement = select(Opportunity, Organisation).join(
        Organisation, col(Organisation.id) == col(Opportunity.organisation_id)).where(
        col(Organisation.state) == "verified", col(Opportunity.state) == "published")
    if category:
        statement = statement.where(col(Opportunity.category) == category)
    if village_id:
        statement = statement.where(col(Opportunity.village_id) == village_id)
    if kind:
        statement = statement.where(col(Opportunity.kind) == kind)
    rows = (await session.exec(statement.order_by(col(Opportunity.title), col(Opportunity.id)).limit(200))).all()
    return [opportunity_out(o, org, show_address=False) for o, org in rows]


@router.get("/{opportunity_id}", response_model=OpportunityOut)
async def show(opportunity_id: uuid.UUID, session: ReadSessionDep, principal: PrincipalDep) -> OpportunityOut:
    row = (await session.exec(select(Opportunity, Organisation).join(
        Organisation, col(Organisation.id) == col(Opportunity.organisation_id)).where(
        col(Opportunity.id) == opportunity_id))).first()
    if row is not None:
        opportunity, organisation = row
        member = await organisations.role_in(session, organisation.id, principal)
        if member is not None or (is_public(organisation.state) and opportunity.state == "published"):
            return opportunity_out(opportunity, organisation, show_address=member is not None)
    raise ProblemError(404, "OPPORTUNITY_NOT_FOUND", "No such opportunity.")


@router.patch("/{opportunity_id}", response_model=OpportunityOut)
async def change(opportunity_id: uuid.UUID, body: OpportunityChangeIn, principal: PrincipalDep,
                 session: SessionDep) -> OpportunityOut:
    """Change an ongoing commitment's places or a material donation's wanted total, also after publishing;
    409 CAPACITY_BELOW_TAKEN (`taken`) when more than that is already taken."""
    opportunity, organisation = await opportunity_for_member(session, opportunity_id, principal,
                                                             MemberRole.COORDINATOR)
    if "capacity" in body.model_fields_set:
        opportunity = await commitments.change_capacity(session, opportunity=opportunity, capacity=body.capacity,
                                                        by=principal)
        await session.commit()
    return opportunity_out(opportunity, organisation, show_address=True)


@router.post("/{opportunity_id}/publish", response_model=OpportunityOut)
async def publish(opportunity_id: uuid.UUID, principal: PrincipalDep, session: SessionDep) -> OpportunityOut:
    """Publish now; for an organisation the district has not verified yet this is refused with 403
    ORGANISATION_NOT_VERIFIED, and the opportunity is kept waiting: it goes live with the verification."""
    opportunity, organisation = await opportunity_for_member(session, opportunity_id, principal,
                                                             MemberRole.COORDINATOR)
    published = await shifts.publish_or_queue(session, opportunity=opportunity, organisation=organisation,
                                              by=principal, now=utcnow())
    await session.commit()
    if not published:
        raise ProblemError(403, "ORGANISATION_NOT_VERIFIED",
                           "Träger noch nicht geprüft: the opportunity goes live once the district has verified "
                           "the organisation.", extra={"state": opportunity.state})
    return opportunity_out(opportunity, organisation, show_address=True)


@router.post("/{opportunity_id}/shifts", status_code=201, response_model=ShiftOut)
async def add_shift(opportunity_id: uuid.UUID, body: ShiftIn, principal: PrincipalDep, session: SessionDep,
                    ) -> ShiftOut:
    opportunity, organisation = await opportunity_for_member(session, opportunity_id, principal,
                                                             MemberRole.COORDINATOR)
    start = instant(body.start, body.start_occurrence, field="body.start")
    end = instant(body.end, body.end_occurrence, field="body.end")
    shift = await shifts.add_shift(session, opportunity=opportunity, start_at=start, end_at=end,
                                   capacity=body.capacity, waitlist_enabled=body.waitlist_enabled,
                                   waitlist_limit=body.waitlist_limit, by=principal, now=utcnow())
    await session.commit()
    return shift_out(shift, opportunity, organisation.name, show_address=True)


@router.post("/{opportunity_id}/series", status_code=201, response_model=SeriesOut)
async def add_series(opportunity_id: uuid.UUID, body: SeriesIn, principal: PrincipalDep, session: SessionDep,
                     settings: SettingsDep) -> JSONResponse:
    """A weekly shift at a local wall time; shifts are created ahead (series_horizon_days) and topped up
    daily, never twice for one date."""
    opportunity, _ = await opportunity_for_member(session, opportunity_id, principal, MemberRole.COORDINATOR)
    if body.local_start == body.local_end:
        raise ProblemError(422, "SHIFT_ENDS_BEFORE_START", "A shift ends after it starts.", field="body.local_end")
    now = utcnow()
    series = await shifts.add_series(session, settings=settings, opportunity=opportunity, by=principal, now=now,
                                     **body.model_dump())
    created = len((await session.exec(select(Shift.id).where(col(Shift.series_id) == series.id))).all())
    await session.commit()
    return JSONResponse(SeriesOut(id=series.id, shifts_created=created).model_dump(mode="json"), status_code=201)


@router.get("/{opportunity_id}/shifts", response_model=list[ShiftOut])
async def upcoming_shifts(opportunity_id: uuid.UUID, session: ReadSessionDep, principal: PrincipalDep,
                          settings: SettingsDep, ended: Annotated[bool, Query()] = False) -> list[ShiftOut]:
    """Upcoming shifts: public ones for everyone; the organisation's members also see them before
    publication. `ended=true`, for members: the shifts that ended within `contact_release_days`, latest
    first — after a shift its coordinators still correct hours and no-shows on its list (others get [])."""
    opportunity = await session.get(Opportunity, opportunity_id)
    member = await organisations.role_in(session, opportunity.organisation_id, principal) if opportunity else None
    if member is not None and opportunity is not None:
        organisation = await session.get(Organisation, opportunity.organisation_id)
        assert organisation is not None
        now = utcnow()
        if ended:
            since = now - timedelta(days=settings.contact_release_days)
            which = select(Shift).where(col(Shift.opportunity_id) == opportunity_id, col(Shift.end_at) <= now,
                                        col(Shift.end_at) > since).order_by(col(Shift.start_at).desc())
        else:
            which = select(Shift).where(col(Shift.opportunity_id) == opportunity_id,
                                        col(Shift.end_at) > now).order_by(col(Shift.start_at))
        return [shift_out(s, opportunity, organisation.name, show_address=True)
                for s in (await session.exec(which)).all()]
    statement = public_shifts().where(
        col(Shift.opportunity_id) == opportunity_id, col(Shift.start_at) > utcnow()).order_by(col(Shift.start_at))
    found = (await session.exec(statement)).all()
    if not found and (opportunity is None or opportunity.state != "published"):
        raise ProblemError(404, "OPPORTUNITY_NOT_FOUND", "No such opportunity.")
    if ended:
        return []
    names = {o.id: o.name for o in (await session.exec(select(Organisation).where(
        col(Organisation.id).in_({s.organisation_id for s, _ in found})))).all()}
    return [shift_out(s, o, names[s.organisation_id]) for s, o in found]
