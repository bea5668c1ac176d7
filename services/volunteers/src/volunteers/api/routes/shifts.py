"""Shifts: the public view, changes and cancellation by coordinators, the sign-up list with contact data
only where it may be shown, volunteers who would fit, and signing up (with an Idempotency-Key)."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import timedelta

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from sqlmodel import col, select

from platformkit.auth import Principal, PrincipalDep
from platformkit.db import utcnow
from platformkit.deps import ReadSessionDep, SessionDep
from platformkit.idempotency import IdempotencyDep
from platformkit.problems import ProblemError
from volunteers.api.deps import PersonDep, SettingsDep
from volunteers.api.routes.opportunities import instant
from volunteers.api.views import qualifications_of, shift_out, signup_out
from volunteers.crud import organisations, search, signups
from volunteers.crud import shifts as shift_crud
from volunteers.crud.signups import shift_context
from volunteers.domain.organisations import MemberRole, is_public
from volunteers.domain.signups import CONTACT_STATES, ON_LIST_STATES, contact_visible
from volunteers.models import Opportunity, Organisation, Shift, Signup, Volunteer
from volunteers.schemas import CandidateOut, RosterEntry, ShiftChangeIn, ShiftOut, SignupOut

router = APIRouter(prefix="/shifts", tags=["shifts"])


async def shift_for_member(session: ReadSessionDep | SessionDep, shift_id: uuid.UUID, principal: Principal,
                           needed: MemberRole) -> tuple[Shift, Opportunity, Organisation]:
    shift, opportunity, organisation = await shift_context(session, shift_id)
    try:
        await organisations.for_member(session, organisation.id, principal, needed)
    except ProblemError as error:
        if error.status == 404:
            raise ProblemError(404, "SHIFT_NOT_FOUND", "No such shift.") from None
        raise
    return shift, opportunity, organisation


@router.get("/{shift_id}", response_model=ShiftOut)
async def show(shift_id: uuid.UUID, principal: PrincipalDep, session: ReadSessionDep) -> ShiftOut:
    """The address (if not public) only for the organisation and for confirmed volunteers; co-volunteers'
    names only of those who agreed, and only for people on the shift; never their contact data."""
    shift, opportunity, organisation = await shift_context(session, shift_id)
    member = await organisations.role_in(session, organisation.id, principal)
    public = is_public(organisation.state) and opportunity.state == "published"
    mine = (await session.exec(select(Signup.state).where(
        col(Signup.shift_id) == shift_id, col(Signup.person_id) == _uuid_or_none(principal.sub),
        col(Signup.state).in_(sorted(ON_LIST_STATES | CONTACT_STATES))))).first()
    if member is None and not public and mine is None:
        raise ProblemError(404, "SHIFT_NOT_FOUND", "No such shift.")
    team: list[str] = []
    if mine is not None:
        team = list((await session.exec(select(Volunteer.display_name).join(
            Signup, col(Signup.person_id) == col(Volunteer.person_id)).where(
            col(Signup.shift_id) == shift_id, col(Signup.state).in_(sorted(CONTACT_STATES)),
            col(Volunteer.show_name_to_co_volunteers).is_(True))
            .order_by(col(Volunteer.display_name)))).all())
    return shift_out(shift, opportunity, organisation.name, team=team,
                     show_address=member is not None or mine in CONTACT_STATES)


def _uuid_or_none(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


@router.patch("/{shift_id}", response_model=ShiftOut)
async def change(shift_id: uuid.UUID, body: ShiftChangeIn, principal: PrincipalDep, session: SessionDep,
                 settings: SettingsDep) -> ShiftOut:
    """Move a shift or change its places. Lowering capacity below the sign-ups cancels nobody (the shift
    shows as overbooked; the coordinator releases people); raising it moves the waitlist up."""
    shift, opportunity, organisation = await shift_for_member(session, shift_id, principal, MemberRole.COORDINATOR)
    start = instant(body.start, body.start_occurrence, field="body.start") if body.start else None
    end = instant(body.end, body.end_occurrence, field="body.end") if body.end else None
    fresh = await shift_crud.change_shift(
        session, settings=settings, shift=shift, opportunity=opportunity, start_at=start, end_at=end,
        capacity=body.capacity, by=principal, now=utcnow())
    await session.commit()
    return shift_out(fresh, opportunity, organisation.name, show_address=True)


@router.delete("/{shift_id}", status_code=204)
async def cancel(shift_id: uuid.UUID, principal: PrincipalDep, session: SessionDep) -> None:
    shift, opportunity, _ = await shift_for_member(session, shift_id, principal, MemberRole.COORDINATOR)
    await shift_crud.cancel_shift(session, shift=shift, opportunity=opportunity, by=principal, now=utcnow())
    await session.commit()


@router.get("/{shift_id}/signups", response_model=list[RosterEntry])
async def roster(shift_id: uuid.UUID, principal: PrincipalDep, session: ReadSessionDep,
                 settings: SettingsDep) -> list[RosterEntry]:
    """Everyone on the shift's list, for the organisation: names and qualifications for all, e-mail and
    phone only for confirmed people and only until `contact_release_days` after the shift."""
    shift, opportunity, _ = await shift_for_member(session, shift_id, principal, MemberRole.VIEWER)
    now = utcnow()
    release = timedelta(days=settings.contact_release_days)
    rows = (await session.exec(select(Signup, Volunteer).join(
        Volunteer, col(Volunteer.person_id) == col(Signup.person_id)).where(col(Signup.shift_id) == shift_id)
        .order_by(col(Signup.requested_at), col(Signup.id)))).all()
    entries = []
    for signup, volunteer in rows:
        visible = contact_visible(signup.state, now, shift.end_at, release)
        entries.append(RosterEntry(
            signup_id=signup.id, state=signup.state, waitlist_rank=signup.waitlist_rank,
            display_name=volunteer.display_name, qualifications=qualifications_of(volunteer),
            contact_email=volunteer.contact_email if visible else None,
            contact_phone=volunteer.contact_phone if visible else None,
            contact_visible_until=shift.end_at + release if visible else None,
            minutes_credited=signup.minutes_credited, late_cancel=signup.late_cancel,
        ))
    return entries


CSV_COLUMNS = ("display_name", "state", "waitlist_rank", "contact_email", "contact_phone", "minutes_credited")


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    # A spreadsheet would run a cell that starts like a formula; the leading quote keeps it text.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@router.get("/{shift_id}/signups.csv", response_class=Response)
async def roster_csv(shift_id: uuid.UUID, principal: PrincipalDep, session: ReadSessionDep,
                     settings: SettingsDep) -> Response:
    """The same list as a spreadsheet, under the same rules (contact data only where the list shows it)."""
    entries = await roster(shift_id, principal, session, settings)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        writer.writerow([_cell(getattr(entry, column)) for column in CSV_COLUMNS])
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="anmeldungen-{shift_id}.csv"',
                             "Cache-Control": "no-store"})


@router.get("/{shift_id}/candidates", response_model=list[CandidateOut])
async def candidates(shift_id: uuid.UUID, principal: PrincipalDep, session: ReadSessionDep,
                     settings: SettingsDep) -> list[CandidateOut]:
    """Volunteers who made themselves visible to organisations and fit this shift (no contact data)."""
    shift, opportunity, organisation = await shift_for_member(session, shift_id, principal, MemberRole.COORDINATOR)
    if not is_public(organisation.state) or shift.seats_taken >= shift.capacity or shift.start_at <= utcnow():
        return []
    found = await search.volunteers_for(session, settings, shift, opportunity)
    return [CandidateOut(person_id=v.person_id, display_name=v.display_name, score=fit.score,
                         reasons=list(fit.reasons), distance_km=fit.distance_km) for fit, v in found]


@router.post("/{shift_id}/signups", status_code=201, response_model=SignupOut)
async def sign_up(shift_id: uuid.UUID, principal: PrincipalDep, person_id: PersonDep, session: SessionDep,
                  settings: SettingsDep, idempotency: IdempotencyDep) -> JSONResponse:
    """Take a place (confirmed, or requested where the organisation confirms), else a waitlist rank, else
    409 SHIFT_FULL. Signing up again returns the existing sign-up (200)."""
    replay = await idempotency.claim()
    if replay:
        return replay
    applied = await signups.apply(session, settings=settings, shift_id=shift_id, person_id=person_id, by=principal,
                                  now=utcnow())
    status = 201 if applied.created else 200
    body = signup_out(applied.signup, applied.warnings)
    await idempotency.complete(status, body)
    await session.commit()
    return JSONResponse(body.model_dump(mode="json"), status_code=status)
