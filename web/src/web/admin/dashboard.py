"""The admin dashboard for district staff (role `operator`); which areas it offers depends on the staff
scopes (`people-desk` for people, `verifier` for approving merchants, drivers and organisations,
`mobility-desk` for the Mobilitätszentrale, `alert-author` for the district's warnings, `admin` for
everything; each service checks the same again). The service areas' addresses come from their routers by
page name, so renaming an area's URLs needs no change here."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from web.alerts import staff as alerts_staff
from web.marketplace import admin as marketplace_admin
from web.mobility import drivers as mobility_drivers
from web.mobility import pages as mobility_pages
from web.pages import SignedInPageDep, WebRoute
from web.texts import Texts
from web.volunteers import staff as volunteers_staff

router = APIRouter(route_class=WebRoute)

PEOPLE_DESK = "people-desk"
VERIFIER = "verifier"
MOBILITY_DESK = "mobility-desk"
ALERT_AUTHOR = "alert-author"
ADMIN = "admin"


@dataclass(frozen=True)
class AdminArea:
    href: str
    title: str
    text: str
    scope: str


def _page(router: APIRouter, name: str) -> str:
    """A page's address from its own area's router (names are unique there, not across areas)."""
    return str(router.url_path_for(name))


def admin_areas(scopes: frozenset[str], texts: Texts) -> list[AdminArea]:
    areas = [
        AdminArea("/admin/people", texts.admin_people, texts.admin_people_text, PEOPLE_DESK),
        AdminArea(_page(marketplace_admin.router, "market_admin_dashboard"), texts.marketplace.admin_title,
                  texts.admin_market_text, VERIFIER),
        AdminArea(_page(mobility_drivers.router, "pending_drivers"), texts.mobility.verify_title,
                  texts.admin_drivers_text, VERIFIER),
        AdminArea(_page(volunteers_staff.router, "staff_page"), texts.volunteers.staff_title,
                  texts.admin_volunteers_text, VERIFIER),
        AdminArea(_page(mobility_pages.router, "desk"), texts.mobility.desk_title, texts.admin_desk_text,
                  MOBILITY_DESK),
        AdminArea(_page(alerts_staff.router, "staff_page"), texts.alerts.staff_title, texts.admin_alerts_text,
                  ALERT_AUTHOR),
        AdminArea("/admin/audit-log", texts.admin_audit, texts.admin_audit_text, ADMIN),
        AdminArea("/admin/mails", texts.admin_mails, texts.admin_mails_text, ADMIN),
        AdminArea("/admin/erasures", texts.admin_erasures, texts.admin_erasures_text, ADMIN),
        AdminArea("/admin/plumbing", texts.admin_plumbing, texts.admin_plumbing_text, ADMIN),
    ]
    return [area for area in areas if area.scope in scopes or ADMIN in scopes]


@router.get("/admin", response_class=HTMLResponse)
async def dashboard(page: SignedInPageDep) -> HTMLResponse:
    session = page.require_role("operator")
    return page.render("admin/dashboard.html", title=page.texts.admin_title,
                       areas=admin_areas(session.scopes, page.texts))
