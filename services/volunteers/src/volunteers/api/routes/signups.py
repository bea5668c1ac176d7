"""A sign-up after it exists: the volunteer cancels or answers an offer; the organisation decides on a
request, releases someone from an overbooked shift, checks people in and corrects hours."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from platformkit.auth import Principal, PrincipalDep
from platformkit.db import utcnow
from platformkit.deps import SessionDep
from platformkit.problems import ProblemError
from volunteers.api.deps import PersonDep, SettingsDep
from volunteers.api.views import signup_out
from volunteers.crud import organisations, signups
from volunteers.domain.organisations import MemberRole
from volunteers.models import Signup
from volunteers.schemas import DecisionIn, MinutesIn, SignupOut

router = APIRouter(prefix="/signups", tags=["signups"])


async def signup_for_coordinator(session: SessionDep, signup_id: uuid.UUID, principal: Principal) -> Signup:
    signup = await signups.get_signup(session, signup_id)
    shift = None
    if signup is not None:
        shift, _, organisation = await signups.shift_context(session, signup.shift_id)
        if await organisations.role_in(session, organisation.id, principal) is None:
            signup = None
    if signup is None or shift is None:
        raise ProblemError(404, "SIGNUP_NOT_FOUND", "No such sign-up.")
    await organisations.for_member(session, shift.organisation_id, principal, MemberRole.COORDINATOR)
    return signup


@router.post("/{signup_id}/cancel", response_model=SignupOut)
async def cancel(signup_id: uuid.UUID, principal: PrincipalDep, person_id: PersonDep, session: SessionDep,
                 settings: SettingsDep) -> SignupOut:
    """Cancel your own sign-up; later than the deadline it counts as late and the coordinators are told."""
    signup = await signups.cancel_by_volunteer(session, settings=settings, signup_id=signup_id, person_id=person_id,
                                               by=principal, now=utcnow())
    await session.commit()
    return signup_out(signup)


@router.post("/{signup_id}/offer", response_model=SignupOut)
async def answer_offer(signup_id: uuid.UUID, body: DecisionIn, principal: PrincipalDep, person_id: PersonDep,
                       session: SessionDep, settings: SettingsDep) -> SignupOut:
    signup = await signups.answer_offer(session, settings=settings, signup_id=signup_id, person_id=person_id,
                                        accept=body.accept, by=principal, now=utcnow())
    await session.commit()
    return signup_out(signup)


@router.post("/{signup_id}/check-in", response_model=SignupOut)
async def check_in(signup_id: uuid.UUID, principal: PrincipalDep, session: SessionDep,
                   settings: SettingsDep) -> SignupOut:
    """The volunteer on site, or a coordinator for them; from 30 minutes before the start to its end."""
    signup = await signups.get_signup(session, signup_id)
    if signup is None or str(signup.person_id) != principal.sub:
        signup = await signup_for_coordinator(session, signup_id, principal)
    signup = await signups.check_in(session, settings=settings, signup=signup, by=principal, now=utcnow())
    await session.commit()
    return signup_out(signup)


@router.post("/{signup_id}/decision", response_model=SignupOut)
async def decide(signup_id: uuid.UUID, body: DecisionIn, principal: PrincipalDep, session: SessionDep,
                 settings: SettingsDep) -> SignupOut:
    signup = await signup_for_coordinator(session, signup_id, principal)
    signup = await signups.decide_request(session, settings=settings, signup=signup, accept=body.accept,
                                          by=principal, now=utcnow())
    await session.commit()
    return signup_out(signup)


@router.post("/{signup_id}/release", response_model=SignupOut)
async def release(signup_id: uuid.UUID, principal: PrincipalDep, session: SessionDep,
                  settings: SettingsDep) -> SignupOut:
    signup = await signup_for_coordinator(session, signup_id, principal)
    signup = await signups.release_by_org(session, settings=settings, signup=signup, by=principal, now=utcnow())
    await session.commit()
    return signup_out(signup)


@router.put("/{signup_id}/minutes", response_model=SignupOut)
async def set_minutes(signup_id: uuid.UUID, body: MinutesIn, principal: PrincipalDep,
                      session: SessionDep) -> SignupOut:
    """Correct credited time, or turn a no-show into a completed shift (audited)."""
    signup = await signup_for_coordinator(session, signup_id, principal)
    signup = await signups.set_minutes(session, signup=signup, minutes=body.minutes, by=principal, now=utcnow())
    await session.commit()
    return signup_out(signup)
