"""Hilfe suchen: asking for help (the person, or staff on their behalf through token exchange), open
requests near a helper (without address or name), offering, confirming, closing."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from sqlmodel import col, select

from platformkit.auth import Principal, PrincipalDep
from platformkit.db import utcnow
from platformkit.deps import ReadSessionDep, SessionDep
from platformkit.problems import ProblemError
from volunteers.api.deps import PersonDep, SettingsDep, is_staff
from volunteers.api.views import help_out
from volunteers.crud import help_requests, profiles
from volunteers.crud.search import villages_within
from volunteers.crud.villages import village
from volunteers.domain.matching import DistanceMode
from volunteers.models import HelpRequest
from volunteers.schemas import DecisionIn, HelpRequestIn, HelpRequestOut

router = APIRouter(prefix="/help-requests", tags=["help requests"])


def _staff(principal: Principal) -> bool:
    return is_staff(principal, "people-desk") or is_staff(principal, "verifier")


@router.post("", status_code=201, response_model=HelpRequestOut)
async def ask(body: HelpRequestIn, principal: PrincipalDep, session: SessionDep) -> HelpRequestOut:
    village(body.village_id, field="body.village_id")
    request = await help_requests.create(session, by=principal, now=utcnow(), **body.model_dump())
    await session.commit()
    return help_out(request, viewer=principal.sub)


@router.get("", response_model=list[HelpRequestOut])
async def open_near_me(person_id: PersonDep, principal: PrincipalDep, session: ReadSessionDep,
                       settings: SettingsDep) -> list[HelpRequestOut]:
    """Open requests in the villages within my radius (all of the district without a home village)."""
    volunteer = await profiles.get(session, person_id)
    statement = select(HelpRequest).where(col(HelpRequest.state) == "open", col(HelpRequest.window_end) > utcnow())
    if volunteer is not None and volunteer.home_village_id is not None:
        statement = statement.where(col(HelpRequest.village_id).in_(villages_within(
            volunteer.home_village_id, volunteer.radius_km, DistanceMode(settings.distance_mode))))
    rows = (await session.exec(statement.order_by(col(HelpRequest.window_start), col(HelpRequest.id))
                               .limit(100))).all()
    return [help_out(r, viewer=principal.sub) for r in rows]


@router.get("/mine", response_model=list[HelpRequestOut])
async def mine(person_id: PersonDep, principal: PrincipalDep, session: ReadSessionDep) -> list[HelpRequestOut]:
    rows = (await session.exec(select(HelpRequest).where(
        (col(HelpRequest.requester_id) == person_id) | (col(HelpRequest.helper_id) == person_id))
        .order_by(col(HelpRequest.created_at).desc()).limit(100))).all()
    return [help_out(r, viewer=principal.sub) for r in rows]


async def _visible(session: ReadSessionDep | SessionDep, request_id: uuid.UUID, principal: Principal) -> HelpRequest:
    request = await help_requests.get(session, request_id)
    if request is None or not (request.state == "open" or _staff(principal) or principal.sub in (
            str(request.requester_id), str(request.helper_id))):
        raise ProblemError(404, "HELP_REQUEST_NOT_FOUND", "No such help request.")
    return request


@router.get("/{request_id}", response_model=HelpRequestOut)
async def show(request_id: uuid.UUID, principal: PrincipalDep, session: ReadSessionDep) -> HelpRequestOut:
    """The exact address and phone only for the requester, staff, and the one confirmed helper."""
    request = await _visible(session, request_id, principal)
    return help_out(request, viewer=principal.sub, staff=_staff(principal))


@router.post("/{request_id}/offer", response_model=HelpRequestOut)
async def offer(request_id: uuid.UUID, principal: PrincipalDep, session: SessionDep) -> HelpRequestOut:
    request = await _visible(session, request_id, principal)
    request = await help_requests.offer(session, request=request, by=principal, now=utcnow())
    await session.commit()
    return help_out(request, viewer=principal.sub)


@router.post("/{request_id}/decision", response_model=HelpRequestOut)
async def decide(request_id: uuid.UUID, body: DecisionIn, principal: PrincipalDep,
                 session: SessionDep) -> HelpRequestOut:
    """The requester (or staff for them) confirms the helper: only now the helper sees the address."""
    request = await _visible(session, request_id, principal)
    if not (help_requests.is_requester(request, principal) or _staff(principal)):
        raise ProblemError(404, "HELP_REQUEST_NOT_FOUND", "No such help request.")
    request = await help_requests.decide(session, request=request, accept=body.accept, by=principal, now=utcnow())
    await session.commit()
    return help_out(request, viewer=principal.sub, staff=_staff(principal))


@router.post("/{request_id}/done", response_model=HelpRequestOut)
async def done(request_id: uuid.UUID, principal: PrincipalDep, session: SessionDep) -> HelpRequestOut:
    return await _close(request_id, principal, session, done=True)


@router.post("/{request_id}/cancel", response_model=HelpRequestOut)
async def cancel(request_id: uuid.UUID, principal: PrincipalDep, session: SessionDep) -> HelpRequestOut:
    return await _close(request_id, principal, session, done=False)


async def _close(request_id: uuid.UUID, principal: Principal, session: SessionDep, *, done: bool) -> HelpRequestOut:
    request = await _visible(session, request_id, principal)
    if not (help_requests.is_requester(request, principal) or _staff(principal)):
        raise ProblemError(404, "HELP_REQUEST_NOT_FOUND", "No such help request.")
    request = await help_requests.close(session, request=request, done=done, by=principal)
    await session.commit()
    return help_out(request, viewer=principal.sub, staff=_staff(principal))
