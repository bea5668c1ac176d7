"""The webhook channel, per Standard Webhooks (standardwebhooks.com).

Each request is a POST of the message's payload (JSON) with three headers:
`webhook-id` (the message id, the same on every retry: receivers deduplicate by it), `webhook-timestamp`
(Unix seconds of this attempt) and `webhook-signature` = `v1,<base64 HMAC-SHA256>` over
`<webhook-id>.<webhook-timestamp>.<body>`, keyed with the subscription's secret `whsec_<base64 key>`.
A 2xx answer counts as delivered; anything else (redirects included: none are followed) is retried
until the horizon. An address the SSRF guard refuses fails at once."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Sequence

import httpx

from platformkit.outbound.guard import IPNetwork, Resolver, system_resolver
from platformkit.outbound.http import Refused, guarded_post
from platformkit.outbound.messages import Delivery, OutboundMessage

SECRET_PREFIX = "whsec_"  # noqa: S105 - the format's prefix, not a secret
USER_AGENT = "Dorfmarktplatz-Webhooks/1"


def new_webhook_secret() -> str:
    """A fresh signing secret to show the subscriber once: `whsec_` + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _key(secret: str) -> bytes:
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError("a webhook secret starts with whsec_")
    return base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value for one request."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


class WebhookAdapter:
    channel = "webhook"

    def __init__(
        self,
        *,
        http: httpx.AsyncClient | None = None,
        allowed_networks: Sequence[IPNetwork] = (),
        resolver: Resolver = system_resolver,
        timeout_seconds: float = 15.0,
    ) -> None:
        # No proxies from the environment: the request must go to the address the guard checked.
        self.http = http or httpx.AsyncClient(trust_env=False)
        self.allowed_networks = tuple(allowed_networks)
        self.resolver = resolver
        self.timeout_seconds = timeout_seconds

    def headers(self, message: OutboundMessage, timestamp: int) -> dict[str, str]:
        body = message.payload.encode()
        return {
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            "webhook-id": message.id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(str(message.params.get("secret", "")), message.id, timestamp, body),
        }

    async def send(self, message: OutboundMessage) -> Delivery:
        try:
            headers = self.headers(message, int(time.time()))
        except ValueError as error:  # no secret, or not a whsec_ one: no retry can fix that
            return Delivery(ok=False, error=f"cannot sign: {error}", permanent=True)
        try:
            answer = await guarded_post(
                self.http,
                message.target,
                headers=headers,
                body=message.payload.encode(),
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
        return Delivery(
            ok=False,
            status_code=answer.status_code,
            error=f"HTTP {answer.status_code}: {answer.excerpt[:300]}".rstrip(": "),
            retry_after_seconds=answer.retry_after_seconds,
        )

    async def close(self) -> None:
        await self.http.aclose()
