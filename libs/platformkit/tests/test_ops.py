"""The operators' `/ops` routes of a service with events: stats, dead letters, replay and discard, only for
operators with scope admin, with a real nats-server on SQLite and PostgreSQL."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

sys.path.insert(0, str(Path(__file__).parent / "events"))

from events_testkit import ParcelRegisteredV1, effects, eventually, new_database, record_effect  # noqa: E402

from platformkit.config import ServiceSettings  # noqa: E402
from platformkit.db import Database  # noqa: E402
from platformkit.events import Consumer, get_dead_letter, publish  # noqa: E402
from platformkit.natsserver import NatsServer  # noqa: E402
from platformkit.service import ServiceSpec  # noqa: E402
from platformkit.testing.tokens import TokenFactory  # noqa: E402


class Switch:
    """Fails for 'poison' parcels until fixed."""

    def __init__(self) -> None:
        self.fixed = False

    async def __call__(self, event: ParcelRegisteredV1, session: AsyncSession) -> None:
        if event.label == "poison" and not self.fixed:
            raise RuntimeError("poison parcels are not supported yet")
        await record_effect(event, session)


class Depot:
    def __init__(self, client: httpx.AsyncClient, db: Database, handler: Switch, tokens: TokenFactory) -> None:
        self.client = client
        self.db = db
        self.handler = handler
        self.tokens = tokens

    def headers(self, sub: str = "op-anna", roles: tuple[str, ...] = ("operator",),
                scopes: tuple[str, ...] = ("admin",)) -> dict[str, str]:
        token = self.tokens.issue(sub=sub, audience="depot", roles=roles, scopes=scopes)
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def depot(
    database_url: str, nats_server: NatsServer, oidc_issuer: Any, token_factory: TokenFactory
) -> AsyncIterator[Depot]:
    db = await new_database(database_url)  # the tables; the app opens its own engine on the same database
    handler = Switch()
    consumer = Consumer(name="parcel-registered", event=ParcelRegisteredV1, handler=handler, max_deliver=2,
                        backoff=(0.1,))
    from events_testkit import metadata

    spec = ServiceSpec(name="depot", settings=ServiceSettings, consumers=[consumer], metadata=metadata)
    settings = ServiceSettings(
        service_name="depot", environment="test", database_url=database_url, nats_url=nats_server.url,
        oidc_issuer=oidc_issuer.issuer, oidc_audience="depot", outbox_poll_seconds=0.1,
    )
    app = spec.create_app(settings)
    try:
        async with app.router.lifespan_context(app):
            await app.state.events.wait_ready()
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://depot") as client:
                yield Depot(client, db, handler, token_factory)
    finally:
        await db.dispose()


async def _poison(depot: Depot, *names: str) -> None:
    async with depot.db.transaction() as session:
        for name in names:
            await publish(session, ParcelRegisteredV1(parcel_id=name, label="poison" if name[0] == "p" else ""))

    async def dead() -> bool:
        found = await depot.client.get("/ops/dead-letters", headers=depot.headers())
        return len(found.json()["items"]) >= sum(1 for name in names if name[0] == "p")

    await eventually(dead, what="the poison parcels in the dead letters")


async def test_only_operators_with_scope_admin(depot: Depot) -> None:
    client = depot.client
    for method, path in (("GET", "/ops/events"), ("GET", "/ops/dead-letters"),
                         ("POST", "/ops/dead-letters/1/replay"), ("POST", "/ops/dead-letters/1/discard")):
        assert (await client.request(method, path)).status_code == 401
        resident = await client.request(method, path, headers=depot.headers(roles=("resident",)))
        assert resident.status_code == 403
        no_scope = await client.request(method, path, headers=depot.headers(scopes=("people-desk",)))
        assert no_scope.status_code == 403 and no_scope.json()["code"] == "FORBIDDEN"
    document = (await client.get("/openapi.json")).json()
    assert document["paths"]["/ops/events"]["get"]["tags"] == ["ops"]


async def test_stats_list_replay_discard_and_who_did_it(depot: Depot, caplog: pytest.LogCaptureFixture) -> None:
    client = depot.client
    await _poison(depot, "p1", "ok", "p2", "p3")

    stats = (await client.get("/ops/events", headers=depot.headers())).json()
    assert stats["service"] == "depot" and stats["connected"] is True
    assert stats["dead_letters_open"] == {"parcel-registered": 3}
    assert stats["outbox"]["unpublished"] >= 0 and "oldest_unpublished_seconds" in stats["outbox"]
    [lag] = stats["consumers"]
    assert lag["consumer"] == "parcel-registered" and lag["dead_lettered"] == 3

    first_page = (await client.get("/ops/dead-letters?limit=2", headers=depot.headers())).json()
    assert len(first_page["items"]) == 2 and first_page["next_cursor"]
    rest = (await client.get(f"/ops/dead-letters?limit=2&cursor={first_page['next_cursor']}",
                             headers=depot.headers())).json()
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    letters: list[dict[str, Any]] = [*first_page["items"], *rest["items"]]
    first, second, third = letters
    assert first["consumer"] == "parcel-registered" and first["event_type"] == ParcelRegisteredV1.type
    assert "poison parcels" in first["error"] and first["resolution"] is None
    other = await client.get("/ops/dead-letters?consumer=elsewhere", headers=depot.headers())
    assert other.json()["items"] == []

    # Still broken: a problem, the letter stays open.
    failed = await client.post(f"/ops/dead-letters/{first['id']}/replay", headers=depot.headers())
    assert failed.status_code == 422 and failed.json()["code"] == "REPLAY_FAILED"

    depot.handler.fixed = True
    with caplog.at_level("INFO", logger="platformkit.ops"):
        replayed = await client.post(f"/ops/dead-letters/{first['id']}/replay", headers=depot.headers())
    assert replayed.status_code == 200
    assert replayed.json() == {"id": first["id"], "outcome": "handled", "resolution": "replayed",
                               "resolved_by": "op-anna"}
    assert any("replayed by op-anna" in record.getMessage() for record in caplog.records)
    assert sorted(parcel for _, parcel in await effects(depot.db)) == ["ok", "p1"]  # the handler ran
    stored = await get_dead_letter(depot.db, first["id"])
    assert stored is not None and stored.resolution == "replayed" and stored.resolved_by == "op-anna"

    again = await client.post(f"/ops/dead-letters/{first['id']}/replay", headers=depot.headers())
    assert again.status_code == 409 and again.json()["code"] == "DEAD_LETTER_RESOLVED"
    assert again.headers["content-type"] == "application/problem+json"

    discarded = await client.post(f"/ops/dead-letters/{second['id']}/discard", headers=depot.headers("op-ben"))
    assert discarded.status_code == 200
    assert discarded.json()["resolution"] == "discarded" and discarded.json()["resolved_by"] == "op-ben"
    twice = await client.post(f"/ops/dead-letters/{second['id']}/discard", headers=depot.headers("op-ben"))
    assert twice.status_code == 409
    replay_discarded = await client.post(f"/ops/dead-letters/{second['id']}/replay", headers=depot.headers())
    assert replay_discarded.status_code == 409

    for action in ("replay", "discard"):
        unknown = await client.post(f"/ops/dead-letters/999999/{action}", headers=depot.headers())
        assert unknown.status_code == 404 and unknown.json()["code"] == "DEAD_LETTER_NOT_FOUND"

    still_open = (await client.get("/ops/dead-letters", headers=depot.headers())).json()["items"]
    assert [letter["id"] for letter in still_open] == [third["id"]]
    everything = (await client.get("/ops/dead-letters?include_resolved=true", headers=depot.headers())).json()
    assert {letter["id"]: letter["resolved_by"] for letter in everything["items"]} == {
        first["id"]: "op-anna", second["id"]: "op-ben", third["id"]: None,
    }
    stats = (await client.get("/ops/events", headers=depot.headers())).json()
    assert stats["dead_letters_open"] == {"parcel-registered": 1}
