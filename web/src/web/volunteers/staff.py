"""District staff (Freiwilligenagentur, scope verifier): the verification queue with its decisions, open
reports, help requests entered for people without a smartphone, and the statistics."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from gateway.browser import CsrfFormDep
from web.pages import SignedInPageDep, WebRoute, see_other
from web.problems import FormErrors, form_errors
from web.volunteers.common import SERVICE, fetch

router = APIRouter(route_class=WebRoute)
ACTIONS = ("review", "verify", "suspend")


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
async def staff_page(page: SignedInPageDep, done: str = "", first: Annotated[str, Query(alias="from")] = "",
                     last: Annotated[str, Query(alias="to")] = "") -> HTMLResponse:
    page.require_staff_scope("verifier")
    t = page.texts.volunteers
    errors = FormErrors()
    period = _period(first.strip(), last.strip(), errors, t.stats_bad_date, t.stats_backwards)
    statistics: Any = None if errors else await fetch(page, "/admin/statistics", params=period)
    return page.render("volunteers/staff.html", status=422 if errors else 200, title=t.staff_title,
                       queue=await fetch(page, "/admin/organisations"), reports=await fetch(page, "/admin/reports"),
                       entered=await fetch(page, "/admin/help-requests"), statistics=statistics,
                       period={"from": first.strip(), "to": last.strip()}, errors=errors or None,
                       labels={"from": t.stats_from, "to": t.stats_to}, notice=t.staff_done.get(done))


@router.post("/admin/volunteering/organisations/{organisation_id}/{action}", response_class=HTMLResponse)
async def decide(page: SignedInPageDep, _csrf: CsrfFormDep, organisation_id: uuid.UUID, action: str) -> Response:
    page.require_staff_scope("verifier")
    if action not in ACTIONS:
        raise page.not_found()
    response = await page.call("POST", SERVICE, f"/admin/organisations/{organisation_id}/{action}", json={})
    if response.status_code >= 400:
        raise page.problem(response.status_code, page.texts.volunteers.staff_title,
                           form_errors(response, {}, page.texts).general or page.texts.error_conflict)
    return see_other(f"/admin/volunteering?done={action}")
