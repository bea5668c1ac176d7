"""Commitments: a person takes part in an ongoing commitment or pledges to a material donation (with an
Idempotency-Key), sees and cancels their own; the organisation lists them (contact data once confirmed),
confirms or declines, marks them completed or ends them."""

from __future__ import annotations

import uuid
from datetime import timedelta

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from platformkit.auth import Principal, PrincipalDep
from platformkit.db import utcnow
from platformkit.deps import ReadSessionDep, SessionDep
from platformkit.idempotency import IdempotencyDep
from platformkit.problems import ProblemError
from volunteers.api.deps import PersonDep, SettingsDep
from volunteers.api.routes.opportunities import opportunity_for_member
from volunteers.api.views import commitment_out, opportunity_out, qualifications_of
from volunteers.config import VolunteersSettings
from volunteers.crud import commitments, organisations, profiles
from volunteers.domain.commitments import released
from volunteers.domain.organisations import MemberRole
from volunteers.models import Commitment, Opportunity, Organisation, Volunteer
from volunteers.schemas import CommitmentEntry, CommitmentIn, CommitmentOut, DecisionIn, NearbyOpportunityOut

router = APIRouter(tags=["commitments"])


def _release(settings: VolunteersSettings) -> timedelta:
    return timedelta(days=settings.contact_release_days)


def _own_view(commitment: Commitment, opportunity: Opportunity, organisation: Organisation,
              settings: VolunteersSettings) -> CommitmentOut:
    return commitment_out(commitment, opportunity, organisation, released=released(
        commitment.state, utcnow(), commitment.state_changed_at, _release(settings)))


def entry_of(commitment: Commitment, volunteer: Volunteer, settings: VolunteersSettings) -> CommitmentEntry:
    visible = released(commitment.state, utcnow(), commitment.state_changed_at, _release(settings))
    return CommitmentEntry(
        commitment_id=commitment.id, state=commitment.state, quantity=commitment.quantity, note=commitment.note,
        display_name=volunteer.display_name, qualifications=qualifications_of(volunteer),
        requested_at=commitment.requested_at, contact_email=volunteer.contact_email if visible else None,
        contact_phone=volunteer.contact_phone if visible else None)


@router.post("/opportunities/{opportunity_id}/commitments", status_code=201, response_model=CommitmentOut)
async def respond(opportunity_id: uuid.UUID, body: CommitmentIn, principal: PrincipalDep, person_id: PersonDep,
                  session: SessionDep, settings: SettingsDep, idempotency: IdempotencyDep) -> JSONResponse:
    """Take part in an ongoing commitment (requested: the organisation confirms) or pledge a quantity to a
    material donation (confirmed at once unless the organisation confirms each). 409 OPPORTUNITY_FULL or
    PLEDGE_EXCEEDS_NEED (`still_open`); responding again returns the existing one (200)."""
    replay = await idempotency.claim()
    if replay:
        return replay
    done = await commitments.respond(session, settings=settings, opportunity_id=opportunity_id, person_id=person_id,
                                     quantity=body.quantity, note=body.note, by=principal, now=utcnow())
    commitment, opportunity, organisation = await commitments.context(session, done.commitment.id)
    status = 201 if done.created else 200
    out = _own_view(commitment, opportunity, organisation, settings)
    await idempotency.complete(status, out)
    await session.commit()
    return JSONResponse(out.model_dump(mode="json"), status_code=status)


@router.get("/opportunities/{opportunity_id}/commitments", response_model=list[CommitmentEntry])
async def listing(opportunity_id: uuid.UUID, principal: PrincipalDep, session: ReadSessionDep,
                  settings: SettingsDep) -> list[CommitmentEntry]:
    """Everyone who responded, for the organisation: names, notes and qualifications; e-mail and phone only
    once confirmed, and after completion only for `contact_release_days`."""
    await opportunity_for_member(session, opportunity_id, principal, MemberRole.VIEWER)
    return [entry_of(commitment, volunteer, settings)
            for commitment, volunteer in await commitments.for_opportunity(session, opportunity_id)]


@router.get("/me/opportunities", response_model=list[NearbyOpportunityOut])
async def near_me(person_id: PersonDep, session: ReadSessionDep, settings: SettingsDep) -> list[NearbyOpportunityOut]:
    """Ongoing commitments and material donations within my radius (remote and district-wide ones always)
    with something still open, ongoing ones only if I meet their requirements; nearest first."""
    volunteer = await profiles.get(session, person_id)
    if volunteer is None:
        raise ProblemError(404, "PROFILE_NOT_FOUND", "You have no volunteer profile yet.")
    return [NearbyOpportunityOut(opportunity=opportunity_out(opportunity, organisation, show_address=False),
                                 distance_km=km)
            for opportunity, organisation, km in await commitments.near(session, settings, volunteer, utcnow())]


@router.get("/me/commitments", response_model=list[CommitmentOut])
async def mine(person_id: PersonDep, session: ReadSessionDep, settings: SettingsDep) -> list[CommitmentOut]:
    """My commitments, newest first; arrangements and address once confirmed."""
    return [_own_view(c, o, org, settings) for c, o, org in await commitments.of_person(session, person_id)]


@router.post("/commitments/{commitment_id}/cancel", response_model=CommitmentOut)
async def cancel(commitment_id: uuid.UUID, principal: PrincipalDep, person_id: PersonDep, session: SessionDep,
                 settings: SettingsDep) -> CommitmentOut:
    """Withdraw my interest or pledge (the place or quantity opens again)."""
    commitment = await commitments.cancel_by_volunteer(session, commitment_id=commitment_id, person_id=person_id,
                                                       by=principal, now=utcnow())
    _, opportunity, organisation = await commitments.context(session, commitment.id)
    await session.commit()
    return _own_view(commitment, opportunity, organisation, settings)


async def for_coordinator(session: SessionDep, commitment_id: uuid.UUID,
                          principal: Principal) -> tuple[Commitment, Opportunity]:
    """Another organisation's commitment (or an unknown one) is 404; a viewer gets 403."""
    commitment, opportunity, organisation = await commitments.context(session, commitment_id)
    # An erased person's commitment is history: nothing left to decide.
    if commitment.person_id is None or await organisations.role_in(session, organisation.id, principal) is None:
        raise ProblemError(404, "COMMITMENT_NOT_FOUND", "No such commitment.")
    await organisations.for_member(session, organisation.id, principal, MemberRole.COORDINATOR)
    return commitment, opportunity


@router.post("/commitments/{commitment_id}/decision", response_model=CommitmentEntry)
async def decide(commitment_id: uuid.UUID, body: DecisionIn, principal: PrincipalDep, session: SessionDep,
                 settings: SettingsDep) -> CommitmentEntry:
    """Confirm (contact data and arrangements are released) or decline an expression of interest or pledge."""
    commitment, opportunity = await for_coordinator(session, commitment_id, principal)
    commitment = await commitments.decide(session, commitment=commitment, opportunity=opportunity,
                                          accept=body.accept, by=principal, now=utcnow())
    await session.commit()
    return await _entry(session, commitment, settings)


@router.post("/commitments/{commitment_id}/complete", response_model=CommitmentEntry)
async def complete(commitment_id: uuid.UUID, principal: PrincipalDep, session: SessionDep,
                   settings: SettingsDep) -> CommitmentEntry:
    """The donation arrived (it stays counted), or the ongoing commitment came to its end (its place opens)."""
    commitment, opportunity = await for_coordinator(session, commitment_id, principal)
    commitment = await commitments.complete(session, commitment=commitment, opportunity=opportunity, by=principal,
                                            now=utcnow())
    await session.commit()
    return await _entry(session, commitment, settings)


@router.post("/commitments/{commitment_id}/release", response_model=CommitmentEntry)
async def release(commitment_id: uuid.UUID, principal: PrincipalDep, session: SessionDep,
                  settings: SettingsDep) -> CommitmentEntry:
    """End a commitment that did not work out (a donor who never came): the share opens again."""
    commitment, opportunity = await for_coordinator(session, commitment_id, principal)
    commitment = await commitments.release_by_org(session, commitment=commitment, opportunity=opportunity,
                                                  by=principal, now=utcnow())
    await session.commit()
    return await _entry(session, commitment, settings)


async def _entry(session: SessionDep, commitment: Commitment, settings: VolunteersSettings) -> CommitmentEntry:
    volunteer = await session.get(Volunteer, commitment.person_id) if commitment.person_id else None
    if volunteer is None:
        raise ProblemError(404, "COMMITMENT_NOT_FOUND", "No such commitment.")
    return entry_of(commitment, volunteer, settings)
