"""A notification sent by another service reaches people on their chosen channels, end to end: NOTIFY on
a real nats-server -> accounts' consumer -> platformkit.outbound -> a local push service (the message
decrypted with the browser's keys), a real SMTP server, and a local SMS/voice gateway. A push service
that says the browser is gone makes accounts forget the subscription; a redelivered notification sends
nothing twice."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
from accounts_testkit import Accounts, MailSink, bearer, make_settings, start_accounts
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import text

from accounts.crud import channels
from accounts.crud._sql import execute
from platformkit.events import Bus, Notification, publish_notification
from platformkit.events.notify import ensure_notify_stream
from platformkit.natsserver import NatsServer
from platformkit.outbound.webpush import new_vapid_keys


class Receiver:
    """A local HTTP server standing in for a push service or the SMS gateway: keeps what it gets."""

    def __init__(self, status: int) -> None:
        self.status = status
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self.url = ""


@contextmanager
def serving(receiver: Receiver) -> Iterator[Receiver]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            receiver.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(receiver.status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - http.server's name
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


class Browser:
    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)

    def subscription(self, endpoint: str) -> dict[str, Any]:
        public = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        encode = lambda data: base64.urlsafe_b64encode(data).rstrip(b"=").decode()  # noqa: E731
        return {"endpoint": endpoint, "keys": {"p256dh": encode(public), "auth": encode(self.auth)}}

    def read(self, body: bytes) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(
            http_ece.decrypt(body, private_key=self.key, auth_secret=self.auth, version="aes128gcm")
        )
        return data


async def until(condition: Callable[[], bool], what: str, seconds: float = 30) -> None:
    for _ in range(int(seconds * 10)):
        if condition():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


async def tell(nats_url: str, person_id: str, notification: Notification, event_id: str | None = None) -> None:
    """What a test service does: a notification straight into NOTIFY."""
    bus = Bus(nats_url, name="test-service")
    await bus.start()
    try:
        await bus.wait_connected()
        await ensure_notify_stream(bus, producers=["accounts"])
        await publish_notification(bus, person_id, notification, source="/test-service", event_id=event_id)
    finally:
        await bus.close()


async def test_a_notification_reaches_push_mail_sms_and_voice(
    database_url: str, nats_server: NatsServer, smtp_server: tuple[str, MailSink]
) -> None:
    smtp_url, mailbox = smtp_server
    private, _ = new_vapid_keys()
    with serving(Receiver(201)) as push_service, serving(Receiver(202)) as gateway:
        settings = make_settings(
            database_url, nats_url=nats_server.url, smtp_url=smtp_url, web_push_private_key=private,
            sms_gateway_url=gateway.url, sms_gateway_token="gw-secret", outbound_allowed_networks="127.0.0.0/8",
        )
        async with start_accounts(settings) as accounts:
            await accounts.app.state.events.wait_ready()
            erika_id, browser = await resident_with_push_and_mail(accounts, push_service.url)
            gerda_id = await phone_only_with_sms_and_voice(accounts)

            warning = Notification(
                kind="alerts.warning", title="Sturmböen in Angermünde", body="Bis 18 Uhr, bitte Dachfenster schließen.",
                link="/warnungen/w-1", severity="critical", dedupe_key="w-1",
            )
            await tell(nats_server.url, erika_id, warning)
            await tell(nats_server.url, gerda_id, warning)

            def pushed_warnings() -> list[tuple[str, dict[str, str], bytes]]:
                return [r for r in push_service.requests if browser_message(browser, r, warning.title)]

            await until(lambda: bool(pushed_warnings()), "the push message")
            [(_, headers, body)] = pushed_warnings()
            pushed = browser.read(body)
            assert pushed["title"] == warning.title and pushed["link"] == "/warnungen/w-1"
            assert pushed["severity"] == "critical" and headers["urgency"] == "high"

            await until(lambda: any(m["Subject"] == warning.title for m in mailbox.messages), "the mail")
            [mail] = [m for m in mailbox.messages if m["Subject"] == warning.title]
            assert mail["To"] == "erika@angermuende.example"
            assert "http://127.0.0.1:8000/warnungen/w-1" in mail.get_content()  # type: ignore[attr-defined]

            await until(lambda: len(gateway.requests) >= 2, "the SMS and the call")
            sent = {json.loads(body)["channel"]: json.loads(body) for _, _, body in gateway.requests}
            assert sent["sms"]["to"] == sent["voice"]["to"] == "+4933312345"
            assert warning.title in sent["sms"]["text"] and "/warnungen/w-1" in sent["sms"]["text"]
            assert warning.title in sent["voice"]["text"]

            # The same notification once more (the consumer sees it again, e.g. after a crash before its
            # ack): nothing new goes out.
            ids = {person: await notification_id(accounts, person, warning.title) for person in (erika_id, gerda_id)}
            async with accounts.db.transaction() as session:
                before = (await execute(session, text("SELECT count(*) FROM outbound_message"))).scalar_one()
                for person, notification in ids.items():
                    await channels.deliver(
                        session=session, settings=settings, person_id=person, notification_id=notification,
                        notification=warning,
                    )
                after = (await execute(session, text("SELECT count(*) FROM outbound_message"))).scalar_one()
            assert after == before


def browser_message(browser: Browser, request: tuple[str, dict[str, str], bytes], title: str) -> bool:
    return request[0] == "/push/erika" and browser.read(request[2])["title"] == title


async def notification_id(accounts: Accounts, person_id: str, title: str) -> str:
    """The notification id behind a person's outgoing message (from its dedupe key notify:<id>:...)."""
    statement = text("SELECT dedupe_key, payload FROM outbound_message WHERE person_id = :p").bindparams(p=person_id)
    async with accounts.db.session() as session:
        rows = (await execute(session, statement)).all()
    [key] = {row.dedupe_key.split(":")[1] for row in rows if title in row.payload}
    return str(key)


async def resident_with_push_and_mail(accounts: Accounts, push_url: str) -> tuple[str, Browser]:
    await accounts.registered("erika@angermuende.example")
    erika = bearer((await accounts.tokens_for("erika@angermuende.example"))["access_token"])
    browser = Browser()
    subscribed = await accounts.http.post(
        "/me/push-subscriptions", json=browser.subscription(push_url + "/push/erika"), headers=erika
    )
    assert subscribed.status_code == 201, subscribed.text
    chosen = await accounts.http.put("/me/notification-channels", json={"channels": ["push", "mail"]}, headers=erika)
    assert chosen.status_code == 200
    return str((await accounts.http.get("/me", headers=erika)).json()["id"]), browser


async def phone_only_with_sms_and_voice(accounts: Accounts) -> str:
    desk = bearer(await accounts.operator_token("people-desk"))
    gerda = {"name": "Gerda Krüger", "phone": "+4933312345"}
    created = await accounts.http.post("/admin/people", json=gerda, headers=desk)
    assert created.status_code == 201, created.text
    person_id = str(created.json()["id"])
    chosen = await accounts.http.put(
        f"/admin/people/{person_id}/notification-channels", json={"channels": ["sms", "voice"]}, headers=desk
    )
    assert chosen.status_code == 200
    return person_id


async def test_a_browser_the_push_service_says_is_gone_is_forgotten(
    database_url: str, nats_server: NatsServer
) -> None:
    private, _ = new_vapid_keys()
    with serving(Receiver(410)) as push_service:
        settings = make_settings(
            database_url, nats_url=nats_server.url, web_push_private_key=private,
            outbound_allowed_networks="127.0.0.0/8",
        )
        async with start_accounts(settings) as accounts:
            await accounts.app.state.events.wait_ready()
            erika_id, _ = await resident_with_push_and_mail(accounts, push_service.url)
            await tell(nats_server.url, erika_id, Notification(kind="marketplace.order_ready", title="Abholbereit"))
            erika = bearer((await accounts.tokens_for("erika@angermuende.example"))["access_token"])

            async def subscriptions() -> list[Any]:
                return list((await accounts.http.get("/me/push-subscriptions", headers=erika)).json()["items"])

            for _ in range(300):
                if not await subscriptions():
                    break
                await asyncio.sleep(0.1)
            assert await subscriptions() == []
            assert push_service.requests, "the push service was asked"
