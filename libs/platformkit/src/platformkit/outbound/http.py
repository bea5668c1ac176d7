"""One guarded HTTP POST for the channels whose address a user gave us (webhooks, push endpoints): the
SSRF check after DNS resolution, the request to the checked address, no redirects, a small read."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

import httpx

from platformkit.db import utcnow
from platformkit.outbound.guard import (
    IPNetwork,
    Resolver,
    UnsafeUrl,
    host_header,
    pinned_url,
    resolve_public,
    system_resolver,
)

# What we keep of a receiver's answer for the delivery log.
RESPONSE_EXCERPT_BYTES = 1024


@dataclass(frozen=True)
class Answer:
    status_code: int
    excerpt: str
    retry_after_seconds: float | None


class Refused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def retry_after(value: str | None) -> float | None:
    """Retry-After in seconds (delta-seconds or an HTTP date), None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max((moment - utcnow()).total_seconds(), 0.0) if moment.tzinfo else None


async def guarded_post(
    http: httpx.AsyncClient,
    url: str,
    *,
    headers: Mapping[str, str],
    body: bytes,
    allowed_networks: Sequence[IPNetwork] = (),
    resolver: Resolver = system_resolver,
    timeout_seconds: float = 15.0,
) -> Answer:
    """POST `body` to `url`; raises Refused when the address may not be called, httpx errors when the
    receiver cannot be reached. Redirects are answers like any other (not followed)."""
    try:
        target = await resolve_public(url, allowed_networks=allowed_networks, resolver=resolver)
    except UnsafeUrl as refusal:
        raise Refused(f"refused: {refusal.reason}") from None
    last_error: httpx.TransportError | None = None
    for address in target.addresses:
        request = http.build_request(
            "POST",
            pinned_url(target, address),
            headers={**headers, "Host": host_header(target)},
            content=body,
            timeout=timeout_seconds,
            extensions={"sni_hostname": target.host} if target.url.scheme == "https" else {},
        )
        try:
            response = await http.send(request, stream=True, follow_redirects=False)
        except httpx.ConnectError as error:  # try the name's next address
            last_error = error
            continue
        try:
            excerpt = b""
            async for chunk in response.aiter_raw():
                excerpt += chunk
                if len(excerpt) >= RESPONSE_EXCERPT_BYTES:
                    break
        finally:
            await response.aclose()
        return Answer(
            status_code=response.status_code,
            excerpt=excerpt[:RESPONSE_EXCERPT_BYTES].decode("utf-8", "replace"),
            retry_after_seconds=retry_after(response.headers.get("retry-after")),
        )
    assert last_error is not None
    raise last_error
