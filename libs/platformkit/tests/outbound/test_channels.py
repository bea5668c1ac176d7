"""The mail, Web Push, SMS and voice adapters through the sender, each against a real local server: an
SMTP server (aiosmtpd), a push service and the SMS/voice gateway (HTTP). The push message is decrypted
and its VAPID token verified here by hand, following RFC 8291 and RFC 8292, not with the library that
made them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import socket
import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from outbound_testkit import Answer, Receiver, serving
from sqlalchemy import select

from platformkit import outbound
from platformkit.db import Database, utcnow
from platformkit.outbound.guard import parse_networks
from platformkit.outbound.mail import MailAdapter
from platformkit.outbound.phone import PhoneGatewayAdapter
from platformkit.outbound.webpush import WebPushAdapter, new_vapid_keys, vapid_public_key
from platformkit.scheduler import ManualClock
from platformkit.tables import outbound_message

LOCAL = parse_networks(["127.0.0.0/8"])


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


async def send_one(db: Database, adapter: outbound.Adapter, **message: Any) -> dict[str, Any]:
    async with db.transaction() as session:
        message_id = await outbound.enqueue(session, **message)
    await outbound.OutboundSender(db, {adapter.channel: adapter}, clock=ManualClock(utcnow())).run_once()
    async with db.engine.connect() as connection:
        row = (await connection.execute(select(outbound_message).where(outbound_message.c.id == message_id))).one()
    return dict(row._mapping)


# --- mail ------------------------------------------------------------------------------------------


class Mailbox:
    """aiosmtpd handler: keeps messages, refuses recipients at `unknown.example` for good (550)."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:  # noqa: N802
        if address.endswith("@unknown.example"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[str, Mailbox]]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}", mailbox
    finally:
        controller.stop()


async def test_mail_goes_out_over_smtp(db: Database, smtp: tuple[str, Mailbox]) -> None:
    url, mailbox = smtp
    adapter = MailAdapter(smtp_url=url, mail_from="Dorfmarktplatz <noreply@dorf.example>")
    row = await send_one(
        db, adapter, channel="mail", target="erika@prenzlau.example",
        payload={"subject": "Ihr Einkauf ist abholbereit", "body": "Bis 18 Uhr im Dorfladen Gramzow."},
        dedupe_key="order-ready:1:mail",
    )
    assert row["status"] == "sent"
    [mail] = mailbox.messages
    assert mail["To"] == "erika@prenzlau.example" and mail["Subject"] == "Ihr Einkauf ist abholbereit"
    assert mail.get_content().strip() == "Bis 18 Uhr im Dorfladen Gramzow."  # type: ignore[attr-defined]
    assert row["id"] in mail["Message-ID"]  # the same on a retry


async def test_a_refused_recipient_fails_at_once(db: Database, smtp: tuple[str, Mailbox]) -> None:
    url, mailbox = smtp
    row = await send_one(
        db, MailAdapter(smtp_url=url, mail_from="noreply@dorf.example"), channel="mail",
        target="niemand@unknown.example", payload={"subject": "x", "body": "y"},
    )
    assert row["status"] == "failed" and row["last_status_code"] == 550
    assert mailbox.messages == []


async def test_mail_is_retried_while_the_smtp_server_is_away(db: Database) -> None:
    adapter = MailAdapter(smtp_url=f"smtp://127.0.0.1:{free_port()}", mail_from="noreply@dorf.example")
    row = await send_one(db, adapter, channel="mail", target="karl@schwedt.example", payload={"subject": "s"})
    assert row["status"] == "pending" and row["attempts"] == 1
    assert "ConnectionRefusedError" in str(row["last_error"])


# --- Web Push --------------------------------------------------------------------------------------


class Browser:
    """The keys a browser makes when it subscribes (RFC 8291: p256dh and auth)."""

    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.public = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        self.auth = os.urandom(16)

    def subscription(self, endpoint: str) -> str:
        return json.dumps({"endpoint": endpoint, "keys": {"p256dh": b64url(self.public), "auth": b64url(self.auth)}})

    def decrypt(self, body: bytes) -> bytes:
        """RFC 8291 section 3.4 and RFC 8188, one record."""
        salt, record_size, id_length = body[:16], int.from_bytes(body[16:20], "big"), body[20]
        sender_public = body[21 : 21 + id_length]
        ciphertext = body[21 + id_length :]
        assert len(ciphertext) <= record_size
        shared = self.key.exchange(
            ec.ECDH(), ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), sender_public)
        )

        def hkdf_one_block(salt: bytes, ikm: bytes, info: bytes, length: int) -> bytes:
            prk = hmac.new(salt, ikm, hashlib.sha256).digest()
            return hmac.new(prk, info + b"\x01", hashlib.sha256).digest()[:length]

        ikm = hkdf_one_block(self.auth, shared, b"WebPush: info\x00" + self.public + sender_public, 32)
        key = hkdf_one_block(salt, ikm, b"Content-Encoding: aes128gcm\x00", 16)
        nonce = hkdf_one_block(salt, ikm, b"Content-Encoding: nonce\x00", 12)
        padded = AESGCM(key).decrypt(nonce, ciphertext, None).rstrip(b"\x00")
        assert padded.endswith(b"\x02")  # the last record's delimiter
        return padded[:-1]


def verify_vapid(authorization: str, audience: str) -> tuple[dict[str, Any], str]:
    """RFC 8292: `vapid t=<JWT ES256>, k=<public key>`; returns the claims and k."""
    scheme, _, rest = authorization.partition(" ")
    assert scheme == "vapid"
    fields = dict(part.strip().split("=", 1) for part in rest.split(","))
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(fields["k"]))
    header, claims, signature = fields["t"].split(".")
    assert json.loads(unb64url(header))["alg"] == "ES256"
    raw = unb64url(signature)
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    public.verify(der, f"{header}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))  # raises when forged
    decoded = json.loads(unb64url(claims))
    assert decoded["aud"] == audience and decoded["exp"] > time.time()
    return decoded, fields["k"]


async def test_a_push_message_is_encrypted_for_the_browser_and_signed_with_vapid(db: Database) -> None:
    private, public = new_vapid_keys()
    assert vapid_public_key(private) == public
    browser = Browser()
    notification = {"title": "Unwetterwarnung", "body": "Sturmböen in Angermünde", "link": "/benachrichtigungen"}
    with serving(Receiver(Answer(201))) as push_service:
        adapter = WebPushAdapter(private_key=private, subject="mailto:technik@dorf.example", allowed_networks=LOCAL)
        row = await send_one(
            db, adapter, channel="webpush", target=browser.subscription(push_service.url + "/push/abc"),
            payload=notification, params={"urgency": "high", "ttl": 600},
        )
    assert row["status"] == "sent"
    [request] = push_service.requests
    assert request.path == "/push/abc"
    assert request.headers["content-encoding"] == "aes128gcm"
    assert request.headers["urgency"] == "high" and request.headers["ttl"] == "600"
    assert json.loads(browser.decrypt(request.body)) == notification
    claims, key = verify_vapid(request.headers["authorization"], push_service.url)
    assert key == public and claims["sub"] == "mailto:technik@dorf.example"
    # Another browser's keys cannot read it.
    with pytest.raises(Exception):  # noqa: B017 - cryptography's InvalidTag
        Browser().decrypt(request.body)


@pytest.mark.parametrize(("status", "expected"), [(410, "failed"), (404, "failed"), (429, "pending"), (503, "pending")])
async def test_push_answers_decide_between_gone_and_retry(db: Database, status: int, expected: str) -> None:
    private, _ = new_vapid_keys()
    with serving(Receiver(Answer(status))) as push_service:
        adapter = WebPushAdapter(private_key=private, subject="mailto:t@dorf.example", allowed_networks=LOCAL)
        row = await send_one(db, adapter, channel="webpush", target=Browser().subscription(push_service.url + "/p"),
                             payload={"title": "x"})
    assert row["status"] == expected and row["last_status_code"] == status


async def test_a_push_endpoint_on_a_private_address_is_refused(db: Database) -> None:
    private, _ = new_vapid_keys()
    with serving(Receiver(Answer(201))) as push_service:
        adapter = WebPushAdapter(private_key=private, subject="mailto:t@dorf.example")  # no allowed networks
        row = await send_one(db, adapter, channel="webpush", target=Browser().subscription(push_service.url + "/p"),
                             payload={"title": "x"})
    assert row["status"] == "failed" and "refused" in str(row["last_error"])
    assert push_service.requests == []


async def test_a_malformed_subscription_fails_at_once(db: Database) -> None:
    private, _ = new_vapid_keys()
    adapter = WebPushAdapter(private_key=private, subject="mailto:t@dorf.example", allowed_networks=LOCAL)
    row = await send_one(db, adapter, channel="webpush", target='{"endpoint": "https://x.example/"}', payload={})
    assert row["status"] == "failed" and "not a push subscription" in str(row["last_error"])


# --- SMS and voice through the gateway -------------------------------------------------------------


@pytest.mark.parametrize("channel", ["sms", "voice"])
async def test_sms_and_calls_go_to_the_gateway(db: Database, channel: str) -> None:
    with serving(Receiver(Answer(202, b'{"id": "gw-1"}'))) as gateway:
        adapter = PhoneGatewayAdapter(channel, base_url=gateway.url + "/v1/", token="gw-token")
        row = await send_one(db, adapter, channel=channel, target="+493984123456",
                             payload={"text": "Ihr Rufbus kommt um 9:40 Uhr."})
    assert row["status"] == "sent" and row["last_status_code"] == 202
    [request] = gateway.requests
    assert request.path == "/v1/messages"
    assert request.headers["authorization"] == "Bearer gw-token"
    assert request.headers["idempotency-key"] == row["id"]
    assert json.loads(request.body) == {
        "channel": channel, "to": "+493984123456", "text": "Ihr Rufbus kommt um 9:40 Uhr.", "reference": row["id"]
    }


@pytest.mark.parametrize(("status", "expected"), [(422, "failed"), (400, "failed"), (401, "pending"), (503, "pending")])
async def test_gateway_answers_decide_between_failure_and_retry(db: Database, status: int, expected: str) -> None:
    with serving(Receiver(Answer(status, b'{"error": "invalid number"}'))) as gateway:
        adapter = PhoneGatewayAdapter("sms", base_url=gateway.url, token="t")
        row = await send_one(db, adapter, channel="sms", target="+49000", payload={"text": "x"})
    assert row["status"] == expected and row["last_status_code"] == status


# --- configuration ---------------------------------------------------------------------------------


def test_settings_offer_the_configured_channels() -> None:
    private, _ = new_vapid_keys()
    base = {"service_name": "t", "database_url": "sqlite://", "oidc_issuer": "http://i", "oidc_audience": "t"}
    bare = outbound.OutboundSettings(**base)  # type: ignore[arg-type]
    assert sorted(outbound.adapters_from(bare)) == ["webhook"]
    assert not bare.can_send("mail") and bare.can_send("webhook")
    full = outbound.OutboundSettings(
        **base, smtp_url="smtp://127.0.0.1:25", web_push_private_key=private,  # type: ignore[arg-type]
        sms_gateway_url="http://127.0.0.1:9/", outbound_horizon_seconds={"webhook": 172800},
    )
    assert sorted(outbound.adapters_from(full)) == ["mail", "sms", "voice", "webhook", "webpush"]
    assert full.can_send("sms") and full.horizon("webhook").total_seconds() == 172800
    assert outbound.sender_options(full).horizons["webhook"] == 172800
