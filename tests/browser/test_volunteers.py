"""Volunteering in a real chromium at a phone viewport, against the real platform (accounts, volunteers,
gateway with the Uckermark demo): a volunteer from Angermünde finds a shift near her and signs up; a
resident registers a club, the Freiwilligenagentur verifies it, and its new coordinator publishes a shift
that volunteers then find. axe-core and the tap-target check on every page visited."""

from __future__ import annotations

import importlib.util
import re
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from browserkit import OPERATOR, PHONE, RunningPlatform, audit, horizontal_overflow, sign_in
from playwright.sync_api import APIResponse, Browser, BrowserContext, Locator, Page, expect

pytestmark = pytest.mark.slow

VOLUNTEER = ("anna.becker@angermuende.example", "Dorfleben-Demo-2026")
FOUNDER = ("hans.mueller@templin.example", "Dorfleben-Demo-2026")


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """This module needs volunteers too (the shared fixture starts accounts and the gateway only)."""
    if importlib.util.find_spec("gateway.browser") is None:
        pytest.skip("the gateway's browser sessions are not there yet")
    platform = RunningPlatform(tmp_path_factory.mktemp("volunteers") / "var",
                               services="accounts,volunteers,gateway")
    try:
        yield platform.url
    finally:
        platform.stop()


def test_a_volunteer_finds_a_shift_near_her_and_signs_up(phone: BrowserContext, base_url: str) -> None:
    page = phone.new_page()
    sign_in(page, base_url, *VOLUNTEER, next_path="/volunteering")
    audit(page, "v01-find")
    assert horizontal_overflow(page) == 0
    visit = page.locator(".card", has_text="Besuchsdienst im Seniorenheim").first
    expect(visit).to_contain_text("Angermünde")
    expect(visit).to_contain_text("Warum das passt")
    expect(page.locator("main")).not_to_contain_text(re.compile(r"\d\.\d km"))  # German numbers: "21,4 km"
    # The food bank in Prenzlau is further than her 25 km.
    expect(page.locator(".card", has_text="Lebensmittelausgabe")).to_have_count(0)
    # Before signing up she can read what the visit is about.
    visit.get_by_role("link", name="Besuchsdienst im Seniorenheim ansehen").click()
    expect(page.locator("h1")).to_have_text("Besuchsdienst im Seniorenheim")
    expect(page.locator("main")).to_contain_text("Vorlesen, Spielen, Zuhören")
    page.go_back()
    visit.get_by_role("button", name=re.compile("Für Besuchsdienst im Seniorenheim am .* anmelden")).click()

    expect(page).to_have_url(re.compile(r"/volunteering/my-shifts"))
    expect(page.get_by_role("status")).to_contain_text("Du bist angemeldet")
    expect(page.locator(".card", has_text="Besuchsdienst im Seniorenheim")).to_contain_text("bestätigt")
    expect(page.locator(".lead")).to_contain_text("zusammen 0 Stunden")
    audit(page, "v02-mine")

    # No link yet: nothing to make invalid.
    revoke = page.get_by_role("button", name="Link ungültig machen")
    expect(revoke).to_have_count(0)
    page.get_by_role("button", name="Kalender-Link erstellen", exact=True).click()
    expect(page.locator("#calendar-url")).to_contain_text("/api/volunteers/calendar/")
    # With a link, making one more says that it replaces it.
    expect(page.get_by_role("button", name="Neuen Kalender-Link erstellen (der alte gilt dann nicht mehr)")
           ).to_have_count(1)
    feed_url = page.locator("#calendar-url").inner_text().strip()
    feed = page.request.get(feed_url)
    assert feed.ok and "BEGIN:VCALENDAR" in feed.text() and "Besuchsdienst im Seniorenheim" in feed.text()
    audit(page, "v03-calendar")
    page.goto(f"{base_url}/volunteering/my-shifts")
    expect(revoke).to_have_count(1)  # the link is there (not shown again: it is secret)
    revoke.click()
    expect(page.get_by_role("status")).to_contain_text("Der Kalender-Link gilt nicht mehr.")
    expect(revoke).to_have_count(0)
    assert page.request.get(feed_url).status == 404


def test_the_find_page_maps_where_help_is_needed_and_lists_it_by_village(phone: BrowserContext,
                                                                         base_url: str) -> None:
    """The district's villages with open shifts as a picture (no scripts, no tiles) and as a plain list,
    her own village ringed."""
    page = phone.new_page()
    sign_in(page, base_url, *VOLUNTEER, next_path="/volunteering")
    section = page.locator("section.help-map")
    expect(section.get_by_role("heading", name="Wo Hilfe gebraucht wird")).to_be_visible()
    picture = section.get_by_role("img", name="Karte des Landkreises mit den Orten, an denen Termine offen sind")
    expect(picture).to_be_visible()
    expect(picture.locator("desc")).to_contain_text("Der Ring zeigt deinen Ort, Angermünde.")
    expect(picture.locator(".help-map__home")).to_have_count(1)
    spot = picture.locator('.help-map__spot[data-village="Angermünde"] text')
    expect(spot).to_have_text(re.compile(r"^\d+$"))
    # The list says the same in words: Angermünde with as many open shifts as its circle shows.
    listed = section.locator("#help-map-list div", has_text="Angermünde")
    expect(listed.locator("dt")).to_have_text("Angermünde (dein Ort)")
    expect(listed.locator("dd")).to_have_text((spot.text_content() or "").strip())
    assert section.locator("#help-map-list div").count() == picture.locator(".help-map__spot").count() >= 2
    expect(section.get_by_text("Dein Ort: Angermünde")).to_be_visible()
    # Nothing to follow: the find page has no filter by village.
    expect(section.locator("#help-map-list a")).to_have_count(0)
    audit(page, "v04-find-map")
    assert horizontal_overflow(page) == 0
    # Donations only: no shifts asked for, no map of them.
    page.goto(f"{base_url}/volunteering?kind=material")
    expect(page.locator("section.help-map")).to_have_count(0)


def test_a_coordinator_of_a_newly_verified_club_publishes_a_shift(
    phone: BrowserContext, browser: Browser, base_url: str
) -> None:
    club = f"Heimatverein Templin {uuid.uuid4().hex[:4]} e.V."
    page = phone.new_page()
    sign_in(page, base_url, *FOUNDER, next_path="/volunteering/organisations")
    audit(page, "v10-organisations")
    page.fill("#name", club)
    page.select_option("#legal_form", "e.V.")
    page.select_option("#village_id", "ot-templin-templin")
    page.get_by_role("button", name="Träger anmelden").click()
    expect(page.get_by_role("status")).to_contain_text("Der Träger ist angelegt")
    audit(page, "v11-organisation-draft")
    organisation_url = page.url.split("?")[0]
    page.get_by_role("button", name="Einreichen").click()
    expect(page.get_by_role("status")).to_have_count(1)  # one notice, not two
    expect(page.get_by_role("status")).to_contain_text("Eingereicht")

    # An opportunity prepared before the verification waits for it.
    page.fill("#title", "Frühjahrsputz am Stadtsee")
    page.select_option("#category", "environment")
    page.get_by_role("button", name="Angebot anlegen").click()
    expect(page.get_by_role("status").first).to_contain_text("Das Angebot ist angelegt")
    page.get_by_role("button", name="Frühjahrsputz am Stadtsee veröffentlichen").click()
    # One notice says it waits for the verification; the opportunity shows that it waits, not the button again.
    expect(page.get_by_role("status")).to_have_count(1)
    expect(page.get_by_role("status")).to_contain_text("noch nicht geprüft")
    expect(page.locator("article", has_text="Frühjahrsputz am Stadtsee")).to_contain_text(
        "wird nach der Prüfung veröffentlicht")
    expect(page.get_by_role("button", name="Frühjahrsputz am Stadtsee veröffentlichen")).to_have_count(0)
    audit(page, "v12-not-verified")

    staff_context = browser.new_context(viewport=phone.pages[0].viewport_size, locale="de-DE")
    staff = staff_context.new_page()
    sign_in(staff, base_url, *OPERATOR, next_path="/admin/volunteering")
    audit(staff, "v13-staff-queue")
    staff.get_by_role("button", name=f"{club} als geprüft freigeben").click()
    expect(staff.get_by_role("status")).to_contain_text("Der Träger ist geprüft")
    audit(staff, "v14-staff-verified")
    staff_context.close()

    page.goto(organisation_url)
    expect(page.locator(".lead")).to_contain_text("geprüft")
    expect(page.locator("article", has_text="Frühjahrsputz am Stadtsee")).to_contain_text("veröffentlicht")
    shift_day = (date.today() + timedelta(days=6)).isoformat()
    opportunity = page.locator("article", has_text="Frühjahrsputz am Stadtsee")
    opportunity.get_by_text("Termin hinzufügen").click()
    opportunity.locator("input[name=day]").fill(shift_day)
    opportunity.locator("input[name=from_time]").fill("10:00")
    opportunity.locator("input[name=until]").fill("13:00")
    opportunity.locator("input[name=capacity]").fill("6")
    opportunity.get_by_role("button", name="Termin anlegen").click()
    expect(page.get_by_role("status").first).to_contain_text("Der Termin ist angelegt")
    expect(page.locator("article", has_text="Frühjahrsputz am Stadtsee")).to_contain_text("6 von 6 frei")
    audit(page, "v15-shift-published")
    # Its sign-ups, and the way back to the club.
    page.locator("article", has_text="Frühjahrsputz am Stadtsee").get_by_role("link", name="Anmeldungen").click()
    expect(page.locator("h1")).to_have_text("Anmeldungen")
    expect(page.locator("main")).to_contain_text("Noch keine Anmeldungen.")
    audit(page, "v16-roster")
    page.get_by_role("link", name=f"Zurück zu {club}").click()
    expect(page).to_have_url(organisation_url)

    # Residents find it (the map and the public list show verified organisations only).
    listed = page.request.get(f"{base_url}/api/volunteers/opportunities")
    assert listed.ok and "Frühjahrsputz am Stadtsee" in listed.text()


COORDINATOR = ("karl.wagner@schwedt.example", "Dorfleben-Demo-2026")  # admin of the church in Angermünde


def test_a_resident_pledges_and_offers_to_read_and_the_church_confirms(
    phone: BrowserContext, browser: Browser, base_url: str
) -> None:
    page = phone.new_page()
    sign_in(page, base_url, *VOLUNTEER, next_path="/volunteering")
    jackets = page.locator(".card", has_text="Winterjacken für die Kleiderkammer")
    expect(jackets).to_contain_text("von 30 Jacken gesucht")
    jackets.get_by_role("link", name="Winterjacken für die Kleiderkammer ansehen").click()
    audit(page, "v20-donation")
    assert horizontal_overflow(page) == 0
    page.get_by_label("Wie viele Jacken?").fill("3")
    page.get_by_label("Nachricht an den Träger").fill("Kindergröße 128")
    page.get_by_role("button", name="Spende zusagen").click()
    expect(page).to_have_url(re.compile(r"/volunteering/my-shifts"))
    expect(page.get_by_role("status")).to_contain_text("Danke für deine Zusage")
    pledge = page.locator(".card", has_text="Winterjacken für die Kleiderkammer")
    expect(pledge).to_contain_text("bestätigt")
    expect(pledge).to_contain_text("3 Jacken")
    expect(pledge).to_contain_text("Klosterstraße 2")  # the handover, now that it is confirmed
    audit(page, "v21-mine-pledged")

    page.goto(f"{base_url}/volunteering")
    page.get_by_role("link", name="Lesepatenschaft in der Grundschule ansehen").click()
    page.get_by_role("button", name="Ich möchte mitmachen").click()
    expect(page.get_by_role("status")).to_contain_text("Rückmeldung ist beim Träger")
    reading = page.locator(".card", has_text="Lesepatenschaft in der Grundschule")
    expect(reading).to_contain_text("wartet auf Bestätigung")
    expect(reading).not_to_contain_text("Pfarrerin Krause")  # arrangements only after the confirmation

    church = browser.new_context(viewport=phone.pages[0].viewport_size, locale="de-DE")
    coordinator = church.new_page()
    sign_in(coordinator, base_url, *COORDINATOR, next_path="/volunteering/organisations")
    coordinator.get_by_role("link", name="Ev. Kirchengemeinde Angermünde").click()
    church_url = coordinator.url
    coordinator.get_by_role("link", name="Rückmeldungen zu Lesepatenschaft in der Grundschule").click()
    anna = coordinator.locator(".card", has_text="Anna B.")
    expect(anna).to_contain_text("wartet auf Bestätigung")
    expect(anna).not_to_contain_text("anna.becker@")  # no contact data before the confirmation
    audit(coordinator, "v22-responses")
    anna.get_by_role("button", name="Anna B. bestätigen").click()
    expect(coordinator.locator(".card", has_text="Anna B.")).to_contain_text("anna.becker@angermuende.example")
    audit(coordinator, "v23-responses-confirmed")

    # The church asks for sleeping bags: a material donation with the number wanted and the handover.
    coordinator.goto(church_url)
    coordinator.fill("#title", "Schlafsäcke für die Notunterkunft")
    coordinator.select_option("#kind", "material")
    coordinator.fill("#capacity", "12")
    coordinator.fill("#unit", "Schlafsäcke")
    coordinator.fill("#arrangements", "Abgabe im Pfarrhaus, Montag bis Freitag 9–12 Uhr.")
    coordinator.get_by_role("button", name="Angebot anlegen").click()
    coordinator.get_by_role("button", name="Schlafsäcke für die Notunterkunft veröffentlichen").click()
    bags = coordinator.locator("article", has_text="Schlafsäcke für die Notunterkunft")
    expect(bags).to_contain_text("veröffentlicht")
    expect(bags).to_contain_text("Noch 12 von 12 Schlafsäcke gesucht")
    audit(coordinator, "v24-donation-published")
    church.close()

    page.goto(f"{base_url}/volunteering/my-shifts")
    reading = page.locator(".card", has_text="Lesepatenschaft in der Grundschule")
    expect(reading).to_contain_text("bestätigt")
    expect(reading).to_contain_text("Pfarrerin Krause ruft dich an")


def _add_shift(opportunity: Locator, *, days: int, start: str, end: str, capacity: int) -> str:
    """A coordinator adds a shift `days` from today to a published opportunity's card; its id."""
    opportunity.get_by_text("Termin hinzufügen").click()
    opportunity.locator("input[name=day]").fill((date.today() + timedelta(days=days)).isoformat())
    opportunity.locator("input[name=from_time]").fill(start)
    opportunity.locator("input[name=until]").fill(end)
    opportunity.locator("input[name=capacity]").fill(str(capacity))
    opportunity.get_by_role("button", name="Termin anlegen").click()
    expect(opportunity).to_contain_text("veröffentlicht")
    shift_form = opportunity.locator("form[action$='/shifts']").get_attribute("action")
    assert shift_form is not None
    return shift_form.split("/")[3]  # /volunteering/opportunities/{id}/shifts


def test_the_church_confirms_each_sign_up_itself(phone: BrowserContext, browser: Browser, base_url: str) -> None:
    """An opportunity where the organisation confirms every sign-up: Anna's sign-up waits ("requested"), Karl
    confirms it on the shift's list, and Anna then sees it confirmed."""
    title = f"Kuchenbasar im Gemeindehaus {uuid.uuid4().hex[:4]}"
    church = browser.new_context(viewport=PHONE, locale="de-DE")
    karl = church.new_page()
    sign_in(karl, base_url, *COORDINATOR, next_path=f"/volunteering/organisations/{demo_id('organisation:kirche')}")
    church_url = karl.url
    karl.fill("#title", title)
    karl.select_option("#category", "church")
    approval = karl.get_by_label("Wer bestätigt die Anmeldungen?")
    expect(approval).to_have_value("auto")  # as before: a free place confirms at once
    approval.select_option(label="Wir bestätigen jede Anmeldung selbst")
    audit(karl, "v60-approval-choice")
    karl.get_by_role("button", name="Angebot anlegen").click()
    basar = karl.locator("article", has_text=title)
    expect(basar).to_contain_text("Ihr bestätigt jede Anmeldung selbst.")
    karl.get_by_role("button", name=f"{title} veröffentlichen").click()
    opportunity_id = _add_shift(basar, days=15, start="14:00", end="16:00", capacity=3)

    page = phone.new_page()
    sign_in(page, base_url, *VOLUNTEER, next_path=f"/volunteering/opportunities/{opportunity_id}")
    page.get_by_role("button", name=re.compile(f"Für {title} am .* anmelden")).click()
    expect(page).to_have_url(re.compile(r"/volunteering/my-shifts"))
    expect(page.get_by_role("status")).to_contain_text("Er bestätigt sie selbst")  # not "Du bist angemeldet"
    expect(page.locator(".card", has_text=title)).to_contain_text("wartet auf Bestätigung")

    karl.goto(church_url)
    karl.locator("article", has_text=title).get_by_role("link", name="Anmeldungen").click()
    anna = karl.locator(".card", has_text="Anna B.")
    expect(anna).to_contain_text("wartet auf Bestätigung")
    expect(anna).not_to_contain_text("anna.becker@")  # contact data only once confirmed
    audit(karl, "v61-roster-requested")
    anna.get_by_role("button", name="Anna B. bestätigen").click()
    expect(karl.locator(".card", has_text="Anna B.")).to_contain_text("bestätigt")
    expect(karl.locator(".card", has_text="Anna B.")).to_contain_text("anna.becker@angermuende.example")
    audit(karl, "v62-roster-confirmed")
    church.close()

    page.reload()
    mine = page.locator(".card", has_text=title)
    expect(mine).to_contain_text("bestätigt")
    expect(mine).not_to_contain_text("wartet auf Bestätigung")


def test_whoever_comes_after_the_last_place_is_told_they_are_on_the_waitlist(phone: BrowserContext,
                                                                             browser: Browser, base_url: str) -> None:
    """A shift with one place: Erika takes it, and Anna, signing up next, reads that she is on the waitlist
    — not "Du bist angemeldet"."""
    title = f"Kirchenputz {uuid.uuid4().hex[:4]}"
    church = browser.new_context(viewport=PHONE, locale="de-DE")
    karl = church.new_page()
    sign_in(karl, base_url, *COORDINATOR, next_path=f"/volunteering/organisations/{demo_id('organisation:kirche')}")
    karl.fill("#title", title)
    karl.select_option("#category", "church")
    karl.get_by_role("button", name="Angebot anlegen").click()
    karl.get_by_role("button", name=f"{title} veröffentlichen").click()
    putz = karl.locator("article", has_text=title)
    opportunity = f"/volunteering/opportunities/{_add_shift(putz, days=16, start='09:00', end='11:00', capacity=1)}"
    church.close()

    for who, notice in ((ERIKA, "Du bist angemeldet"), (VOLUNTEER, "Du stehst auf der Warteliste")):
        context = browser.new_context(viewport=PHONE, locale="de-DE")
        page = context.new_page()
        sign_in(page, base_url, *who, next_path=opportunity)
        page.get_by_role("button", name=re.compile(f"Für {title} am .* anmelden")).click()
        expect(page).to_have_url(re.compile(r"/volunteering/my-shifts"))
        expect(page.get_by_role("status").first).to_contain_text(notice)
        expect(page.locator(".card", has_text=title)).to_contain_text(
            "Warteliste" if who == VOLUNTEER else "bestätigt")
        if who == VOLUNTEER:
            audit(page, "v63-signed-up-waitlisted")
        context.close()


def test_after_a_visit_the_church_sets_the_hours_and_corrects_a_no_show(phone: BrowserContext, base_url: str) -> None:
    """Yesterday's visit in the demo: Jana came (1,5 hours credited), Hans was not checked in (a no-show). Karl
    finds the visit among the past shifts, enters Hans's hours (he was there after all), corrects Jana's and
    downloads the list; a refusal of the service stands in German in that person's card."""
    page = phone.new_page()
    sign_in(page, base_url, *COORDINATOR, next_path=f"/volunteering/organisations/{demo_id('organisation:kirche')}")
    visit = page.locator("article", has_text="Besuchsdienst im Seniorenheim")
    visit.get_by_text("Vergangene Termine").click()
    yesterday = (datetime.now(ZoneInfo("UTC")).date() - timedelta(days=1)).strftime("%d.%m.%Y")  # as seeded
    visit.locator("li", has_text=yesterday).get_by_role("link", name="Anmeldungen").click()
    expect(page.locator("h1")).to_have_text("Anmeldungen")
    expect(page.locator(".facts").first).to_contain_text("Der Termin ist vorbei.")  # not "2 von 2 frei"
    jana, hans = page.locator(".card", has_text="Jana K."), page.locator(".card", has_text="Hans M.")
    expect(jana).to_contain_text("erledigt · 1,5 Stunden angerechnet")
    expect(hans).to_contain_text("nicht erschienen")
    audit(page, "v70-roster-after-the-shift")
    assert horizontal_overflow(page) == 0

    hours = hans.get_by_label("Stunden für Hans M.")
    hours.fill("zwei")
    hans.get_by_role("button", name="War doch da: Stunden eintragen").click()
    expect(hans.locator(".field-error")).to_have_text(
        "Bitte die Stunden als Zahl von 0 bis 24 angeben, zum Beispiel 1,5.")
    expect(hours).to_have_attribute("aria-invalid", "true")
    expect(hours).to_have_value("zwei")
    audit(page, "v71-roster-hours-refused")
    hours.fill("2")
    hans.get_by_role("button", name="War doch da: Stunden eintragen").click()
    expect(page.get_by_role("status")).to_contain_text("Die Stunden sind eingetragen.")
    expect(hans).to_contain_text("erledigt · 2 Stunden angerechnet")
    jana.get_by_label("Stunden für Jana K.").fill("2,5")
    jana.get_by_role("button", name="Stunden speichern").click()
    expect(jana).to_contain_text("erledigt · 2,5 Stunden angerechnet")
    audit(page, "v72-roster-hours-set")

    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Liste herunterladen")).click()
    table = Path(download.value.path()).read_text(encoding="utf-8-sig")  # with the mark Excel needs
    assert table.startswith("Name;Stand;") and "Stunden" in table.splitlines()[0]
    assert "Jana K.;erledigt" in table and ";2,5" in table and "Hans M.;erledigt" in table

    # Checking Jana in a day after the visit: the service says no, in our words, in her card.
    roster_url, jana_form = page.url.split("?")[0], jana.locator("form").get_attribute("action")
    assert jana_form is not None
    jana_signup, shift_id = jana_form.split("/")[3], roster_url.split("/")[-2]
    refused = _form(page, base_url, f"/volunteering/signups/{jana_signup}/check-in", {"shift_id": shift_id})
    assert refused.status == 409
    assert re.search(rf'<p class="field-error" id="problem-{jana_signup}">Einchecken geht erst kurz vor Beginn',
                     refused.text())
    assert "CHECK_IN_CLOSED" not in refused.text() and "Check-in opens" not in refused.text()


def test_the_freiwilligenagentur_reads_the_numbers_of_a_period(phone: BrowserContext, base_url: str) -> None:
    """After the pledge test: today's numbers hold Anna's pledge and her reading commitment in Angermünde;
    a period that ends before it starts is an error at its field; a period long past has no numbers."""
    page = phone.new_page()
    today = date.today().isoformat()
    sign_in(page, base_url, *OPERATOR, next_path="/admin/volunteering")
    # Opened without a period, the page counts this year so far (all of history is asked for explicitly).
    this_year = datetime.now(ZoneInfo("Europe/Berlin")).year
    expect(page.get_by_label("Von (freiwillig)")).to_have_value(f"{this_year}-01-01")
    expect(page.get_by_label("Bis (freiwillig)")).to_have_value("")
    page.goto(f"{base_url}/admin/volunteering?from={today}&to={today}")
    expect(page.get_by_label("Bis (freiwillig)")).to_have_value(today)
    totals = page.locator("#stats-totals")
    expect(totals).to_contain_text("zugesagte Sachspenden")
    expect(totals.locator("div", has_text="Menschen in festen Engagements").locator("dd")).not_to_have_text("0")
    expect(page.locator("#stats-villages .card", has_text="Angermünde")).to_be_visible()
    audit(page, "v25-staff-numbers-today")
    assert horizontal_overflow(page) == 0

    page.get_by_label("Von (freiwillig)").fill(today)
    page.get_by_label("Bis (freiwillig)").fill((date.today() - timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Zeitraum anzeigen").click()
    expect(page.get_by_role("alert")).to_contain_text("Das Ende liegt vor dem Anfang.")
    expect(page.get_by_label("Bis (freiwillig)")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#stats-totals")).to_have_count(0)
    audit(page, "v26-staff-numbers-backwards")

    page.get_by_label("Von (freiwillig)").fill("2020-01-01")
    page.get_by_label("Bis (freiwillig)").fill("2020-01-31")
    page.get_by_role("button", name="Zeitraum anzeigen").click()
    expect(page.get_by_text("In diesem Zeitraum gibt es noch keine Zahlen.")).to_be_visible()
    expect(page.locator("#stats-totals div", has_text="Helfende").first.locator("dd")).to_have_text("0")
    audit(page, "v27-staff-numbers-past")

    page.get_by_label("Von (freiwillig)").fill("")
    page.get_by_label("Bis (freiwillig)").fill("")
    page.get_by_role("button", name="Zeitraum anzeigen").click()  # all of history
    expect(page.get_by_label("Von (freiwillig)")).to_have_value("")
    expect(page.locator("#stats-villages .card", has_text="Angermünde")).to_be_visible()


ERIKA = ("erika.schulze@prenzlau.example", "Dorfleben-Demo-2026")  # a volunteer in Prenzlau, no driving licence
# The service's English words, which must never reach a page.
ENGLISH = re.compile(r"You do not meet|You already have|This shift|No such|is not in the district|cannot|Only \d")


def demo_id(name: str) -> str:
    """An id of the volunteers demo (services/volunteers seed.py)."""
    from volunteers.seed import demo_id as seeded

    return str(seeded(name))


def test_a_resident_sees_in_plain_german_why_a_sign_up_is_refused(phone: BrowserContext, base_url: str) -> None:
    """Erika has no driving licence; the pick-up rounds of the food bank need class B."""
    page = phone.new_page()
    sign_in(page, base_url, *ERIKA, next_path=f"/volunteering/opportunities/{demo_id('opportunity:fahrdienst')}")
    expect(page.locator("h1")).to_contain_text("Abholfahrten bei Supermärkten")
    page.get_by_role("button", name=re.compile("Für Abholfahrten bei Supermärkten am .* anmelden")).first.click()
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("Hierfür kannst du dich leider nicht anmelden.")
    expect(summary).to_contain_text("Dafür braucht es einen Führerschein der Klasse B.")
    expect(page.locator("h1")).to_contain_text("Abholfahrten bei Supermärkten")  # the page she was on
    assert not ENGLISH.search(page.content())
    audit(page, "v40-not-eligible")


def test_an_opportunity_says_what_it_needs_and_how_to_sign_up_without_a_profile(phone: BrowserContext,
                                                                                 base_url: str) -> None:
    """Karl coordinates the church but has no volunteer profile himself. Before any sign-up the pick-up
    rounds say what they need (a licence, so 18), and instead of sign-up buttons the shifts say to create
    the profile first."""
    page = phone.new_page()
    sign_in(page, base_url, *COORDINATOR,
            next_path=f"/volunteering/opportunities/{demo_id('opportunity:fahrdienst')}")
    needs = page.get_by_role("region", name="Was du mitbringen solltest")
    expect(needs).to_contain_text("Führerschein der Klasse B")
    expect(needs).to_contain_text("Mindestalter: 18 Jahre")
    assert not re.search(r"licence:|own_car|lang:", page.content())
    shifts = page.get_by_role("region", name="Passende Einsätze")
    expect(shifts.locator(".card").first).to_be_visible()
    expect(shifts.get_by_role("button")).to_have_count(0)
    expect(shifts).to_contain_text("lege zuerst dein Helferprofil an")
    audit(page, "v42-needs-no-profile")
    page.goto(f"{base_url}/volunteering/opportunities/{demo_id('opportunity:telefon')}")
    expect(page.get_by_role("region", name="Was du mitbringen solltest")).to_contain_text(
        "Deutsch mindestens auf Stufe B2")
    page.goto(f"{base_url}/volunteering/opportunities/{demo_id('opportunity:ausgabe')}")
    expect(page.get_by_role("region", name="Was du mitbringen solltest")).to_contain_text(
        "Keine besonderen Voraussetzungen")
    page.get_by_role("link", name="Profil anlegen").click()
    expect(page.locator("h1")).to_have_text("Mein Helferprofil")


def test_an_address_cut_short_is_the_german_not_found_page(phone: BrowserContext, base_url: str) -> None:
    """A link cut short in a message or typed wrongly: the id is no id at all. The page says so in German
    (with the menu to go on), never the API's English problem JSON."""
    page = phone.new_page()
    sign_in(page, base_url, *ERIKA, next_path="/volunteering")
    for path in ("/volunteering/opportunities/b325c28c-602b", "/volunteering/shifts/abc/roster",
                 "/volunteering/organisations/123"):
        answer = page.goto(f"{base_url}{path}")
        assert answer is not None and answer.status == 404, path
        assert answer.headers["content-type"].startswith("text/html"), path
        expect(page.locator("h1")).to_have_text("Nicht gefunden")
        expect(page.get_by_role("link", name="Helfen", exact=True)).to_be_visible()
        assert not ENGLISH.search(page.content()), path
    audit(page, "v41-not-found")


def _form(page: Page, base_url: str, path: str, fields: dict[str, str]) -> APIResponse:
    """A form post as the browser sends it (the session's cookie and CSRF token), without following redirects."""
    token = page.request.get(f"{base_url}/auth/session").json()["csrf_token"]
    return page.request.post(f"{base_url}{path}", form={"csrf_token": token, **fields}, max_redirects=0)


def _field_error(html: str, field_id: str) -> str:
    found = re.search(rf'<p class="field-error" id="{re.escape(field_id)}-error">([^<]*)</p>', html)
    assert found, f"no error next to {field_id}"
    assert re.search(rf'aria-describedby="[^"]*\b{re.escape(field_id)}-error"', html), f"{field_id}: error not tied"
    return found.group(1)


def _sunday_of_clock_change(month: int) -> date:
    """The next last Sunday of March (clocks go forward) or October (back) after a week from now."""
    year = date.today().year
    while True:
        last = date(year, month, 31)
        change = last - timedelta(days=(last.weekday() + 1) % 7)
        if change > date.today() + timedelta(days=7):
            return change
        year += 1


def test_the_services_refusals_reach_the_forms_in_plain_german(phone: BrowserContext, browser: Browser,
                                                               base_url: str) -> None:
    """Through the real gateway and services: each refusal is our German sentence, next to its field or at
    the top of the form, never the service's English or its code."""
    church = browser.new_context(viewport=PHONE, locale="de-DE")
    karl = church.new_page()
    sign_in(karl, base_url, *COORDINATOR, next_path="/volunteering/organisations")
    organisation, visit = demo_id("organisation:kirche"), demo_id("opportunity:besuch")
    shift_form = f"/volunteering/opportunities/{visit}/shifts"

    gap, twice = "Diese Uhrzeit gibt es an dem Tag nicht", "Diese Uhrzeit gibt es an dem Tag zweimal"
    for month, words in ((3, gap), (10, twice)):
        answer = _form(karl, base_url, shift_form, {"organisation_id": organisation, "capacity": "2",
                                                    "day": _sunday_of_clock_change(month).isoformat(),
                                                    "from_time": "02:30", "until": "04:00"})
        assert answer.status == 422
        html = answer.text()
        assert words in _field_error(html, f"from_time-{visit}")
        assert "LOCAL_TIME" not in html and "does not exist" not in html and "happens twice" not in html

    # Two visits an hour apart that overlap: Anna gets the first and is told why not the second.
    day = (date.today() + timedelta(days=20)).isoformat()
    for start, end in (("10:00", "12:00"), ("11:00", "13:00")):
        created = _form(karl, base_url, shift_form, {"organisation_id": organisation, "capacity": "3", "day": day,
                                                     "from_time": start, "until": end})
        assert created.status == 303
    church.close()
    page = phone.new_page()
    sign_in(page, base_url, *VOLUNTEER, next_path="/volunteering")
    wanted = date.fromisoformat(day).strftime("%d.%m.%Y")
    shifts = {s["local_time"][:5]: s["id"] for s in page.request.get(
        f"{base_url}/api/volunteers/opportunities/{visit}/shifts").json() if s["local_date"] == wanted}
    assert _form(page, base_url, f"/volunteering/shifts/{shifts['10:00']}/sign-up", {}).status == 303
    refused = _form(page, base_url, f"/volunteering/shifts/{shifts['11:00']}/sign-up", {"opportunity_id": visit})
    assert refused.status == 409
    assert "Zu dieser Zeit hast du schon einen anderen Einsatz." in refused.text()
    assert not ENGLISH.search(refused.text()) and "SHIFT_OVERLAP" not in refused.text()

    erika_context = browser.new_context(locale="de-DE")
    erika = erika_context.new_page()
    sign_in(erika, base_url, *ERIKA, next_path="/volunteering/help")
    # Her own request is not hers to help with.
    own = _form(erika, base_url, f"/volunteering/help/{demo_id('help:technik-erika')}/offer", {})
    assert own.status == 409 and "Bei deiner eigenen Anfrage kannst du nicht selbst helfen." in own.text()
    # A village the district does not have: next to the village.
    unknown = _form(erika, base_url, "/volunteering/help", {"category": "garden", "village_id": "ot-nirgendwo",
                                                            "day": day, "from_time": "10:00", "until": "12:00"})
    assert unknown.status == 422
    assert "Diesen Ort kennen wir im Landkreis nicht" in _field_error(unknown.text(), "village_id")
    # More jackets than are still wanted: next to the number, with how many are still open.
    jackets = demo_id("opportunity:jacken")
    pledge = _form(erika, base_url, f"/volunteering/opportunities/{jackets}/respond", {"quantity": "500"})
    assert pledge.status == 409
    assert re.search(r"Es werden nur noch \d+ Jacken gesucht", _field_error(pledge.text(), "quantity"))
    for answer in (own, unknown, pledge):
        assert not ENGLISH.search(answer.text())
    erika_context.close()


WHOLE_WINDOW = r"(Mo|Di|Mi|Do|Fr|Sa|So)\., {day}\. \S+, 10:00–14:00 Uhr"


def test_requests_for_help_show_their_day_and_whole_time(phone: BrowserContext, browser: Browser,
                                                          base_url: str) -> None:
    """The demo's requests are wanted from 10 to 14 o'clock: the one asking and the helpers read the weekday,
    the date and both times, not only when it begins."""
    page = phone.new_page()
    sign_in(page, base_url, *ERIKA, next_path="/volunteering/help")
    tablet = page.locator("#my-requests-title + ul .card", has_text="Technik · Prenzlau")
    expect(tablet).to_contain_text(re.compile(WHOLE_WINDOW.format(day=(date.today() + timedelta(days=3)).day)))
    # Near her only her own request, which is not hers to help with: the list says there is nothing.
    expect(page.locator("#near-title + ul")).to_have_count(0)
    expect(page.get_by_text("Gerade sucht niemand in deiner Nähe Hilfe.")).to_be_visible()
    audit(page, "v52-help-mine-window")

    helper_context = browser.new_context(viewport=PHONE, locale="de-DE")
    helper = helper_context.new_page()
    sign_in(helper, base_url, *VOLUNTEER, next_path="/volunteering/help")
    shopping = helper.locator("#near-title + ul .card", has_text="Einkauf")
    expect(shopping).to_contain_text(re.compile(WHOLE_WINDOW.format(day=(date.today() + timedelta(days=2)).day)))
    audit(helper, "v53-help-near-window")
    helper_context.close()


def test_a_volunteer_is_told_when_two_of_her_shifts_are_back_to_back_far_apart(
    phone: BrowserContext, browser: Browser, base_url: str
) -> None:
    """Anna helps at the food bank in Prenzlau from 14:00 (the demo's shift in 9 days); the church adds a
    visit in Angermünde until 13:30 that day, 34 km away. The sign-up goes through, and she is told to plan
    the way."""
    day = date.today() + timedelta(days=9)
    church = browser.new_context(viewport=PHONE, locale="de-DE")
    karl = church.new_page()
    sign_in(karl, base_url, *COORDINATOR, next_path="/volunteering/organisations")
    visit = demo_id("opportunity:besuch")
    created = _form(karl, base_url, f"/volunteering/opportunities/{visit}/shifts", {
        "organisation_id": demo_id("organisation:kirche"), "capacity": "2", "day": day.isoformat(),
        "from_time": "12:30", "until": "13:30"})
    assert created.status == 303
    church.close()

    page = phone.new_page()
    sign_in(page, base_url, *VOLUNTEER, next_path="/volunteering")
    food_bank = next(s["id"] for s in page.request.get(
        f"{base_url}/api/volunteers/opportunities/{demo_id('opportunity:ausgabe')}/shifts").json()
        if s["local_date"] == day.strftime("%d.%m.%Y"))
    assert _form(page, base_url, f"/volunteering/shifts/{food_bank}/sign-up", {}).status == 303
    page.goto(f"{base_url}/volunteering/opportunities/{visit}")
    when = f"{day:%d.%m.%Y}"
    page.locator(".card", has_text=when).filter(has_text="12:30").get_by_role(
        "button", name=f"Für Besuchsdienst im Seniorenheim am {when} anmelden").click()  # not the series' visit
    expect(page).to_have_url(re.compile(r"/volunteering/my-shifts"))
    expect(page.get_by_role("status").first).to_contain_text("Du bist angemeldet")
    warning = page.locator(".notice--waiting")
    expect(warning).to_contain_text(f"„Lebensmittelausgabe“ am {when} (14:00 – 17:00 Uhr)")
    expect(warning).to_contain_text("Plane genug Zeit für den Weg ein.")
    audit(page, "v54-signed-up-with-warning")
    page.goto(f"{base_url}/volunteering/my-shifts")  # said once, after the sign-up
    expect(page.locator(".notice--waiting")).to_have_count(0)


def test_the_desk_enters_a_request_for_help_as_the_senior_who_phoned(phone: BrowserContext, base_url: str) -> None:
    """Gertrud has neither e-mail nor smartphone: the desk enters her request with a token for her (`act` = the
    staff member), so it is hers; a number the desk may not act for is refused next to the field."""
    from volunteers.seed import person

    page = phone.new_page()
    sign_in(page, base_url, *OPERATOR, next_path="/admin/volunteering")
    entered = page.locator("#entered-title + ul li")
    before = entered.count()
    day = (date.today() + timedelta(days=3)).isoformat()

    def enter(person_id: str) -> None:
        page.get_by_label("Personen-Nummer", exact=True).fill(person_id)
        page.get_by_label("Wobei braucht die Person Hilfe?").select_option("visit")
        page.get_by_label("In welchem Ort?").select_option("ot-gramzow-gramzow")
        page.get_by_label("An welchem Tag?").fill(day)
        page.get_by_label("Telefon der Person").fill("039862 4711")
        page.get_by_role("button", name="Anfrage eintragen").click()

    enter(str(uuid.uuid4()))  # nobody: accounts gives no token
    expect(page.locator("#person_id-error")).to_contain_text("Für diese Personen-Nummer können Sie hier nichts")
    audit(page, "v50-desk-refused")
    enter(str(person("gertrud")))
    expect(page.get_by_role("status")).to_contain_text("Die Anfrage ist eingetragen")
    expect(entered).to_have_count(before + 1)
    expect(page.locator("#entered-title + ul")).to_contain_text("Besuch · Gramzow")
    audit(page, "v51-desk-entered")


def test_a_volunteer_narrows_what_she_finds_and_a_weekly_visit_is_one_card(phone: BrowserContext,
                                                                            base_url: str) -> None:
    """The filters go into the address and stay chosen; the church's weekly visits are one card."""
    page = phone.new_page()
    sign_in(page, base_url, *VOLUNTEER, next_path="/volunteering")
    visits = page.locator("#matches-title + ul .card", has_text="Besuchsdienst im Seniorenheim")
    expect(visits).to_have_count(1)
    expect(visits).to_contain_text(re.compile(r"und \d+ weitere Termine"))
    page.get_by_text("Auswahl eingrenzen").click()
    page.get_by_label("Bereich", exact=True).select_option(label="Seniorinnen und Senioren")
    page.get_by_role("button", name="Anzeigen").click()
    expect(page).to_have_url(re.compile(r"category=seniors"))
    expect(page.get_by_label("Bereich", exact=True)).to_have_value("seniors")
    expect(page.locator(".card", has_text="Besuchsdienst im Seniorenheim")).to_have_count(1)
    expect(page.locator(".card", has_text="Telefonpatenschaft")).to_have_count(1)
    expect(page.locator(".card", has_text="Aufbau Sommerfest")).to_have_count(0)  # the fire brigade's
    expect(page.locator(".card", has_text="Winterjacken")).to_have_count(0)  # social
    expect(page.get_by_text("Mit dieser Auswahl gibt es gerade nichts.")).to_be_visible()  # no seniors' donations
    audit(page, "v32-find-filtered")
    assert horizontal_overflow(page) == 0

    page.get_by_label("Art der Hilfe").select_option(label="Sachspenden")
    page.get_by_label("Bereich", exact=True).select_option(label="Alle Bereiche")
    page.get_by_role("button", name="Anzeigen").click()
    expect(page.get_by_label("Art der Hilfe")).to_have_value("material")
    expect(page.locator("#matches-title")).to_have_count(0)
    expect(page.locator(".card", has_text="Winterjacken für die Kleiderkammer")).to_be_visible()
    expect(page.locator(".card", has_text="Lesepatenschaft")).to_have_count(0)  # ongoing, not a donation
    page.get_by_role("link", name="Alles zeigen").click()
    expect(page.locator(".card", has_text="Lesepatenschaft")).to_be_visible()
    # Only the coming week: the fire brigade's festival in 12 days is not in it.
    expect(page.locator(".card", has_text="Aufbau Sommerfest")).to_have_count(1)
    page.goto(f"{base_url}/volunteering?days=7")
    expect(page.get_by_label("Wann?")).to_have_value("7")
    expect(page.locator(".card", has_text="Aufbau Sommerfest")).to_have_count(0)


def test_the_desk_finds_the_senior_on_the_line_by_name_and_enters_her_request(
    phone: BrowserContext, base_url: str
) -> None:
    """On the phone with Gertrud the desk knows her name, not her number: the people search finds her (by
    name, or by the number she reads out), her page opens the help form filled in for her."""
    from volunteers.seed import person

    page = phone.new_page()
    sign_in(page, base_url, *OPERATOR, next_path="/admin/people")
    page.get_by_label("Name, Telefonnummer oder Personen-Nummer").fill("039862 4711")  # as she says it
    page.get_by_role("button", name="Suchen").click()
    expect(page.locator("#people-found")).to_contain_text("Gertrud Neumann")
    page.get_by_label("Name, Telefonnummer oder Personen-Nummer").fill("neumann")
    page.get_by_role("button", name="Suchen").click()
    audit(page, "v52-desk-people-found")
    page.locator("#people-found").get_by_role("link", name="Gertrud Neumann").click()
    page.get_by_role("link", name="Hilfeanfrage eintragen").click()
    expect(page).to_have_url(re.compile(r"/admin/volunteering\?person_id="))
    expect(page.locator("#for-person")).to_contain_text("Für Gertrud Neumann")
    expect(page.get_by_label("Personen-Nummer", exact=True)).to_have_value(str(person("gertrud")))
    expect(page.get_by_label("Telefon der Person")).to_have_value("+49 39862 4711")
    audit(page, "v53-desk-form-for-her")
    entered = page.locator("#entered-title + ul li")
    before = entered.count()
    page.get_by_label("Wobei braucht die Person Hilfe?").select_option("shopping")
    page.get_by_label("In welchem Ort?").select_option("ot-gramzow-gramzow")
    page.get_by_label("An welchem Tag?").fill((date.today() + timedelta(days=4)).isoformat())
    page.get_by_role("button", name="Anfrage eintragen").click()
    expect(page.get_by_role("status")).to_contain_text("Die Anfrage ist eingetragen")
    expect(entered).to_have_count(before + 1)


def test_a_volunteer_ticks_the_times_she_has_and_her_matches_follow(phone: BrowserContext, base_url: str) -> None:
    """Last in this module: it changes Anna's times (mornings, then mornings and evenings)."""
    page = phone.new_page()
    sign_in(page, base_url, *VOLUNTEER, next_path="/volunteering")
    # The telephone befriending (18:00-19:00, from home) fits her times from the demo (08:00-20:00).
    expect(page.locator(".card", has_text="Telefonpatenschaft").first).to_be_visible()

    page.goto(f"{base_url}/volunteering/profile")
    expect(page.locator("#times-kept")).to_contain_text("08:00–20:00")  # finer than the grid: kept until changed
    audit(page, "v30-profile-times")
    assert horizontal_overflow(page) == 0
    days = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
    for day in days:
        group = page.get_by_role("group", name=day)
        group.get_by_label("Vormittag").check()
        group.get_by_label("Nachmittag").uncheck()
    page.get_by_role("button", name="Profil speichern").click()
    expect(page).to_have_url(re.compile(r"/volunteering$"))
    expect(page.locator(".card", has_text="Telefonpatenschaft")).to_have_count(0)

    page.goto(f"{base_url}/volunteering/profile")
    expect(page.locator("#times-kept")).to_have_count(0)
    expect(page.get_by_role("group", name="Dienstag").get_by_label("Vormittag")).to_be_checked()
    expect(page.get_by_role("group", name="Dienstag").get_by_label("Nachmittag")).not_to_be_checked()
    for day in days:
        page.get_by_role("group", name=day).get_by_label("Abend").check()
    page.get_by_role("button", name="Profil speichern").click()
    expect(page.locator(".card", has_text="Telefonpatenschaft").first).to_be_visible()
    audit(page, "v31-matches-evening")
