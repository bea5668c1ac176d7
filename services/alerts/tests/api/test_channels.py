"""The channels beside the live feed, through platformkit.outbound and its real sender: a display gets the
warnings as signed Standard Webhooks; an anonymous push-only subscription gets an encrypted Web Push. The
receivers are local HTTP servers standing in for the display and the browser's push service."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from alerts_testkit import App, make_settings, running

from platformkit import outbound
from platformkit.outbound.webpush import new_vapid_keys
from platformkit.scheduler import ManualClock

pytestmark = pytest.mark.timeout(120)


class Receiver:
    """Records every POST (path, headers, body) and answers 201."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.posts.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(201)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    async def wait(self, count: int) -> None:
        for _ in range(300):
            if len(self.posts) >= count:
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"{len(self.posts)} of {count} requests arrived")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


@pytest.fixture
async def app(database_url: str, oidc_issuer: Any) -> Any:
    private, _ = new_vapid_keys()
    settings = make_settings(database_url, outbound_allowed_networks=("127.0.0.1/32",), outbound_poll_seconds=0.1,
                             web_push_private_key=private, **oidc_issuer.settings_overrides())
    async with running(settings, ManualClock(datetime.now(UTC)), oidc_issuer.tokens) as started:
        yield started


def warning(now: datetime) -> dict[str, Any]:
    return {"category": "Fire", "event": "Großbrand", "severity": "Severe", "headline": "Großbrand in Prenzlau",
            "expires": (now + timedelta(hours=2)).isoformat(),
            "area": {"description": "Prenzlau", "ars": ["120730452452"]}}


async def test_a_display_gets_signed_webhooks_for_issue_and_cancel(app: App, receiver: Receiver) -> None:
    for url in ("http://10.0.0.7/hook", "http://169.254.169.254/latest", "ftp://127.0.0.1/x"):
        refused = await app.http.post("/displays", headers=app.author(), json={"name": "x", "url": url})
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "url", url
    created = await app.http.post("/displays", headers=app.author(), json={
        "name": "Anzeigetafel Marktplatz", "url": receiver.url("/hook"), "ars": "120730452452"})
    assert created.status_code == 201, created.text
    secret = created.json()["secret"]
    assert secret and "secret" not in json.dumps([d for d in (await app.http.get(
        "/displays", headers=app.author())).json() if d["secret"]])

    issued = await app.http.post("/local", headers=app.author(), json=warning(app.clock.now()))
    thread_id = issued.json()["id"]
    await receiver.wait(1)
    await app.http.post(f"/local/{thread_id}/cancel", headers=app.author(), json={})
    await receiver.wait(2)
    for (path, headers, body), change in zip(receiver.posts, ("issued", "cancelled"), strict=True):
        assert path == "/hook"
        expected = outbound.sign(secret, headers["webhook-id"], int(headers["webhook-timestamp"]), body)
        assert headers["webhook-signature"] == expected
        payload = json.loads(body)
        assert payload["type"] == f"alerts.warning.{change}" and payload["data"]["thread_id"] == thread_id


async def test_an_anonymous_subscription_gets_web_push_and_can_be_deleted_with_its_token(
    app: App, receiver: Receiver
) -> None:
    key = await app.http.get("/push/key")
    assert key.status_code == 200 and len(key.json()["public_key"]) > 80
    browser_key = "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM"
    push = {"endpoint": receiver.url("/push/abc"), "keys": {"p256dh": browser_key, "auth": "tBHItJI5svbpez7KI4CCXg"}}
    answer = await app.http.post("/push/subscriptions", json={
        "push": push, "places": [{"ortsteil_id": "ot-prenzlau-prenzlau"}], "languages": ["de"]})
    assert answer.status_code == 201, answer.text
    issued = await app.http.post("/local", headers=app.author(), json=warning(app.clock.now()))
    assert issued.status_code == 201
    await receiver.wait(1)
    path, headers, body = receiver.posts[0]
    assert path == "/push/abc"
    assert headers["content-encoding"] == "aes128gcm" and headers["authorization"].startswith("vapid t=")
    assert b"Gro" not in body  # encrypted for the browser, not readable on the way

    subscription_id = answer.json()["id"]
    wrong = await app.http.delete(f"/push/subscriptions/{subscription_id}", headers={"Subscription-Token": "nope"})
    assert wrong.status_code == 404
    deleted = await app.http.delete(f"/push/subscriptions/{subscription_id}",
                                    headers={"Subscription-Token": answer.json()["token"]})
    assert deleted.status_code == 204
    private = await app.http.post("/push/subscriptions", json={
        "push": {**push, "endpoint": "https://10.1.2.3/push"}, "places": [{"ortsteil_id": "ot-prenzlau-prenzlau"}]})
    assert private.status_code == 422 and private.json()["errors"][0]["field"] == "push.endpoint"
