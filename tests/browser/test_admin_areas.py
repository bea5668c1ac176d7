"""Which tiles the admin dashboard offers for which staff scopes (a fast check beside the browser test, which
follows each tile as an operator with scope admin)."""

from __future__ import annotations

import pytest

pytest.importorskip("gateway.browser", reason="gateway/src/gateway/browser.py is not there")

from web.admin.dashboard import admin_areas  # noqa: E402
from web.alerts import staff as alerts_staff  # noqa: E402
from web.marketplace import admin as marketplace_admin  # noqa: E402
from web.mobility import drivers as mobility_drivers  # noqa: E402
from web.mobility import pages as mobility_pages  # noqa: E402
from web.texts import DE  # noqa: E402
from web.volunteers import staff as volunteers_staff  # noqa: E402

# The service areas' staff pages, by name in their own routers (their URLs may be renamed).
MERCHANTS = str(marketplace_admin.router.url_path_for("market_admin_dashboard"))
DRIVERS = str(mobility_drivers.router.url_path_for("pending_drivers"))
ORGANISATIONS = str(volunteers_staff.router.url_path_for("staff_page"))
DESK = str(mobility_pages.router.url_path_for("desk"))
ALERTS = str(alerts_staff.router.url_path_for("staff_page"))


def _hrefs(*scopes: str) -> set[str]:
    return {area.href for area in admin_areas(frozenset(scopes), DE)}


def test_each_staff_scope_sees_its_own_service_areas_and_admin_sees_all() -> None:
    assert _hrefs("verifier") == {MERCHANTS, DRIVERS, ORGANISATIONS}
    assert _hrefs("mobility-desk") == {DESK}
    assert _hrefs("alert-author") == {ALERTS}
    assert _hrefs("people-desk") == {"/admin/people"}
    assert _hrefs() == set()
    everything = _hrefs("admin")
    assert {MERCHANTS, DRIVERS, ORGANISATIONS, DESK, ALERTS, "/admin/people", "/admin/erasures"} <= everything
    assert _hrefs("verifier", "alert-author") == _hrefs("verifier") | _hrefs("alert-author")


def test_the_erasure_report_is_for_admin_only() -> None:
    assert "/admin/erasures" not in _hrefs("verifier", "mobility-desk", "alert-author", "people-desk")
    assert "/admin/erasures" in _hrefs("admin")
