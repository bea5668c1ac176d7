"""A person's data and the staff's areas in a real chromium at a phone viewport, against the whole platform
(`dorf up --demo` with every service): a resident asks for their download, sees it being prepared and takes
the file with every service's part; an erased resident's erasure shows on the staff's erasure report until
every service has confirmed it; an operator with scope admin finds each service area's staff page on the
dashboard. axe-core and the tap-target check on every page visited."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator

import pytest
from browserkit import OPERATOR, RunningPlatform, audit, sign_in
from playwright.sync_api import Browser, BrowserContext, expect

from accounts.seed import RESIDENT_PASSWORD, demo_id
from web.admin.dashboard import admin_areas
from web.alerts import staff as alerts_staff
from web.marketplace import admin as marketplace_admin
from web.mobility import drivers as mobility_drivers
from web.mobility import pages as mobility_pages
from web.texts import DE
from web.volunteers import staff as volunteers_staff

pytestmark = pytest.mark.slow

ERIKA = ("erika.schulze@prenzlau.example", RESIDENT_PASSWORD)  # in the demo: a ride booked, a volunteer
KARL = ("karl.wagner@schwedt.example", RESIDENT_PASSWORD)
SERVICES = ("accounts", "marketplace", "mobility", "volunteers", "alerts")
ERASURE_CONFIRMED_WITHIN = 60.0


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Every service: the download gathers from all of them, and the dashboard links to each one's pages."""
    platform = RunningPlatform(tmp_path_factory.mktemp("data-staff") / "var", services=",".join((*SERVICES, "gateway")))
    try:
        yield platform.url
    finally:
        platform.stop()


def test_a_resident_asks_for_their_data_sees_it_prepared_and_downloads_every_services_part(
    phone: BrowserContext, base_url: str
) -> None:
    page = phone.new_page()
    sign_in(page, base_url, *ERIKA, next_path="/account")
    page.get_by_role("button", name=DE.account_download).click()

    # accounts gathers the parts on its schedule (every few seconds): the first look finds it being prepared.
    expect(page).to_have_url(re.compile(re.escape(base_url) + r"/account/export/[0-9a-f-]{36}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(DE.export_pending_title)
    expect(page.get_by_role("link", name=DE.export_reload)).to_have_attribute("href", page.url.removeprefix(base_url))
    audit(page, "d01-export-pending")

    # Without reloading, the page shows the file once it is there (refresh.js looks again and swaps it in).
    expect(page.get_by_role("heading", level=1)).to_have_text(DE.export_ready_title, timeout=45_000)
    expect(page).to_have_title(re.compile("^" + re.escape(DE.export_ready_title)))
    areas = [DE.service_area_names[name] for name in SERVICES]
    expect(page.get_by_text(DE.export_contains.split("{")[0])).to_contain_text(areas[1])
    audit(page, "d02-export-ready")
    # A reload (the way without the script) shows the same.
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text(DE.export_ready_title)

    with page.expect_download() as download_info:
        page.get_by_role("link", name=DE.export_download).click()
    download = download_info.value
    assert download.suggested_filename == "dorfmarktplatz-meine-daten.json"
    data = json.loads(download.path().read_text(encoding="utf-8"))
    assert data["parts"] == dict.fromkeys(SERVICES, "ok")
    assert ERIKA[0] in json.dumps(data["services"]["accounts"], ensure_ascii=False)
    # The demo gives Erika a booked ride and a volunteer's profile: those services' parts hold them.
    assert data["services"]["mobility"], "mobility's part is empty"
    assert data["services"]["volunteers"], "volunteers' part is empty"
    assert "prenzlau" in json.dumps(data["services"]["mobility"]).lower()


def test_an_erased_residents_erasure_shows_each_services_confirmation(
    phone: BrowserContext, base_url: str
) -> None:
    resident = phone.new_page()
    sign_in(resident, base_url, *KARL, next_path="/account/delete")
    resident.get_by_label(DE.account_delete_confirm_check).check()
    resident.get_by_role("button", name=DE.account_delete_confirm_button).click()
    expect(resident).to_have_url(f"{base_url}/account/deleted")
    resident.close()

    karl_id = str(demo_id("person:karl"))
    page = phone.new_page()  # Karl is signed out: the same phone now serves the district's staff
    sign_in(page, base_url, *OPERATOR, next_path="/admin")
    page.get_by_role("link", name=DE.admin_erasures).click()
    expect(page).to_have_url(f"{base_url}/admin/erasures")
    audit(page, "d03-erasures")

    page.get_by_label(DE.erasures_filter_person).fill(karl_id)
    page.get_by_role("button", name=DE.erasures_filter_submit).click()
    record = page.locator("#erasures .record", has_text=karl_id)
    expect(record).to_have_count(1)
    # Each service erases on accounts' event and reports back; the page says which are still awaited.
    deadline = time.monotonic() + ERASURE_CONFIRMED_WITHIN
    while not record.get_by_text(DE.erasures_complete).count() and time.monotonic() < deadline:
        time.sleep(1)
        page.reload()
    expect(record.get_by_text(DE.erasures_complete)).to_be_visible()
    for service in SERVICES:
        expect(record.get_by_text(DE.service_area_names[service] + ":")).to_be_visible()
    audit(page, "d04-erasure-confirmed")

    page.get_by_label(DE.erasures_filter_person).fill("keine-nummer")
    page.get_by_role("button", name=DE.erasures_filter_submit).click()
    expect(page.locator("#person_id-error")).to_have_text(DE.people_find_bad_id)


def test_an_admin_finds_every_service_areas_staff_page_on_the_dashboard(
    phone: BrowserContext, base_url: str
) -> None:
    page = phone.new_page()
    sign_in(page, base_url, *OPERATOR, next_path="/admin")
    audit(page, "d05-dashboard")
    # The addresses come from the areas' own routers, so a renamed URL is still what the tile links to.
    areas = {
        DE.marketplace.admin_title: marketplace_admin.router.url_path_for("market_admin_dashboard"),
        DE.mobility.verify_title: mobility_drivers.router.url_path_for("pending_drivers"),
        DE.volunteers.staff_title: volunteers_staff.router.url_path_for("staff_page"),
        DE.mobility.desk_title: mobility_pages.router.url_path_for("desk"),
        DE.alerts.staff_title: alerts_staff.router.url_path_for("staff_page"),
        DE.admin_erasures: "/admin/erasures",
    }
    tiles = page.locator(".cards")
    for title, href in areas.items():
        expect(tiles.get_by_role("link", name=title, exact=True)).to_have_attribute("href", str(href))
    for index, title in enumerate(areas):
        page.goto(f"{base_url}/admin")
        tiles.get_by_role("link", name=title, exact=True).click()
        expect(page).to_have_url(base_url + str(areas[title]))
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        audit(page, f"d06-{index}-staff-area")


def test_the_admin_areas_fold_into_one_button_on_a_phone_and_stand_open_on_a_wide_screen(
    phone: BrowserContext, browser: Browser, base_url: str
) -> None:
    page = phone.new_page()
    sign_in(page, base_url, *OPERATOR, next_path="/admin/audit-log")
    areas = page.get_by_role("navigation", name=DE.admin_title)
    toggle = areas.get_by_text(DE.admin_areas_toggle, exact=True)
    expect(toggle).to_be_visible()
    expect(areas.get_by_role("link", name=DE.admin_erasures)).to_be_hidden()
    folded = areas.bounding_box()
    assert folded is not None and folded["height"] < 80, folded  # ten areas for an admin: one button
    audit(page, "d07-areas-folded")
    toggle.click()
    expect(areas.get_by_role("link")).to_have_count(len(admin_areas(frozenset({"admin"}), DE)))
    audit(page, "d08-areas-unfolded")
    areas.get_by_role("link", name=DE.admin_erasures).click()
    expect(page).to_have_url(f"{base_url}/admin/erasures")

    wide_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
    try:
        wide = wide_context.new_page()
        sign_in(wide, base_url, *OPERATOR, next_path="/admin/audit-log")
        wide_areas = wide.get_by_role("navigation", name=DE.admin_title)
        expect(wide_areas.get_by_text(DE.admin_areas_toggle, exact=True)).to_be_hidden()
        expect(wide_areas.get_by_role("link", name=DE.admin_erasures)).to_be_visible()
        expect(wide_areas.get_by_role("link", name=DE.admin_audit)).to_have_attribute("aria-current", "page")
        audit(wide, "d09-areas-wide")
    finally:
        wide_context.close()
