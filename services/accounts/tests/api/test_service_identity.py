"""Service identity and acting on behalf: platform services get client-credentials tokens for the one
service they call (`audience`), and district staff get a token for a person they help by token exchange
(RFC 8693, `act` claim) — only within their authority, audited with both identities."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from accounts_testkit import Accounts, bearer, make_settings, start_accounts
from joserfc import jwt
from joserfc.jwk import KeySet

from platformkit.auth import InvalidToken, TokenVerifier
from platformkit.testing.tokens import tamper_claims

TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS_TOKEN = "urn:ietf:params:oauth:token-type:access_token"  # noqa: S105 - a URN
PERSON_ID = "urn:dorfmarktplatz:params:oauth:token-type:person-id"
SECRETS = {"accounts": "accounts-secret-0123456789abcdef", "mobility": "mobility-secret-0123456789abcdef"}


async def claims_of(accounts: Accounts, token: str) -> dict[str, Any]:
    keys = KeySet.import_key_set((await accounts.http.get("/jwks.json")).json())
    return dict(jwt.decode(token, keys, algorithms=["RS256"]).claims)


async def service_token(accounts: Accounts, client: str, secret: str, **form: str) -> httpx.Response:
    return await accounts.http.post(
        "/token", auth=httpx.BasicAuth(client, secret), data={"grant_type": "client_credentials", **form}
    )


async def test_services_get_tokens_for_the_service_they_call(database_url: str) -> None:
    settings = make_settings(database_url, service_client_secrets=SECRETS)
    async with start_accounts(settings) as accounts:
        issued = await service_token(accounts, "mobility", SECRETS["mobility"], audience="volunteers")
        assert issued.status_code == 200, issued.text
        claims = await claims_of(accounts, issued.json()["access_token"])
        assert claims["sub"] == claims["client_id"] == "mobility"
        assert claims["aud"] == ["volunteers"] and claims["roles"] == ["service"] and claims["scope"] == ""
        assert "refresh_token" not in issued.json()

        # The callee accepts it; another service does not (audience).
        http = httpx.AsyncClient(transport=accounts.http._transport, base_url=str(accounts.http.base_url))
        def verifier(audience: str) -> TokenVerifier:
            return TokenVerifier(settings.oidc_issuer, audience, jwks_url=settings.jwks_url, http=http)

        principal = await verifier("volunteers").verify(issued.json()["access_token"])
        assert principal.has_role("service") and principal.client_id == "mobility"
        with pytest.raises(InvalidToken, match="invalid claim: aud"):
            await verifier("marketplace").verify(issued.json()["access_token"])
        await http.aclose()

        export = await service_token(
            accounts, "accounts", SECRETS["accounts"], audience="mobility", scope="personal-data-export"
        )
        assert export.status_code == 200 and (await claims_of(accounts, export.json()["access_token"]))[
            "scope"
        ] == "personal-data-export"

        refused = {
            "no audience": await service_token(accounts, "mobility", SECRETS["mobility"]),
            "unknown audience": await service_token(accounts, "mobility", SECRETS["mobility"], audience="bank"),
            "scope not its own": await service_token(
                accounts, "mobility", SECRETS["mobility"], audience="marketplace", scope="personal-data-export"
            ),
            "wrong secret": await service_token(accounts, "mobility", SECRETS["accounts"], audience="volunteers"),
            "unknown service": await service_token(accounts, "alerts", SECRETS["mobility"], audience="volunteers"),
        }
        assert {why: (r.status_code, r.json()["error"]) for why, r in refused.items()} == {
            "no audience": (400, "invalid_request"),
            "unknown audience": (400, "invalid_target"),
            "scope not its own": (400, "invalid_scope"),
            "wrong secret": (401, "invalid_client"),
            "unknown service": (401, "invalid_client"),
        }


async def exchange(accounts: Accounts, actor_token: str, subject: str, audience: str, **extra: str) -> httpx.Response:
    return await accounts.http.post(
        "/token",
        auth=accounts.basic(),  # the gateway, acting for the staff member's browser session
        data={
            "grant_type": TOKEN_EXCHANGE,
            "subject_token": subject,
            "subject_token_type": PERSON_ID,
            "actor_token": actor_token,
            "actor_token_type": ACCESS_TOKEN,
            "audience": audience,
            **extra,
        },
    )


async def test_staff_act_for_a_person_within_their_authority_and_both_are_audited(accounts: Accounts) -> None:
    desk = await accounts.operator_token(scopes="people-desk")
    desk_id = (await accounts.http.get("/me", headers=bearer(desk))).json()["sub"]
    created = await accounts.http.post(
        "/admin/people", headers=bearer(desk), json={"name": "Gertrud Neumann", "phone": "+49 39862 4711"}
    )
    gertrud = created.json()["id"]

    acted = await exchange(accounts, desk, gertrud, "mobility")
    assert acted.status_code == 200, acted.text
    body = acted.json()
    assert body["issued_token_type"] == ACCESS_TOKEN and "refresh_token" not in body
    claims = await claims_of(accounts, body["access_token"])
    assert claims["sub"] == gertrud and claims["act"] == {"sub": desk_id, "scope": "people-desk"}
    assert claims["aud"] == ["mobility"] and claims["roles"] == ["resident"]
    assert "people-desk" not in claims["scope"].split()  # the staff member's powers do not travel

    mobility_desk = await accounts.operator_token(scopes="mobility-desk")
    by_mobility_desk = await exchange(accounts, mobility_desk, gertrud, "mobility")
    assert by_mobility_desk.status_code == 200, by_mobility_desk.text
    assert (await claims_of(accounts, by_mobility_desk.json()["access_token"]))["act"]["scope"] == "mobility-desk"

    await accounts.registered("karl@schwedt.example", name="Karl Wagner")
    resident = (await accounts.tokens_for("karl@schwedt.example"))["access_token"]
    refused = {
        "mobility desk towards the marketplace": await exchange(accounts, mobility_desk, gertrud, "marketplace"),
        "a resident": await exchange(accounts, resident, gertrud, "mobility"),
        "towards accounts": await exchange(accounts, desk, gertrud, "accounts"),
        "for another staff member": await exchange(accounts, desk, desk_id, "mobility"),
        "an unknown person": await exchange(accounts, desk, "0b5e6a7c-1d2e-4f30-8a9b-0c1d2e3f4a5b", "mobility"),
        "a forged actor token": await exchange(
            accounts, tamper_claims(resident, scope="people-desk"), gertrud, "mobility"
        ),
        "an exchanged token as actor": await exchange(accounts, body["access_token"], gertrud, "mobility"),
        "a refresh token asked for": await exchange(
            accounts, desk, gertrud, "mobility", requested_token_type="urn:ietf:params:oauth:token-type:refresh_token"
        ),
    }
    assert {why: (r.status_code, r.json()["error"]) for why, r in refused.items()} == {
        "mobility desk towards the marketplace": (400, "invalid_target"),
        "a resident": (400, "invalid_target"),
        "towards accounts": (400, "invalid_target"),
        "for another staff member": (400, "invalid_grant"),
        "an unknown person": (400, "invalid_grant"),
        "a forged actor token": (400, "invalid_grant"),
        "an exchanged token as actor": (400, "invalid_grant"),
        "a refresh token asked for": (400, "invalid_request"),
    }

    admin = await accounts.operator_token(scopes="admin")
    log = (await accounts.http.get("/admin/audit-log", params={"person_id": gertrud}, headers=bearer(admin))).json()
    exchanges = [(e["actor_id"], e["details"]) for e in log["items"] if e["action"] == "token.exchanged"]
    mobility_desk_id = (await accounts.http.get("/me", headers=bearer(mobility_desk))).json()["sub"]
    assert exchanges == [
        (desk_id, {"audience": "mobility", "client_id": "gateway", "scope": "people-desk"}),
        (mobility_desk_id, {"audience": "mobility", "client_id": "gateway", "scope": "mobility-desk"}),
    ]


async def test_coordinators_do_not_act_for_their_helpers(accounts: Accounts) -> None:
    """No service takes a coordinator's exchanged token (volunteers takes the people desk's only), so
    accounts issues none."""
    admin = await accounts.operator_token(scopes="admin")
    await accounts.registered("anna@angermuende.example", name="Anna Becker")
    anna = await accounts.tokens_for("anna@angermuende.example")
    anna_id = (await accounts.http.get("/me", headers=bearer(anna["access_token"]))).json()["sub"]
    granted = await accounts.http.post(
        f"/admin/people/{anna_id}/roles", headers=bearer(admin),
        json={"role": "org_coordinator", "organisation_id": "tafel-prenzlau"},
    )
    assert granted.status_code == 201, granted.text
    coordinator = (await accounts.refresh(anna["refresh_token"])).json()["access_token"]
    helper = (
        await accounts.http.post("/admin/people", headers=bearer(admin), json={"name": "Otto", "phone": "+49 3984 1"})
    ).json()["id"]
    for audience in ("volunteers", "mobility"):
        refused = await exchange(accounts, coordinator, helper, audience)
        assert refused.status_code == 400 and refused.json()["error"] == "invalid_target", refused.text
