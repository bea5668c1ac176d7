"""accounts checks its own tokens like every service: a merchant token (audience marketplace), an
expired one, `alg: none`, an HS256 token keyed with our public key, or one with a foreign issuer is a
401 at /me."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json

import httpx
from accounts_testkit import Accounts, bearer
from joserfc import jws


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned(header: dict[str, object], claims: dict[str, object]) -> str:
    return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"


async def test_forged_and_foreign_tokens_are_401(accounts: Accounts) -> None:
    await accounts.registered("erika@prenzlau.example")
    real = (await accounts.tokens_for("erika@prenzlau.example"))["access_token"]
    claims = json.loads(jws.extract_compact(real.encode()).payload)
    kid = jws.extract_compact(real.encode()).headers()["kid"]
    jwks = (await accounts.http.get("/jwks.json")).json()

    none = unsigned({"alg": "none", "typ": "at+jwt"}, claims) + "."
    signing_input = unsigned({"alg": "HS256", "kid": kid, "typ": "at+jwt"}, claims)
    public_key_bytes = json.dumps(jwks["keys"][0]).encode()
    confused = (
        signing_input + "." + b64(hmac.new(public_key_bytes, signing_input.encode(), hashlib.sha256).digest())
    )
    tampered_claims = {**claims, "roles": ["operator"], "scope": "admin"}
    parts = real.split(".")
    tampered = f"{parts[0]}.{b64(json.dumps(tampered_claims).encode())}.{parts[2]}"

    for forged in (none, confused, tampered):
        response = await accounts.http.get("/me", headers=bearer(forged))
        assert response.status_code == 401, forged[:40]
        assert response.json()["code"] == "INVALID_TOKEN"
    assert (await accounts.http.get("/me", headers=bearer(real))).status_code == 200


async def test_merchant_token_is_not_for_accounts(accounts: Accounts) -> None:
    operator = await accounts.operator_token()
    client = (
        await accounts.http.post(
            "/admin/oauth-clients",
            headers=bearer(operator),
            json={"name": "Shop", "merchant_id": "hofladen-gramzow", "scopes": ["orders:read"]},
        )
    ).json()
    token = (
        await accounts.http.post(
            "/token",
            auth=httpx.BasicAuth(client["client_id"], client["client_secret"]),
            data={"grant_type": "client_credentials"},
        )
    ).json()["access_token"]
    response = await accounts.http.get("/me", headers=bearer(token))
    assert response.status_code == 401 and "aud" in response.json()["detail"]


async def test_expired_token_is_401(database_url: str) -> None:
    from accounts_testkit import make_settings, start_accounts

    async with start_accounts(
        make_settings(database_url, access_token_ttl_seconds=1, token_leeway_seconds=0)
    ) as accounts:
        await accounts.registered("hans@templin.example")
        token = (await accounts.tokens_for("hans@templin.example"))["access_token"]
        await asyncio.sleep(2.5)
        response = await accounts.http.get("/me", headers=bearer(token))
        assert response.status_code == 401 and "expired" in response.json()["detail"]
