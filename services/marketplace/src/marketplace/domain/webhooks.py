"""Webhook signing (Standard Webhooks) and the SSRF rule for webhook targets.

Signature: `webhook-signature: v1,<base64 HMAC-SHA256 over "<id>.<timestamp>.<body>">` with the
endpoint's secret `whsec_<base64 key>`; `webhook-id` stays the same across retries so that receivers
dedupe, `webhook-timestamp` is fresh per attempt so that a replayed capture goes stale.

SSRF: a target must be https (http only where allowed for development) and every address its host
resolves to must be public; checked at registration and again right before each send (DNS rebinding)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import secrets
from collections.abc import Iterable
from urllib.parse import urlsplit

SECRET_PREFIX = "whsec_"  # noqa: S105 - the format's prefix, not a secret


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def headers(secret: str, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, message_id, timestamp, body),
        "content-type": "application/json",
    }


class UnsafeTarget(ValueError):
    """A webhook URL we refuse to call."""


def check_url_shape(url: str, *, allow_http: bool) -> tuple[str, int]:
    """The host and port of an acceptable URL, or UnsafeTarget."""
    parts = urlsplit(url)
    if parts.scheme not in (("https", "http") if allow_http else ("https",)):
        raise UnsafeTarget("the URL must use https")
    if not parts.hostname or parts.username or parts.password:
        raise UnsafeTarget("the URL needs a host and no user info")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise UnsafeTarget("the port is not valid") from error
    return parts.hostname, port


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_addresses(host: str, port: int, addresses: Iterable[str], *, allowed: Iterable[str] = ()) -> None:
    """Refuse unless every resolved address is public; `allowed` holds exact `host:port` targets an
    operator lets through (a receiver inside the district's own network; local test receivers)."""
    resolved = list(addresses)
    if not resolved:
        raise UnsafeTarget("the host does not resolve")
    if f"{host}:{port}" in set(allowed):
        return
    for address in resolved:
        if not is_public_address(address):
            raise UnsafeTarget(f"the host resolves to a non-public address ({address})")


RETRY_SCHEDULE = (5, 300, 1800, 7200, 18000, 36000)


def backoff_seconds(attempt: int, schedule: tuple[int, ...] = RETRY_SCHEDULE) -> int:
    """Wait before attempt `attempt + 1`: by default 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, then 10 h each
    (the Standard Webhooks schedule); delivery gives up only when the endpoint is disabled."""
    return schedule[min(attempt - 1, len(schedule) - 1)]
