"""Warnings in a real chromium at a phone viewport against the real platform (`dorf up --demo` with accounts,
alerts and the gateway): a resident subscribes their village and sees the replayed DWD warning; an alert
author issues, updates and cancels a local warning while the resident's page follows live; axe-core on
every page visited."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from browserkit import OPERATOR, PHONE, RunningPlatform, audit, sign_in
from playwright.sync_api import Browser, BrowserContext, Page, expect

pytestmark = pytest.mark.slow

ERIKA = ("erika.schulze@prenzlau.example", "Dorfleben-Demo-2026")


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """This module's own platform: the browser tests' default starts only accounts and the gateway."""
    var = tmp_path_factory.mktemp("alerts-browser") / "var"
    platform = RunningPlatform(var, services="accounts,gateway,alerts")
    try:
        yield platform.url
    finally:
        platform.stop()


def subscribe_prenzlau(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/alerts/subscription")
    page.get_by_label("Ihr Ort").select_option(label="Prenzlau (Prenzlau)")
    page.get_by_role("button", name="Speichern").click()
    expect(page).to_have_url(f"{base_url}/alerts?done=saved")


def test_a_resident_subscribes_their_village_and_sees_the_replayed_dwd_warning(
    phone: BrowserContext, base_url: str
) -> None:
    page = phone.new_page()
    page.goto(f"{base_url}/alerts")
    expect(page.get_by_role("heading", level=1)).to_have_text("Warnungen")
    expect(page.locator("#district-title + svg, .district-map").first).to_be_visible()
    expect(page.get_by_role("heading", name="Amtliche WARNUNG vor STARKEM GEWITTER")).to_be_visible()
    audit(page, "w01-alerts-public")

    sign_in(page, base_url, *ERIKA, next_path="/alerts")
    expect(page.get_by_text("Sie haben noch keinen Ort gewählt.")).to_be_visible()
    page.get_by_role("link", name="Ort für Warnungen wählen").click()
    audit(page, "w02-subscription")
    page.get_by_role("button", name="Speichern").click()  # no village chosen: the message is next to it
    expect(page.locator("#place-error")).to_be_visible()
    audit(page, "w03-subscription-error")
    subscribe_prenzlau(page, base_url)
    expect(page.get_by_role("status").first).to_have_text("Ihre Orte sind gespeichert.")
    mine = page.locator("section[aria-labelledby=mine-title]")
    expect(mine.get_by_role("heading", name="Amtliche WARNUNG vor STARKEM GEWITTER")).to_be_visible()
    expect(mine).to_contain_text("Prenzlau")
    audit(page, "w04-alerts-mine")

    mine.get_by_role("link", name="Mehr lesen").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Amtliche WARNUNG vor STARKEM GEWITTER")
    expect(page.get_by_role("heading", name="Was Sie jetzt tun sollten")).to_be_visible()
    audit(page, "w05-warning")


def test_an_author_issues_updates_and_cancels_while_the_residents_page_follows_live(
    phone: BrowserContext, browser: Browser, base_url: str
) -> None:
    resident = phone.new_page()
    sign_in(resident, base_url, *ERIKA, next_path="/alerts")
    subscribe_prenzlau(resident, base_url)
    expect(resident.locator("[data-live=on]")).to_have_count(1)
    live = resident.locator("#feed-list")

    staff_context = browser.new_context(viewport=PHONE, locale="de-DE")
    staff_context.set_default_timeout(15_000)
    staff = staff_context.new_page()
    sign_in(staff, base_url, *OPERATOR, next_path="/admin/alerts")
    expect(staff.get_by_role("heading", level=1)).to_have_text("Warnungen des Landkreises")
    audit(staff, "w10-staff")
    staff.get_by_label("Überschrift").fill("Großbrand in Prenzlau")
    staff.get_by_label("Ereignis").fill("Brand einer Lagerhalle")
    staff.get_by_label("Was sollen die Menschen tun?").fill("Fenster und Türen schließen.")
    staff.get_by_role("group", name="Gemeinden").get_by_label("Prenzlau", exact=True).check()
    staff.get_by_role("button", name="Wen erreicht das?").click()
    expect(staff.get_by_role("status")).to_contain_text("Menschen")
    audit(staff, "w11-staff-preview")
    staff.get_by_role("button", name="Warnung herausgeben").click()
    expect(staff.get_by_role("status")).to_have_text("Die Warnung ist herausgegeben.")
    audit(staff, "w12-staff-issued")
    expect(live).to_contain_text("Warnung: Großbrand in Prenzlau")

    staff.get_by_label("Stufe").select_option("Extreme")
    staff.get_by_role("button", name="Änderung herausgeben").click()
    expect(staff.get_by_role("status")).to_have_text("Die Änderung ist herausgegeben.")
    expect(live).to_contain_text("Warnung verschärft: Großbrand in Prenzlau")

    staff.get_by_role("button", name="Entwarnung geben").click()
    expect(staff.get_by_role("status")).to_have_text("Die Entwarnung ist herausgegeben.")
    expect(live).to_contain_text("Entwarnung: Entwarnung: Großbrand in Prenzlau")
    audit(staff, "w13-staff-cancelled")
    audit(resident, "w14-resident-live")

    resident.reload()
    expect(resident.locator("section[aria-labelledby=mine-title]")).to_contain_text("aufgehoben")
    staff_context.close()
