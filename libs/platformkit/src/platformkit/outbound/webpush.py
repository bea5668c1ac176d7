"""The Web Push channel: a message encrypted for one browser subscription (RFC 8291, aes128gcm) and
signed for the push service with our VAPID key (RFC 8292).

Target: the subscription as the browser's PushSubscription.toJSON() gives it,
`{"endpoint": "https://...", "keys": {"p256dh": "...", "auth": "..."}}` (JSON text). Payload: what the
service worker receives (JSON). Params: `ttl` (seconds the push service keeps it, default 1 day),
`urgency` (very-low | low | normal | high), `topic` (a later message with the same topic replaces an
undelivered earlier one). The endpoint is a URL a browser gave us, so the SSRF guard checks it.
Answers: 201 delivered; 404 or 410 the subscription is gone (fails at once: the owner deletes it on
that outcome); other 4xx fail at once (our request is wrong for this subscription); 429 and 5xx retried.

Keys: WEB_PUSH_PRIVATE_KEY is the raw P-256 private key, base64url (32 bytes); the browser subscribes
with the public key, base64url of the uncompressed point (65 bytes): `new_vapid_keys()` makes a pair,
`vapid_public_key()` derives the public one."""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import Sequence
from urllib.parse import urlsplit

import http_ece  # type: ignore[import-untyped]
import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02  # type: ignore[import-untyped]

from platformkit.outbound.guard import IPNetwork, Resolver, system_resolver
from platformkit.outbound.http import Refused, guarded_post
from platformkit.outbound.messages import Delivery, OutboundMessage

URGENCIES = ("very-low", "low", "normal", "high")
DEFAULT_TTL_SECONDS = 24 * 3600
GONE = frozenset({404, 410})


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _public_point(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


def new_vapid_keys() -> tuple[str, str]:
    """(private, public): a fresh VAPID key pair in the forms WEB_PUSH_PRIVATE_KEY and the browser use."""
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_numbers().private_value.to_bytes(32, "big")
    return b64url(private), b64url(_public_point(key))


def _private_key(private: str) -> ec.EllipticCurvePrivateKey:
    raw = b64url_decode(private.strip())
    if len(raw) != 32:
        raise ValueError("WEB_PUSH_PRIVATE_KEY must be a base64url P-256 private key (32 bytes)")
    return ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())


def vapid_public_key(private: str) -> str:
    """The public key that belongs to WEB_PUSH_PRIVATE_KEY (what browsers subscribe with)."""
    return b64url(_public_point(_private_key(private)))


class InvalidSubscription(ValueError):
    pass


def parse_subscription(text: str) -> tuple[str, bytes, bytes]:
    """(endpoint, p256dh, auth) of a subscription's JSON, checked for shape and key sizes."""
    try:
        data = json.loads(text)
        endpoint = data["endpoint"]
        p256dh = b64url_decode(data["keys"]["p256dh"])
        auth = b64url_decode(data["keys"]["auth"])
    except (ValueError, KeyError, TypeError) as error:
        raise InvalidSubscription(f"not a push subscription: {type(error).__name__}") from None
    if not isinstance(endpoint, str) or not endpoint.startswith(("https://", "http://")):
        raise InvalidSubscription("the endpoint must be an https URL")
    if len(p256dh) != 65 or p256dh[0] != 4:
        raise InvalidSubscription("p256dh must be an uncompressed P-256 point")
    if len(auth) != 16:
        raise InvalidSubscription("auth must be 16 bytes")
    return endpoint, p256dh, auth


def encrypt(payload: bytes, p256dh: bytes, auth: bytes) -> bytes:
    """The aes128gcm body for one subscription (RFC 8291): a fresh sender key and salt each time."""
    sender_key = ec.generate_private_key(ec.SECP256R1())
    body: bytes = http_ece.encrypt(
        payload, salt=os.urandom(16), private_key=sender_key, dh=p256dh, auth_secret=auth, version="aes128gcm"
    )
    return body


class WebPushAdapter:
    channel = "webpush"

    def __init__(
        self,
        *,
        private_key: str,
        subject: str,
        http: httpx.AsyncClient | None = None,
        allowed_networks: Sequence[IPNetwork] = (),
        resolver: Resolver = system_resolver,
        timeout_seconds: float = 15.0,
    ) -> None:
        self.vapid = Vapid02(_private_key(private_key))
        # A contact for the push service's operators: mailto: or https:.
        self.subject = subject
        self.http = http or httpx.AsyncClient(trust_env=False)
        self.allowed_networks = tuple(allowed_networks)
        self.resolver = resolver
        self.timeout_seconds = timeout_seconds

    def authorization(self, endpoint: str) -> str:
        parts = urlsplit(endpoint)
        claims = {"aud": f"{parts.scheme}://{parts.netloc}", "exp": int(time.time()) + 12 * 3600, "sub": self.subject}
        return str(self.vapid.sign(claims)["Authorization"])

    async def send(self, message: OutboundMessage) -> Delivery:
        try:
            endpoint, p256dh, auth = parse_subscription(message.target)
        except InvalidSubscription as error:
            return Delivery(ok=False, error=str(error), permanent=True)
        urgency = str(message.params.get("urgency", "normal"))
        headers = {
            "content-type": "application/octet-stream",
            "content-encoding": "aes128gcm",
            "ttl": str(int(message.params.get("ttl", DEFAULT_TTL_SECONDS))),
            "urgency": urgency if urgency in URGENCIES else "normal",
            "authorization": self.authorization(endpoint),
        }
        if topic := message.params.get("topic"):
            headers["topic"] = str(topic)
        try:
            answer = await guarded_post(
                self.http,
                endpoint,
                headers=headers,
                body=encrypt(message.payload.encode(), p256dh, auth),
                allowed_networks=self.allowed_networks,
                resolver=self.resolver,
                timeout_seconds=self.timeout_seconds,
            )
        except Refused as refused:
            return Delivery(ok=False, error=refused.reason, permanent=True)
        except httpx.HTTPError as error:
            return Delivery(ok=False, error=f"{type(error).__name__}: {error}".rstrip(": "))
        if 200 <= answer.status_code < 300:
            return Delivery(ok=True, status_code=answer.status_code)
        retried = answer.status_code in (408, 429) or answer.status_code >= 500
        return Delivery(
            ok=False,
            status_code=answer.status_code,
            error=("subscription gone" if answer.status_code in GONE else f"HTTP {answer.status_code}")
            + (f": {answer.excerpt[:300]}" if answer.excerpt else ""),
            permanent=not retried,
            retry_after_seconds=answer.retry_after_seconds,
        )

    async def close(self) -> None:
        await self.http.aclose()
