"""Service identity: a service calls another with its own access token, got from accounts by client
credentials (RFC 6749 4.4) with `audience` = the callee. accounts registers one client per service
(client id = the service name, its secret from SERVICE_CLIENT_SECRET); the token says `sub` = `client_id`
= the service, `roles` = ["service"], `aud` = [callee], `scope` = what that client may ask for.

    response = await app.state.http.get(f"{service_url('marketplace')}/...",
                                        auth=app.state.service_tokens.auth("marketplace"))

`ServiceTokens` fetches a token per (audience, scope) once, keeps it until shortly before it expires
(one fetch however many requests wait for it), and `ServiceTokenAuth` fetches a fresh one once when the
callee answers 401 (e.g. after a signing-key rotation)."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass

import httpx

__all__ = ["ServiceTokenAuth", "ServiceTokenUnavailable", "ServiceTokens", "service_url"]

# A token is renewed this long before it expires (the callee's clock may run ahead a little).
REFRESH_MARGIN_SECONDS = 30.0


class ServiceTokenUnavailable(Exception):
    """accounts did not hand out a token (unreachable, or it refused the client)."""


def service_url(name: str, environ: dict[str, str] | None = None) -> str | None:
    """Another service's internal address, from `UPSTREAM_<NAME>_URL` (the launcher sets it for every
    service, as the gateway's upstreams; Kubernetes sets it in the Deployment)."""
    env = os.environ if environ is None else environ
    value = env.get(f"UPSTREAM_{name.upper().replace('-', '_')}_URL")
    return value.rstrip("/") if value else None


@dataclass
class _Cached:
    token: str
    renew_at: float


class ServiceTokens:
    """This service's client-credentials tokens, one per (audience, scope), cached and renewed."""

    def __init__(
        self,
        *,
        token_url: str,
        client_id: str,
        client_secret: str,
        http: httpx.AsyncClient,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self._secret = client_secret
        self._http = http
        self._clock = clock
        self._cache: dict[tuple[str, str], _Cached] = {}
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}
        self.fetches = 0

    async def token(self, audience: str, scope: str = "") -> str:
        key = (audience, scope)
        cached = self._cache.get(key)
        if cached is not None and self._clock() < cached.renew_at:
            return cached.token
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            cached = self._cache.get(key)
            if cached is not None and self._clock() < cached.renew_at:
                return cached.token  # another caller fetched it while we waited
            fresh = await self._fetch(audience, scope)
            self._cache[key] = fresh
            return fresh.token

    def forget(self, audience: str, scope: str = "") -> None:
        """Drop a cached token the callee refused; the next call fetches a new one."""
        self._cache.pop((audience, scope), None)

    def auth(self, audience: str, scope: str = "") -> ServiceTokenAuth:
        return ServiceTokenAuth(self, audience, scope)

    async def _fetch(self, audience: str, scope: str) -> _Cached:
        form = {"grant_type": "client_credentials", "audience": audience}
        if scope:
            form["scope"] = scope
        started = self._clock()
        try:
            response = await self._http.post(
                self.token_url, data=form, auth=httpx.BasicAuth(self.client_id, self._secret)
            )
        except httpx.HTTPError as error:
            raise ServiceTokenUnavailable(f"token endpoint unreachable ({type(error).__name__})") from None
        self.fetches += 1
        try:
            body = response.json()
        except ValueError:
            body = {}
        token = body.get("access_token") if isinstance(body, dict) else None
        if response.status_code != 200 or not isinstance(token, str):
            reason = body.get("error", "no token") if isinstance(body, dict) else "no token"
            raise ServiceTokenUnavailable(f"token endpoint answered {response.status_code}: {reason}")
        lifetime = float(body.get("expires_in") or 60)
        return _Cached(token, started + max(lifetime - REFRESH_MARGIN_SECONDS, lifetime / 2))


class ServiceTokenAuth(httpx.Auth):
    """httpx auth: the service's token for `audience`; once more with a fresh token after a 401."""

    def __init__(self, tokens: ServiceTokens, audience: str, scope: str = "") -> None:
        self.tokens = tokens
        self.audience = audience
        self.scope = scope

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        request.headers["Authorization"] = f"Bearer {await self.tokens.token(self.audience, self.scope)}"
        response = yield request
        if response.status_code == 401:
            self.tokens.forget(self.audience, self.scope)
            request.headers["Authorization"] = f"Bearer {await self.tokens.token(self.audience, self.scope)}"
            yield request
