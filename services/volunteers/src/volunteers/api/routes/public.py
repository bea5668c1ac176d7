"""Without a login: the map of open shifts and a person's calendar feed behind its secret link."""

from __future__ import annotations

from fastapi import APIRouter, Response
from sqlalchemy import or_
from sqlmodel import col, select

from platformkit.db import utcnow
from platformkit.deps import ReadSessionDep
from platformkit.problems import ProblemError
from volunteers.crud import profiles, search
from volunteers.crud.villages import gazetteer, name
from volunteers.domain import ical
from volunteers.domain.signups import CALENDAR_STATES, CANCELLED_STATES
from volunteers.models import Opportunity, Organisation, Shift, Signup
from volunteers.schemas import MapPoint, Village

router = APIRouter(tags=["public"])


@router.get("/map", response_model=list[MapPoint])
async def map_points(session: ReadSessionDep) -> list[MapPoint]:
    """Villages with open shifts (at the village centre: never a street address)."""
    points = []
    for village_id, count in await search.map_points(session, utcnow()):
        place = gazetteer().get_ortsteil(village_id)
        if place is not None:
            points.append(MapPoint(village_id=village_id, village=place.name, lat=place.lat, lon=place.lon,
                                   open_shifts=count))
    return points


@router.get("/villages", response_model=list[Village])
async def villages() -> list[Village]:
    """The district's villages (libs/places Ortsteile) to choose from, by name."""
    return [Village(id=o.id, name=o.name, lat=o.lat, lon=o.lon)
            for o in sorted(gazetteer().ortsteile, key=lambda o: (o.name, o.id))]


@router.get("/calendar/{token}.ics", response_class=Response)
async def calendar(token: str, session: ReadSessionDep) -> Response:
    volunteer = await profiles.by_calendar_token(session, token)
    if volunteer is None:
        raise ProblemError(404, "CALENDAR_NOT_FOUND", "This calendar link does not exist (any more).")
    rows = (await session.exec(
        select(Signup, Shift, Opportunity, Organisation.name)
        .join(Shift, col(Shift.id) == col(Signup.shift_id))
        .join(Opportunity, col(Opportunity.id) == col(Shift.opportunity_id))
        .join(Organisation, col(Organisation.id) == col(Shift.organisation_id))
        .where(col(Signup.person_id) == volunteer.person_id, col(Organisation.state) == "verified",
               # What was cancelled stays as a cancelled entry for a while, so calendar apps remove it.
               or_(col(Signup.state).in_(sorted(CALENDAR_STATES)),
                   (col(Signup.state).in_(sorted(CANCELLED_STATES)) & (col(Shift.start_at) > utcnow()))))
        .order_by(col(Shift.start_at)))).all()
    entries = []
    for signup, shift, opportunity, organisation_name in rows:
        status = ical.status(signup.state, on_the_list=signup.state in CALENDAR_STATES)
        entries.append(ical.CalendarEntry(
            uid=f"signup-{signup.id}@volunteers.dorfmarktplatz", sequence=ical.sequence(shift.revision, status),
            last_modified=ical.last_modified(signup.state_changed_at, shift.changed_at), start=shift.start_at,
            end=shift.end_at, summary=opportunity.title, location=name(opportunity.village_id),
            description=organisation_name, status=status))
    body = ical.render(entries, name="Meine Einsätze", now=utcnow())
    return Response(body, media_type="text/calendar; charset=utf-8",
                    headers={"Cache-Control": "private, max-age=300", "Referrer-Policy": "no-referrer"})
