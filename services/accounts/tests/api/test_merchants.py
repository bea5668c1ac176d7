"""Merchant integrations: API keys (merchant staff manage them; another merchant's key is 404), and
access tokens by client credentials with an API key and with a registered OAuth client."""

from __future__ import annotations

import httpx
from accounts_testkit import Accounts, bearer
from joserfc import jwt
from joserfc.jwk import KeySet


async def merchant_staff(accounts: Accounts, email: str, merchant_id: str) -> str:
    """A person with the merchant role bound to `merchant_id`, logged in: their access token."""
    await accounts.registered(email)
    person = await accounts.http.get(
        "/me", headers=bearer((await accounts.tokens_for(email))["access_token"])
    )
    operator = await accounts.operator_token()
    granted = await accounts.http.post(
        f"/admin/people/{person.json()['id']}/roles",
        headers=bearer(operator),
        json={"role": "merchant", "merchant_id": merchant_id},
    )
    assert granted.status_code == 201, granted.text
    return str((await accounts.tokens_for(email))["access_token"])


async def client_credentials(accounts: Accounts, client_id: str, secret: str, **data: str) -> httpx.Response:
    return await accounts.http.post(
        "/token", auth=httpx.BasicAuth(client_id, secret), data={"grant_type": "client_credentials", **data}
    )


async def test_api_key_gets_a_marketplace_token_until_revoked(accounts: Accounts) -> None:
    staff = await merchant_staff(accounts, "jana@hofladen-gramzow.example", "hofladen-gramzow")
    created = await accounts.http.post(
        "/api-keys",
        headers=bearer(staff),
        json={"name": "Kassensystem", "scopes": ["products:write", "orders:read"]},
    )
    assert created.status_code == 201, created.text
    key = created.json()
    assert key["secret"].startswith(key["prefix"]) and key["id"].startswith("mk_")

    listed = (await accounts.http.get("/api-keys", headers=bearer(staff))).json()["items"]
    assert [item["id"] for item in listed] == [key["id"]] and "secret" not in listed[0]

    issued = await client_credentials(accounts, key["id"], key["secret"])
    assert issued.status_code == 200, issued.text
    assert "refresh_token" not in issued.json()
    keys = KeySet.import_key_set((await accounts.http.get("/jwks.json")).json())
    claims = jwt.decode(issued.json()["access_token"], keys, algorithms=["RS256"]).claims
    assert (
        claims["aud"] == ["marketplace"] and claims["sub"] == key["id"] and claims["client_id"] == key["id"]
    )
    assert claims["roles"] == ["merchant"] and claims["merchant_id"] == "hofladen-gramzow"
    assert claims["scope"] == "orders:read products:write"
    # Narrower scope on request; a scope the key does not hold is refused.
    narrow = await client_credentials(accounts, key["id"], key["secret"], scope="orders:read")
    assert narrow.json()["scope"] == "orders:read"
    wide = await client_credentials(accounts, key["id"], key["secret"], scope="webhooks:manage")
    assert wide.status_code == 400 and wide.json()["error"] == "invalid_scope"
    used = (await accounts.http.get(f"/api-keys/{key['id']}", headers=bearer(staff))).json()
    assert used["last_used_at"] is not None

    assert (await client_credentials(accounts, key["id"], "dmk_wrong")).status_code == 401
    revoked = await accounts.http.delete(f"/api-keys/{key['id']}", headers=bearer(staff))
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    refused = await client_credentials(accounts, key["id"], key["secret"])
    assert refused.status_code == 401 and refused.json()["error"] == "invalid_client"


async def test_another_merchants_key_is_404(accounts: Accounts) -> None:
    gramzow = await merchant_staff(accounts, "jana@hofladen-gramzow.example", "hofladen-gramzow")
    templin = await merchant_staff(accounts, "uwe@baeckerei-templin.example", "baeckerei-templin")
    key = (
        await accounts.http.post(
            "/api-keys", headers=bearer(gramzow), json={"name": "Shop", "scopes": ["orders:read"]}
        )
    ).json()
    assert (await accounts.http.get(f"/api-keys/{key['id']}", headers=bearer(templin))).status_code == 404
    assert (await accounts.http.delete(f"/api-keys/{key['id']}", headers=bearer(templin))).status_code == 404
    assert (await accounts.http.get("/api-keys", headers=bearer(templin))).json()["items"] == []
    # Still alive for its owner.
    assert (await client_credentials(accounts, key["id"], key["secret"])).status_code == 200


async def test_a_resident_has_no_keys(accounts: Accounts) -> None:
    await accounts.registered("erika@prenzlau.example")
    token = (await accounts.tokens_for("erika@prenzlau.example"))["access_token"]
    response = await accounts.http.post(
        "/api-keys", headers=bearer(token), json={"name": "x", "scopes": ["orders:read"]}
    )
    assert response.status_code == 403


async def test_registered_oauth_client_gets_a_token(accounts: Accounts) -> None:
    operator = await accounts.operator_token()
    created = await accounts.http.post(
        "/admin/oauth-clients",
        headers=bearer(operator),
        json={
            "name": "Warenwirtschaft Hofladen",
            "merchant_id": "hofladen-gramzow",
            "scopes": ["stock:write"],
        },
    )
    assert created.status_code == 201, created.text
    client = created.json()
    issued = await accounts.http.post(
        "/token",
        data={
            "grant_type": "client_credentials",
            "client_id": client["client_id"],
            "client_secret": client["client_secret"],
        },
    )
    assert issued.status_code == 200, issued.text
    keys = KeySet.import_key_set((await accounts.http.get("/jwks.json")).json())
    claims = jwt.decode(issued.json()["access_token"], keys, algorithms=["RS256"]).claims
    assert claims["merchant_id"] == "hofladen-gramzow" and claims["scope"] == "stock:write"
    # A client credentials grant is not open to the gateway, nor the code grant to a merchant client.
    gateway = await accounts.http.post(
        "/token", auth=accounts.basic(), data={"grant_type": "client_credentials"}
    )
    assert gateway.status_code == 400 and gateway.json()["error"] == "unauthorized_client"
    assert (
        await accounts.http.delete(f"/admin/oauth-clients/{client['client_id']}", headers=bearer(operator))
    ).status_code == 200
    again = await client_credentials(accounts, client["client_id"], client["client_secret"])
    assert again.status_code == 401
