"""Notifications in a real chromium against the real platform (`dorf up`): a notification that a test
service sends (straight into the NOTIFY stream on the platform's nats-server) reaches a signed-in
person's live feed; the phone goes offline, another one is sent meanwhile, and back online the feed
resumes — each notification shown exactly once. The channel choice works as a plain form (also without
JavaScript), with axe-core on each state."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from browserkit import audit, sign_in
from playwright.sync_api import Browser, BrowserContext, expect

from platformkit.events import Bus, Notification, publish_notification

pytestmark = pytest.mark.slow

ERIKA = ("erika.schulze@prenzlau.example", "Dorfleben-Demo-2026")  # a demo resident (accounts.seed)


@pytest.fixture(scope="module")
def nats_url(base_url: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The NATS of the platform behind `base_url`, from the var/run.json of `dorf up` (tests/browser/
    conftest.py runs it in a var/ under this session's temporary folder)."""
    for run_file in Path(tmp_path_factory.getbasetemp()).glob("*/var/run.json"):
        state = json.loads(run_file.read_text(encoding="utf-8"))
        if state.get("url", "").rstrip("/") == base_url:
            [nats] = [process for process in state["processes"] if process["name"] == "nats"]
            return f"nats://127.0.0.1:{nats['port']}"
    raise AssertionError(f"no run.json of a `dorf up` serving {base_url}")


def send(nats_url: str, person_id: str, title: str) -> None:
    """What any service's notify() comes to: a message on notify.<person_id> in NOTIFY."""

    async def publish() -> None:
        bus = Bus(nats_url, name="browser-test-service")
        await bus.start()
        try:
            await bus.wait_connected()
            notification = Notification(kind="alerts.warning", title=title, body="Bitte Fenster schließen.",
                                        link="/notifications", severity="critical", dedupe_key=title)
            await publish_notification(bus, person_id, notification, source="/browser-test-service")
        finally:
            await bus.close()

    # Playwright's sync API runs an event loop in this thread: the test service gets a thread of its own.
    with ThreadPoolExecutor(max_workers=1) as thread:
        thread.submit(asyncio.run, publish()).result(timeout=30)


def person_id(context: BrowserContext, base_url: str) -> str:
    """Who is signed in, asked through the gateway with the browser's session (as the pages do)."""
    response = context.request.get(f"{base_url}/api/accounts/me", timeout=10_000)
    assert response.ok, response.text()
    return str(response.json()["id"])


def test_a_notification_arrives_live_and_survives_going_offline(
    phone: BrowserContext, base_url: str, nats_url: str
) -> None:
    page = phone.new_page()
    feed_requests: list[str] = []
    page.on("request", lambda request: feed_requests.append(request.url) if "/api/me/feed" in request.url else None)
    sign_in(page, base_url, *ERIKA, next_path="/notifications")
    live = page.locator("[data-feed-url]")
    expect(live).to_have_attribute("data-live", "on", timeout=10_000)
    me = person_id(phone, base_url)
    tag = uuid.uuid4().hex[:6]
    first, second = f"Sturmböen {tag}", f"Gewitter {tag}"

    send(nats_url, me, first)
    expect(page.locator("#feed-list li", has_text=first)).to_have_count(1, timeout=15_000)
    expect(page.locator("#feed-list li.feed__item--critical", has_text=first)).to_contain_text("Dringende Warnung")
    audit(page, "n01-feed-live")
    shown_before = page.locator("#feed-list li").count()

    phone.set_offline(True)
    expect(live).to_have_attribute("data-live", "off", timeout=10_000)
    expect(page.locator("#feed-status")).to_have_text("Gerade keine Verbindung. Wir versuchen es gleich noch einmal.")
    send(nats_url, me, second)  # while the phone is offline
    page.wait_for_timeout(500)
    expect(page.locator("#feed-list li", has_text=second)).to_have_count(0)

    phone.set_offline(False)
    expect(live).to_have_attribute("data-live", "on", timeout=15_000)
    expect(page.locator("#feed-list li", has_text=second)).to_have_count(1, timeout=15_000)
    # Nothing lost, nothing twice: exactly the one new notification was added.
    page.wait_for_timeout(1000)
    expect(page.locator("#feed-list li", has_text=first)).to_have_count(1)
    expect(page.locator("#feed-list li")).to_have_count(shown_before + 1)
    # The new connection resumed after the last notification shown.
    assert any(re.search(r"[?&]after=\d+", url) for url in feed_requests[1:]), feed_requests

    # A reload starts over from what the stream keeps: each once.
    page.reload()
    expect(live).to_have_attribute("data-live", "on", timeout=10_000)
    for title in (first, second):
        expect(page.locator("#feed-list li", has_text=title)).to_have_count(1, timeout=15_000)


def test_a_resident_chooses_channels_with_a_plain_form(
    phone: BrowserContext, browser: Browser, base_url: str
) -> None:
    page = phone.new_page()
    sign_in(page, base_url, "karl.wagner@schwedt.example", ERIKA[1], next_path="/notifications")
    group = page.get_by_role("group", name="Neue Nachrichten außerdem schicken als")
    expect(group.get_by_label("Mitteilung auf Ihr Gerät")).to_be_checked()  # the default
    expect(group.get_by_label("E-Mail")).not_to_be_checked()
    expect(group.get_by_label("SMS auf Ihr Telefon")).to_have_count(0)  # no phone number known
    audit(page, "n02-channels")

    group.get_by_label("E-Mail").check()
    group.get_by_label("Mitteilung auf Ihr Gerät").uncheck()
    page.get_by_role("button", name="Auswahl speichern").click()
    expect(page.get_by_role("status").filter(has_text="gespeichert")).to_have_text("Ihre Auswahl ist gespeichert.")
    expect(group.get_by_label("E-Mail")).to_be_checked()
    expect(group.get_by_label("Mitteilung auf Ihr Gerät")).not_to_be_checked()
    audit(page, "n03-channels-saved")

    # The same without JavaScript: a plain form post and a redirect.
    plain = browser.new_context(viewport={"width": 390, "height": 844}, locale="de-DE", java_script_enabled=False)
    try:
        page = plain.new_page()
        sign_in(page, base_url, "karl.wagner@schwedt.example", ERIKA[1], next_path="/notifications")
        group = page.get_by_role("group", name="Neue Nachrichten außerdem schicken als")
        expect(group.get_by_label("E-Mail")).to_be_checked()  # stored at accounts
        group.get_by_label("Mitteilung auf Ihr Gerät").check()
        page.get_by_role("button", name="Auswahl speichern").click()
        expect(page.get_by_text("Ihre Auswahl ist gespeichert.")).to_be_visible()
        expect(group.get_by_label("Mitteilung auf Ihr Gerät")).to_be_checked()
        expect(group.get_by_label("E-Mail")).to_be_checked()
    finally:
        plain.close()
