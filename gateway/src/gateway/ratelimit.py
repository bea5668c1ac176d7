"""Rate limits: token buckets per subject (signed-in callers) and per client address (everyone else),
enforced by the outermost raw ASGI layer.

Why outermost and raw: on 2 cores a FastAPI route costs ~5x a raw ASGI response
(research/reliability.md, takeaway 7), so a flood must be refused before the request context, the token
check or any routing is spent on it. A refusal here is a dict lookup, some arithmetic and two `send`s of
prebuilt bytes.

Who is who, cheaply: a bearer token that the edge has verified before (a cache hit), or a session
cookie the gateway has loaded before, counts against its subject; anything else counts against the
client address. So a flood of forged tokens is an address flood, and residents sharing a village's
address are limited one by one once signed in. Per replica: see docs/adr/0003-gateway-rate-limits.md.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.addresses import client_address
from platformkit.problems import PROBLEM_JSON, problem_body

# Probes and scrapes come from the platform, often from one address; they must never be refused.
EXEMPT_PATHS = frozenset({"/livez", "/readyz", "/metrics"})


class TokenBuckets:
    """One token bucket per key: `rate` tokens per second up to `burst`. `take(key)` spends one token
    and returns 0.0, or returns the seconds until one is available (nothing is spent then)."""

    def __init__(
        self, rate: float, burst: int, *, max_keys: int = 100_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        self.rate = rate
        self.burst = float(burst)
        self.max_keys = max_keys
        self._clock = clock
        # key -> [tokens, last update]; lists rather than objects: this is the hot path.
        self._buckets: dict[Any, list[float]] = {}

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, key: Any) -> float:
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_keys:
                self._forget_full(now)
            self._buckets[key] = [self.burst - 1.0, now]
            return 0.0
        tokens = bucket[0] + (now - bucket[1]) * self.rate
        if tokens > self.burst:
            tokens = self.burst
        bucket[1] = now
        if tokens >= 1.0:
            bucket[0] = tokens - 1.0
            return 0.0
        bucket[0] = tokens
        return (1.0 - tokens) / self.rate

    def _forget_full(self, now: float) -> None:
        # A bucket that has refilled is the same as no bucket: dropping it changes nothing. If the table
        # is still full (a flood of distinct keys), start over rather than grow without bound.
        refill = self.burst / self.rate
        full = [key for key, (_, updated) in self._buckets.items() if now - updated >= refill]
        for key in full:
            del self._buckets[key]
        if len(self._buckets) >= self.max_keys:
            self._buckets.clear()


class RateLimits:
    """The gateway's two bucket tables and how a request is assigned to one of them."""

    def __init__(
        self,
        *,
        subject_rate: float,
        subject_burst: int,
        address_rate: float,
        address_burst: int,
        trusted_hops: int,
        cookie_name: str,
        subject_of_token: Callable[[str], str | None],
        subject_of_session: Callable[[str], str | None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.subjects = TokenBuckets(subject_rate, subject_burst, clock=clock)
        self.addresses = TokenBuckets(address_rate, address_burst, clock=clock)
        self.trusted_hops = trusted_hops
        self._cookie_prefix = cookie_name.encode("latin-1") + b"="
        self._subject_of_token = subject_of_token
        self._subject_of_session = subject_of_session

    def check(self, scope: Scope) -> float:
        """0.0 if the request may go on, else the seconds to wait."""
        subject = self._known_subject(scope)
        if subject is not None:
            return self.subjects.take(subject)
        return self.addresses.take(client_address(scope, self.trusted_hops))

    def _known_subject(self, scope: Scope) -> str | None:
        for name, value in scope["headers"]:
            if name == b"authorization":
                if value[:7].lower() == b"bearer ":
                    return self._subject_of_token(value[7:].strip().decode("latin-1"))
                return None
            if name == b"cookie":
                start = value.find(self._cookie_prefix)
                if start == 0 or (start > 0 and value[start - 1:start] in (b" ", b";")):
                    session_id = value[start + len(self._cookie_prefix):].split(b";", 1)[0].strip()
                    subject = self._subject_of_session(session_id.decode("latin-1"))
                    if subject is not None:
                        return subject
        return None


def _rejection(retry_after: int) -> tuple[list[tuple[bytes, bytes]], bytes]:
    body = json.dumps(problem_body(
        429, "RATE_LIMITED", "Too many requests; please wait a moment and try again.",
    )).encode()
    headers = [
        (b"content-type", PROBLEM_JSON.encode()),
        (b"content-length", str(len(body)).encode()),
        (b"retry-after", str(retry_after).encode()),
        (b"cache-control", b"no-store"),
    ]
    return headers, body


# Prebuilt answers for the usual waits (1..60 s): a refusal then allocates nothing new.
_REJECTIONS = {seconds: _rejection(seconds) for seconds in range(1, 61)}


class RateLimitMiddleware:
    """Raw ASGI, outermost. Finds the `RateLimits` on `app.state.gateway.limits` (built in the lifespan);
    until then, and when limits are disabled, everything passes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in EXEMPT_PATHS:
            await self.app(scope, receive, send)
            return
        runtime = getattr(scope["app"].state, "gateway", None)
        limits: RateLimits | None = runtime.limits if runtime is not None else None
        if limits is not None:
            wait = limits.check(scope)
            if wait > 0.0:
                headers, body = _REJECTIONS.get(math.ceil(wait)) or _rejection(math.ceil(wait))
                await send({"type": "http.response.start", "status": 429, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)
