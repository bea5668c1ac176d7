"""The volunteers service migrated and running its lifespan, reached over ASGI, with tokens from a local
test issuer (platformkit.testing): residents, coordinators, staff, staff acting for a person. Helpers build
the usual world: a verified organisation with an opportunity and shifts, volunteer profiles."""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from platformkit.db import Database, utcnow
from platformkit.migrations import upgrade
from platformkit.tables import outbox
from platformkit.testing.tokens import OidcIssuer
from volunteers.config import VolunteersSettings
from volunteers.main import service

PRENZLAU = "ot-prenzlau-prenzlau"
DEDELOW = "ot-prenzlau-dedelow"  # ~6 km from Prenzlau
SCHWEDT = "ot-schwedt-schwedt"  # ~43 km from Prenzlau
ANGERMUENDE = "ot-angermuende-angermuende"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Person:
    id: uuid.UUID
    headers: dict[str, str]


@dataclass
class World:
    organisation_id: str
    opportunity_id: str
    coordinator: Person


@dataclass
class Volunteers:
    http: httpx.AsyncClient
    db: Database
    settings: VolunteersSettings
    issuer: OidcIssuer
    app: Any
    _counter: list[int] = field(default_factory=lambda: [0])

    def token(self, sub: str, **claims: Any) -> str:
        claims.setdefault("roles", ["resident"])
        return self.issuer.tokens.issue(sub, expires_in=3600, **claims)

    def person(self, **claims: Any) -> Person:
        person_id = uuid.uuid4()
        return Person(person_id, bearer(self.token(str(person_id), **claims)))

    def staff(self, *scopes: str) -> Person:
        return self.person(roles=["operator"], scopes=scopes or ("verifier",))

    async def profile(self, who: Person | None = None, **values: Any) -> Person:
        who = who or self.person(roles=["resident", "volunteer"])
        self._counter[0] += 1
        body = {"display_name": f"Helfer {self._counter[0]}", "birth_year": 1980, "home_village_id": PRENZLAU,
                "contact_email": f"h{self._counter[0]}@example.org", "contact_phone": "0170 1234567", **values}
        response = await self.http.put("/me/profile", json=body, headers=who.headers)
        assert response.status_code == 200, response.text
        return who

    async def organisation(self, *, verified: bool = True, admin: Person | None = None) -> tuple[str, Person]:
        admin = admin or self.person()
        response = await self.http.post("/organisations", headers=admin.headers, json={
            "name": "Prenzlauer Tafel e.V.", "legal_form": "e.V.", "village_id": PRENZLAU})
        assert response.status_code == 201, response.text
        organisation_id = response.json()["id"]
        assert (await self.http.post(f"/organisations/{organisation_id}/submit", headers=admin.headers)
                ).status_code == 200
        if verified:
            response = await self.http.post(f"/admin/organisations/{organisation_id}/verify", json={},
                                            headers=self.staff().headers)
            assert response.status_code == 200, response.text
        return organisation_id, admin

    async def world(self, *, verified: bool = True, **opportunity: Any) -> World:
        organisation_id, admin = await self.organisation(verified=verified)
        body = {"title": "Lebensmittelausgabe", "category": "social", "village_id": PRENZLAU, **opportunity}
        response = await self.http.post(f"/organisations/{organisation_id}/opportunities", json=body,
                                        headers=admin.headers)
        assert response.status_code == 201, response.text
        opportunity_id = response.json()["id"]
        if verified:
            response = await self.http.post(f"/opportunities/{opportunity_id}/publish", headers=admin.headers)
            assert response.status_code == 200, response.text
        return World(organisation_id, opportunity_id, admin)

    async def shift(self, world: World, *, start: datetime, hours: float = 3, capacity: int = 5,
                    **values: Any) -> dict[str, Any]:
        body = {"start": start.isoformat(), "end": (start + timedelta(hours=hours)).isoformat(),
                "capacity": capacity, **values}
        response = await self.http.post(f"/opportunities/{world.opportunity_id}/shifts", json=body,
                                        headers=world.coordinator.headers)
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def sign_up(self, shift_id: str, who: Person, key: str | None = None) -> httpx.Response:
        headers = {**who.headers, "Idempotency-Key": key or uuid.uuid4().hex}
        return await self.http.post(f"/shifts/{shift_id}/signups", headers=headers)

    async def notifications(self, kind: str | None = None,
                            person_id: uuid.UUID | None = None) -> list[dict[str, Any]]:
        """What the outbox holds for people (notify), newest last."""
        async with self.db.read_sessions() as session:
            rows = (await (await session.connection()).execute(select(outbox.c.subject, outbox.c.data).where(
                outbox.c.subject.like("volunteers.notify.%")).order_by(outbox.c.position))).all()
        found = []
        for subject, data in rows:
            item = {"person_id": subject.rsplit(".", 1)[1], **json.loads(data)}
            if (kind is None or item["kind"] == f"volunteers.{kind}") and (
                    person_id is None or item["person_id"] == str(person_id)):
                found.append(item)
        return found

    async def events(self, event_type: str) -> list[dict[str, Any]]:
        async with self.db.read_sessions() as session:
            connection = await session.connection()
            rows = (await connection.execute(select(outbox.c.data).where(outbox.c.subject == event_type)
                                             .order_by(outbox.c.position))).all()
        return [json.loads(data) for (data,) in rows]


def make_settings(database_url: str, issuer: OidcIssuer, **overrides: Any) -> VolunteersSettings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "environment": "test",
        "nats_url": "nats://127.0.0.1:9",  # nothing there: events and notifications wait in the outbox
        "outbox_poll_seconds": 0.1,
        **issuer.settings_overrides(),
    }
    values.update(overrides)
    return VolunteersSettings(**values)


@asynccontextmanager
async def start_volunteers(settings: VolunteersSettings, issuer: OidcIssuer, *, schedules: bool = False,
                           clock: Any = None) -> AsyncIterator[Volunteers]:
    upgrade(service, settings.database_url)
    spec = service if schedules else dataclasses.replace(service, schedules=())
    app = spec.create_app(settings)
    if clock is not None:
        app.state.clock = clock
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://volunteers", timeout=60) as http:
            yield Volunteers(http=http, db=app.state.db, settings=settings, issuer=issuer, app=app)


@pytest.fixture
async def vol(database_url: str, oidc_issuer: OidcIssuer) -> AsyncIterator[Volunteers]:
    async with start_volunteers(make_settings(database_url, oidc_issuer), oidc_issuer) as running:
        yield running


def soon(days: float = 3, hour: int = 10) -> datetime:
    """A naive local wall time `days` ahead at `hour` o'clock (Europe/Berlin), as coordinators enter it."""
    from volunteers.domain.timing import local

    day = local(utcnow() + timedelta(days=days)).date()
    return datetime(day.year, day.month, day.day, hour)
