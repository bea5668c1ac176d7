"""The web app in a real chromium at a phone viewport, against the real platform (accounts + gateway):
a resident from sign-up to erasure, an operator creating a phone-only account, a merchant's API keys,
keyboard use, 320 px at 200 % zoom, the installable parts; axe-core on every page visited."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from browserkit import MERCHANT, OPERATOR, audit, horizontal_overflow, sign_in
from playwright.sync_api import Browser, BrowserContext, Page, expect

pytestmark = pytest.mark.slow

PASSWORD = "Wiesenweg-Sonnenblume-42"


def verification_link(staff: Page, base: str, email: str) -> str:
    """Read the mail accounts held for `email` (embedded default: no SMTP) on the staff's mail page."""
    staff.goto(f"{base}/admin/mails?status=held")
    audit(staff, "admin-mails")
    record = staff.locator(".record", has_text=email).first
    expect(record).to_be_visible()
    found = re.search(r"https?://\S+/email/verify\?token=\S+", record.locator(".mail-body").inner_text())
    assert found, "no verification link in the held mail"
    return found.group(0)


def test_resident_signs_up_verifies_logs_in_downloads_and_erases(
    phone: BrowserContext, browser: Browser, base_url: str
) -> None:
    page = phone.new_page()
    email = f"greta.{uuid.uuid4().hex[:8]}@gramzow.example"

    page.goto(base_url + "/")
    audit(page, "a01-start")
    page.get_by_role("link", name="Konto anlegen").first.click()
    expect(page).to_have_url(f"{base_url}/signup")
    audit(page, "a02-signup")

    # Server-side errors: sent without anything, the form comes back with messages linked to the fields.
    page.get_by_role("button", name="Konto anlegen").click()
    expect(page.locator("#error-summary")).to_be_visible()
    assert "email-error" in (page.get_attribute("#email", "aria-describedby") or "")
    audit(page, "a03-signup-errors")

    # A password accounts refuses: its own plain-language reason shows next to the password field.
    page.fill("#name", "Greta Gramzow")
    page.fill("#email", email)
    page.fill("#password", "kurz")
    page.get_by_role("button", name="Konto anlegen").click()
    expect(page.locator("#password-error")).to_be_visible()
    expect(page.locator("#email")).to_have_value(email)
    audit(page, "a04-signup-password-refused")

    page.fill("#password", PASSWORD)
    page.fill("#home_place", "Gramzow")
    page.get_by_role("button", name="Konto anlegen").click()
    expect(page).to_have_url(f"{base_url}/signup/sent")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bitte schauen Sie in Ihre E-Mails")
    audit(page, "a05-check-your-mail")

    staff_context = browser.new_context(viewport={"width": 390, "height": 844}, locale="de-DE")
    staff = staff_context.new_page()
    sign_in(staff, base_url, *OPERATOR, next_path="/admin/mails")
    link = verification_link(staff, base_url, email)
    staff_context.close()

    page.goto(link)
    audit(page, "a06-verify-email")
    page.get_by_role("button").click()
    expect(page.get_by_role("status")).to_contain_text("bestätigt")
    audit(page, "a07-email-verified")

    sign_in(page, base_url, email, PASSWORD, next_path="/notifications", name="a08-login")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nachrichten")
    # The enhancement: the live feed's EventSource is connected to the gateway, and the welcome that
    # accounts sent at verification (outbox -> ACCOUNTS -> NOTIFY -> the gateway's SSE) arrives.
    expect(page.locator("[data-feed-url]")).to_have_attribute("data-live", "on", timeout=10_000)
    welcome = page.locator("#feed-list li", has_text="Willkommen auf dem Dorfmarktplatz")
    expect(welcome).to_have_count(1, timeout=15_000)
    expect(page.locator("#feed-empty")).to_be_hidden()
    audit(page, "a09-notifications-welcome")
    # A new connection (reload) gets what the stream keeps for the person: the welcome once, not twice.
    page.reload()
    expect(page.locator("[data-feed-url]")).to_have_attribute("data-live", "on", timeout=10_000)
    expect(welcome).to_have_count(1, timeout=15_000)
    # Push: permission is asked only on the button; push.js then subscribes at accounts
    # (/api/accounts/me/push-subscriptions), or, where headless chromium has no push service, says kindly that
    # messages to this device come later. Either way the person is thanked.
    phone.grant_permissions(["notifications"], origin=base_url)
    page.get_by_role("button", name="Mitteilungen erlauben").click()
    expect(page.locator("#push-status")).to_have_text(re.compile("Danke!"))

    page.get_by_role("navigation", name="Hauptmenü").get_by_role("link", name="Mein Konto").click()
    expect(page).to_have_url(f"{base_url}/account")
    expect(page.locator("#home_place")).to_have_value("Gramzow")
    audit(page, "a10-account")
    page.fill("#phone", "03984 12345")
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_role("status")).to_have_text("Ihre Angaben sind gespeichert.")
    expect(page.locator("#phone")).to_have_value("03984 12345")

    # The download is a job at accounts (here the only service): asked for with a form, its page shows the
    # file once it is gathered (refresh.js swaps it in; a reload would do the same).
    page.get_by_role("button", name="Meine Daten herunterladen").click()
    expect(page).to_have_url(re.compile(re.escape(base_url) + r"/account/export/[0-9a-f-]{36}$"))
    file_link = page.get_by_role("link", name="Datei herunterladen")
    expect(file_link).to_be_visible(timeout=30_000)
    with page.expect_download() as download_info:
        file_link.click()
    download = download_info.value
    data = json.loads(download.path().read_text(encoding="utf-8"))
    flat = json.dumps(data, ensure_ascii=False)
    assert email in flat and "Greta Gramzow" in flat and "03984 12345" in flat

    page.get_by_role("navigation", name="Hauptmenü").get_by_role("link", name="Mein Konto").click()
    page.get_by_role("link", name="Konto löschen").click()
    expect(page).to_have_url(f"{base_url}/account/delete")
    audit(page, "a11-delete-confirm")
    page.get_by_role("button", name="Konto endgültig löschen").click()  # without the tick: not deleted
    expect(page.locator("#confirm-error")).to_be_visible()
    assert page.get_attribute("#confirm", "aria-describedby") == "confirm-error"
    audit(page, "a12-delete-not-confirmed")
    page.get_by_label("Ja, ich will mein Konto für immer löschen.").check()
    page.get_by_role("button", name="Konto endgültig löschen").click()
    expect(page).to_have_url(f"{base_url}/account/deleted")
    expect(page.get_by_role("banner").get_by_role("link", name="Anmelden")).to_be_visible()  # signed out
    audit(page, "a13-deleted")

    # Signed out for real: the account page sends to the login; and the old password no longer works.
    page.goto(base_url + "/account")
    expect(page.locator("input[name=password]")).to_be_visible()
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("input[name=password]")).to_be_visible()
    assert not page.url.startswith(base_url + "/account")


def test_operator_creates_a_phone_only_account_and_finds_it_in_the_audit_log(
    phone: BrowserContext, base_url: str
) -> None:
    page = phone.new_page()
    sign_in(page, base_url, *OPERATOR, next_path="/admin", name="b01-login")
    audit(page, "b02-dashboard")
    page.get_by_role("link", name="Personen").first.click()
    expect(page).to_have_url(f"{base_url}/admin/people")
    audit(page, "b03-people")

    create = page.locator("form[method=post][action='/admin/people']")
    create.get_by_role("button", name="Konto anlegen").click()  # empty: messages next to the fields
    expect(page.locator("#phone-error")).to_be_visible()
    audit(page, "b04-people-errors")
    page.fill("#name", "Gerda Telefon")
    page.fill("#phone", "abc")  # accounts refuses it; the message is ours, in plain words
    create.get_by_role("button", name="Konto anlegen").click()
    expect(page.locator("#phone-error")).to_contain_text("Telefonnummer")
    page.fill("#phone", "03984 77777")
    page.fill("#home_place", "Gramzow")
    create.get_by_role("button", name="Konto anlegen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Gerda Telefon")
    expect(page.get_by_role("status")).to_have_text("Das Konto ist angelegt.")
    person_id = page.locator("#person-id").inner_text()
    assert uuid.UUID(person_id)
    audit(page, "b05-person")

    # Roles: grant "Fahrer", then take it back; both land in the audit log.
    page.get_by_label("Rolle", exact=True).select_option("driver")
    page.get_by_role("button", name="Rolle vergeben").click()
    expect(page.get_by_role("status")).to_have_text("Die Rolle ist vergeben.")
    page.get_by_role("button", name="Rolle Fahrer entziehen").click()
    expect(page.get_by_role("status")).to_have_text("Die Rolle ist entzogen.")
    expect(page.get_by_role("button", name="Rolle Fahrer entziehen")).to_have_count(0)

    page.get_by_role("link", name="Protokoll zu dieser Person").click()
    entries = page.locator("#audit-entries .record")
    expect(entries.filter(has_text="Konto ohne E-Mail angelegt")).to_have_count(1)
    expect(entries.first).to_contain_text(person_id)
    expect(entries.filter(has_text="Rolle vergeben")).to_have_count(1)
    expect(entries.filter(has_text="Rolle entzogen")).to_have_count(1)
    audit(page, "b06-audit-log")

    # The plumbing: each service's waiting and stuck messages (none stuck here: the empty state).
    areas = page.get_by_role("navigation", name="Verwaltung")
    areas.get_by_text("Bereiche der Verwaltung", exact=True).click()  # folded on a phone
    areas.get_by_role("link", name="Technik").click()
    expect(page).to_have_url(f"{base_url}/admin/plumbing")
    expect(page.get_by_role("heading", level=1)).to_have_text("Technik")
    expect(page.locator("#plumbing-accounts")).to_contain_text("Noch nicht verschickt")
    expect(page.locator("#plumbing-accounts")).to_contain_text("Keine liegengebliebenen Nachrichten.")
    audit(page, "b07-plumbing")

    # Found again by number.
    page.goto(f"{base_url}/admin/people")
    page.fill("#q", person_id)
    page.get_by_role("button", name="Suchen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Gerda Telefon")


def test_merchant_creates_a_key_sees_the_secret_once_and_revokes_it(phone: BrowserContext, base_url: str) -> None:
    page = phone.new_page()
    sign_in(page, base_url, *MERCHANT, next_path="/merchant")
    audit(page, "c01-merchant")
    key_name = f"Kasse {uuid.uuid4().hex[:6]}"
    page.fill("#name", key_name)
    page.get_by_label("Produkte lesen").check()
    page.get_by_label("Bestand ändern").check()
    page.get_by_role("button", name="Schlüssel anlegen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ihr neuer Schlüssel")
    secret = page.locator("#key-secret").inner_text()
    assert secret.startswith("dmk_")
    audit(page, "c02-key-created")
    page.get_by_role("link", name="Fertig, zurück zur Übersicht").click()
    card = page.locator(".card", has_text=key_name)
    expect(card).to_contain_text("gültig")
    expect(page.locator("body")).not_to_contain_text(secret)  # the secret is never shown again
    card.get_by_role("button", name=f"Schlüssel {key_name} sperren").click()
    expect(page.get_by_role("status")).to_contain_text("gesperrt")
    audit(page, "c03-key-revoked")

    # A resident without the merchant role: no portal in the menu, and the page says "no access".
    page.get_by_role("banner").get_by_role("button", name="Abmelden").click()
    sign_in(page, base_url, "erika.schulze@prenzlau.example", "Dorfleben-Demo-2026", next_path="/")
    expect(page.get_by_role("navigation", name="Hauptmenü").get_by_role("link", name="Händler")).to_have_count(0)
    expect(page.get_by_role("navigation", name="Hauptmenü").get_by_role("link", name="Verwaltung")).to_have_count(0)
    response = page.goto(f"{base_url}/admin")
    assert response is not None and response.status == 403
    audit(page, "c04-no-access")


def test_forms_work_without_javascript(browser: Browser, base_url: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="de-DE", java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(base_url + "/signup")
        page.get_by_role("button", name="Konto anlegen").click()
        expect(page.locator("#name-error")).to_be_visible()
        page.fill("#name", "Otto Ohneskript")
        page.fill("#email", f"otto.{uuid.uuid4().hex[:8]}@templin.example")
        page.fill("#password", PASSWORD)
        page.get_by_role("button", name="Konto anlegen").click()
        expect(page).to_have_url(f"{base_url}/signup/sent")
        sign_in(page, base_url, *OPERATOR, next_path="/notifications")
        expect(page.locator("#feed-empty")).to_have_text("Noch keine Nachrichten.")  # server-rendered
        page.get_by_role("banner").get_by_role("button", name="Abmelden").click()
        expect(page.get_by_role("banner").get_by_role("link", name="Anmelden")).to_be_visible()
    finally:
        context.close()


def test_an_address_no_page_has_is_the_german_not_found_page_and_the_api_stays_json(
    phone: BrowserContext, base_url: str
) -> None:
    """A browser that opens an address no route has (typed wrongly, an old bookmark) gets the German page
    with the menu, signed out and signed in; the API and clients that do not ask for HTML keep problem+json."""
    page = phone.new_page()
    for path in ("/marketplace/products/abc", "/gibt-es-nicht", "/shop/nirgends/weiter"):
        answer = page.goto(base_url + path)
        assert answer is not None and answer.status == 404, path
        assert answer.headers["content-type"].startswith("text/html"), path
        expect(page.locator("h1")).to_have_text("Nicht gefunden")
        expect(page.get_by_role("banner").get_by_role("link", name="Anmelden")).to_be_visible()
    audit(page, "a20-not-found")
    sign_in(page, base_url, *OPERATOR, next_path="/admin")
    answer = page.goto(base_url + "/admin/nirgends")
    assert answer is not None and answer.status == 404
    expect(page.locator("h1")).to_have_text("Nicht gefunden")
    expect(page.get_by_role("link", name="Einkaufen", exact=True)).to_be_visible()  # the menu, to go on

    html = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    for path, headers in (("/api/me/nirgends", html), ("/api/volunteers/nirgends", html),
                          ("/gibt-es-nicht", {"accept": "application/json"})):
        problem = page.request.get(base_url + path, headers=headers)
        assert problem.status == 404, path
        assert problem.headers["content-type"].startswith("application/problem+json"), path
        assert problem.json()["status"] == 404, path
    posted = page.request.post(base_url + "/gibt-es-nicht", headers=html, form={"x": "1"})
    assert posted.status in (403, 404) and not posted.headers["content-type"].startswith("text/html")


def test_keyboard_alone_reaches_the_start_pages_main_action(phone: BrowserContext, base_url: str) -> None:
    page = phone.new_page()
    page.goto(base_url + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.className")
    assert "skip-link" in focused
    assert page.locator(".skip-link").bounding_box()["y"] >= 0  # shown when focused
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "start-signup"
    outline = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement); return [s.outlineStyle, s.outlineWidth]; }"
    )
    assert outline[0] != "none" and float(outline[1].removesuffix("px")) >= 2, f"no visible focus: {outline}"
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{base_url}/signup")
    # The form in reading order, again straight past the header with the skip link.
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    order = []
    for _ in range(5):
        page.keyboard.press("Tab")
        order.append(page.evaluate("() => document.activeElement.id || document.activeElement.textContent.trim()"))
    assert order == ["name", "email", "password", "home_place", "Konto anlegen"]


def test_320_css_pixels_at_200_percent_zoom_never_scroll_sideways(browser: Browser, base_url: str) -> None:
    # A 640 px wide window at 200 % zoom lays out 320 CSS pixels (WCAG 1.4.10 Reflow).
    context = browser.new_context(viewport={"width": 320, "height": 568}, device_scale_factor=2, locale="de-DE")
    page = context.new_page()
    try:
        paths = ["/", "/signup", "/signup/sent", "/offline"]
        for path in paths:
            page.goto(base_url + path)
            assert horizontal_overflow(page) <= 0, f"{path} scrolls sideways at 320 px"
        page.goto(base_url + "/signup")
        page.get_by_role("button", name="Konto anlegen").click()
        assert horizontal_overflow(page) <= 0, "the sign-up errors scroll sideways at 320 px"
        sign_in(page, base_url, *OPERATOR, next_path="/admin")
        for path in ["/admin", "/admin/people", "/admin/audit-log", "/admin/mails", "/account", "/notifications"]:
            page.goto(base_url + path)
            assert horizontal_overflow(page) <= 0, f"{path} scrolls sideways at 320 px"
            page.screenshot(path=f"/tmp/dorf-browser-shots/e-320{path.replace('/', '-') or '-start'}.png",
                            full_page=True)
    finally:
        context.close()


def test_installable_manifest_service_worker_and_offline_page(phone: BrowserContext, base_url: str) -> None:
    page = phone.new_page()
    page.goto(base_url + "/")
    manifest = page.evaluate("() => fetch('/manifest.webmanifest').then((r) => r.json())")
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/"
    assert {icon["sizes"] for icon in manifest["icons"]} >= {"192x192", "512x512"}
    for icon in manifest["icons"]:
        assert page.evaluate("(src) => fetch(src).then((r) => r.status)", icon["src"]) == 200
    assert page.evaluate("() => navigator.serviceWorker.ready.then((r) => r.active !== null)")
    page.reload()  # now controlled by the worker
    page.evaluate("() => navigator.serviceWorker.ready")
    phone.set_offline(True)
    try:
        page.goto(base_url + "/signup")
        expect(page.get_by_role("heading", level=1)).to_have_text("Keine Verbindung")
    finally:
        phone.set_offline(False)
    audit(page, "f01-offline")
