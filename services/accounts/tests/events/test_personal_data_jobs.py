"""A person's data download and erasure across services, with real processes' parts: accounts and a
peer service with personal data, each served by uvicorn on its own port, a real nats-server. The download
is a job gathered with accounts' service token (client credentials, audience = the peer); the erasure
reaches the peer through `accounts.person.erased.v1`, its completion report comes back to accounts, and
the person's notifications are purged from the NOTIFY stream.

The peer stands in for a platform service (it is named `volunteers` because a completion event exists
for that name); its three personal-data functions are a few lines over one table."""

from __future__ import annotations

import asyncio
import os
import threading
import uuid
from collections.abc import AsyncIterator, Collection
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import nats
import nats.js.errors
import pytest
import uvicorn
from accounts_testkit import Accounts, bearer, make_settings, strip_prefix
from sqlalchemy import create_engine, delete
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from accounts.main import service as accounts_service
from platformkit.config import ServiceSettings
from platformkit.db import Database, service_registry
from platformkit.migrations import upgrade
from platformkit.natsserver import NatsServer, free_port
from platformkit.personal_data import PersonalData
from platformkit.service import ServiceSpec

PEER = "volunteers"
SECRET = "accounts-service-secret-0123456789"


class PeerModel(SQLModel, registry=service_registry()):
    pass


class Helper(PeerModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    person_id: uuid.UUID = Field(index=True)
    name: str = Field(max_length=200)


async def peer_export(session: AsyncSession, person_id: uuid.UUID) -> dict[str, Any]:
    rows = (await session.exec(select(Helper).where(col(Helper.person_id) == person_id))).all()
    return {"helpers": [{"name": row.name} for row in rows]}


async def peer_erase(session: AsyncSession, person_id: uuid.UUID, erased_at: datetime) -> dict[str, int]:
    result = await (await session.connection()).execute(delete(Helper).where(col(Helper.person_id) == person_id))
    return {"helpers_deleted": int(result.rowcount)}


async def peer_example(session: AsyncSession, person_id: uuid.UUID) -> Collection[str]:
    name = f"Helfer {person_id.hex[:8]}"
    session.add(Helper(person_id=person_id, name=name))
    return [name]


class PeerSettings(ServiceSettings):
    service_name: str = PEER


peer_service = ServiceSpec(
    name=PEER, settings=PeerSettings, metadata=PeerModel.metadata,
    personal_data=PersonalData(export=peer_export, erase=peer_erase, example=peer_example),
)


@asynccontextmanager
async def served_on(app: Any, port: int) -> AsyncIterator[int]:
    """uvicorn on a thread of its own (its own event loop runs the app's lifespan)."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on", proxy_headers=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(2000):
        if server.started or not thread.is_alive():
            break
        await asyncio.sleep(0.01)
    assert server.started, "server did not start"
    try:
        yield port
    finally:
        server.should_exit = True
        await asyncio.to_thread(thread.join, 15)


async def until(check: Any, what: str, seconds: float = 40.0) -> Any:
    deadline = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < deadline:
        result = await check()
        if result:
            return result
        await asyncio.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.slow
async def test_download_gathers_every_service_and_erasure_is_reported_by_each(
    database_url: str, nats_server: NatsServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    accounts_port = free_port()
    issuer = f"http://127.0.0.1:{accounts_port}/api/accounts"
    settings = make_settings(
        database_url, oidc_issuer=issuer, jwks_url=f"{issuer}/jwks.json", nats_url=nats_server.url,
        service_client_secrets={"accounts": SECRET}, service_client_secret=SECRET, oidc_token_url=f"{issuer}/token",
        personal_data_services=(PEER,),
    )
    upgrade(accounts_service, database_url)
    peer_db_url = f"sqlite:///{tmp_path / 'peer.db'}"
    engine = create_engine(peer_db_url)
    PeerModel.metadata.create_all(engine)
    engine.dispose()
    peer_settings = PeerSettings(
        database_url=peer_db_url, oidc_issuer=issuer, oidc_audience=PEER, jwks_url=f"{issuer}/jwks.json",
        nats_url=nats_server.url, environment="test", outbox_poll_seconds=0.1,
    )
    peer_app = peer_service.create_app(peer_settings)
    async with served_on(peer_app, free_port()) as peer_port:
        monkeypatch.setenv("UPSTREAM_VOLUNTEERS_URL", f"http://127.0.0.1:{peer_port}")
        accounts_app = accounts_service.create_app(settings)
        async with (
            served_on(strip_prefix(accounts_app), accounts_port),
            httpx.AsyncClient(base_url=issuer, timeout=30) as http,
        ):
            db = Database(database_url)
            peer_db = Database(peer_db_url)
            try:
                accounts = Accounts(app=accounts_app, http=http, settings=settings, db=db)
                await run_the_story(accounts, peer_db, nats_server)
            finally:
                await db.dispose()
                await peer_db.dispose()


async def run_the_story(accounts: Accounts, peer_db: Database, nats_server: NatsServer) -> None:
    email, name = "karl@schwedt.example", "Karl Wagner"
    await accounts.registered(email, name=name)
    token = (await accounts.tokens_for(email))["access_token"]
    person_id = uuid.UUID((await accounts.http.get("/me", headers=bearer(token))).json()["sub"])
    async with peer_db.transaction() as session:
        [helper_name] = await peer_example(session, person_id)

    # The peer's export route is for accounts' service token only.
    peer = httpx.AsyncClient(base_url=os.environ["UPSTREAM_VOLUNTEERS_URL"])
    async with peer:
        assert (await peer.get(f"/internal/personal-data/{person_id}")).status_code == 401
        own = await peer.get(f"/internal/personal-data/{person_id}", headers=bearer(token))
        assert own.status_code == 403 and own.json()["code"] == "FORBIDDEN"

    asked = await accounts.http.post("/me/exports", headers=bearer(token))
    assert asked.status_code == 202, asked.text
    job = asked.json()
    assert job["status"] == "pending" and asked.headers["location"] == f"/me/exports/{job['id']}"
    again = await accounts.http.post("/me/exports", headers=bearer(token))
    assert again.json()["id"] == job["id"]  # asking twice gathers once
    early = await accounts.http.get(f"/me/exports/{job['id']}/download", headers=bearer(token))
    assert early.status_code in (200, 409)

    async def ready() -> dict[str, Any] | None:
        state = (await accounts.http.get(f"/me/exports/{job['id']}", headers=bearer(token))).json()
        return state if state["status"] == "ready" else None

    state = await until(ready, "the data download")
    assert state["parts"] == {"accounts": "ok", PEER: "ok"} and state["download"]
    download = await accounts.http.get(f"/me/exports/{job['id']}/download", headers=bearer(token))
    assert download.status_code == 200 and "attachment" in download.headers["content-disposition"]
    content = download.json()
    assert content["services"]["accounts"]["person"]["name"] == name
    assert content["services"][PEER] == {"helpers": [{"name": helper_name}]}

    await accounts.registered("erika@prenzlau.example", name="Erika Schulze")
    other = (await accounts.tokens_for("erika@prenzlau.example"))["access_token"]
    assert (await accounts.http.get(f"/me/exports/{job['id']}", headers=bearer(other))).status_code == 404
    assert (await accounts.http.get(f"/me/exports/{job['id']}/download", headers=bearer(other))).status_code == 404

    # The welcome notification is in the person's feed until the erasure.
    connection = await nats.connect(nats_server.url)
    js = connection.jetstream()

    async def in_feed() -> bool:
        try:
            await js.get_last_msg("NOTIFY", f"notify.{person_id}")
        except nats.js.errors.NotFoundError:
            return False
        return True

    try:
        await until(in_feed, "the welcome notification in NOTIFY")
        admin = await accounts.operator_token(scopes="admin")
        assert (await accounts.http.delete("/me", headers=bearer(token))).status_code == 204

        async def reported() -> dict[str, Any] | None:
            page = (
                await accounts.http.get("/admin/erasures", params={"person_id": str(person_id)}, headers=bearer(admin))
            ).json()
            return page["items"][0] if page["items"] and page["items"][0]["complete"] else None

        erasure = await until(reported, "both erasure reports")
        assert erasure["waiting_for"] == []
        counts = {report["service"]: report["counts"] for report in erasure["reports"]}
        assert counts[PEER]["helpers_deleted"] == 1 and counts["accounts"]["people_anonymised"] == 1
        async with peer_db.read_sessions() as session:
            assert (await peer_export(session, person_id)) == {"helpers": []}

        async def purged() -> bool:
            return not await in_feed()

        await until(purged, "the person's notifications purged from NOTIFY")
        with pytest.raises(nats.js.errors.NotFoundError):
            await js.get_last_msg("ACCOUNTS", f"accounts.notify.{person_id}")
    finally:
        await connection.close()
