"""`dorf up` with accounts, the gateway and a stand-in marketplace as real processes, and what the tests
need to talk to them: a browser-like login through the gateway, accounts' database (held mails, the
signing key), a test publisher on NATS, and clients from distinct loopback addresses."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from platformkit.natsserver import free_port

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
DORF = Path(sys.executable).parent / "dorf"
START_TIMEOUT = 180.0
START_ATTEMPTS = 3
PORT_TAKEN = "is already in use by another process"  # dorf up's words when an explicit port is taken

# Settings for this run: short-lived access tokens (the gateway refreshes 5 s after each login), a quick
# upstream timeout, a fast feed heartbeat, and address limits a test can exceed on purpose.
PLATFORM_ENV = {
    "ACCESS_TOKEN_TTL_SECONDS": "20",
    "SESSION_REFRESH_MARGIN_SECONDS": "15",
    "UPSTREAM_MARKETPLACE_READ_TIMEOUT": "2",
    "FEED_HEARTBEAT_SECONDS": "1",
    "RATE_LIMIT_ADDRESS_PER_SECOND": "20",
    "RATE_LIMIT_ADDRESS_BURST": "60",
}
OPERATOR = ("leitstelle@uckermark.example", "Leitstelle-Demo-2026")
DEMO_PASSWORD = "Dorfleben-Demo-2026"
MERCHANT = ("jana.krueger@hofladen-gramzow.example", DEMO_PASSWORD)


class Platform:
    def __init__(self, var: Path) -> None:
        self.var = var
        self.output_path = var.parent / "dorf-up.out"
        env = {**os.environ, **PLATFORM_ENV, "DORF_SERVICES": "standin_marketplace:service",
               "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])}
        for name in ("OIDC_ISSUER", "JWKS_URL", "PUBLIC_URL"):
            env.pop(name, None)
        for attempt in range(START_ATTEMPTS):
            self.port = free_port()
            with self.output_path.open("wb") as output:
                self.process = subprocess.Popen(
                    [str(DORF), "up", "--demo", "--only", "accounts,gateway,marketplace", "--var", str(var),
                     "--port", str(self.port), "--nats-port", str(free_port()), "--service-port", str(free_port())],
                    env=env, stdout=output, stderr=subprocess.STDOUT, cwd=REPO,
                )
            try:
                self.state = self._wait_ready()
                break
            except AssertionError:
                # A server of the other test worker took one of our free ports before dorf claimed it.
                if attempt + 1 == START_ATTEMPTS or PORT_TAKEN not in self.output_path.read_text():
                    raise
        self.url = f"http://127.0.0.1:{self.port}"

    def _wait_ready(self) -> dict[str, Any]:
        deadline = time.monotonic() + START_TIMEOUT
        run_file = self.var / "run.json"
        while True:
            if self.process.poll() is not None:
                raise AssertionError(f"dorf up exited:\n{self.output_path.read_text()}")
            if run_file.exists() and "demo data:" in self.output_path.read_text():
                state: dict[str, Any] = json.loads(run_file.read_text())
                return state
            if time.monotonic() > deadline:
                raise AssertionError(f"dorf up not ready:\n{self.output_path.read_text()}")
            time.sleep(0.3)

    def service_url(self, name: str) -> str:
        return next(p["url"] for p in self.state["processes"] if p["name"] == name)

    @property
    def nats_url(self) -> str:
        return self.service_url("nats")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def client(self, address: str = "127.0.0.1", **options: Any) -> httpx.AsyncClient:
        """A client of the gateway from one loopback address (the gateway tells clients apart by it)."""
        # The client drops an idle connection (1 s) long before the gateway does: no keep-alive race.
        transport = httpx.AsyncHTTPTransport(local_address=address, limits=httpx.Limits(keepalive_expiry=1.0))
        return httpx.AsyncClient(base_url=self.url, transport=transport, **{"timeout": 30, **options})

    def accounts_db(self) -> sqlite3.Connection:
        return sqlite3.connect(self.var / "accounts.db")

    def signing_key(self) -> dict[str, Any]:
        with self.accounts_db() as db:
            row = db.execute("SELECT private_jwk FROM signing_key ORDER BY generation DESC LIMIT 1").fetchone()
        key: dict[str, Any] = json.loads(row[0])
        return key

    async def seen_by_marketplace(self) -> int:
        async with httpx.AsyncClient(timeout=10) as direct:
            count: int = (await direct.get(f"{self.service_url('marketplace')}/probe/seen")).json()["count"]
        return count


async def browser_login(client: httpx.AsyncClient, email: str, password: str, next_path: str = "/") -> httpx.Response:
    """The browser's way in: /auth/login → accounts' login page (through the gateway) → the form →
    /auth/callback → back at `next_path` with the session cookie. Returns the callback's answer."""
    start = await client.get("/auth/login", params={"next": next_path})
    assert start.status_code == 303, start.text
    page = await client.get(start.headers["location"])
    assert page.status_code == 200, page.text
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
    action = re.search(r'<form[^>]*action="([^"]+)"', page.text)
    assert action is not None and fields.get("code_challenge_method") == "S256"
    fields.update(email=email, password=password)
    answer = await client.post(action.group(1).replace("&amp;", "&"), data=fields)
    assert answer.status_code == 303, answer.text[:500]
    callback = await client.get(answer.headers["location"])
    return callback


async def csrf_token(client: httpx.AsyncClient) -> str:
    session = (await client.get("/auth/session")).json()
    assert session["signed_in"], session
    token: str = session["csrf_token"]
    return token


async def wait_politely(response: httpx.Response) -> None:
    """A well-behaved client waits as long as a 429 asks."""
    import asyncio

    await asyncio.sleep(float(response.headers.get("retry-after", "1")))
