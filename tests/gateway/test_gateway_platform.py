"""Issue 3's "Done when" for the gateway, through real processes and real HTTP: sign up, verify, log in
with PKCE through /auth/login, call a protected route with the session cookie, refresh, log out; merchant
tokens by client credentials and by API key; attacks that must fail safely; the live feed."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import re
import time
import uuid
from typing import Any

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey
from platform_run import (
    DEMO_PASSWORD,
    MERCHANT,
    OPERATOR,
    Platform,
    browser_login,
    csrf_token,
    wait_politely,
)

from platformkit.events import Bus, Notification, publish_notification

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


async def test_sign_up_verify_log_in_refresh_and_log_out(platform: Platform) -> None:
    email = f"neu-{uuid.uuid4().hex[:8]}@example.org"
    password = "Ein-sicheres-Passwort-2026"
    async with platform.client() as anonymous:
        signed_up = await anonymous.post("/api/accounts/people",
                                         json={"email": email, "password": password, "name": "Ida Neu"})
        assert signed_up.status_code == 202, signed_up.text
    # The verification mail, as an operator reads held mails (no SMTP in the embedded default).
    async with platform.client() as operator:
        assert (await browser_login(operator, *OPERATOR)).status_code == 303
        mails = (await operator.get("/api/accounts/admin/mails", params={"status": "held"})).json()
    mail = next(item for item in mails["items"] if item["to_address"] == email)
    token = re.search(r"token=([A-Za-z0-9_%\-]+)", mail["body"])
    assert token is not None and f"{platform.url}/api/accounts/email/verify" in mail["body"]
    async with platform.client() as anonymous:
        verified = await anonymous.post("/api/accounts/email-verifications",
                                        json={"token": httpx.URL("?t=" + token.group(1)).params["t"]})
        assert verified.status_code == 204, verified.text

    async with platform.client() as browser:
        callback = await browser_login(browser, email, password, "/account")
        assert callback.status_code == 303 and callback.headers["location"] == "/account"
        cookie = callback.headers["set-cookie"]
        assert "dorf_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
        me = await browser.get("/api/accounts/me")
        assert me.status_code == 200 and me.json()["email"] == email
        person_id = me.json()["id"]
        # CSRF: a state-changing call with the cookie but without the page's token.
        refused = await browser.post("/api/accounts/me/logout")
        assert refused.status_code == 403 and refused.json()["code"] == "CSRF_TOKEN_MISSING"

        # Refresh: access tokens live 20 s here and are renewed 15 s before they end. Many requests at once
        # make one refresh (a second one with the same refresh token would end the login at accounts).
        await asyncio.sleep(6)
        answers = await asyncio.gather(*(browser.get("/api/accounts/me") for _ in range(10)))
        assert [answer.status_code for answer in answers] == [200] * 10
        with platform.accounts_db() as db:
            rows = db.execute("SELECT rotated_at, revoked_at FROM refresh_token WHERE person_id = ?",
                              (uuid.UUID(person_id).hex,)).fetchall()
        assert len(rows) == 2, rows  # one login, refreshed once
        assert sum(1 for rotated, revoked in rows if rotated is None and revoked is None) == 1
        assert (await browser.get("/api/accounts/me")).status_code == 200

        csrf = await csrf_token(browser)
        logged_out = await browser.post("/auth/logout", data={"csrf_token": csrf})
        assert logged_out.status_code == 303
        assert (await browser.get("/api/accounts/me")).status_code == 401
        assert (await browser.get("/auth/session")).json() == {"signed_in": False}
    with platform.accounts_db() as db:
        live = db.execute("SELECT count(*) FROM refresh_token WHERE person_id = ? AND revoked_at IS NULL "
                          "AND rotated_at IS NULL", (uuid.UUID(person_id).hex,)).fetchone()[0]
    assert live == 0  # logout revoked the login at accounts too


async def _client_credentials(client: httpx.AsyncClient, client_id: str, secret: str) -> str:
    answer = await client.post("/api/accounts/token", data={"grant_type": "client_credentials"},
                               auth=(client_id, secret))
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["access_token"]
    return token


async def test_merchant_tokens_by_api_key_and_client_credentials(platform: Platform) -> None:
    async with platform.client() as merchant:
        await browser_login(merchant, *MERCHANT)
        created = await merchant.post("/api/accounts/api-keys", json={"name": "Kasse", "scopes": ["orders:read"]},
                                      headers={"X-CSRF-Token": await csrf_token(merchant)})
        assert created.status_code == 201, created.text
        key = created.json()
    async with platform.client() as operator:
        await browser_login(operator, *OPERATOR)
        registered = await operator.post(
            "/api/accounts/admin/oauth-clients",
            json={"name": "Warenwirtschaft", "merchant_id": key["merchant_id"], "scopes": ["orders:read"]},
            headers={"X-CSRF-Token": await csrf_token(operator)},
        )
        assert registered.status_code == 201, registered.text
        oauth_client = registered.json()
    async with platform.client() as integration:
        for client_id, secret in ((key["id"], key["secret"]),
                                  (oauth_client["client_id"], oauth_client["client_secret"])):
            token = await _client_credentials(integration, client_id, secret)
            who = await integration.get("/api/marketplace/probe/whoami", headers={"Authorization": f"Bearer {token}"})
            assert who.status_code == 200, who.text
            assert who.json()["merchant_id"] == key["merchant_id"] and who.json()["roles"] == ["merchant"]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _attack_tokens(platform: Platform, issuer: str) -> dict[str, str]:
    real = RSAKey.import_key(platform.signing_key())
    kid = real.kid
    now = int(time.time())
    claims = {"iss": issuer, "sub": str(uuid.uuid4()), "aud": ["gateway", "marketplace"], "iat": now,
              "exp": now + 300, "roles": ["merchant"], "merchant_id": "m-1"}
    header = {"alg": "RS256", "kid": kid, "typ": "at+jwt"}

    def signed(key: RSAKey, **changes: Any) -> str:
        return jwt.encode(header, {**claims, **changes}, key)

    attacker = RSAKey.generate_key(2048, parameters={"kid": kid})
    unsigned = f"{_b64(json.dumps({'alg': 'none', 'kid': kid}).encode())}.{_b64(json.dumps(claims).encode())}."
    confusion_input = (f"{_b64(json.dumps({'alg': 'HS256', 'kid': kid}).encode())}."
                       f"{_b64(json.dumps(claims).encode())}")
    public_pem = real.as_pem(private=False)
    confusion = f"{confusion_input}.{_b64(hmac.new(public_pem, confusion_input.encode(), hashlib.sha256).digest())}"
    return {
        "forged (another key, our kid)": signed(attacker),
        "expired": signed(real, exp=now - 120, iat=now - 420),
        "wrong audience": signed(real, aud=["mobility"]),
        "alg none": unsigned,
        "key confusion (HS256 with our public key)": confusion,
    }


async def test_bad_tokens_are_401_and_never_reach_the_service(platform: Platform) -> None:
    issuer = f"{platform.url}/api/accounts"
    before = await platform.seen_by_marketplace()
    async with platform.client() as attacker:
        good = _attack_tokens(platform, issuer)
        for what, token in good.items():
            answer = await attacker.get("/api/marketplace/probe/whoami", headers={"Authorization": f"Bearer {token}"})
            assert answer.status_code == 401, what
            assert answer.json()["code"] == "INVALID_TOKEN", what
    assert await platform.seen_by_marketplace() == before
    # The same checks' other side: a correctly signed token does get through.
    real = RSAKey.import_key(platform.signing_key())
    now = int(time.time())
    token = jwt.encode({"alg": "RS256", "kid": real.kid, "typ": "at+jwt"},
                       {"iss": issuer, "sub": "mk_test", "aud": ["marketplace"], "iat": now, "exp": now + 60,
                        "roles": ["merchant"], "merchant_id": "m-1"}, real)
    async with platform.client() as client:
        answer = await client.get("/api/marketplace/probe/whoami", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200 and answer.json()["sub"] == "mk_test"
    assert await platform.seen_by_marketplace() == before + 1


async def test_another_merchants_key_is_404(platform: Platform) -> None:
    async with platform.client() as operator:
        await browser_login(operator, *OPERATOR)
        people = (await operator.get("/api/accounts/admin/people", params={"q": "Karl"})).json()
        karl = next((item for item in people.get("items", []) if item.get("name") == "Karl Wagner"), None)
        if karl is None:  # the list route may not search: find Karl's id in the database instead
            with platform.accounts_db() as db:
                row = db.execute("SELECT id FROM person WHERE email = 'karl.wagner@schwedt.example'").fetchone()
            karl_id = str(uuid.UUID(row[0]))
        else:
            karl_id = karl["id"]
        granted = await operator.post(f"/api/accounts/admin/people/{karl_id}/roles",
                                      json={"role": "merchant", "merchant_id": "hofladen-andere"},
                                      headers={"X-CSRF-Token": await csrf_token(operator)})
        assert granted.status_code in (200, 201), granted.text
    async with platform.client() as jana:
        await browser_login(jana, *MERCHANT)
        key = (await jana.post("/api/accounts/api-keys", json={"name": "Waage", "scopes": ["orders:read"]},
                               headers={"X-CSRF-Token": await csrf_token(jana)})).json()
    async with platform.client() as karl_browser:
        await browser_login(karl_browser, "karl.wagner@schwedt.example", DEMO_PASSWORD)
        other = await karl_browser.get(f"/api/accounts/api-keys/{key['id']}")
        missing = await karl_browser.get("/api/accounts/api-keys/mk_doesnotexist")
        assert other.status_code == 404 and missing.status_code == 404
        assert other.json()["code"] == missing.json()["code"]
        revoke = await karl_browser.delete(f"/api/accounts/api-keys/{key['id']}",
                                           headers={"X-CSRF-Token": await csrf_token(karl_browser)})
        assert revoke.status_code == 404


async def _login_attempt(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    """One login form post through the gateway (a fresh authorization request each time)."""
    start = await client.get("/auth/login")
    if start.status_code == 429:
        return start
    page = await client.get(start.headers["location"])
    if page.status_code != 200:
        return page
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
    fields.update(email=email, password=password)
    return await client.post("/api/accounts/authorize", data=fields, headers={"Accept": "application/json"})


async def test_a_thousand_logins_for_one_account_are_throttled_others_unaffected(platform: Platform) -> None:
    victim = "erika.schulze@prenzlau.example"
    statuses: list[int] = []
    async with platform.client("127.0.0.2") as attacker:
        fields: dict[str, str] = {}
        start = await attacker.get("/auth/login")
        page = await attacker.get(start.headers["location"])
        fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
        queue = iter(range(1000))

        async def guess() -> None:
            for number in queue:
                answer = await attacker.post("/api/accounts/authorize",
                                             data={**fields, "email": victim, "password": f"falsch-{number}"},
                                             headers={"Accept": "application/json"})
                statuses.append(answer.status_code)

        await asyncio.gather(*(guess() for _ in range(20)))
    assert len(statuses) == 1000
    assert set(statuses) <= {401, 429}
    # Accounts' lock lets few guesses through (5 free, then one per growing lock window); the rest were
    # refused by it or, past the address's limit, by the gateway.
    assert statuses.count(401) <= 25
    # Another person, from another address, signs in as usual; so does one from the attacker's address
    # once the gateway's limit allows (accounts did not count the locked-out guesses against it).
    async with platform.client("127.0.0.3") as neighbour:
        assert (await browser_login(neighbour, "hans.mueller@templin.example", DEMO_PASSWORD)).status_code == 303
    await asyncio.sleep(5)  # the gateway's bucket for the attacker's address fills up again (60 at 20/s)
    async with platform.client("127.0.0.2") as same_address:
        assert (await browser_login(same_address, "anna.becker@angermuende.example", DEMO_PASSWORD)
                ).status_code == 303


async def test_the_login_throttle_sees_each_client_address_through_the_gateway(platform: Platform) -> None:
    """Accounts' address budget (100 failed checks per 15 min) applies to the attacker's address, which the
    gateway forwards (X-Forwarded-For); a client elsewhere is not locked out by it, and the attacker cannot
    claim another address with a header of its own."""
    refused_by_accounts = False
    async with platform.client("127.0.0.5") as sprayer:
        for number in range(140):
            answer = await _login_attempt(sprayer, f"niemand-{number}@example.org", "falsch")
            while answer.status_code == 429 and answer.headers.get("content-type") == "application/problem+json" \
                    and answer.json().get("code") == "RATE_LIMITED":
                await wait_politely(answer)  # the gateway's own limit: wait, then go on
                answer = await _login_attempt(sprayer, f"niemand-{number}@example.org", "falsch")
            if answer.status_code == 429:
                refused_by_accounts = True
                break
            assert answer.status_code == 401, answer.text[:300]
        assert refused_by_accounts
        spoofed = await sprayer.post("/api/accounts/authorize", headers={"X-Forwarded-For": "198.51.100.7"},
                                     data={"email": "niemand@example.org", "password": "falsch"})
        assert spoofed.status_code in (400, 429)  # never a fresh budget for a claimed address
    async with platform.client("127.0.0.6") as elsewhere:
        assert (await browser_login(elsewhere, "karl.wagner@schwedt.example", DEMO_PASSWORD)).status_code == 303


async def test_a_50_mb_body_is_413_before_the_service(platform: Platform) -> None:
    before = await platform.seen_by_marketplace()
    async with platform.client() as client:
        answer = await client.post("/api/marketplace/probe/upload", content=b"x" * (50 * 1024 * 1024),
                                   timeout=120)
    assert answer.status_code == 413 and answer.json()["code"] == "PAYLOAD_TOO_LARGE"
    assert await platform.seen_by_marketplace() == before


async def test_a_hanging_service_is_504_within_its_timeout_and_others_keep_answering(platform: Platform) -> None:
    async with platform.client() as client:
        async def hanging() -> tuple[int, float]:
            started = time.monotonic()
            answer = await client.get("/api/marketplace/probe/hang")
            return answer.status_code, time.monotonic() - started

        async def others() -> list[int]:
            statuses = []
            for _ in range(5):
                statuses.append((await client.get("/api/accounts/.well-known/openid-configuration")).status_code)
                await asyncio.sleep(0.2)
            return statuses

        (status, elapsed), other_statuses = await asyncio.gather(hanging(), others())
    assert status == 504 and elapsed < 15  # UPSTREAM_MARKETPLACE_READ_TIMEOUT=2 here
    assert other_statuses == [200] * 5


async def test_a_flood_gets_429_with_retry_after_and_a_calm_client_is_unaffected(platform: Platform) -> None:
    """The address limit here is 20/s with a burst of 60: a client sending as fast as it can is mostly
    refused, one sending 5 a second never is."""
    flood_statuses: list[int] = []
    retry_after: set[str] = set()
    calm_statuses: list[int] = []
    async with platform.client("127.0.0.7") as flood, platform.client("127.0.0.8") as calm:
        async def flooder() -> None:
            for _ in range(100):
                answer = await flood.get("/api/marketplace/probe/ping")
                flood_statuses.append(answer.status_code)
                if answer.status_code == 429:
                    retry_after.add(answer.headers["retry-after"])

        async def calm_client() -> None:
            for _ in range(10):
                calm_statuses.append((await calm.get("/api/marketplace/probe/ping")).status_code)
                await asyncio.sleep(0.2)

        started = time.monotonic()
        await asyncio.gather(*(flooder() for _ in range(8)), calm_client())
        elapsed = time.monotonic() - started
    allowed = flood_statuses.count(200)
    assert allowed <= 60 + 20 * (elapsed + 1)
    assert flood_statuses.count(429) == 800 - allowed and allowed < 800
    assert retry_after and all(int(value) >= 1 for value in retry_after)
    assert calm_statuses == [200] * 10


async def _read_events(response: httpx.Response, count: int, *, wait: float = 30) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    current: dict[str, Any] = {}
    async with asyncio.timeout(wait):
        async for line in response.aiter_lines():
            if line.startswith(":"):
                current.setdefault("comments", 0)
            elif line.startswith("id: "):
                current["id"] = int(line[4:])
            elif line.startswith("data: "):
                current["data"] = json.loads(line[6:])
            elif line == "" and "id" in current:
                events.append(current)
                current = {}
                if len(events) == count:
                    return events
    return events


async def test_the_live_feed_relays_notifications_and_resumes_without_loss_or_duplicates(platform: Platform) -> None:
    bus = Bus(platform.nats_url, name="test-producer")
    await bus.start()
    await bus.wait_connected()
    try:
        async with platform.client(timeout=60) as browser:
            await browser_login(browser, "karl.wagner@schwedt.example", DEMO_PASSWORD)
            person = (await browser.get("/auth/session")).json()["person_id"]

            async def send(title: str) -> int:
                return await publish_notification(
                    bus, person, Notification(kind="test.reminder", title=title, link="/account"),
                    source="/tests/gateway",
                )

            async with browser.stream("GET", "/api/me/feed") as feed:
                assert feed.status_code == 200
                assert feed.headers["content-type"].startswith("text/event-stream")
                first = [await send(f"Nachricht {n}") for n in range(3)]
                received = await _read_events(feed, 3)
            assert [event["id"] for event in received] == first
            assert [event["data"]["title"] for event in received] == ["Nachricht 0", "Nachricht 1", "Nachricht 2"]
            last_seen = received[1]["id"]  # as if the connection broke after the second
            later = [await send(f"Später {n}") for n in range(2)]
            async with browser.stream("GET", "/api/me/feed", headers={"Last-Event-ID": str(last_seen)}) as again:
                resumed = await _read_events(again, 3)
            assert [event["id"] for event in resumed] == [first[2], *later]
            # Someone else's notification never shows up in this feed.
            await publish_notification(bus, str(uuid.uuid4()), Notification(kind="test.other", title="Fremd"),
                                       source="/tests/gateway")
            lines = []
            async with browser.stream("GET", "/api/me/feed", headers={"Last-Event-ID": str(later[-1])}) as quiet:
                async with asyncio.timeout(10):
                    async for line in quiet.aiter_lines():
                        lines.append(line)
                        if line == ": ping":  # a heartbeat (every second here), and nothing before it
                            break
            assert lines[-1] == ": ping" and not any(line.startswith("id:") for line in lines)
    finally:
        await bus.close()
