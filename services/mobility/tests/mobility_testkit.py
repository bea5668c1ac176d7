"""Helpers and fixtures for mobility's tests (imported by conftest.py): the service migrated and running its
lifespan on a real database, reached over ASGI the way the gateway reaches it, verifying tokens from a real
local issuer; time is a ManualClock on app.state.clock (the service's "now" and its scheduler's).

A small line of real Uckermark places is built straight into the database (`line()`), so that each scenario
states its own corridor, slots and fallback contract."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from mobility.config import MobilitySettings
from mobility.crud import network
from mobility.main import service
from mobility.models import FallbackContract, Feed, Stop
from platformkit.db import Database
from platformkit.migrations import upgrade
from platformkit.scheduler import ManualClock
from platformkit.testing.tokens import OidcIssuer

BERLIN_STOPS = {
    # stop id: (name, lat, lon, wheelchair)
    "prenzlau": ("Prenzlau, Bahnhof", 53.3163, 13.8628, "yes"),
    "dedelow": ("Dedelow, Dorf", 53.3667, 13.8, "yes"),
    "gramzow": ("Gramzow, Kirche", 53.2117, 14.0, "yes"),
    "polssen": ("Polßen, Dorf", 53.166817, 13.98086, "unknown"),
    "greiffenberg": ("Greiffenberg, Markt", 53.087093, 13.953973, "yes"),
    "angermuende": ("Angermünde, Bahnhof", 53.018898, 14.003795, "yes"),
    "wolletz": ("Wolletz, Dorf", 53.024757, 13.901386, "yes"),
    "kerkow": ("Kerkow, Dorf", 53.037457, 13.999828, "yes"),
}
LINE = ["prenzlau", "gramzow", "polssen", "greiffenberg", "angermuende"]
OFFSETS = [0, 15 * 60, 22 * 60, 30 * 60, 40 * 60]
FEED = "test-line"


@dataclass
class Person:
    id: uuid.UUID
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Mobility:
    app: FastAPI
    http: httpx.AsyncClient
    db: Database
    clock: ManualClock
    settings: MobilitySettings
    issuer: OidcIssuer
    url: str
    extra: list[Any] = field(default_factory=list)

    def person(self, *, roles: Sequence[str] = ("resident",), scopes: Sequence[str] = (),
               actor: str | None = None, acting_scope: str = "mobility-desk",
               person_id: uuid.UUID | None = None) -> Person:
        """`actor`: a token as accounts' token exchange issues it, `act` = the staff member and the authority
        (`acting_scope`) they act under."""
        pid = person_id or uuid.uuid4()
        act = {"act": {"sub": actor, "scope": acting_scope}} if actor is not None else {}
        token = self.issuer.tokens.issue(str(pid), roles=roles, scopes=scopes, extra_claims=act, expires_in=3600)
        return Person(pid, token)

    def desk(self) -> Person:
        return self.person(roles=("operator",), scopes=("mobility-desk", "verifier"))

    async def line(self, *, corridor_id: str = "line", first: int = 6 * 3600, last: int = 23 * 3600 + 1800,
                   interval: int = 1800, seats_per_slot: int = 8, wheelchair_places: int = 1,
                   detours: Sequence[dict[str, Any]] = (), scheduled: dict[str, list[int]] | None = None,
                   stops: Sequence[str] = LINE, offsets: Sequence[int] = OFFSETS, weekdays: str = "0123456") -> str:
        async with self.db.transaction() as session:
            if await session.get(Feed, FEED) is None:
                session.add(Feed(id=FEED, name="Testlinie", timezone="Europe/Berlin", imported_by="test"))
                await session.flush()
                session.add_all([
                    Stop(feed_id=FEED, stop_id=key, name=name, lat=lat, lon=lon, wheelchair=wheelchair,
                         ortsteil_id=network.ortsteil_for(lat, lon))
                    for key, (name, lat, lon, wheelchair) in BERLIN_STOPS.items()
                ])
                await session.flush()
            corridor = await network.create_corridor(
                session, corridor_id=corridor_id, feed_id=FEED, name=corridor_id, stop_ids=list(stops),
                offsets_secs=list(offsets), first_secs=first, last_secs=last, interval_secs=interval,
                detours=detours, weekdays=weekdays,
            )
            if scheduled is not None:
                corridor.scheduled = scheduled
            if seats_per_slot or wheelchair_places:
                session.add(FallbackContract(
                    corridor_id=corridor_id, operator="Taxi Uckermark", band_from_secs=0, band_to_secs=30 * 3600,
                    seats_per_slot=seats_per_slot, wheelchair_places_per_slot=wheelchair_places,
                ))
        return corridor_id

    async def driver(self, *, seats: int = 3, wheelchair_places: int = 0, female_opt_in: bool = False,
                     kind: str = "private", name: str = "Hans") -> tuple[Person, str]:
        """A verified driver with a vehicle: (the driver's person, the vehicle id)."""
        driver = self.person(roles=("resident", "driver"))
        response = await self.http.post("/drivers/me", headers=driver.headers, json={
            "display_name": name, "kind": kind, "female_opt_in": female_opt_in})
        assert response.status_code == 201, response.text
        driver_id = response.json()["id"]
        for kind_ in ("id_card", "licence", "registration"):
            response = await self.http.post("/drivers/me/documents", headers=driver.headers, json={
                "kind": kind_, "reference": "L0X12345", "expires_on": "2031-01-01"})
            assert response.status_code == 201, response.text
        response = await self.http.post(f"/drivers/{driver_id}/verification", headers=self.desk().headers,
                                        json={"action": "verify", "valid_until": "2030-12-31"})
        assert response.status_code == 200, response.text
        response = await self.http.post("/drivers/me/vehicles", headers=driver.headers, json={
            "label": "Kombi", "seats": seats, "wheelchair_places": wheelchair_places})
        assert response.status_code == 201, response.text
        return driver, response.json()["id"]

    async def offer(self, driver: Person, vehicle: str, *, corridor: str = "line", departure: str = "07:30",
                    one_off: date | None = None, from_stop: str = "prenzlau", to_stop: str = "angermuende",
                    **more: Any) -> dict[str, Any]:
        body = {"vehicle_id": vehicle, "corridor_id": corridor, "from_stop": from_stop, "to_stop": to_stop,
                "departure": departure, **more}
        if one_off is not None:
            body["one_off"] = one_off.isoformat()
        response = await self.http.post("/drivers/me/offers", headers=driver.headers, json=body)
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result

    async def book(self, who: Person, *, day: date, slot: str = "07:30:00", origin: str = "prenzlau",
                   destination: str = "angermuende", party: int = 1, key: str | None = None,
                   client: httpx.AsyncClient | None = None, **more: Any) -> httpx.Response:
        return await (client or self.http).post(
            "/bookings", headers={**who.headers, "Idempotency-Key": key or uuid.uuid4().hex},
            json={"corridor_id": more.pop("corridor", "line"), "service_date": day.isoformat(), "slot": slot,
                  "origin_stop": origin, "destination_stop": destination, "party": party, **more},
        )

    async def tick(self) -> dict[str, int]:
        from mobility.crud import guarantee

        return await guarantee.tick(self.db, now=self.clock.now(), settings=self.settings)


def make_settings(database_url: str, issuer: OidcIssuer, **overrides: Any) -> MobilitySettings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "environment": "test",
        "nats_url": "nats://127.0.0.1:9",  # nothing there: events wait in the outbox
        "database_pool_size": 3,
        **issuer.settings_overrides(),
    }
    values.update(overrides)
    return MobilitySettings(**values)


@asynccontextmanager
async def running(database_url: str, issuer: OidcIssuer, clock: ManualClock, *, schedules: bool = False,
                  migrate: bool = True, **overrides: Any) -> AsyncIterator[Mobility]:
    settings = make_settings(database_url, issuer, **overrides)
    if migrate:
        upgrade(service, database_url)
    spec = service if schedules else dataclasses.replace(service, schedules=())
    app = spec.create_app(settings)
    app.state.clock = clock
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(app.router.lifespan_context(app))
        http = await stack.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://mobility")
        )
        yield Mobility(app=app, http=http, db=app.state.db, clock=clock, settings=settings, issuer=issuer,
                       url=database_url)


def at(text: str) -> datetime:
    """An aware instant from an ISO text with offset, e.g. '2026-06-02T06:30:00+02:00'."""
    moment = datetime.fromisoformat(text)
    assert moment.tzinfo is not None
    return moment


@pytest.fixture
async def mobility(database_url: str, oidc_issuer: OidcIssuer) -> AsyncIterator[Mobility]:
    clock = ManualClock(at("2026-04-20T09:00:00+02:00"))
    async with running(database_url, oidc_issuer, clock) as harness:
        yield harness
