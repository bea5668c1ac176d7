"""Helpers and fixtures for accounts' tests (imported by conftest.py): the service migrated and running
its lifespan, reached over ASGI the
way the gateway reaches it (`/api/accounts/...` with the prefix stripped), verifying its own tokens
through its own JWKS; a real SMTP server (aiosmtpd); helpers for the login flow."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
import secrets
import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import Message
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from aiosmtpd.controller import Controller
from fastapi import FastAPI

from accounts.config import AccountsSettings
from accounts.main import service
from platformkit.auth import TokenVerifier
from platformkit.db import Database
from platformkit.migrations import upgrade

ORIGIN = "http://127.0.0.1:8000"
PREFIX = "/api/accounts"
ISSUER = ORIGIN + PREFIX
CALLBACK = ORIGIN + "/auth/callback"
GATEWAY_ID = "gateway"
GATEWAY_SECRET = "gateway-test-secret-0123456789"
PASSWORD = "Sonnenblume-am-Uckersee"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class MailSink:
    """aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.arrived = asyncio.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        self.arrived.set()
        return "250 OK"

    async def wait_for(self, to: str, count: int = 1, wait_seconds: float = 20.0) -> list[Message]:
        async def until() -> list[Message]:
            while True:
                found = [m for m in self.messages if m["To"] == to]
                if len(found) >= count:
                    return found
                self.arrived.clear()
                await self.arrived.wait()

        return await asyncio.wait_for(until(), wait_seconds)


@pytest.fixture
def smtp_server() -> Iterator[tuple[str, MailSink]]:
    sink = MailSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}", sink
    finally:
        controller.stop()


def strip_prefix(app: FastAPI) -> Any:
    """What the gateway does: /api/accounts/x -> /x."""

    async def asgi(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].startswith(PREFIX):
            path = scope["path"][len(PREFIX) :] or "/"
            scope = {**scope, "path": path, "raw_path": path.encode()}
        await app(scope, receive, send)

    return asgi


def make_settings(database_url: str, **overrides: Any) -> AccountsSettings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "oidc_issuer": ISSUER,
        "jwks_url": ISSUER + "/jwks.json",
        "environment": "test",
        "nats_url": "nats://127.0.0.1:9",  # nothing there: events wait in the outbox
        "gateway_client_id": GATEWAY_ID,
        "gateway_client_secret": GATEWAY_SECRET,
        "gateway_redirect_uris": (CALLBACK,),
        "outbox_poll_seconds": 0.1,
        "outbound_poll_seconds": 0.1,
    }
    values.update(overrides)
    return AccountsSettings(**values)


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def form_fields(html: str) -> tuple[str, dict[str, str]]:
    """The action and the hidden fields of the first form of a page."""
    action = unescape(re.search(r'<form method="post" action="([^"]*)"', html).group(1))  # type: ignore[union-attr]
    fields = {
        unescape(name): unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)">', html)
    }
    return action, fields


@dataclass
class Accounts:
    app: FastAPI
    http: httpx.AsyncClient
    settings: AccountsSettings
    db: Database
    mails: MailSink | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def basic(self, client_id: str = GATEWAY_ID, secret: str = GATEWAY_SECRET) -> httpx.BasicAuth:
        return httpx.BasicAuth(client_id, secret)

    async def held_mail(self, to: str) -> list[dict[str, Any]]:
        from accounts.crud.mail import list_messages
        from platformkit.pagination import PageParams

        async with self.db.session() as session:
            mails, _ = await list_messages(session=session, params=PageParams(limit=100, cursor=None), to_address=to)
        return [{"subject": m.subject, "body": m.body, "status": m.status} for m in mails]

    async def sign_up(self, email: str, password: str = PASSWORD, name: str = "Erika Schulze") -> None:
        response = await self.http.post(
            "/people", json={"email": email, "password": password, "name": name, "home_place": "Prenzlau"}
        )
        assert response.status_code == 202, response.text

    async def verify_from_mail_body(self, body: str) -> None:
        link = re.search(r"(http\S+/email/verify\?token=\S+)", body).group(1)  # type: ignore[union-attr]
        token = parse_qs(urlsplit(link).query)["token"][0]
        response = await self.http.post("/email-verifications", json={"token": token})
        assert response.status_code == 204, response.text

    async def registered(self, email: str, password: str = PASSWORD, name: str = "Erika Schulze") -> None:
        """Signed up and verified (the verification link read from the held mail)."""
        await self.sign_up(email, password, name)
        mails = await self.held_mail(email)
        await self.verify_from_mail_body(mails[-1]["body"])

    async def authorize(
        self,
        *,
        challenge: str,
        state: str = "st-1",
        scope: str = "openid profile email",
        redirect_uri: str = CALLBACK,
        client_id: str = GATEWAY_ID,
        nonce: str | None = None,
    ) -> httpx.Response:
        params = {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "scope": scope,
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        if nonce:
            params["nonce"] = nonce
        return await self.http.get("/authorize", params=params)

    async def log_in(self, email: str, password: str = PASSWORD, **kwargs: Any) -> tuple[str, str, str]:
        """Browser-like: the login page, its form posted, the redirect to the callback. Returns
        (code, state, verifier)."""
        verifier, challenge = pkce_pair()
        page = await self.authorize(challenge=challenge, **kwargs)
        assert page.status_code == 200, page.text
        action, fields = form_fields(page.text)
        answer = await self.http.post(action, data={**fields, "email": email, "password": password})
        assert answer.status_code == 303, answer.text
        location = answer.headers["location"]
        assert location.startswith(CALLBACK + "?")
        query = parse_qs(urlsplit(location).query)
        return query["code"][0], query["state"][0], verifier

    async def exchange(self, code: str, verifier: str, redirect_uri: str = CALLBACK) -> httpx.Response:
        return await self.http.post(
            "/token",
            auth=self.basic(),
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": verifier,
            },
        )

    async def tokens_for(self, email: str, password: str = PASSWORD) -> dict[str, Any]:
        code, _, verifier = await self.log_in(email, password)
        response = await self.exchange(code, verifier)
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def refresh(self, refresh_token: str) -> httpx.Response:
        return await self.http.post(
            "/token", auth=self.basic(), data={"grant_type": "refresh_token", "refresh_token": refresh_token}
        )

    async def operator_token(self, scopes: str = "admin people-desk") -> str:
        """An operator created directly in the database (like the bootstrap), logged in for real."""
        from accounts.crud.people import ensure_operator
        from accounts.domain.passwords import hash_password

        email = f"op-{secrets.token_hex(3)}@kreis-uckermark.example"
        async with self.db.transaction() as session:
            await ensure_operator(
                session=session,
                email=email,
                name="Leitstelle",
                password_hash=hash_password(PASSWORD),
                scopes=scopes,
                actor_id="test",
            )
        return str((await self.tokens_for(email))["access_token"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@asynccontextmanager
async def start_accounts(settings: AccountsSettings) -> AsyncIterator[Accounts]:
    upgrade(service, settings.database_url)
    app = service.create_app(settings)
    asgi = strip_prefix(app)
    async with app.router.lifespan_context(app):
        # accounts checks its own tokens through its own JWKS, as every service does.
        jwks_http = httpx.AsyncClient(transport=httpx.ASGITransport(app=asgi), base_url=ORIGIN)
        app.state.token_verifier = TokenVerifier(
            settings.oidc_issuer,
            settings.oidc_audience,
            jwks_url=settings.jwks_url,
            http=jwks_http,
            leeway=settings.token_leeway_seconds,
            min_refetch_interval=0,
            cache_ttl=1,
        )
        transport = httpx.ASGITransport(app=asgi, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url=ISSUER, timeout=60) as http:
            try:
                yield Accounts(app=app, http=http, settings=settings, db=app.state.db)
            finally:
                await jwks_http.aclose()


@pytest.fixture
async def accounts(database_url: str) -> AsyncIterator[Accounts]:
    async with start_accounts(make_settings(database_url)) as running:
        yield running
