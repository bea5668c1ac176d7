"""Service identity (platformkit.service_tokens) against a token endpoint and a callee over real HTTP: one
fetch per audience however many callers wait, renewal before expiry, one retry with a fresh token after a
401, clear errors when no token is to be had; and the personal-data export route of a service, which only
accounts' service token with the export scope may call."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import AsyncIterator, Collection, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Form, Header, Request
from fastapi.responses import JSONResponse
from sqlalchemy import create_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from platformkit.config import ServiceSettings
from platformkit.db import sync_url
from platformkit.natsserver import free_port
from platformkit.personal_data import EXPORT_SCOPE, PersonalData
from platformkit.service import ServiceSpec
from platformkit.service_tokens import ServiceTokens, ServiceTokenUnavailable
from platformkit.testing.tokens import OidcIssuer, TokenFactory

SECRET = "mobility-secret"


@contextmanager
def serve(app: Any) -> Iterator[str]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive()
        threading.Event().wait(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


class Issuer:
    """A token endpoint (client credentials with `audience`) and a callee that accepts only the newest token."""

    def __init__(self) -> None:
        self.issued: list[dict[str, str]] = []
        self.app = FastAPI()

        @self.app.post("/token")
        async def token(request: Request, grant_type: str = Form(), audience: str = Form()) -> JSONResponse:
            client = httpx.BasicAuth("mobility", SECRET)._auth_header
            if request.headers.get("authorization") != client or grant_type != "client_credentials":
                return JSONResponse({"error": "invalid_client"}, status_code=401)
            await asyncio.sleep(0.05)  # slow enough for concurrent callers to pile up
            self.issued.append({"audience": audience})
            return JSONResponse({"access_token": f"t-{len(self.issued)}", "token_type": "Bearer", "expires_in": 300})

        @self.app.get("/callee")
        async def callee(authorization: str = Header()) -> JSONResponse:
            if authorization != f"Bearer t-{len(self.issued)}":
                return JSONResponse({"code": "INVALID_TOKEN"}, status_code=401)
            return JSONResponse({"seen": authorization})


@pytest.fixture
async def issuer() -> AsyncIterator[tuple[Issuer, str]]:
    running = Issuer()
    with serve(running.app) as url:
        yield running, url


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_tokens_are_fetched_once_renewed_before_expiry_and_after_a_401(issuer: tuple[Issuer, str]) -> None:
    endpoint, url = issuer
    clock = Clock()
    async with httpx.AsyncClient() as http:
        tokens = ServiceTokens(token_url=f"{url}/token", client_id="mobility", client_secret=SECRET, http=http,
                               clock=clock)
        got = await asyncio.gather(*(tokens.token("volunteers") for _ in range(20)))
        assert set(got) == {"t-1"} and tokens.fetches == 1  # one fetch for twenty waiting callers
        assert await tokens.token("marketplace") == "t-2"  # one token per audience
        assert endpoint.issued == [{"audience": "volunteers"}, {"audience": "marketplace"}]

        clock.now += 269
        assert await tokens.token("volunteers") == "t-1"  # still fresh
        clock.now += 2  # now within 30 s of its expiry: renewed
        assert await tokens.token("volunteers") == "t-3"

        assert await tokens.token("marketplace") == "t-4"  # the callee now takes only t-4 ...
        answer = await http.get(f"{url}/callee", auth=tokens.auth("volunteers"))
        assert answer.status_code == 200 and answer.json() == {"seen": "Bearer t-5"}  # ... so t-3 got a 401
        assert tokens.fetches == 5

        wrong = ServiceTokens(token_url=f"{url}/token", client_id="mobility", client_secret="guess", http=http)
        with pytest.raises(ServiceTokenUnavailable, match="401: invalid_client"):
            await wrong.token("volunteers")
        away = ServiceTokens(
            token_url=f"http://127.0.0.1:{free_port()}/token", client_id="mobility", client_secret=SECRET, http=http
        )
        with pytest.raises(ServiceTokenUnavailable, match="unreachable"):
            await away.token("volunteers")


# --- the export route -------------------------------------------------------------------------------------


async def export_notes(session: AsyncSession, person_id: uuid.UUID) -> dict[str, Any]:
    return {"notes": [f"note of {person_id}"]}


async def erase_notes(session: AsyncSession, person_id: uuid.UUID, erased_at: datetime) -> dict[str, int]:
    return {}


async def example_notes(session: AsyncSession, person_id: uuid.UUID) -> Collection[str]:
    return []


class AlertsSettings(ServiceSettings):
    service_name: str = "alerts"


async def test_only_accounts_service_token_with_the_export_scope_reads_a_persons_data(
    sqlite_database_url: str, oidc_issuer: OidcIssuer, token_factory: TokenFactory
) -> None:
    from sampleservice.models import SampleModel

    engine = create_engine(sync_url(sqlite_database_url))
    SampleModel.metadata.create_all(engine)
    engine.dispose()
    # A stand-in under a platform name (a completion event exists for it); the route is the same for all.
    spec = ServiceSpec(
        name="alerts", settings=AlertsSettings, metadata=SampleModel.metadata, produces=False,
        personal_data=PersonalData(export=export_notes, erase=erase_notes, example=example_notes),
    )
    settings = AlertsSettings(
        database_url=sqlite_database_url, oidc_issuer=oidc_issuer.issuer, oidc_audience="alerts",
        jwks_url=oidc_issuer.jwks_url, nats_url="nats://127.0.0.1:9", environment="test",
    )
    app = spec.create_app(settings)
    person = uuid.uuid4()

    def as_(sub: str, audience: str = "alerts", **claims: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {token_factory.issue(sub=sub, audience=audience, **claims)}"}

    accounts = {"roles": ("service",), "client_id": "accounts", "scopes": (EXPORT_SCOPE,)}
    async with app.router.lifespan_context(app), httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://alerts"
    ) as client:
        path = f"/internal/personal-data/{person}"
        ok = await client.get(path, headers=as_("accounts", **accounts))
        assert ok.status_code == 200, ok.text
        assert ok.json() == {"service": "alerts", "person_id": str(person), "data": {"notes": [f"note of {person}"]}}
        refused = {
            "no token": await client.get(path),
            "without the scope": await client.get(path, headers=as_("accounts", **{**accounts, "scopes": ()})),
            "another service": await client.get(
                path, headers=as_("mobility", **{**accounts, "client_id": "mobility"})
            ),
            "the person themselves": await client.get(path, headers=as_(str(person), scopes=(EXPORT_SCOPE,))),
            "staff acting for accounts": await client.get(path, headers=as_("accounts", actor="staff-1", **accounts)),
            "for another audience": await client.get(path, headers=as_("accounts", audience="mobility", **accounts)),
        }
        assert {why: answer.status_code for why, answer in refused.items()} == {
            "no token": 401, "without the scope": 403, "another service": 403, "the person themselves": 403,
            "staff acting for accounts": 403, "for another audience": 401,
        }
