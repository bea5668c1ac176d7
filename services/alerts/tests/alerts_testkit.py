"""Helpers and fixtures for alerts' tests (imported by conftest.py).

- `FeedServer`: a real HTTP server on 127.0.0.1 standing in for the federal warning API and DWD opendata: it
  replays the fixtures per path, answers conditional requests (ETag → 304), and can fail on purpose (5xx,
  a timeout by sleeping past the client's limit, no validators). It records every request.
- `Harness`: the service's database migrated, the district's gazetteer, a settable clock (`now`), and the
  real code paths: `poll(feed)` (FeedPoller over HTTP), `subscribe(...)`, `notices(person)` (the notify rows
  in the outbox — what the relay publishes to the person's feed).
- `alerts_app`: the whole service (lifespan, scheduler with a ManualClock), reached over ASGI with tokens
  from a test issuer.
"""

from __future__ import annotations

import io
import json
import threading
import time
import uuid
import zipfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import col, select

from alerts.config import AlertsSettings
from alerts.crud import subscriptions
from alerts.crud.context import Ingest
from alerts.crud.feeds import FeedPoller, PollReport
from alerts.district import gazetteer
from alerts.main import service
from alerts.models import Feed
from alerts.schemas import PlaceIn, SubscriptionIn
from platformkit.db import Database
from platformkit.migrations import upgrade
from platformkit.tables import outbox

FIXTURES = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "alerts"
DATA = Path(__file__).resolve().parent / "data"
TEST_DISTRICT = str(DATA / "goerlitz-test-district.geojson")


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def make_zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


# --- the stand-in for the outside feeds ---------------------------------------------------------------

@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    etag: str | None = None
    last_modified: str | None = None
    delay: float = 0.0
    content_type: str = "application/octet-stream"


@dataclass
class Seen:
    path: str
    headers: dict[str, str]


class FeedServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Seen] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                server.requests.append(Seen(self.path, {k.lower(): v for k, v in self.headers.items()}))
                route = server.routes.get(self.path)
                if route is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if route.delay:
                    time.sleep(route.delay)
                if route.etag is not None and self.headers.get("If-None-Match") == route.etag:
                    self.send_response(304)
                    self.send_header("ETag", route.etag)
                    self.end_headers()
                    return
                self.send_response(route.status)
                self.send_header("Content-Type", route.content_type)
                self.send_header("Content-Length", str(len(route.body)))
                if route.etag is not None:
                    self.send_header("ETag", route.etag)
                if route.last_modified is not None:
                    self.send_header("Last-Modified", route.last_modified)
                self.end_headers()
                try:
                    self.wfile.write(route.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's name
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def put(self, path: str, body: bytes | str | Any, **options: Any) -> Route:
        if not isinstance(body, bytes):
            body = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        route = Route(body=body, **options)
        self.routes[path] = route
        return route

    def hits(self, path: str) -> list[Seen]:
        return [r for r in self.requests if r.path == path]


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    server = FeedServer()
    server.thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()


# --- the service's parts, driven directly -------------------------------------------------------------

def make_settings(database_url: str, **overrides: Any) -> AlertsSettings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "oidc_issuer": "http://127.0.0.1:9/issuer",
        "environment": "test",
        "nats_url": "nats://127.0.0.1:9",  # nothing there: events and notices wait in the outbox
        "feed_allowed_hosts": ("127.0.0.1",),
        "feed_timeout_seconds": 0.5,
        "outbox_poll_seconds": 0.1,
    }
    values.update(overrides)
    return AlertsSettings(**values)


@dataclass
class Harness:
    db: Database
    settings: AlertsSettings
    now: datetime
    http: httpx.AsyncClient
    people: dict[str, uuid.UUID] = field(default_factory=dict)

    @property
    def ctx(self) -> Ingest:
        return Ingest(self.settings, gazetteer(self.settings), self.now)

    def person(self, name: str) -> uuid.UUID:
        return self.people.setdefault(name, uuid.uuid5(uuid.NAMESPACE_URL, f"alerts-test:{name}"))

    async def add_feed(self, name: str, kind: str, url: str, source: str = "cap") -> uuid.UUID:
        async with self.db.transaction() as session:
            feed = Feed(name=name, kind=kind, url=url, source=source, next_poll_at=self.now)
            session.add(feed)
            await session.flush()
            return feed.id

    async def poll(self, feed_id: uuid.UUID) -> PollReport:
        return await FeedPoller(self.db, self.http, self.ctx).poll(feed_id)

    async def subscribe(self, name: str, *places: PlaceIn, languages: tuple[str, ...] = ("de",),
                        topics: tuple[str, ...] = (), min_severity: str = "Minor") -> uuid.UUID:
        person_id = self.person(name)
        body = SubscriptionIn(places=list(places), languages=list(languages), topics=list(topics),
                              min_severity=min_severity)  # type: ignore[arg-type]
        async with self.db.transaction() as session:
            await subscriptions.replace(session, person_id, body, self.ctx.gazetteer,
                                        max_radius_m=self.settings.max_radius_m, now=self.now)
        return person_id

    async def notices(self, name: str) -> list[dict[str, Any]]:
        """The notifications written for the person (notify's outbox rows, oldest first)."""
        subject = f"alerts.notify.{self.person(name)}"
        async with self.db.engine.connect() as connection:
            rows = (await connection.execute(
                select(outbox.c.data).where(outbox.c.subject == subject).order_by(col(outbox.c.position))
            )).all()
        return [json.loads(row.data) for row in rows]

    async def told(self, name: str) -> list[str]:
        """The notices recorded for the person (delivery records, oldest first)."""
        from alerts.models import DeliveryRecord

        async with self.db.read_sessions() as session:
            rows = (await session.exec(
                select(DeliveryRecord).where(col(DeliveryRecord.person_id) == self.person(name))
                .order_by(col(DeliveryRecord.sent_at))
            )).all()
        return [row.notice for row in rows]

    async def threads(self) -> list[Any]:
        from alerts.models import WarningThread

        async with self.db.read_sessions() as session:
            return list((await session.exec(select(WarningThread))).all())

    def use_district(self, path: str) -> None:
        self.settings = self.settings.model_copy(update={"gazetteer_file": path})

    async def events(self, event_type: str) -> list[dict[str, Any]]:
        async with self.db.engine.connect() as connection:
            rows = (await connection.execute(
                select(outbox.c.data).where(outbox.c.subject == event_type).order_by(col(outbox.c.position))
            )).all()
        return [json.loads(row.data) for row in rows]


@pytest.fixture
async def harness(database_url: str) -> AsyncIterator[Harness]:
    """The Uckermark by default (`harness.use_district(TEST_DISTRICT)` for the Görlitz test district)."""
    settings = make_settings(database_url)
    upgrade(service, database_url)
    db = Database(database_url)
    async with httpx.AsyncClient() as http:
        try:
            yield Harness(db=db, settings=settings, now=datetime.now(UTC), http=http)
        finally:
            await db.dispose()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)



# --- the whole service over ASGI ------------------------------------------------------------------------

@dataclass
class App:
    app: Any
    http: httpx.AsyncClient
    db: Database
    clock: Any  # platformkit.scheduler.ManualClock
    tokens: Any  # platformkit.testing.TokenFactory
    settings: AlertsSettings

    def resident(self, name: str) -> tuple[uuid.UUID, dict[str, str]]:
        person_id = uuid.uuid5(uuid.NAMESPACE_URL, f"alerts-test:{name}")
        token = self.tokens.issue(str(person_id), roles=["resident"])
        return person_id, {"Authorization": f"Bearer {token}"}

    def author(self, sub: str = "op-1", *, district: str | None = None, scopes: tuple[str, ...] = ("alert-author",),
               roles: tuple[str, ...] = ("operator",)) -> dict[str, str]:
        extra = {"district": district} if district is not None else None
        token = self.tokens.issue(sub, roles=list(roles), scopes=list(scopes), extra_claims=extra)
        # A fresh Idempotency-Key per call (creating a warning needs one); tests that replay set their own.
        return {"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex}

    async def notices(self, person_id: uuid.UUID) -> list[dict[str, Any]]:
        async with self.db.engine.connect() as connection:
            rows = (await connection.execute(
                select(outbox.c.data).where(outbox.c.subject == f"alerts.notify.{person_id}")
                .order_by(col(outbox.c.position))
            )).all()
        return [json.loads(row.data) for row in rows]


@asynccontextmanager
async def running(settings: AlertsSettings, clock: Any, tokens: Any) -> AsyncIterator[App]:
    upgrade(service, settings.database_url)
    app = service.create_app(settings)
    app.state.clock = clock
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://alerts", timeout=60) as http:
            yield App(app=app, http=http, db=app.state.db, clock=clock, tokens=tokens, settings=settings)


@pytest.fixture
async def alerts_app(database_url: str, oidc_issuer: Any) -> AsyncIterator[App]:
    from platformkit.scheduler import ManualClock

    settings = make_settings(database_url, **oidc_issuer.settings_overrides())
    async with running(settings, ManualClock(datetime.now(UTC)), oidc_issuer.tokens) as app:
        yield app
