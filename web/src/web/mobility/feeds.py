"""The Mobilitätszentrale imports the bus network: a GTFS feed uploaded as its zip file is passed on as it is
to mobility (`POST /network/feeds`), which checks it and answers with a report of what it took and skipped;
the page shows that report, or, for a broken feed, the file and line mobility names."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import HTMLResponse, Response

from gateway.browser import CsrfFormDep
from web.mobility.pages import SERVICE
from web.pages import SignedInPageDep, WebRoute

router = APIRouter(route_class=WebRoute)
MAX_FEED_BYTES = 8 * 1024 * 1024  # below the gateway's body cap: a district's feed, not a whole Land's


def _feeds_page(page: SignedInPageDep, *, values: dict[str, str] | None = None, error: str | None = None,
                report: dict[str, Any] | None = None, status: int = 200) -> HTMLResponse:
    return page.render("mobility/feeds.html", status=status, title=page.texts.mobility.feeds_title,
                       values=values or {"feed_id": "", "name": ""}, error=error, report=report)


@router.get("/admin/mobility/feeds", response_class=HTMLResponse)
async def feeds(page: SignedInPageDep) -> HTMLResponse:
    page.require_staff_scope("mobility-desk")
    return _feeds_page(page)


@router.post("/admin/mobility/feeds", response_class=HTMLResponse)
async def import_feed(page: SignedInPageDep, _csrf: CsrfFormDep, feed_id: Annotated[str, Form(max_length=64)],
                      name: Annotated[str, Form(max_length=200)], feed: Annotated[UploadFile, File()]) -> Response:
    page.require_staff_scope("mobility-desk")
    t = page.texts.mobility
    values = {"feed_id": feed_id.strip(), "name": name.strip()}
    content = await feed.read(MAX_FEED_BYTES + 1)
    if len(content) > MAX_FEED_BYTES:
        return _feeds_page(page, values=values, error=t.feeds_too_large, status=413)
    response = await page.call("POST", SERVICE, "/network/feeds", content=content,
                               params={"feed_id": values["feed_id"], "name": values["name"]},
                               headers={"Content-Type": "application/zip"})
    if response.status_code == 201:
        return _feeds_page(page, report=response.json(), status=201)
    if response.status_code == 403:
        raise page.forbidden()
    problem = response.json()
    # mobility names where the feed is broken (e.g. `stop_times.txt:12.stop_id`): staff need that place to
    # ask the feed's publisher; its English detail stays out of the German page.
    code = problem.get("code", "")
    message = t.feeds_problems.get(code, t.feeds_refused)
    places = [item["field"] for item in problem.get("errors", []) if item.get("field") not in (None, "body")]
    where = t.feeds_where.format(place=places[0]) if places and code == "GTFS_INVALID" else ""
    return _feeds_page(page, values=values, error=f"{message} {where}".strip(), status=response.status_code)
