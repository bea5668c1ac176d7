"""The volunteer's own things: profile, a declared certificate, matches near them, their shifts and hours,
the calendar link."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlmodel import col, func, select

from platformkit.auth import PrincipalDep
from platformkit.db import utcnow
from platformkit.deps import ReadSessionDep, SessionDep
from platformkit.problems import ProblemError
from volunteers.api.deps import PersonDep, SettingsDep
from volunteers.api.views import shift_out
from volunteers.crud import profiles, search
from volunteers.crud.villages import village
from volunteers.domain.matching import EfzSource
from volunteers.domain.signups import SignupState
from volunteers.domain.timing import format_span, local
from volunteers.models import Opportunity, Shift, Signup, Volunteer
from volunteers.schemas import (
    CalendarLinkOut,
    Category,
    EfzIn,
    HoursOut,
    MatchOut,
    MySignupOut,
    ProfileIn,
    ProfileOut,
)

router = APIRouter(prefix="/me", tags=["me"])


def profile_out(volunteer: Volunteer) -> ProfileOut:
    return ProfileOut(**volunteer.model_dump(exclude={"calendar_token_hash"}),
                      has_calendar_link=volunteer.calendar_token_hash is not None)


async def own_profile(session: ReadSessionDep | SessionDep, person_id: PersonDep) -> Volunteer:
    volunteer = await profiles.get(session, person_id)
    if volunteer is None:
        raise ProblemError(404, "PROFILE_NOT_FOUND", "You have no volunteer profile yet.")
    return volunteer


@router.get("/profile", response_model=ProfileOut)
async def get_profile(person_id: PersonDep, session: ReadSessionDep) -> ProfileOut:
    return profile_out(await own_profile(session, person_id))


@router.put("/profile", response_model=ProfileOut)
async def put_profile(body: ProfileIn, principal: PrincipalDep, person_id: PersonDep,
                      session: SessionDep) -> ProfileOut:
    if body.home_village_id is not None:
        village(body.home_village_id, field="body.home_village_id")
    values = body.model_dump()
    values["availability"] = [window.model_dump() for window in body.availability]
    volunteer = await profiles.save(session, person_id=person_id, values=values, by=principal)
    await session.commit()
    return profile_out(volunteer)


@router.put("/certificate", status_code=204)
async def declare_certificate(body: EfzIn, principal: PrincipalDep, person_id: PersonDep,
                              session: SessionDep) -> None:
    """Declare an extended police certificate; an organisation still has to see it (sign-ups that need one
    wait for its confirmation). The document itself is never uploaded or kept."""
    await profiles.record_efz(session, person_id=person_id, source=EfzSource.SELF, organisation_id=None,
                              by=principal, **body.model_dump())
    await session.commit()


@router.get("/matches", response_model=list[MatchOut])
async def matches(person_id: PersonDep, session: ReadSessionDep, settings: SettingsDep,
                  days: Annotated[int, Query(ge=1, le=180)] = 60,
                  partial: Annotated[bool, Query(description="Also shifts only partly in my times")] = False,
                  category: Annotated[Category | None, Query(description="Only of this category")] = None,
                  ) -> list[MatchOut]:
    """Shifts near me that fit my qualifications and times, best first, each with its reasons."""
    volunteer = await own_profile(session, person_id)
    found = await search.shifts_for(session, settings, volunteer, now=utcnow(), days=days, partial_time=partial,
                                    category=category)
    return [MatchOut(shift=shift_out(row, row, row.organisation_name), score=fit.score, reasons=list(fit.reasons),
                     distance_km=fit.distance_km) for fit, _, row in found]


@router.get("/signups", response_model=list[MySignupOut])
async def my_signups(person_id: PersonDep, session: ReadSessionDep) -> list[MySignupOut]:
    rows = (await session.exec(select(Signup, Shift, Opportunity.title).join(
        Shift, col(Shift.id) == col(Signup.shift_id)).join(
        Opportunity, col(Opportunity.id) == col(Shift.opportunity_id)).where(
        col(Signup.person_id) == person_id).order_by(col(Shift.start_at).desc()).limit(200))).all()
    return [MySignupOut(
        id=s.id, shift_id=s.shift_id, state=s.state, waitlist_rank=s.waitlist_rank,
        offer_expires_at=s.offer_expires_at, late_cancel=s.late_cancel, minutes_credited=s.minutes_credited,
        title=title, start=shift.start_at, end=shift.end_at,
        local_time=format_span(shift.start_at, shift.end_at, shift.zone),
        local_date=f"{local(shift.start_at, shift.zone):%d.%m.%Y}") for s, shift, title in rows]


@router.get("/hours", response_model=HoursOut)
async def hours(person_id: PersonDep, session: ReadSessionDep) -> HoursOut:
    count, minutes = (await session.exec(select(func.count(), func.coalesce(func.sum(Signup.minutes_credited), 0))
                                         .where(col(Signup.person_id) == person_id,
                                                col(Signup.state) == SignupState.COMPLETED.value))).one()
    return HoursOut(completed_shifts=count, minutes=minutes)


@router.post("/calendar-link", response_model=CalendarLinkOut)
async def new_calendar_link(person_id: PersonDep, session: SessionDep, settings: SettingsDep) -> CalendarLinkOut:
    """A secret link to subscribe to in a calendar app; a new one replaces (revokes) the old one."""
    volunteer = await own_profile(session, person_id)
    token = await profiles.new_calendar_token(session, volunteer)
    await session.commit()
    path = f"/api/volunteers/calendar/{token}.ics"
    return CalendarLinkOut(path=path, url=(settings.public_url or "").rstrip("/") + path)


@router.delete("/calendar-link", status_code=204)
async def revoke_calendar_link(person_id: PersonDep, session: SessionDep) -> None:
    volunteer = await own_profile(session, person_id)
    volunteer.calendar_token_hash = None
    session.add(volunteer)
    await session.commit()
