"""What staff read (scope admin): the audit log (who did what for whom), the mail outbox (held mails:
what would have been sent without SMTP) and the erasure reports (which services have confirmed erasing a
person's data, which are still awaited). All page with accounts' opaque cursors."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from web.admin.dashboard import ADMIN, admin_areas
from web.pages import SignedInPageDep, WebRoute
from web.problems import FormErrors

router = APIRouter(route_class=WebRoute)

PAGE_SIZE = "50"
MAIL_STATUSES = ("held", "pending", "sent", "failed")


async def _page_of(page: SignedInPageDep, path: str, params: dict[str, str]) -> dict[str, Any]:
    result: dict[str, Any] = await page.read("accounts", path, params={**params, "limit": PAGE_SIZE})
    return result


def _next_link(base: str, params: dict[str, str], cursor: str | None) -> str | None:
    if not cursor:
        return None
    return f"{base}?{urlencode({**params, 'cursor': cursor})}"


@router.get("/admin/audit-log", response_class=HTMLResponse)
async def audit_log(page: SignedInPageDep, person_id: str = "", actor_id: str = "", cursor: str = "") -> HTMLResponse:
    session = page.require_staff_scope(ADMIN)
    t = page.texts
    filters = {"person_id": person_id.strip(), "actor_id": actor_id.strip()}
    errors = FormErrors()
    if filters["person_id"]:
        try:
            uuid.UUID(filters["person_id"])
        except ValueError:
            errors.add("person_id", t.people_find_bad_id)
    used = {key: value for key, value in filters.items() if value}
    result: dict[str, Any] = {"items": [], "next_cursor": None}
    if not errors:
        result = await _page_of(page, "/admin/audit-log", {**used, **({"cursor": cursor} if cursor else {})})
    return page.render(
        "admin/audit_log.html", status=422 if errors else 200, title=t.audit_title, filters=filters,
        entries=result["items"], next_link=_next_link("/admin/audit-log", used, result.get("next_cursor")),
        errors=errors or None, labels={"person_id": t.audit_filter_person, "actor_id": t.audit_filter_actor},
        areas=admin_areas(session.scopes, t), own_id=session.person_id,
    )


@router.get("/admin/mails", response_class=HTMLResponse)
async def mails(page: SignedInPageDep, status: str = "held", cursor: str = "") -> HTMLResponse:
    session = page.require_staff_scope(ADMIN)
    chosen = status if status in MAIL_STATUSES else ""
    used = {"status": chosen} if chosen else {}
    result = await _page_of(page, "/admin/mails", {**used, **({"cursor": cursor} if cursor else {})})
    return page.render(
        "admin/mails.html", title=page.texts.mails_title, status_filter=chosen, statuses=MAIL_STATUSES,
        mails=result["items"], next_link=_next_link("/admin/mails", {"status": chosen}, result.get("next_cursor")),
        areas=admin_areas(session.scopes, page.texts),
    )


@router.get("/admin/erasures", response_class=HTMLResponse)
async def erasure_reports(page: SignedInPageDep, person_id: str = "", cursor: str = "") -> HTMLResponse:
    session = page.require_staff_scope(ADMIN)
    t = page.texts
    wanted = person_id.strip()
    errors = FormErrors()
    if wanted:
        try:
            uuid.UUID(wanted)
        except ValueError:
            errors.add("person_id", t.people_find_bad_id)
    used = {"person_id": wanted} if wanted else {}
    result: dict[str, Any] = {"items": [], "next_cursor": None}
    if not errors:
        result = await _page_of(page, "/admin/erasures", {**used, **({"cursor": cursor} if cursor else {})})
    return page.render(
        "admin/erasures.html", status=422 if errors else 200, title=t.erasures_title, person_id=wanted,
        erasures=result["items"], next_link=_next_link("/admin/erasures", used, result.get("next_cursor")),
        errors=errors or None, labels={"person_id": t.erasures_filter_person}, areas=admin_areas(session.scopes, t),
    )
