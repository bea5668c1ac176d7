"""Organisations: registration by a person (who becomes its admin), members, submission for
verification, withdrawal, reports by anyone, and the organisation's own opportunities."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from sqlmodel import col, select

from platformkit import audit
from platformkit.auth import PrincipalDep
from platformkit.db import utcnow
from platformkit.deps import ReadSessionDep, SessionDep
from platformkit.problems import ProblemError
from volunteers.api.deps import SettingsDep
from volunteers.api.views import opportunity_out, organisation_out
from volunteers.crud import organisations, profiles
from volunteers.crud.villages import village
from volunteers.domain.commitments import opportunity_problem
from volunteers.domain.matching import EfzSource
from volunteers.domain.organisations import MemberRole, OrgAction, is_public
from volunteers.models import Opportunity, Organisation
from volunteers.schemas import (
    EfzIn,
    MemberIn,
    OpportunityIn,
    OpportunityOut,
    OrganisationIn,
    OrganisationOut,
    ReportIn,
)

router = APIRouter(prefix="/organisations", tags=["organisations"])


@router.post("", status_code=201, response_model=OrganisationOut)
async def register(body: OrganisationIn, principal: PrincipalDep, session: SessionDep) -> OrganisationOut:
    village(body.village_id, field="body.village_id")
    organisation = await organisations.create(session, by=principal, **body.model_dump())
    await session.commit()
    return organisation_out(organisation, MemberRole.ADMIN.value)


@router.get("/mine", response_model=list[OrganisationOut])
async def mine(principal: PrincipalDep, session: ReadSessionDep) -> list[OrganisationOut]:
    return [organisation_out(o, role) for o, role in await organisations.memberships(session, principal)]


@router.get("/{organisation_id}", response_model=OrganisationOut)
async def show(organisation_id: uuid.UUID, principal: PrincipalDep, session: ReadSessionDep) -> OrganisationOut:
    organisation = await session.get(Organisation, organisation_id)
    role = await organisations.role_in(session, organisation_id, principal) if organisation else None
    if organisation is None or (role is None and not is_public(organisation.state)):
        raise ProblemError(404, "ORGANISATION_NOT_FOUND", "No such organisation.")
    return organisation_out(organisation, role.value if role else None)


async def _own_action(organisation_id: uuid.UUID, action: OrgAction, principal: PrincipalDep, session: SessionDep,
                      settings: SettingsDep) -> OrganisationOut:
    organisation = await organisations.for_member(session, organisation_id, principal, MemberRole.ADMIN)
    await organisations.act(session, settings=settings, organisation=organisation, action=action, by=principal,
                            now=utcnow())
    await session.commit()
    return organisation_out(organisation, MemberRole.ADMIN.value)


@router.post("/{organisation_id}/submit", response_model=OrganisationOut)
async def submit(organisation_id: uuid.UUID, principal: PrincipalDep, session: SessionDep,
                 settings: SettingsDep) -> OrganisationOut:
    """Ask the district to verify the organisation."""
    return await _own_action(organisation_id, OrgAction.SUBMIT, principal, session, settings)


@router.post("/{organisation_id}/withdraw", response_model=OrganisationOut)
async def withdraw(organisation_id: uuid.UUID, principal: PrincipalDep, session: SessionDep,
                   settings: SettingsDep) -> OrganisationOut:
    """Leave the platform: opportunities close, future sign-ups end (people are told)."""
    return await _own_action(organisation_id, OrgAction.WITHDRAW, principal, session, settings)


@router.put("/{organisation_id}/members", status_code=204)
async def set_member(organisation_id: uuid.UUID, body: MemberIn, principal: PrincipalDep,
                     session: SessionDep) -> None:
    organisation = await organisations.for_member(session, organisation_id, principal, MemberRole.ADMIN)
    await organisations.add_member(session, organisation=organisation, person_id=body.person_id,
                                   role=MemberRole(body.role), by=principal)
    await session.commit()


@router.post("/{organisation_id}/reports", status_code=202)
async def report(organisation_id: uuid.UUID, body: ReportIn, principal: PrincipalDep, session: SessionDep) -> None:
    """Tell the district something is wrong with this organisation."""
    await organisations.report(session, organisation_id=organisation_id, by=principal, reason=body.reason)
    await session.commit()


@router.post("/{organisation_id}/opportunities", status_code=201, response_model=OpportunityOut)
async def create_opportunity(organisation_id: uuid.UUID, body: OpportunityIn, principal: PrincipalDep,
                             session: SessionDep) -> OpportunityOut:
    organisation = await organisations.for_member(session, organisation_id, principal, MemberRole.COORDINATOR)
    if body.village_id is not None:
        village(body.village_id, field="body.village_id")
    elif not (body.remote or body.district_wide):
        raise ProblemError(422, "VILLAGE_REQUIRED", "Give the village, or mark the help remote or district-wide.",
                           field="body.village_id")
    problem = opportunity_problem(body.kind, body.capacity, body.unit)
    if problem:
        code, field = problem
        raise ProblemError(422, code, "Places or quantity do not fit this kind of opportunity.", field=field)
    opportunity = Opportunity(organisation_id=organisation.id, **body.model_dump())
    session.add(opportunity)
    await session.flush()
    audit.record(session, by=principal, action="opportunity.created", subject_kind="opportunity",
                 subject_id=opportunity.id)
    await session.commit()
    return opportunity_out(opportunity, organisation, show_address=True)


@router.get("/{organisation_id}/opportunities", response_model=list[OpportunityOut])
async def own_opportunities(organisation_id: uuid.UUID, principal: PrincipalDep,
                            session: ReadSessionDep) -> list[OpportunityOut]:
    organisation = await organisations.for_member(session, organisation_id, principal, MemberRole.VIEWER)
    rows = (await session.exec(select(Opportunity).where(col(Opportunity.organisation_id) == organisation.id)
                               .order_by(col(Opportunity.created_at)))).all()
    return [opportunity_out(o, organisation, show_address=True) for o in rows]


@router.put("/{organisation_id}/volunteers/{person_id}/certificate-inspection", status_code=204)
async def record_inspection(organisation_id: uuid.UUID, person_id: uuid.UUID, body: EfzIn, principal: PrincipalDep,
                            session: SessionDep) -> None:
    """The organisation saw a person's extended police certificate (it counts for this organisation)."""
    organisation = await organisations.for_member(session, organisation_id, principal, MemberRole.COORDINATOR)
    await profiles.record_efz(session, person_id=person_id, source=EfzSource.ORGANISATION,
                              organisation_id=organisation.id, by=principal, **body.model_dump())
    await session.commit()
