"""District staff (Freiwilligenagentur, scope verifier): the verification queue with its decisions, open
reports, help requests entered for people without a smartphone, and the statistics."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from gateway.browser import CsrfFormDep
from web.pages import SignedInPageDep, WebRoute, see_other
from web.problems import form_errors
from web.volunteers.common import SERVICE, fetch

router = APIRouter(route_class=WebRoute)
ACTIONS = ("review", "verify", "suspend")


@router.get("/admin/volunteering", response_class=HTMLResponse)
async def staff_page(page: SignedInPageDep, done: str = "") -> HTMLResponse:
    page.require_staff_scope("verifier")
    t = page.texts.volunteers
    return page.render("volunteers/staff.html", title=t.staff_title,
                       queue=await fetch(page, "/admin/organisations"), reports=await fetch(page, "/admin/reports"),
                       entered=await fetch(page, "/admin/help-requests"),
                       statistics=await fetch(page, "/admin/statistics"),
                       notice=t.staff_done.get(done))


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
