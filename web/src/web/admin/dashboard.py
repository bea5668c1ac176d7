"""The admin dashboard for district staff (role `operator`); which areas it offers depends on the staff
scopes (`people-desk` for people, `admin` for everything here; accounts checks the same again)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from web.pages import SignedInPageDep, WebRoute
from web.texts import Texts

router = APIRouter(route_class=WebRoute)

PEOPLE_DESK = "people-desk"
ADMIN = "admin"


@dataclass(frozen=True)
class AdminArea:
    href: str
    title: str
    text: str
    scope: str


def admin_areas(scopes: frozenset[str], texts: Texts) -> list[AdminArea]:
    areas = [
        AdminArea("/admin/people", texts.admin_people, texts.admin_people_text, PEOPLE_DESK),
        AdminArea("/admin/audit-log", texts.admin_audit, texts.admin_audit_text, ADMIN),
        AdminArea("/admin/mails", texts.admin_mails, texts.admin_mails_text, ADMIN),
        AdminArea("/admin/plumbing", texts.admin_plumbing, texts.admin_plumbing_text, ADMIN),
    ]
    return [area for area in areas if area.scope in scopes or ADMIN in scopes]


@router.get("/admin", response_class=HTMLResponse)
async def dashboard(page: SignedInPageDep) -> HTMLResponse:
    session = page.require_role("operator")
    return page.render("admin/dashboard.html", title=page.texts.admin_title,
                       areas=admin_areas(session.scopes, page.texts))
