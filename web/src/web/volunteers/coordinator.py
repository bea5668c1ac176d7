"""Organisations (coordinators): register a club, submit it for verification, post opportunities (shifts,
an ongoing commitment, a material donation) and shifts (local wall time; the service refuses a time the
clocks skip), publish, see sign-ups, confirm and check people in, after the shift set the hours (also of a
no-show who was there after all) and download the list; see and confirm the people who want to take part in
an ongoing commitment or pledged a donation."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response

from gateway.browser import CsrfFormDep
from web.pages import SignedInPageDep, WebRoute, see_other
from web.problems import FormErrors
from web.templating import decimal
from web.volunteers.common import SERVICE, fetch, form_problems, typed_number, villages
from web.volunteers.texts import VolunteersTexts

router = APIRouter(route_class=WebRoute)

ORG_FIELDS = {"body.name": "name", "body.legal_form": "legal_form", "body.village_id": "village_id"}
OPPORTUNITY_FIELDS = {"body.title": "title", "body.category": "category", "body.village_id": "village_id",
                      "body.description": "description", "body.kind": "kind", "body.capacity": "capacity",
                      "body.unit": "unit", "body.arrangements": "arrangements",
                      "body.approval_mode": "approval_mode"}
# The start's problems (a time the clocks skip or that happens twice, a start in the past) are the start time's.
SHIFT_FIELDS = {"body.start": "from_time", "body.end": "until", "body.capacity": "capacity"}
MINUTES_FIELDS = {"body.minutes": "hours"}


async def _organisations(page: SignedInPageDep, *, values: dict[str, Any] | None = None,
                         errors: FormErrors | None = None, status: int = 200) -> HTMLResponse:
    t = page.texts.volunteers
    labels = {"name": t.org_name, "legal_form": t.org_legal_form, "village_id": t.org_village}
    return page.render("volunteers/organisations.html", status=status, title=t.orgs_title,
                       organisations=await fetch(page, "/organisations/mine"), villages=await villages(page),
                       values=values or {"name": "", "legal_form": "e.V.", "village_id": ""}, errors=errors,
                       labels=labels)


@router.get("/volunteering/organisations", response_class=HTMLResponse)
async def organisations_page(page: SignedInPageDep) -> HTMLResponse:
    return await _organisations(page)


@router.post("/volunteering/organisations", response_class=HTMLResponse)
async def register(page: SignedInPageDep, _csrf: CsrfFormDep, name: Annotated[str, Form()] = "",
                   legal_form: Annotated[str, Form()] = "", village_id: Annotated[str, Form()] = "") -> Response:
    values = {"name": name.strip(), "legal_form": legal_form, "village_id": village_id}
    errors = FormErrors()
    for field in values:
        if not values[field]:
            errors.add(field, page.texts.error_required)
    if errors:
        return await _organisations(page, values=values, errors=errors, status=422)
    response = await page.call("POST", SERVICE, "/organisations", json=values)
    if response.status_code >= 400:
        return await _organisations(page, values=values, errors=form_problems(page, response, ORG_FIELDS),
                                    status=response.status_code)
    return see_other(f"/volunteering/organisations/{response.json()['id']}?done=registered")


async def _organisation(page: SignedInPageDep, organisation_id: uuid.UUID, *, notice: str | None = None,
                        errors: FormErrors | None = None, form: str = "", values: dict[str, Any] | None = None,
                        status: int = 200, waiting_told: bool = False) -> HTMLResponse:
    """The organisation's page; `waiting_told`: the notice already says that it waits for the verification
    (so the standing "not yet verified" line is left out, not said twice)."""
    t = page.texts.volunteers
    organisation = await fetch(page, f"/organisations/{organisation_id}")
    if organisation.get("role") is None:
        raise page.not_found()
    opportunities = await fetch(page, f"/organisations/{organisation_id}/opportunities")
    for opportunity in opportunities:
        opportunity["shifts"] = await fetch(page, f"/opportunities/{opportunity['id']}/shifts", missing=[])
        # After a shift its list is still where hours and no-shows are corrected.
        opportunity["ended_shifts"] = await fetch(page, f"/opportunities/{opportunity['id']}/shifts",
                                                  params={"ended": "true"}, missing=[]) if (
            opportunity["kind"] == "shifts") else []
    labels = {"title": t.opp_title, "category": t.opp_category, "village_id": t.opp_village,
              "description": t.opp_description, "day": t.shift_day, "from_time": t.shift_from,
              "until": t.shift_until, "capacity": t.shift_capacity if form.startswith("shift-") else t.opp_capacity,
              "kind": t.opp_kind, "unit": t.opp_unit, "arrangements": t.opp_arrangements,
              "approval_mode": t.opp_approval}
    return page.render("volunteers/organisation.html", status=status, title=organisation["name"],
                       organisation=organisation, opportunities=opportunities, villages=await villages(page),
                       notice=notice, errors=errors, form=form, labels=labels, waiting_told=waiting_told,
                       # One form's values over the empty page's (the others still show theirs, empty).
                       values={"title": "", "category": "social", "village_id": organisation["village_id"],
                               "description": "", "kind": "shifts", "unit": "", "arrangements": "",
                               "approval_mode": "auto", "day": "",
                               "from_time": "10:00", "until": "13:00", "capacity": "4", **(values or {})})


@router.get("/volunteering/organisations/{organisation_id}", response_class=HTMLResponse)
async def organisation_page(page: SignedInPageDep, organisation_id: uuid.UUID, done: str = "") -> HTMLResponse:
    t = page.texts.volunteers
    notices = {"registered": t.org_registered, "submitted": t.org_submitted, "created": t.opp_created,
               "published": t.opp_published, "queued": t.opp_queued, "shift": t.shift_created}
    return await _organisation(page, organisation_id, notice=notices.get(done),
                               waiting_told=done in ("submitted", "queued"))


@router.post("/volunteering/organisations/{organisation_id}/submit", response_class=HTMLResponse)
async def submit(page: SignedInPageDep, _csrf: CsrfFormDep, organisation_id: uuid.UUID) -> Response:
    response = await page.call("POST", SERVICE, f"/organisations/{organisation_id}/submit")
    if response.status_code >= 400:
        return await _organisation(page, organisation_id, errors=form_problems(page, response),
                                   status=response.status_code)
    return see_other(f"/volunteering/organisations/{organisation_id}?done=submitted")


@router.post("/volunteering/organisations/{organisation_id}/opportunities", response_class=HTMLResponse)
async def create_opportunity(
    page: SignedInPageDep, _csrf: CsrfFormDep, organisation_id: uuid.UUID,
    title: Annotated[str, Form()] = "", category: Annotated[str, Form()] = "",
    village_id: Annotated[str, Form()] = "", description: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "shifts", capacity: Annotated[str, Form()] = "",
    unit: Annotated[str, Form()] = "", arrangements: Annotated[str, Form()] = "",
    approval_mode: Annotated[str, Form()] = "auto",
) -> Response:
    values = {"title": title.strip(), "category": category, "village_id": village_id,
              "description": description.strip(), "kind": kind, "capacity": capacity.strip(), "unit": unit.strip(),
              "arrangements": arrangements.strip(), "approval_mode": approval_mode}
    errors = FormErrors()
    for field in ("title", "category", "village_id"):
        if not values[field]:
            errors.add(field, page.texts.error_required)
    if values["capacity"] and not values["capacity"].isdigit():
        errors.add("capacity", page.texts.volunteers.error_number)
    if not errors:
        body = {**values, "capacity": int(values["capacity"]) if values["capacity"] else None,
                "unit": values["unit"] or None}
        response = await page.call("POST", SERVICE, f"/organisations/{organisation_id}/opportunities", json=body)
        if response.status_code < 400:
            return see_other(f"/volunteering/organisations/{organisation_id}?done=created")
        errors = form_problems(page, response, OPPORTUNITY_FIELDS)
    return await _organisation(page, organisation_id, errors=errors, form="opportunity", values=values, status=422)


@router.post("/volunteering/opportunities/{opportunity_id}/publish", response_class=HTMLResponse)
async def publish(page: SignedInPageDep, _csrf: CsrfFormDep, opportunity_id: uuid.UUID,
                  organisation_id: Annotated[uuid.UUID, Form()]) -> Response:
    response = await page.call("POST", SERVICE, f"/opportunities/{opportunity_id}/publish")
    if response.status_code == 403 and response.json().get("code") == "ORGANISATION_NOT_VERIFIED":
        return see_other(f"/volunteering/organisations/{organisation_id}?done=queued")  # kept: goes live when verified
    if response.status_code >= 400:
        return await _organisation(page, organisation_id, errors=form_problems(page, response),
                                   status=response.status_code)
    return see_other(f"/volunteering/organisations/{organisation_id}?done=published")


@router.post("/volunteering/opportunities/{opportunity_id}/shifts", response_class=HTMLResponse)
async def add_shift(
    page: SignedInPageDep, _csrf: CsrfFormDep, opportunity_id: uuid.UUID,
    organisation_id: Annotated[uuid.UUID, Form()], day: Annotated[str, Form()] = "",
    from_time: Annotated[str, Form()] = "", until: Annotated[str, Form()] = "",
    capacity: Annotated[str, Form()] = "",
) -> Response:
    values = {"day": day, "from_time": from_time, "until": until, "capacity": capacity.strip()}
    errors = FormErrors()
    if not day or not from_time or not until:
        errors.add("day", page.texts.error_required)
    if not values["capacity"].isdigit():
        errors.add("capacity", page.texts.volunteers.error_number)
    if not errors:
        # An end before the start means the next day (a night shift); the service checks the rest.
        end_day = day if until > from_time else _next_day(day)
        response = await page.call("POST", SERVICE, f"/opportunities/{opportunity_id}/shifts", json={
            "start": f"{day}T{from_time}", "end": f"{end_day}T{until}", "capacity": int(values["capacity"])})
        if response.status_code < 400:
            return see_other(f"/volunteering/organisations/{organisation_id}?done=shift")
        errors = form_problems(page, response, SHIFT_FIELDS)
    return await _organisation(page, organisation_id, errors=errors, form=f"shift-{opportunity_id}",
                               values=values, status=422)


def _next_day(day: str) -> str:
    try:
        return (date.fromisoformat(day) + timedelta(days=1)).isoformat()
    except ValueError:
        return day


async def _roster(page: SignedInPageDep, shift_id: uuid.UUID, *, notice: str | None = None,
                  errors: FormErrors | None = None, signup: str = "", values: dict[str, str] | None = None,
                  status: int = 200) -> HTMLResponse:
    """The sign-ups of a shift; `errors` belong to one of them (`signup`), shown in its card next to its
    buttons or its hours."""
    t = page.texts.volunteers
    shift = await fetch(page, f"/shifts/{shift_id}")
    entries = await fetch(page, f"/shifts/{shift_id}/signups")
    # The way back to the organisation's page, where the coordinator came from.
    opportunity = await fetch(page, f"/opportunities/{shift['opportunity_id']}")
    name = next((e["display_name"] for e in entries if str(e["signup_id"]) == signup), "")
    # After the end its free places mean nothing ("2 von 2 frei" on yesterday's visit).
    ended = datetime.fromisoformat(shift["end"]) <= datetime.now(UTC)
    return page.render("volunteers/roster.html", status=status, title=t.roster_title, shift=shift, entries=entries,
                       ended=ended,
                       opportunity=opportunity, notice=notice, errors=errors, form=signup, values=values or {},
                       labels={"hours": t.hours_label.format(name=name)})


@router.get("/volunteering/shifts/{shift_id}/roster", response_class=HTMLResponse)
async def roster(page: SignedInPageDep, shift_id: uuid.UUID, done: str = "") -> HTMLResponse:
    return await _roster(page, shift_id, notice=page.texts.volunteers.hours_saved if done == "hours" else None)


@router.get("/volunteering/shifts/{shift_id}/roster.csv")
async def roster_csv(page: SignedInPageDep, shift_id: uuid.UUID) -> Response:
    """The service's list as a spreadsheet (same rules: contact data only where the page shows them)."""
    response = await page.call("GET", SERVICE, f"/shifts/{shift_id}/signups.csv")
    if not response.is_success:
        raise page.failed(response)
    return Response(german_roster(response.text, page.texts.volunteers), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="anmeldungen-{shift_id}.csv"',
                             "Cache-Control": "no-store"})


def german_roster(service_csv: str, t: VolunteersTexts) -> str:
    """The service's list (English column names, state codes, minutes) as a coordinator's spreadsheet reads
    it: German headings and states, hours as "1,5". The byte order mark makes Excel read it as UTF-8 (else
    "Jürgen" comes out garbled). Cells stay as the service wrote them otherwise (it already keeps a
    name that starts like a formula as text)."""
    rows = list(csv.reader(io.StringIO(service_csv), delimiter=";"))
    if not rows:
        return ""
    header, body = rows[0], rows[1:]
    state_at = header.index("state") if "state" in header else None
    minutes_at = header.index("minutes_credited") if "minutes_credited" in header else None
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([t.roster_csv_columns.get(name, name) for name in header])
    for row in body:
        if state_at is not None:
            row[state_at] = t.states.get(row[state_at], row[state_at])
        if minutes_at is not None and row[minutes_at].isdigit():
            row[minutes_at] = decimal(int(row[minutes_at]) / 60)
        writer.writerow(row)
    return "\ufeff" + out.getvalue()


def _minutes(hours: str) -> int | None:
    """ "1,5" or "1.5" hours as minutes (0 to 24 hours, at most two decimals); None if it is no such number."""
    value = typed_number(hours)
    if value is None or value > 24 or round(value, 2) != value:
        return None
    return round(value * 60)


# Registered before the decisions' `{action}`, which would take "hours" for an action it does not know.
@router.post("/volunteering/signups/{signup_id}/hours", response_class=HTMLResponse)
async def set_hours(page: SignedInPageDep, _csrf: CsrfFormDep, signup_id: uuid.UUID,
                    shift_id: Annotated[uuid.UUID, Form()], hours: Annotated[str, Form()] = "") -> Response:
    """After the shift: the hours of someone who came, or of a no-show who was there after all (the service
    then counts it completed). Before the shift ends the service refuses (NOT_FINISHED)."""
    minutes = _minutes(hours.strip())
    errors, status = FormErrors(), 422
    if minutes is None:
        errors.add("hours", page.texts.volunteers.error_hours)
    else:
        response = await page.call("PUT", SERVICE, f"/signups/{signup_id}/minutes", json={"minutes": minutes})
        if response.status_code == 404:
            raise page.not_found()
        if response.status_code < 400:
            return see_other(f"/volunteering/shifts/{shift_id}/roster?done=hours")
        errors, status = form_problems(page, response, MINUTES_FIELDS), response.status_code
    return await _roster(page, shift_id, errors=errors, signup=str(signup_id), values={"hours": hours},
                         status=status)


@router.post("/volunteering/signups/{signup_id}/{action}", response_class=HTMLResponse)
async def decide(page: SignedInPageDep, _csrf: CsrfFormDep, signup_id: uuid.UUID, action: str,
                 shift_id: Annotated[uuid.UUID, Form()]) -> Response:
    calls = {"confirm": ("/decision", {"accept": True}), "decline": ("/decision", {"accept": False}),
             "check-in": ("/check-in", None)}
    if action not in calls:
        raise page.not_found()
    path, body = calls[action]
    response = await page.call("POST", SERVICE, f"/signups/{signup_id}{path}", json=body)
    if response.status_code == 404:
        raise page.not_found()
    if response.status_code >= 400:
        # E.g. checking someone in a day early: the reason in that person's card, beside the button.
        return await _roster(page, shift_id, errors=form_problems(page, response), signup=str(signup_id),
                             status=response.status_code)
    return see_other(f"/volunteering/shifts/{shift_id}/roster")


@router.get("/volunteering/opportunities/{opportunity_id}/responses", response_class=HTMLResponse)
async def responses(page: SignedInPageDep, opportunity_id: uuid.UUID) -> HTMLResponse:
    """Who wants to take part in an ongoing commitment, or pledged to a donation: contact data once confirmed."""
    t = page.texts.volunteers
    opportunity = await fetch(page, f"/opportunities/{opportunity_id}")
    entries = await fetch(page, f"/opportunities/{opportunity_id}/commitments")
    return page.render("volunteers/responses.html", title=t.responses_title, opportunity=opportunity,
                       entries=entries)


@router.post("/volunteering/responses/{commitment_id}/{action}", response_class=HTMLResponse)
async def answer(page: SignedInPageDep, _csrf: CsrfFormDep, commitment_id: uuid.UUID, action: str,
                 opportunity_id: Annotated[uuid.UUID, Form()]) -> Response:
    calls = {"confirm": ("/decision", {"accept": True}), "decline": ("/decision", {"accept": False}),
             "complete": ("/complete", None), "release": ("/release", None)}
    if action not in calls:
        raise page.not_found()
    path, body = calls[action]
    response = await page.call("POST", SERVICE, f"/commitments/{commitment_id}{path}", json=body)
    if response.status_code == 404:
        raise page.not_found()
    if response.status_code >= 400:
        raise page.problem(response.status_code, page.texts.volunteers.responses_title,
                           form_problems(page, response).general or page.texts.error_conflict)
    return see_other(f"/volunteering/opportunities/{opportunity_id}/responses")
