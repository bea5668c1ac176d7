"""What the gateway holds while it runs, built in its lifespan and kept on `app.state.gateway`: the proxy
and its pools, the edge token checks, the rate limits, the NATS connection with the session and login
buckets, the consumer that ends an erased person's sessions, the OIDC client, an HTTP client for the
pages' service calls, and the merged OpenAPI cache."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
from fastapi import FastAPI
from starlette.types import Scope

from gateway.addresses import client_address, forwarded_for
from gateway.config import GatewaySettings
from gateway.erasure import ErasureListener
from gateway.oidc import OidcClient
from gateway.openapi import MergedOpenApi
from gateway.proxy import ProxyApp, Upstream
from gateway.ratelimit import RateLimits
from gateway.sessions import LoginStore, SessionStore
from gateway.tokens import EdgeTokens
from platformkit import tasks
from platformkit.auth import Principal, TokenVerifier
from platformkit.events import Bus, KeyValueBucket, NotifyLimits
from platformkit.events.notify import ensure_notify_stream
from platformkit.events.options import EventOptions

log = logging.getLogger("gateway")

NOTIFY_RECHECK_SECONDS = 300.0


@dataclass
class GatewayRuntime:
    settings: GatewaySettings
    upstreams: dict[str, Upstream]
    proxy: ProxyApp
    tokens: EdgeTokens
    limits: RateLimits | None
    bus: Bus
    sessions: SessionStore
    logins: LoginStore
    oidc: OidcClient
    services: httpx.AsyncClient  # the pages' calls to the services' internal addresses
    openapi: MergedOpenApi
    id_token_verifier: TokenVerifier
    feeds_per_person: dict[str, int]

    def client_address(self, scope: Scope) -> str:
        return client_address(scope, self.settings.forwarded_for_trusted_hops)

    def forwarded_for(self, scope: Scope) -> str:
        return forwarded_for(scope, self.settings.forwarded_for_trusted_hops)

    async def verify_access_token(self, token: str) -> Principal:
        return await self.tokens.verify(token)


def runtime_of(app: FastAPI) -> GatewayRuntime:
    runtime: GatewayRuntime = app.state.gateway
    return runtime


@asynccontextmanager
async def gateway_lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: GatewaySettings = app.state.settings
    gateway_verifier: TokenVerifier = app.state.token_verifier
    shared_http: httpx.AsyncClient = app.state.http
    upstreams = settings.upstreams()
    service_verifiers: dict[str, TokenVerifier] = {}

    def service_verifier(service: str) -> TokenVerifier:
        # A merchant integration's token names only its service (e.g. marketplace) in `aud`.
        verifier = service_verifiers.get(service)
        if verifier is None:
            verifier = service_verifiers[service] = TokenVerifier(
                settings.oidc_issuer, service, jwks_url=settings.jwks_url, algorithms=settings.token_algorithms,
                leeway=settings.token_leeway_seconds, http=shared_http,
            )
        return verifier

    def edge_verifier(service: str) -> TokenVerifier:
        if service not in upstreams:
            return gateway_verifier  # refuses with the audience reason again
        return service_verifier(service)

    tokens = EdgeTokens(gateway_verifier, edge_verifier)
    proxy = ProxyApp(upstreams, trust_forwarded=settings.forwarded_for_trusted_hops > 0)
    bus = Bus(settings.nats_url, name="gateway")
    # Sessions live on as many NATS nodes as every stream does (EVENTS_STREAM_REPLICAS): losing one node
    # must not sign everybody out.
    replicas = EventOptions().stream_replicas
    sessions_bucket = KeyValueBucket(bus, settings.sessions_bucket, ttl=settings.session_idle_seconds,
                                     replicas=replicas)
    logins_bucket = KeyValueBucket(bus, settings.logins_bucket, ttl=settings.login_timeout_seconds, replicas=replicas)
    secret = settings.client_secret()
    assert secret is not None  # the settings refuse to load without one outside development
    oidc = OidcClient(
        http=shared_http,
        client_id=settings.oidc_client_id,
        client_secret=secret,
        authorization_url=settings.authorization_url(),
        token_url=settings.token_url(upstreams),
        revocation_url=settings.revocation_url(upstreams),
        redirect_uri=settings.redirect_uri,
        scopes=settings.oidc_scopes,
        timeout=settings.oidc_timeout_seconds,
    )
    sessions = SessionStore(
        sessions_bucket, oidc, tokens.verify,
        refresh_margin=settings.session_refresh_margin_seconds, max_age=settings.session_max_age_seconds,
    )
    limits = _limits(settings, tokens.subject_of, sessions.subject_of) if settings.rate_limit_enabled else None
    services = httpx.AsyncClient(
        timeout=httpx.Timeout(settings.upstream_read_timeout, connect=settings.upstream_connect_timeout),
        follow_redirects=False,
    )
    id_token_verifier = (
        gateway_verifier if settings.oidc_client_id == settings.oidc_audience
        else TokenVerifier(settings.oidc_issuer, settings.oidc_client_id, jwks_url=settings.jwks_url,
                           algorithms=settings.token_algorithms, leeway=settings.token_leeway_seconds,
                           http=shared_http)
    )
    runtime = GatewayRuntime(
        settings=settings, upstreams=upstreams, proxy=proxy, tokens=tokens, limits=limits, bus=bus,
        sessions=sessions, logins=LoginStore(logins_bucket), oidc=oidc, services=services,
        openapi=MergedOpenApi(upstreams, services, refresh_seconds=settings.openapi_refresh_seconds),
        id_token_verifier=id_token_verifier, feeds_per_person={},
    )
    await proxy.start()
    await bus.start()
    declaring = asyncio.create_task(_keep_notify_stream(runtime), name="gateway-notify-stream")
    erasing = asyncio.create_task(ErasureListener(bus, sessions).run(), name="gateway-erasure")
    app.state.gateway = runtime
    try:
        yield
    finally:
        await tasks.stop(declaring, erasing)
        await proxy.close()
        await services.aclose()
        await bus.close()


def _limits(
    settings: GatewaySettings, subject_of_token: Callable[[str], str | None],
    subject_of_session: Callable[[str], str | None],
) -> RateLimits:
    # Per replica: the configured limit is shared out between the replicas (docs/adr/0003).
    share = settings.gateway_replicas
    return RateLimits(
        subject_rate=settings.rate_limit_subject_per_second / share,
        subject_burst=max(1, settings.rate_limit_subject_burst // share),
        address_rate=settings.rate_limit_address_per_second / share,
        address_burst=max(1, settings.rate_limit_address_burst // share),
        trusted_hops=settings.forwarded_for_trusted_hops,
        cookie_name=settings.cookie_name,
        subject_of_token=subject_of_token,
        subject_of_session=subject_of_session,
    )


async def _keep_notify_stream(runtime: GatewayRuntime) -> None:
    """Declare NOTIFY with every upstream as a source, after each (re)connect and now and then (another
    process may have added a source at the same moment as we did; sources are only ever added)."""
    settings = runtime.settings
    limits = NotifyLimits(max_age_seconds=settings.notify_max_age_seconds,
                          max_per_person=settings.notify_max_per_person)
    renewed = asyncio.Event()
    renewed.set()
    runtime.bus.on_connect(renewed.set)
    pause = 0.5
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(renewed.wait(), NOTIFY_RECHECK_SECONDS)
        renewed.clear()
        while True:
            try:
                await runtime.bus.wait_connected()
                await ensure_notify_stream(runtime.bus, producers=runtime.upstreams, limits=limits)
                pause = 0.5
                break
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("cannot declare the NOTIFY stream yet: %s: %s", type(error).__name__, error)
                await asyncio.sleep(pause)
                pause = min(pause * 2, 30.0)
