"""Helpers for the gateway's tests: ASGI apps served by uvicorn on threads (real sockets), a recording
upstream, and the whole gateway app wired to a real nats-server and a test OIDC issuer (the fixture
`running_gateway`, registered by conftest.py)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from gateway.config import GatewaySettings
from launcher.serve import listen
from platformkit.natsserver import NatsServer, free_port
from platformkit.testing.tokens import OidcIssuer


@contextlib.contextmanager
def serve(app: Any, port: int | None = None, also_port: int | None = None) -> Iterator[int]:
    """Serve an ASGI app with uvicorn on a thread of its own; yields the port. proxy_headers=False:
    uvicorn would otherwise trust X-Forwarded-For from loopback peers and rewrite the client address.
    `also_port`: one server listening on a second port as well, as launcher.serve does for METRICS_PORT."""
    port = port or free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False,
                            lifespan="auto", timeout_graceful_shutdown=2, proxy_headers=False)
    server = uvicorn.Server(config)
    sockets = None if also_port is None else [listen("127.0.0.1", port), listen("127.0.0.1", also_port)]
    thread = threading.Thread(target=server.run, kwargs={"sockets": sockets}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("test server did not start")
        time.sleep(0.01)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@dataclass
class Recorder:
    """What the upstream received: one entry per request (method, path, headers)."""

    requests: list[dict[str, Any]] = field(default_factory=list)

    def paths(self) -> list[str]:
        return [request["path"] for request in self.requests]


def recording_upstream(recorder: Recorder) -> FastAPI:
    app = FastAPI()

    @app.api_route("/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], operation_id="anything")
    async def anything(path: str, request: Request) -> JSONResponse:
        body = await request.body()
        entry = {"method": request.method, "path": "/" + path, "headers": dict(request.headers),
                 "body_bytes": len(body)}
        recorder.requests.append(entry)
        if path == "hang":
            await asyncio.sleep(60)
        return JSONResponse({"path": "/" + path, "authorization": request.headers.get("authorization"),
                             "cookie": request.headers.get("cookie"),
                             "x_forwarded_for": request.headers.get("x-forwarded-for")})

    return app


@dataclass
class RunningGateway:
    url: str
    settings: GatewaySettings
    upstream: Recorder
    issuer: OidcIssuer
    nats_url: str


@pytest.fixture
def running_gateway(
    request: pytest.FixtureRequest, oidc_issuer: OidcIssuer, nats_server: NatsServer,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[RunningGateway]:
    """The gateway app (main.service) with one upstream `echo` (recording) and a test issuer. Extra settings
    come from the test's `gateway_settings` marker: @pytest.mark.gateway_settings(rate_limit_enabled=False)."""
    from gateway.main import service

    marker = request.node.get_closest_marker("gateway_settings")
    overrides = dict(marker.kwargs) if marker else {}
    if overrides.get("metrics_port") == 0:  # a free one, served beside the public port
        overrides["metrics_port"] = free_port()
    recorder = Recorder()
    with serve(recording_upstream(recorder)) as upstream_port:
        for name in [name for name in os.environ if name.startswith("UPSTREAM_")]:
            monkeypatch.delenv(name)
        monkeypatch.setenv("UPSTREAM_ECHO_URL", f"http://127.0.0.1:{upstream_port}")
        monkeypatch.setenv("UPSTREAM_ECHO_READ_TIMEOUT", "1.5")
        settings = GatewaySettings(
            public_url="http://127.0.0.1:8000", environment="test", nats_url=nats_server.url,
            oidc_issuer=oidc_issuer.issuer, jwks_url=oidc_issuer.jwks_url, log_level="WARNING",
            **overrides,
        )
        app = service.create_app(settings)
        with serve(app, also_port=settings.metrics_port) as port:
            yield RunningGateway(f"http://127.0.0.1:{port}", settings, recorder, oidc_issuer, nats_server.url)


def offline_oidc(handler: Any = None) -> Any:
    """An OidcClient whose issuer is an httpx.MockTransport `handler` (default: everything 400)."""
    import httpx

    from gateway.oidc import OidcClient

    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"error": "invalid_grant"})

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler or refuse))
    return OidcClient(http=http, client_id="gateway", client_secret="s", authorization_url="http://issuer/authorize",
                      token_url="http://issuer/token", revocation_url="http://issuer/revoke",
                      redirect_uri="http://gw/auth/callback", scopes="openid")


async def store_session(gateway: RunningGateway, access_token: str, *, expires_in: float = 300,
                        refresh_token: str | None = "rt-1", sub: str = "resident-1",  # noqa: S107
                        ) -> tuple[str, str]:
    """Write a session into the gateway's KV bucket as another replica would; (session id, csrf token)."""
    from gateway.sessions import SessionRecord, SessionStore, new_secret
    from platformkit.events import Bus, KeyValueBucket

    bus = Bus(gateway.nats_url, name="test-replica")
    await bus.start()
    await bus.wait_connected()
    try:
        bucket = KeyValueBucket(bus, gateway.settings.sessions_bucket, ttl=gateway.settings.session_idle_seconds)

        async def verify(token: str) -> Any:
            raise AssertionError("not used")

        store = SessionStore(bucket, offline_oidc(), verify, refresh_margin=5, max_age=3600)
        record = SessionRecord(person_id=sub, name="Erika", roles=("resident",), scopes=(), csrf_token=new_secret(),
                               access_token=access_token, access_expires_at=time.time() + expires_in,
                               refresh_token=refresh_token, created_at=time.time())
        session_id = await store.create(record)
        return session_id, record.csrf_token
    finally:
        await bus.close()
