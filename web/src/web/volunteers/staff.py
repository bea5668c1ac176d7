"""District staff (Freiwilligenagentur, scope verifier): the verification queue with its decisions, open
reports, help requests entered for people without a smartphone, and the statistics.

A request entered at the desk belongs to the person it is for: the page asks with a token exchanged at
accounts for that person (RFC 8693, `act` = the staff member, as the Mobilitätszentrale books rides), so the
person sees it as theirs and confirms or closes it like any other, and volunteers audits both. Accounts gives
that token to the people desk (scope `people-desk`, or `admin`) only."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, Response

from gateway.browser import ActingRefused, CsrfFormDep
from web.pages import PageContext, SignedInPageDep, WebRoute, see_other
from web.problems import FormErrors
from web.volunteers.common import (
    BERLIN,
    EMPTY_HELP,
    HELP_FIELDS,
    SERVICE,
    fetch,
    form_problems,
    help_labels,
    help_request,
    villages,
)

router = APIRouter(route_class=WebRoute)
ACTIONS = ("review", "verify", "suspend")
PEOPLE_DESK = "people-desk"


def _people_desk(page: PageContext) -> bool:
    session = page.signed_in
    return bool({PEOPLE_DESK, "admin"} & set(session.scopes))


async def _staff_page(page: PageContext, *, notice: str | None = None, values: dict[str, Any] | None = None,
                      errors: FormErrors | None = None, status: int = 200, first: str | None = None,
                      last: str | None = None, fill_contact: bool = False) -> HTMLResponse:
    """The page with the help form's `values` and `errors`, and the numbers of the period `first`–`last`
    (the form's dates as typed; checked here, with their own errors). No period asked for: this year so
    far — all of history is a choice (both fields left empty), not what every visit waits for.
    `fill_contact`: the form is new for the person in `values`, their phone becomes its contact."""
    t = page.texts.volunteers
    if first is None and last is None:
        first, last = date(datetime.now(BERLIN).year, 1, 1).isoformat(), ""
    first, last = (first or "").strip(), (last or "").strip()
    labels = {**help_labels(t), "category": t.entered_category, "person_id": t.entered_person,
              "contact_phone": t.entered_phone}
    period_errors = FormErrors()
    period = _period(first, last, period_errors, t.stats_bad_date, t.stats_backwards)
    statistics: Any = None if period_errors else await fetch(page, "/admin/statistics", params=period)
    values = values or {**EMPTY_HELP, "person_id": "", "contact_phone": ""}
    for_person = await _person(page, values["person_id"]) if _people_desk(page) else None
    if fill_contact and for_person is not None:
        values["contact_phone"] = for_person.get("phone") or ""
    return page.render("volunteers/staff.html", status=422 if period_errors and status == 200 else status,
                       title=t.staff_title, queue=await fetch(page, "/admin/organisations"),
                       reports=await fetch(page, "/admin/reports"), entered=await fetch(page, "/admin/help-requests"),
                       statistics=statistics, notice=notice,
                       people_desk=_people_desk(page), villages=await villages(page) if _people_desk(page) else [],
                       labels=labels, errors=errors, values=values, for_person=for_person,
                       period={"from": first, "to": last}, period_errors=period_errors or None,
                       period_labels={"from": t.stats_from, "to": t.stats_to})


async def _person(page: PageContext, person_id: str) -> dict[str, Any] | None:
    """The person the form is for, to show the desk whom they are about to enter it for (accounts audits
    the look-up); None for no or no such number."""
    try:
        found = uuid.UUID(person_id)
    except ValueError:
        return None
    person: dict[str, Any] | None = await page.read("accounts", f"/admin/people/{found}", missing=None)
    return person


def _period(first: str, last: str, errors: FormErrors, bad_date: str, backwards: str) -> dict[str, str]:
    """The statistics' period as the service takes it (`from`, `to`: ISO dates); problems go to `errors`."""
    days: dict[str, date] = {}
    for name, value in (("from", first), ("to", last)):
        if value:
            try:
                days[name] = date.fromisoformat(value)
            except ValueError:
                errors.add(name, bad_date)
    if "from" in days and "to" in days and days["to"] < days["from"]:
        errors.add("to", backwards)
    return {name: day.isoformat() for name, day in days.items()}


@router.get("/admin/volunteering", response_class=HTMLResponse)
async def staff_page(page: SignedInPageDep, done: str = "",
                     first: Annotated[str | None, Query(alias="from")] = None,
                     last: Annotated[str | None, Query(alias="to")] = None,
                     person_id: Annotated[str, Query(max_length=64)] = "") -> HTMLResponse:
    """`person_id`: the help form filled in for that person — the people admin's "Hilfeanfrage eintragen"
    on the page of the person the desk found by name or number, with their phone as the contact."""
    page.require_staff_scope("verifier")
    values = {**EMPTY_HELP, "person_id": person_id.strip(), "contact_phone": ""} if person_id.strip() else None
    return await _staff_page(page, notice=page.texts.volunteers.staff_done.get(done), first=first, last=last,
                             values=values, fill_contact=True)


@router.post("/admin/volunteering/organisations/{organisation_id}/{action}", response_class=HTMLResponse)
async def decide(page: SignedInPageDep, _csrf: CsrfFormDep, organisation_id: uuid.UUID, action: str) -> Response:
    page.require_staff_scope("verifier")
    if action not in ACTIONS:
        raise page.not_found()
    response = await page.call("POST", SERVICE, f"/admin/organisations/{organisation_id}/{action}", json={})
    if response.status_code >= 400:
        raise page.problem(response.status_code, page.texts.volunteers.staff_title,
                           form_problems(page, response).general or page.texts.error_conflict)
    return see_other(f"/admin/volunteering?done={action}")


@router.post("/admin/volunteering/help", response_class=HTMLResponse)
async def enter_help_request(
    page: SignedInPageDep, _csrf: CsrfFormDep,
    person_id: Annotated[str, Form(max_length=64)] = "",
    category: Annotated[str, Form()] = "", village_id: Annotated[str, Form()] = "",
    day: Annotated[str, Form()] = "", from_time: Annotated[str, Form()] = "", until: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "", address: Annotated[str, Form()] = "",
    contact_phone: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """A request for help for a person who phoned or came by, entered as that person (see the module)."""
    page.require_staff_scope("verifier")
    page.require_staff_scope(PEOPLE_DESK)
    t = page.texts
    values = {"person_id": person_id.strip(), "category": category, "village_id": village_id, "day": day,
              "from_time": from_time, "until": until, "description": description.strip(),
              "address": address.strip(), "contact_phone": contact_phone.strip()}
    body, errors = help_request(page, values)
    try:
        uuid.UUID(values["person_id"])
    except ValueError:
        errors.add("person_id", t.volunteers.entered_person_unknown if values["person_id"] else t.error_required)
    if body is None or errors:
        return await _staff_page(page, values=values, errors=errors, status=422)
    body["contact_phone"] = values["contact_phone"] or None
    try:
        response = await page.call("POST", SERVICE, "/help-requests", json=body, on_behalf_of=values["person_id"])
    except ActingRefused:  # no such person, or one the desk may not act for
        errors.add("person_id", t.volunteers.entered_person_unknown)
        return await _staff_page(page, values=values, errors=errors, status=422)
    if response.status_code >= 400:
        return await _staff_page(page, values=values, errors=form_problems(page, response, HELP_FIELDS),
                                 status=response.status_code)
    return see_other("/admin/volunteering?done=entered")
