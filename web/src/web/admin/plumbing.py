"""The plumbing for district staff (scope admin): per service the events it has not sent yet (outbox), how
far its consumers are behind, and the messages they gave up on (dead letters), each of which can be
replayed or discarded. The numbers come from each service's `/ops/...` routes (platformkit.ops), asked as
the signed-in operator; each service records who replayed or discarded a dead letter."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from gateway.browser import CsrfFormDep
from gateway.operators import gather_event_stats
from gateway.runtime import runtime_of
from web.admin.dashboard import ADMIN, admin_areas
from web.pages import SignedInPageDep, WebRoute, see_other

router = APIRouter(route_class=WebRoute)

DEAD_LETTERS_SHOWN = "20"
ACTIONS = {"replay": "replayed", "discard": "discarded"}


async def _dead_letters(page: SignedInPageDep, service: str) -> list[dict[str, Any]]:
    try:
        response = await page.calls.request("GET", service, "/ops/dead-letters",
                                            params={"limit": DEAD_LETTERS_SHOWN})
    except httpx.HTTPError:
        return []
    if response.status_code != 200:
        return []
    items: list[dict[str, Any]] = response.json()["items"]
    return items


@router.get("/admin/plumbing", response_class=HTMLResponse)
async def plumbing(page: SignedInPageDep, done: str = "") -> HTMLResponse:
    session = page.require_staff_scope(ADMIN)
    names = sorted(runtime_of(page.request.app).upstreams)
    services = [found for found in await gather_event_stats(page.calls, names) if found["status"] != "no_events"]
    for found in services:
        events = found["events"] if found["status"] == "ok" else None
        open_letters = sum((events or {}).get("dead_letters_open", {}).values())
        found["dead_letters"] = await _dead_letters(page, found["name"]) if open_letters else []
    return page.render(
        "admin/plumbing.html", title=page.texts.plumbing_title, services=services,
        notice=page.texts.plumbing_done.get(done), areas=admin_areas(session.scopes, page.texts),
    )


@router.post("/admin/plumbing/{service}/dead-letters/{dead_letter_id}/{action}", response_class=HTMLResponse)
async def resolve_dead_letter(
    page: SignedInPageDep, _csrf: CsrfFormDep, service: str, dead_letter_id: int, action: str
) -> Response:
    page.require_staff_scope(ADMIN)
    if action not in ACTIONS or service not in runtime_of(page.request.app).upstreams:
        raise page.not_found()
    response = await page.call("POST", service, f"/ops/dead-letters/{dead_letter_id}/{action}")
    if response.status_code == 403:
        raise page.forbidden()
    if response.status_code == 200:
        return see_other(f"/admin/plumbing?done={ACTIONS[action]}")
    if response.status_code in (404, 409):
        return see_other("/admin/plumbing?done=gone")
    return see_other("/admin/plumbing?done=failed")
