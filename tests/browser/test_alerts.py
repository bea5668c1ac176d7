"""Warnings in a real chromium at a phone viewport against the real platform (`dorf up --demo` with accounts,
alerts and the gateway): a resident subscribes their village and sees the replayed DWD warning; an alert
author issues, updates and cancels a local warning while the resident's page follows live; a visitor
without an account gets warnings on their device by Web Push and stops them again; axe-core on every page
visited."""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
import httpx
import pytest
from browserkit import OPERATOR, PHONE, RunningPlatform, audit, sign_in
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from playwright.sync_api import Browser, BrowserContext, Page, expect

pytestmark = pytest.mark.slow

ERIKA = ("erika.schulze@prenzlau.example", "Dorfleben-Demo-2026")


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """This module's own platform: the browser tests' default starts only accounts and the gateway."""
    var = tmp_path_factory.mktemp("alerts-browser") / "var"
    # The stand-in push service below listens on 127.0.0.1, which alerts' SSRF guard refuses unless allowed.
    platform = RunningPlatform(var, services="accounts,gateway,alerts",
                               extra_env={"OUTBOUND_ALLOWED_NETWORKS": "127.0.0.0/8"})
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


class PushService:
    """A local HTTP server standing in for the browser vendor's push service, and the browser's keys for the
    subscription (so what alerts sends can be decrypted as the browser would)."""

    def __init__(self) -> None:
        self.received: list[tuple[str, bytes]] = []
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                received.append((self.path, self.rfile.read(int(self.headers.get("content-length", "0")))))
                self.send_response(201)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - http.server's name
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}/push/this-phone"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def subscription(self) -> dict[str, Any]:
        public = self.key.public_key().public_bytes(serialization.Encoding.X962,
                                                    serialization.PublicFormat.UncompressedPoint)
        encode = lambda data: base64.urlsafe_b64encode(data).rstrip(b"=").decode()  # noqa: E731
        return {"endpoint": self.endpoint, "expirationTime": None,
                "keys": {"p256dh": encode(public), "auth": encode(self.auth)}}

    def messages(self) -> list[dict[str, Any]]:
        return [json.loads(http_ece.decrypt(body, private_key=self.key, auth_secret=self.auth, version="aes128gcm"))
                for _, body in self.received]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# Headless chromium has no push service (subscribe() ends in AbortError), so this one piece of the browser is
# replaced: PushManager hands out the subscription of the stand-in push service above, and keeps the
# applicationServerKey the page subscribed with (in sessionStorage: the form post loads a new page).
# Everything after it is real: the permission, the form, the gateway, alerts, its outbox and the encrypted
# push.
STAND_IN_PUSH_MANAGER = """
PushManager.prototype.getSubscription = async function () { return null; };
PushManager.prototype.subscribe = async function (options) {
  const bytes = new Uint8Array(options.applicationServerKey);
  sessionStorage.setItem("subscribedWithKey", btoa(String.fromCharCode(...bytes)).replace(/\\+/g, "-")
    .replace(/\\//g, "_").replace(/=+$/, ""));
  const json = SUBSCRIPTION;
  return { endpoint: json.endpoint, toJSON: () => json };
};
"""


def test_a_visitor_without_an_account_gets_warnings_on_their_device_and_stops_them(
    browser: Browser, base_url: str
) -> None:
    push_service = PushService()
    visitor_context = browser.new_context(viewport=PHONE, locale="de-DE")
    visitor_context.set_default_timeout(15_000)
    visitor_context.grant_permissions(["notifications"], origin=base_url)
    visitor_context.add_init_script(
        STAND_IN_PUSH_MANAGER.replace("SUBSCRIPTION", json.dumps(push_service.subscription())))
    try:
        visitor = visitor_context.new_page()
        visitor.goto(f"{base_url}/alerts")
        visitor.get_by_role("link", name="Ohne Konto: Warnungen auf dieses Gerät").click()
        expect(visitor.get_by_role("heading", level=1)).to_have_text("Warnungen auf dieses Gerät")
        audit(visitor, "w20-device")
        visitor.get_by_role("button", name="Warnungen auf dieses Gerät").click()  # no village: said next to it
        expect(visitor.locator("#place-error")).to_be_visible()
        audit(visitor, "w21-device-error")

        visitor.get_by_label("Ihr Ort").select_option(label="Prenzlau (Prenzlau)")
        visitor.get_by_role("group", name="Themen").get_by_label("Brände").check()
        visitor.get_by_role("button", name="Warnungen auf dieses Gerät").click()
        expect(visitor).to_have_url(f"{base_url}/alerts/device?done=saved")
        expect(visitor.get_by_role("status").first).to_have_text("Fertig! Dieses Gerät bekommt jetzt Warnungen.")
        audit(visitor, "w22-device-saved")
        platform_key = httpx.get(f"{base_url}/api/alerts/push/key").json()["public_key"]
        assert visitor.evaluate("sessionStorage.getItem('subscribedWithKey')") == platform_key
        device_cookie = next(c for c in visitor_context.cookies() if c["name"] == "dorf_alert_device")
        assert device_cookie["httpOnly"] and device_cookie["sameSite"] == "Strict"
        subscription_id, _, token = device_cookie["value"].partition(".")

        # An author warns Prenzlau of a fire: the device's push service gets it, encrypted for this browser.
        staff_context = browser.new_context(viewport=PHONE, locale="de-DE")
        staff_context.set_default_timeout(15_000)
        staff = staff_context.new_page()
        sign_in(staff, base_url, *OPERATOR, next_path="/admin/alerts")
        staff.get_by_label("Überschrift").fill("Brand in Prenzlau-Nord")
        staff.get_by_label("Ereignis").fill("Brand eines Strohlagers")
        staff.get_by_label("Art der Gefahr").select_option(label="Brand")
        staff.get_by_label("Was sollen die Menschen tun?").fill("Fenster und Türen schließen.")
        staff.get_by_role("group", name="Gemeinden").get_by_label("Prenzlau", exact=True).check()
        staff.get_by_role("button", name="Warnung herausgeben").click()
        expect(staff.get_by_role("status")).to_have_text("Die Warnung ist herausgegeben.")
        staff_context.close()
        deadline = time.monotonic() + 30
        while not push_service.received and time.monotonic() < deadline:
            time.sleep(0.2)
        assert [path for path, _ in push_service.received] == ["/push/this-phone"]
        assert "Brand in Prenzlau-Nord" in json.dumps(push_service.messages(), ensure_ascii=False)

        visitor.reload()
        expect(visitor.get_by_role("heading", name="Dieses Gerät bekommt Warnungen.")).to_be_visible()
        visitor.get_by_role("button", name="Keine Warnungen mehr auf dieses Gerät").click()
        expect(visitor).to_have_url(f"{base_url}/alerts/device?done=stopped")
        expect(visitor.get_by_role("status").first).to_have_text("Dieses Gerät bekommt keine Warnungen mehr.")
        expect(visitor.get_by_role("heading", name="Dieses Gerät bekommt Warnungen.")).to_have_count(0)
        audit(visitor, "w23-device-stopped")
        assert not [c for c in visitor_context.cookies() if c["name"] == "dorf_alert_device"]
        # Gone at alerts too: deleting it once more finds nothing.
        again = httpx.delete(f"{base_url}/api/alerts/push/subscriptions/{subscription_id}",
                             headers={"Subscription-Token": token})
        assert again.status_code == 404
    finally:
        visitor_context.close()
        push_service.close()
