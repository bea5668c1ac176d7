"""The main menu (a fast check beside the browser tests): the areas in their order, then the personal items,
and an area shown to visitors exactly when its landing page works without signing in."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

pytest.importorskip("gateway.browser", reason="gateway/src/gateway/browser.py is not there")

from fastapi.dependencies.models import Dependant  # noqa: E402
from fastapi.routing import APIRoute  # noqa: E402

from gateway.browser import require_browser_session  # noqa: E402
from web import marketplace  # noqa: E402
from web.alerts.routes import routers as alerts_routers  # noqa: E402
from web.mobility import pages as mobility_pages  # noqa: E402
from web.navigation import main_navigation  # noqa: E402
from web.resident import home  # noqa: E402
from web.texts import DE  # noqa: E402
from web.volunteers import resident as volunteers_resident  # noqa: E402

# The routers holding the areas' landing pages (as web/router.py includes them).
LANDING_ROUTERS = (home.router, *marketplace.routers, mobility_pages.router, volunteers_resident.router,
                   *alerts_routers)


@dataclass(frozen=True)
class Session:
    roles: frozenset[str]


def _menu(session: Session | None) -> list[tuple[str, str]]:
    return [(item.href, item.label) for item in main_navigation(session, "/", DE)]


def _needs_sign_in(dependant: Dependant) -> bool:
    return any(d.call is require_browser_session or _needs_sign_in(d) for d in dependant.dependencies)


def _landing_needs_sign_in(href: str) -> bool:
    for route in (route for router in LANDING_ROUTERS for route in router.routes):
        if isinstance(route, APIRoute) and route.path == href and "GET" in route.methods:
            return _needs_sign_in(route.dependant)
    raise AssertionError(f"no page at {href}")


def test_the_menu_lists_the_areas_in_order_then_the_personal_items() -> None:
    assert [label for _, label in _menu(Session(frozenset({"resident", "merchant", "operator"})))] == [
        "Start", "Einkaufen", "Mitfahren", "Helfen", "Warnungen",
        DE.nav_notifications, DE.nav_account, DE.nav_merchant, DE.nav_admin,
    ]
    assert [label for _, label in _menu(Session(frozenset({"resident"})))][-2:] == [DE.nav_notifications,
                                                                                   DE.nav_account]


def test_visitors_see_an_area_exactly_when_its_landing_page_works_without_signing_in() -> None:
    areas = [href for href, _ in _menu(Session(frozenset({"resident"})))][:5]
    shown = {href for href, _ in _menu(None)}
    assert shown <= set(areas)
    for href in areas:
        assert (href in shown) is not _landing_needs_sign_in(href), href
