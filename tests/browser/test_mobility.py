"""Rides and the guaranteed taxi in a real chromium at a phone viewport, against the real platform (accounts,
mobility, gateway with the Uckermark demo network): a resident books a ride from her town to Angermünde and
sees it confirmed; the Mobilitätszentrale books for a caller without a smartphone. axe-core and the
tap-target check on every page visited."""

from __future__ import annotations

import importlib.util
import re
import uuid
import zipfile
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from browserkit import OPERATOR, PHONE, RunningPlatform, audit, horizontal_overflow, sign_in
from playwright.sync_api import Browser, BrowserContext, expect

pytestmark = pytest.mark.slow

RESIDENT = ("erika.schulze@prenzlau.example", "Dorfleben-Demo-2026")
# accounts' demo people have uuid5 ids in this namespace; Gertrud Neumann has no e-mail and no smartphone.
RUFBUS_FEED = Path(__file__).resolve().parents[1] / "fixtures" / "mobility" / "bbnavi-uckermark-rufbus-flex"
GERTRUD = str(uuid.uuid5(uuid.UUID("5b0f3c1e-6d7a-4f0e-9a52-0d0f5e1c0a11"), "person:gertrud"))


def next_weekday(offset: int) -> date:
    """The demo's one-off ride is on the next weekday (mobility/seed.py)."""
    day = date.today() + timedelta(days=offset)
    while day.weekday() > 4:
        day += timedelta(days=1)
    return day


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if importlib.util.find_spec("gateway.browser") is None:
        pytest.skip("the gateway's browser sessions are not there yet")
    platform = RunningPlatform(tmp_path_factory.mktemp("mobility") / "var", services="accounts,mobility,gateway")
    try:
        yield platform.url
    finally:
        platform.stop()


def test_a_resident_books_a_ride_to_town_and_sees_it_confirmed(phone: BrowserContext, base_url: str) -> None:
    page = phone.new_page()
    sign_in(page, base_url, *RESIDENT, next_path="/rides")
    audit(page, "m01-find")
    assert horizontal_overflow(page) == 0
    page.select_option("#from_stop", "demo:prenzlau")
    page.select_option("#to_stop", "demo:angermuende")
    page.fill("#day", next_weekday(1).isoformat())
    page.get_by_role("button", name="Fahrten suchen").click()
    ride = page.locator(".card", has_text="09:30")
    expect(ride).to_contain_text("eine private Mitfahrt")
    audit(page, "m02-results")
    ride.get_by_role("button", name=re.compile("Fahrt um .*09:30 buchen")).click()

    expect(page).to_have_url(re.compile(r"/rides/bookings/[0-9a-f-]+"))
    expect(page.get_by_role("status")).to_contain_text("Ihre Fahrt ist gebucht")
    expect(page.locator(".card")).to_contain_text("Mitfahrt gefunden")
    expect(page.locator(".card")).to_contain_text("Hans")
    audit(page, "m03-booking")
    page.get_by_role("link", name="Meine Fahrten ansehen").click()
    expect(page.locator(".card").first).to_contain_text("Prenzlau")
    audit(page, "m04-mine")


def test_the_desk_books_for_a_caller_without_a_smartphone(phone: BrowserContext, base_url: str) -> None:
    page = phone.new_page()
    day = next_weekday(2)
    sign_in(page, base_url, *OPERATOR, next_path="/admin/mobility")
    audit(page, "m10-desk")

    def audited(service: str, path: str) -> Any:  # through the gateway, with the staff session
        return page.request.get(f"{base_url}/api/{service}{path}", params={"person_id": GERTRUD}).json()

    before = audited("mobility", "/desk/audit")  # the demo data may hold desk bookings for her already
    page.fill("#person_id", GERTRUD)
    page.select_option("#from_stop", "demo:gramzow")
    page.select_option("#to_stop", "demo:angermuende")
    page.fill("#day", day.isoformat())
    page.get_by_role("button", name="Fahrten suchen").click()
    slot = page.locator(".card", has_text="das Rufbus-Taxi (garantiert)").first
    expect(slot).to_be_visible()
    audit(page, "m11-desk-results")
    slot.get_by_role("button", name=re.compile("für den Anrufer buchen")).click()

    expect(page.get_by_role("status")).to_contain_text("für den Anrufer gebucht")
    booked = page.locator(".card", has_text=GERTRUD)
    expect(booked).to_contain_text("telefonisch gebucht")
    expect(booked).to_contain_text("Taxi eingeplant")
    audit(page, "m12-desk-booked")

    # The desk booked as Gertrud with a token exchanged at accounts (act = the staff member): mobility's audit
    # names both, and accounts audited the exchange. Read through the gateway with the staff session.
    staff_id = page.request.get(f"{base_url}/auth/session").json()["person_id"]
    new = [entry for entry in audited("mobility", "/desk/audit") if entry not in before]
    assert [(e["actor"], e["person_id"], e["action"], e["detail"]) for e in new] == [
        (staff_id, GERTRUD, "booking_created", "fallback_planned via phone")]
    exchanges = [(e["actor_id"], e["details"]["audience"], e["details"]["client_id"])
                 for e in audited("accounts", "/admin/audit-log")["items"] if e["action"] == "token.exchanged"]
    assert exchanges == [(staff_id, "mobility", "gateway")]

    # A number that is nobody's: accounts exchanges no token, the desk is told next to the form.
    page.fill("#person_id", str(uuid.uuid4()))
    page.select_option("#from_stop", "demo:gramzow")
    page.select_option("#to_stop", "demo:angermuende")
    page.fill("#day", day.isoformat())
    page.get_by_role("button", name="Fahrten suchen").click()
    page.locator(".card", has_text="das Rufbus-Taxi (garantiert)").first.get_by_role(
        "button", name=re.compile("für den Anrufer buchen")).click()
    expect(page.get_by_role("alert")).to_contain_text("Für diese Personen-Nummer können Sie hier nicht buchen.")
    audit(page, "m13-desk-unknown-person")


def test_a_driver_sees_who_rides_and_staff_see_the_document_checks(
    phone: BrowserContext, browser: Browser, base_url: str
) -> None:
    page = phone.new_page()
    sign_in(page, base_url, "hans.mueller@templin.example", "Dorfleben-Demo-2026", next_path="/rides/driver")
    expect(page.locator("main")).to_contain_text("geprüft")
    ride = page.locator(".card", has_text="Prenzlau, Bahnhof nach Angermünde, Bahnhof").first
    expect(ride).to_contain_text("Person(en)")
    audit(page, "m20-driver")
    assert horizontal_overflow(page) == 0
    staff = browser.new_context(viewport=PHONE)  # another person: a session of their own
    try:
        desk = staff.new_page()
        sign_in(desk, base_url, *OPERATOR, next_path="/admin/mobility/drivers")
        expect(desk.get_by_role("heading", name="Fahrerinnen und Fahrer prüfen")).to_be_visible()
        audit(desk, "m21-verify")
    finally:
        staff.close()


def test_the_desk_imports_a_timetable_and_is_told_what_is_wrong_with_a_broken_one(
    browser: Browser, base_url: str, tmp_path: Path
) -> None:
    feed = tmp_path / "rufbus.zip"
    with zipfile.ZipFile(feed, "w") as archive:
        for part in RUFBUS_FEED.iterdir():
            archive.write(part, part.name)
    staff = browser.new_context(viewport=PHONE, locale="de-DE")
    try:
        desk = staff.new_page()
        sign_in(desk, base_url, *OPERATOR, next_path="/admin/mobility/feeds")
        audit(desk, "m30-feeds")
        desk.fill("#feed_id", "rufbus-uckermark")
        desk.fill("#name", "RufBus Uckermark")
        desk.set_input_files("#feed", str(feed))
        desk.get_by_role("button", name="Fahrplan einlesen").click()
        expect(desk.get_by_role("status")).to_contain_text("„RufBus Uckermark“ wurde eingelesen")
        expect(desk.locator("dl.facts")).to_contain_text("stops")
        audit(desk, "m31-feed-imported")

        not_a_zip = tmp_path / "fahrplan.zip"
        not_a_zip.write_text("agency_id,agency_name\n")
        desk.fill("#feed_id", "kaputt")
        desk.fill("#name", "Kaputt")
        desk.set_input_files("#feed", str(not_a_zip))
        desk.get_by_role("button", name="Fahrplan einlesen").click()
        expect(desk.get_by_role("alert")).to_contain_text("keine ZIP-Datei")
        assert desk.input_value("#feed_id") == "kaputt"  # what was typed stays
        audit(desk, "m32-feed-refused")
    finally:
        staff.close()
