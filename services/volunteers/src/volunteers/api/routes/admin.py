"""District staff (the Freiwilligenagentur): the verification queue and decisions, reports, help
requests entered for people without a smartphone, statistics, certificate inspections."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from sqlmodel import col, select

from platformkit.db import utcnow
from platformkit.deps import ReadSessionDep, SessionDep
from platformkit.problems import ProblemError
from volunteers.api.deps import HelpDeskDep, SettingsDep, VerifierDep
from volunteers.api.views import help_out, organisation_out
from volunteers.crud import organisations, profiles
from volunteers.crud import statistics as stats_crud
from volunteers.domain.matching import EfzSource
from volunteers.domain.organisations import QUEUE_STATES, STAFF_ACTIONS, OrgAction
from volunteers.domain.timing import local_days
from volunteers.models import HelpRequest, Organisation, OrgReport
from volunteers.schemas import (
    EfzIn,
    HelpRequestOut,
    OrganisationOut,
    ReportOut,
    ResolveIn,
    StaffDecisionIn,
    StatisticsOut,
)

router = APIRouter(prefix="/admin", tags=["admin"])


@router.get("/organisations", response_model=list[OrganisationOut])
async def queue(_staff: VerifierDep, session: ReadSessionDep,
                state: Annotated[str | None, Query(pattern=r"^[a-z_]{1,16}$")] = None) -> list[OrganisationOut]:
    """The verification queue (submitted and in review, oldest first), or all organisations in `state`."""
    states = (state,) if state else QUEUE_STATES
    rows = (await session.exec(select(Organisation).where(col(Organisation.state).in_(states))
                               .order_by(col(Organisation.created_at), col(Organisation.id)).limit(500))).all()
    return [organisation_out(o) for o in rows]


@router.post("/organisations/{organisation_id}/{action}", response_model=OrganisationOut)
async def decide(organisation_id: uuid.UUID, action: OrgAction, body: StaffDecisionIn, staff: VerifierDep,
                 session: SessionDep, settings: SettingsDep) -> OrganisationOut:
    """review, verify or suspend (suspension unpublishes everything and ends future sign-ups)."""
    if action not in STAFF_ACTIONS:
        raise ProblemError(404, "NOT_FOUND", "No such staff action.")
    organisation = await session.get(Organisation, organisation_id)
    if organisation is None:
        raise ProblemError(404, "ORGANISATION_NOT_FOUND", "No such organisation.")
    await organisations.act(session, settings=settings, organisation=organisation, action=action, by=staff,
                            now=utcnow(), reason=body.reason)
    await session.commit()
    return organisation_out(organisation)


@router.get("/reports", response_model=list[ReportOut])
async def reports(_staff: VerifierDep, session: ReadSessionDep,
                  open_only: Annotated[bool, Query(alias="open")] = True) -> list[ReportOut]:
    statement = select(OrgReport, Organisation.name).join(
        Organisation, col(Organisation.id) == col(OrgReport.organisation_id))
    if open_only:
        statement = statement.where(col(OrgReport.resolved_at).is_(None))
    rows = (await session.exec(statement.order_by(col(OrgReport.created_at)).limit(500))).all()
    return [ReportOut(id=r.id, organisation_id=r.organisation_id, organisation=org_name, reason=r.reason,
                      created_at=r.created_at, resolved_at=r.resolved_at, resolution=r.resolution)
            for r, org_name in rows]


@router.post("/reports/{report_id}/resolve", status_code=204)
async def resolve(report_id: uuid.UUID, body: ResolveIn, staff: VerifierDep, session: SessionDep) -> None:
    entry = await session.get(OrgReport, report_id)
    if entry is None:
        raise ProblemError(404, "REPORT_NOT_FOUND", "No such report.")
    entry.resolved_at, entry.resolved_by, entry.resolution = utcnow(), staff.sub, body.resolution
    session.add(entry)
    await session.commit()


@router.get("/help-requests", response_model=list[HelpRequestOut])
async def entered_for_people(staff: HelpDeskDep, session: ReadSessionDep) -> list[HelpRequestOut]:
    """Help requests staff entered on behalf of people without a smartphone, newest first."""
    rows = (await session.exec(select(HelpRequest).where(col(HelpRequest.entered_by).is_not(None))
                               .order_by(col(HelpRequest.created_at).desc()).limit(200))).all()
    return [help_out(r, viewer=staff.sub, staff=True) for r in rows]


@router.put("/volunteers/{person_id}/certificate-inspection", status_code=204)
async def record_inspection(person_id: uuid.UUID, body: EfzIn, staff: VerifierDep, session: SessionDep) -> None:
    """The district saw the certificate; with the person's consent it counts for every organisation."""
    await profiles.record_efz(session, person_id=person_id, source=EfzSource.DISTRICT, organisation_id=None,
                              by=staff, **body.model_dump())
    await session.commit()


@router.get("/statistics", response_model=StatisticsOut)
async def statistics(_staff: VerifierDep, session: ReadSessionDep,
                     first: Annotated[date | None, Query(alias="from")] = None,
                     last: Annotated[date | None, Query(alias="to")] = None) -> StatisticsOut:
    """Hours, helpers and villages for the local days `from` to `to` (Europe/Berlin, both included; either
    may be left out): completed shifts, ongoing commitments, pledges, help requests, each person counted
    once. Erased people's past shifts and commitments still count, without them."""
    if first and last and last < first:
        raise ProblemError(422, "PERIOD_INVALID", "The period ends before it starts.", field="query.to")
    found = await stats_crud.collect(session, stats_crud.Period(*local_days(first, last)))
    return StatisticsOut(period_from=first, period_to=last, **vars(found))
