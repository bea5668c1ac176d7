"""Helpers and fixtures for marketplace's tests: the service migrated and running its lifespan (one or
several replicas on one database), reached over ASGI as the gateway reaches it, with tokens from the
platformkit test issuer and a ManualClock; a local payment provider and a webhook receiver (the outside
parties, over real HTTP)."""

from __future__ import annotations

import dataclasses
import json
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from marketplace.config import MarketplaceSettings
from marketplace.crud import webhooks
from marketplace.main import service
from platformkit.db import Database
from platformkit.migrations import upgrade
from platformkit.outbound import OutboundSender, parse_networks, sender_options
from platformkit.outbound.webhook import WebhookAdapter
from platformkit.scheduler import ManualClock
from platformkit.testing.tokens import OidcIssuer

START = datetime(2026, 10, 20, 8, 0, tzinfo=UTC)
MERCHANT_SCOPES = ["products:read", "products:write", "orders:read", "orders:write", "stock:write",
                   "webhooks:manage"]


# --- outside parties ---------------------------------------------------------------------------------

class PaymentProviderServer:
    """A payment provider on 127.0.0.1: authorizations, captures, voids; declines token 'declined'."""

    def __init__(self) -> None:
        self.authorizations: dict[str, dict[str, Any]] = {}
        self.lock = threading.Lock()
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", "0"))) or b"{}")
                parts = self.path.strip("/").split("/")
                with provider.lock:
                    if parts == ["authorizations"]:
                        if body.get("token") == "declined":
                            return self._send(402, {"error": "declined"})
                        auth_id = "auth_" + uuid.uuid4().hex[:12]
                        provider.authorizations[auth_id] = {"amount": body["amount_cents"], "state": "authorized",
                                                            "captured": 0}
                        return self._send(201, {"id": auth_id})
                    auth = provider.authorizations.get(parts[1]) if len(parts) == 3 else None
                    if auth is None:
                        return self._send(404, {})
                    fits = body.get("amount_cents", 0) <= auth["amount"]
                    if parts[2] == "capture" and auth["state"] == "authorized" and fits:
                        auth.update(state="captured", captured=body["amount_cents"])
                        return self._send(200, {})
                    if parts[2] == "void" and auth["state"] in ("authorized", "voided"):
                        auth["state"] = "voided"
                        return self._send(200, {})
                    return self._send(409, {})

            def _send(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def states(self) -> list[str]:
        with self.lock:
            return sorted(a["state"] for a in self.authorizations.values())

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def payment_provider() -> Iterator[PaymentProviderServer]:
    server = PaymentProviderServer()
    yield server
    server.stop()


class WebhookReceiver:
    """A merchant's webhook receiver on 127.0.0.2 (a loopback address tests allow as a webhook target,
    unlike 127.0.0.1) answering from a script: a status code, or 'hang'
    (sleeps past the sender's timeout). Records every request (headers and raw body)."""

    def __init__(self, host: str = "127.0.0.2") -> None:
        self.script: list[int | str] = []
        self.requests: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                step = receiver.script.pop(0) if receiver.script else 200
                if step == "hang":
                    time.sleep(1.5)
                    step = 200
                self.send_response(int(step))
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://{host}:{self.port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver()
    yield server
    server.stop()


# --- the service -------------------------------------------------------------------------------------

@dataclass
class Market:
    """The running service (first replica in `app`/`http`), its database, clock and token issuer."""

    issuer: OidcIssuer
    settings: MarketplaceSettings
    clock: ManualClock
    apps: list[FastAPI]
    clients: list[httpx.AsyncClient]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def app(self) -> FastAPI:
        return self.apps[0]

    @property
    def http(self) -> httpx.AsyncClient:
        return self.clients[0]

    def sender(self, timeout_seconds: float = 0.5) -> OutboundSender:
        """platformkit's outbound sender on this market's database and manual clock, with marketplace's
        outcome hook (the app's own sender loop is not running in tests)."""
        networks = parse_networks(self.settings.outbound_allowed_networks)
        adapters = {"webhook": WebhookAdapter(allowed_networks=networks, timeout_seconds=timeout_seconds)}
        return OutboundSender(self.db, adapters, on_outcome=webhooks.on_outcome,
                              options=sender_options(self.settings), clock=self.clock)

    @property
    def db(self) -> Database:
        database: Database = self.app.state.db
        return database

    # tokens
    def bearer(self, sub: str, **claims: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.issuer.tokens.issue(sub=sub, **claims)}"}

    def resident(self, person: uuid.UUID) -> dict[str, str]:
        return self.bearer(str(person), roles=["resident"], scopes=["openid"])

    def merchant_staff(self, merchant_id: str, person: uuid.UUID | None = None) -> dict[str, str]:
        # As accounts issues it through the gateway: the person's own sub, the gateway as client.
        return self.bearer(str(person or uuid.uuid4()), roles=["resident", "merchant"], merchant_id=merchant_id,
                           client_id="gateway")

    def integration(self, merchant_id: str, scopes: list[str] | None = None, key: str | None = None) -> dict[str, str]:
        client = key or f"key_{merchant_id[:20]}"
        return self.bearer(client, roles=["merchant"], merchant_id=merchant_id, client_id=client,
                           scopes=MERCHANT_SCOPES if scopes is None else scopes)

    def operator(self, scopes: tuple[str, ...] = ("admin",)) -> dict[str, str]:
        return self.bearer(str(uuid.uuid4()), roles=["resident", "operator"], scopes=list(scopes))

    # setup through the API
    async def merchant(self, name: str = "Hofladen Gramzow", village: str = "ot-gramzow-gramzow") -> str:
        operator = self.operator()
        created = await self.http.post("/admin/merchants", headers=operator,
                                       json={"name": name, "kind": "producer", "ortsteil_id": village})
        assert created.status_code == 201, created.text
        merchant_id = str(created.json()["id"])
        decided = await self.http.post(f"/admin/merchants/{merchant_id}/decision", headers=operator,
                                       json={"status": "active"})
        assert decided.status_code == 200, decided.text
        return merchant_id

    async def product(self, merchant_id: str, *, title: str = "Eier", variants: list[dict[str, Any]] | None = None,
                      publish: bool = True, **fields: Any) -> dict[str, Any]:
        body = {"title": title, "category": "eier", "ingredients": "Hühnereier", "allergens": ["eggs"],
                "variants": variants or [{"label": "10 Stück", "price_cents": 320, "vat_rate": 7, "on_hand": 10}],
                **fields}
        headers = {**self.integration(merchant_id), "Idempotency-Key": uuid.uuid4().hex}
        created = await self.http.post("/v1/products", headers=headers, json=body)
        assert created.status_code == 201, created.text
        product = dict(created.json())
        if publish:
            headers = {**self.integration(merchant_id), "Idempotency-Key": uuid.uuid4().hex}
            published = await self.http.post(f"/v1/products/{product['id']}/publish", headers=headers)
            assert published.status_code == 200, published.text
            product = dict(published.json())
        return product

    async def pickup_point(self, merchant_id: str | None, village: str = "ot-gramzow-gramzow") -> str:
        created = await self.http.post("/admin/pickup-points", headers=self.operator(), json={
            "name": "Dorfladen", "kind": "dorfladen", "ortsteil_id": village, "merchant_id": merchant_id,
            "opening_hours": [{"weekday": 1, "opens": "08:00", "closes": "12:00"}]})
        assert created.status_code == 201, created.text
        return str(created.json()["id"])

    async def checkout(self, person: uuid.UUID, lines: list[tuple[str, int]], choices: list[dict[str, Any]], *,
                       expected: int, village: str = "ot-gramzow-gramzow", payment: str = "on_pickup",
                       key: str | None = None, client: httpx.AsyncClient | None = None,
                       **extra: Any) -> httpx.Response:
        body = {"lines": [{"variant_id": v, "qty": q} for v, q in lines], "ortsteil_id": village,
                "choices": choices, "payment_method": payment, "expected_total_cents": expected, **extra}
        return await (client or self.http).post(
            "/checkout", json=body, headers={**self.resident(person), "Idempotency-Key": key or uuid.uuid4().hex})

    async def variant(self, merchant_id: str, variant_id: str) -> dict[str, Any]:
        answer = await self.http.get(f"/v1/variants/{variant_id}", headers=self.integration(merchant_id))
        assert answer.status_code == 200, answer.text
        return dict(answer.json())


def settings_for(database_url: str, issuer: OidcIssuer, **overrides: Any) -> MarketplaceSettings:
    values: dict[str, Any] = {
        **issuer.settings_overrides(),
        "database_url": database_url,
        "environment": "test",
        "nats_url": "nats://127.0.0.1:9",  # nothing there: events wait in the outbox
        "outbound_allowed_networks": ("127.0.0.2/32",),
        "merchant_api_requests_per_minute": 100_000,
    }
    values.update(overrides)
    return MarketplaceSettings(**values)


async def start_market(stack: AsyncExitStack, database_url: str, issuer: OidcIssuer, *, replicas: int = 1,
                       start: datetime = START, **overrides: Any) -> Market:
    upgrade(service, database_url)
    settings = settings_for(database_url, issuer, **overrides)
    clock = ManualClock(start)
    apps, clients = [], []
    # Without the outbound sender loop: tests send webhooks themselves, on the manual clock (sender()).
    quiet = dataclasses.replace(service, background=())
    for _ in range(replicas):
        app = quiet.create_app(settings)
        app.state.clock = clock
        await stack.enter_async_context(app.router.lifespan_context(app))
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://marketplace", timeout=60)
        await stack.enter_async_context(client)
        apps.append(app)
        clients.append(client)
    return Market(issuer=issuer, settings=settings, clock=clock, apps=apps, clients=clients)


@pytest.fixture
async def market(database_url: str, oidc_issuer: OidcIssuer) -> AsyncIterator[Market]:
    async with AsyncExitStack() as stack:
        yield await start_market(stack, database_url, oidc_issuer)
