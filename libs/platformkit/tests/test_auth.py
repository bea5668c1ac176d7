"""platformkit.auth through a real FastAPI app, against a real local discovery/JWKS server.

Covers reliability.md scenarios 7 (forged algorithms), 8 (claim validation) and 9 (key rotation)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import Depends, FastAPI
from joserfc.jwk import ECKey, RSAKey

from platformkit.auth import (
    InvalidToken,
    OptionalPrincipalDep,
    Principal,
    PrincipalDep,
    TokenVerifier,
    TokenVerifierUnavailable,
    require_roles,
    require_scopes,
)
from platformkit.problems import install_problem_handlers
from platformkit.testing.tokens import (
    OidcIssuer,
    TestKeys,
    tamper_claims,
    tamper_signature,
)

PROBLEM = "application/problem+json"
INVALID = 'Bearer error="invalid_token"'


def make_app(verifier: TokenVerifier) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.state.token_verifier = verifier

    @app.get("/me")
    async def me(principal: PrincipalDep) -> dict[str, Any]:
        return {
            "sub": principal.sub,
            "roles": sorted(principal.roles),
            "scopes": sorted(principal.scopes),
            "merchant_id": principal.merchant_id,
            "organisation_id": principal.organisation_id,
            "client_id": principal.client_id,
            "actor": principal.actor,
        }

    @app.get("/maybe")
    async def maybe(principal: OptionalPrincipalDep) -> dict[str, Any]:
        return {"sub": principal.sub if principal else None}

    @app.get("/desk")
    async def desk(
        principal: Principal = Depends(require_roles("operator")),
        _scoped: Principal = Depends(require_scopes("verifier")),
    ) -> dict[str, str]:
        return {"sub": principal.sub}

    @app.get("/either")
    async def either(
        principal: Principal = Depends(require_roles("merchant", "operator", any_of=True)),
    ) -> dict[str, str]:
        return {"sub": principal.sub}

    return app


@dataclass
class Api:
    client: httpx.AsyncClient
    issuer: OidcIssuer
    verifier: TokenVerifier

    async def get(self, token: str | None, path: str = "/me") -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        return await self.client.get(path, headers=headers)

    @property
    def jwks_fetches(self) -> int:
        return self.issuer.server.jwks_fetches


@pytest.fixture
async def api(oidc_issuer: OidcIssuer) -> AsyncIterator[Api]:
    verifier = oidc_issuer.verifier()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=make_app(verifier)), base_url="http://svc"
    ) as client:
        yield Api(client, oidc_issuer, verifier)
    await verifier.aclose()


async def expect_401(api: Api, token: str, reason: str, *, path: str = "/me") -> None:
    response = await api.get(token, path)
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["www-authenticate"] == INVALID
    body = response.json()
    assert body["code"] == "INVALID_TOKEN"
    assert body["status"] == 401
    assert body["detail"] == f"The access token is not valid: {reason}."
    # Neither the token nor any of its parts is echoed.
    assert token not in response.text
    for part in token.split("."):
        if len(part) > 8:
            assert part not in response.text


async def warm_up(api: Api) -> None:
    """One good request, so the JWKS is cached (1 fetch), then move the clock past the refetch limit."""
    response = await api.get(api.issuer.tokens.issue())
    assert response.status_code == 200, response.text
    assert api.jwks_fetches == 1
    api.issuer.clock.advance(61)


# --- happy paths ---------------------------------------------------------------------------------


async def test_valid_rs256_token_gives_the_principal(api: Api) -> None:
    token = api.issuer.tokens.issue(
        "person-42",
        roles=["merchant", "resident"],
        scopes=["orders:write", "orders:read"],
        merchant_id="m-7",
        organisation_id="org-3",
        client_id="web",
        actor="staff-9",
    )
    response = await api.get(token)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "sub": "person-42",
        "roles": ["merchant", "resident"],
        "scopes": ["orders:read", "orders:write"],
        "merchant_id": "m-7",
        "organisation_id": "org-3",
        "client_id": "web",
        "actor": "staff-9",
    }
    # Discovery once, JWKS once, and both through real HTTP.
    assert api.issuer.server.requests == ["/.well-known/openid-configuration", "/jwks"]


async def test_es256_token_is_accepted(api: Api) -> None:
    response = await api.get(api.issuer.tokens.issue("ec-user", key="ec1"))
    assert response.status_code == 200, response.text
    assert response.json()["sub"] == "ec-user"


async def test_audience_list_containing_ours_is_accepted(api: Api) -> None:
    token = api.issuer.tokens.issue(audience=["mobility", api.issuer.audience])
    assert (await api.get(token)).status_code == 200


async def test_principal_helpers_and_repr_hides_claims(api: Api) -> None:
    token = api.issuer.tokens.issue("p1", roles=["operator"], scopes=["verifier", "admin"])
    principal = await api.verifier.verify(token)
    assert principal.has_role("operator") and not principal.has_role("resident")
    assert principal.has_scope("admin") and not principal.has_scope("alert-author")
    assert principal.claims["jti"]
    assert "claims" not in repr(principal) and principal.claims["jti"] not in repr(principal)
    with pytest.raises(ValueError):
        principal.sub = "other"  # type: ignore[misc]


async def test_a_service_naming_its_desks_takes_acting_tokens_only_from_them(api: Api) -> None:
    """ServiceSpec.acting_scopes (on app.state): an `act` without one of those authorities is refused before
    any route runs, also where a token is optional; tokens of one's own are not affected."""
    app = api.client._transport.app  # type: ignore[attr-defined]
    app.state.acting_scopes = frozenset({"people-desk"})
    desk = api.issuer.tokens.issue("person-1", extra_claims={"act": {"sub": "staff-1", "scope": "people-desk"}})
    answer = await api.get(desk)
    assert answer.status_code == 200 and answer.json()["actor"] == "staff-1"
    assert (await api.verifier.verify(desk)).acting_scope == "people-desk"
    coordinator = api.issuer.tokens.issue("person-1", extra_claims={
        "act": {"sub": "staff-2", "role": "org_coordinator", "organisation_id": "org-1"}})
    others = {"another desk": api.issuer.tokens.issue(
                  "person-1", extra_claims={"act": {"sub": "staff-1", "scope": "mobility-desk"}}),
              "no authority": api.issuer.tokens.issue("person-1", actor="staff-1"),
              "a coordinator": coordinator}
    for why, token in others.items():
        for path in ("/me", "/maybe"):
            refused = await api.get(token, path)
            assert refused.status_code == 403 and refused.json()["code"] == "FORBIDDEN", (why, path)
    assert (await api.get(api.issuer.tokens.issue("person-1"))).status_code == 200
    app.state.acting_scopes = None  # the default: every `act` taken, the routes decide
    assert (await api.get(coordinator)).status_code == 200


# --- scenario 8: claims --------------------------------------------------------------------------


async def test_expired_beyond_leeway_is_refused_and_within_leeway_accepted(api: Api) -> None:
    clock = api.issuer.clock
    late = api.issuer.tokens.issue("late", expires_in=300)
    slightly_late = api.issuer.tokens.issue("slightly-late", expires_in=300)
    clock.advance(300 + 10)
    response = await api.get(slightly_late)
    assert response.status_code == 200, response.text
    clock.advance(110)  # now 120 s after exp; leeway is 30
    await expect_401(api, late, "token expired")


async def test_missing_exp_is_refused(api: Api) -> None:
    await expect_401(api, api.issuer.tokens.issue(omit=["exp"]), "missing claim: exp")


async def test_missing_sub_is_refused(api: Api) -> None:
    await expect_401(api, api.issuer.tokens.issue(omit=["sub"]), "missing claim: sub")


async def test_nbf_in_the_future_is_refused(api: Api) -> None:
    nbf = int(api.issuer.clock()) + 600
    await expect_401(api, api.issuer.tokens.issue(extra_claims={"nbf": nbf}), "token not yet valid")


async def test_iat_in_the_future_is_refused(api: Api) -> None:
    iat = int(api.issuer.clock()) + 600
    await expect_401(api, api.issuer.tokens.issue(extra_claims={"iat": iat}), "invalid claim: iat")


async def test_wrong_issuer_is_refused(api: Api) -> None:
    token = api.issuer.tokens.issue(issuer="https://evil.example")
    await expect_401(api, token, "invalid claim: iss")
    await expect_401(api, api.issuer.tokens.issue(omit=["iss"]), "missing claim: iss")


async def test_wrong_audience_is_refused(api: Api) -> None:
    # A token for mobility sent to this service.
    await expect_401(api, api.issuer.tokens.issue(audience="mobility"), "invalid claim: aud")
    await expect_401(api, api.issuer.tokens.issue(audience=["mobility", "gateway"]), "invalid claim: aud")
    await expect_401(api, api.issuer.tokens.issue(omit=["aud"]), "missing claim: aud")


async def test_bad_signature_is_refused(api: Api) -> None:
    good = api.issuer.tokens.issue(roles=["resident"])
    await expect_401(api, tamper_signature(good), "bad signature")
    await expect_401(api, tamper_claims(good, roles=["operator"]), "bad signature")


async def test_malformed_role_claim_is_refused(api: Api) -> None:
    token = api.issuer.tokens.issue(extra_claims={"roles": "operator"})
    await expect_401(api, token, "malformed claim: roles")


async def test_other_token_types_are_refused(api: Api) -> None:
    token = api.issuer.tokens.issue(headers={"typ": "logout+jwt"})
    await expect_401(api, token, "wrong token type")
    assert (await api.get(api.issuer.tokens.issue(headers={"typ": "at+jwt"}))).status_code == 200


async def test_crit_header_and_garbage_are_refused(api: Api) -> None:
    token = api.issuer.tokens.issue(headers={"crit": ["kid"]})
    await expect_401(api, token, "unsupported header")
    # RFC 7797 unencoded payload (joserfc supports it by default): not for JWTs.
    token = api.issuer.tokens.issue(headers={"b64": False, "crit": ["b64"]})
    await expect_401(api, token, "unsupported header")
    await expect_401(api, "not-a-jwt", "malformed token")
    await expect_401(api, "a.b.c", "malformed token")
    await expect_401(api, api.issuer.tokens.issue(extra_claims={"pad": "x" * 9000}), "malformed token")


async def test_leeway_is_capped_at_60_seconds(oidc_issuer: OidcIssuer) -> None:
    verifier = oidc_issuer.verifier(leeway=300)
    try:
        assert verifier.leeway == 60
        token = oidc_issuer.tokens.issue(expires_in=100)
        oidc_issuer.clock.advance(100 + 50)
        assert (await verifier.verify(token)).sub == "resident-1"
        oidc_issuer.clock.advance(40)  # 90 s after exp: beyond 60 s, though within the 300 asked for
        with pytest.raises(InvalidToken) as caught:
            await verifier.verify(token)
        assert caught.value.reason == "token expired"
    finally:
        await verifier.aclose()
    assert oidc_issuer.verifier(leeway=0).leeway == 0
    with pytest.raises(ValueError):
        oidc_issuer.verifier(leeway=-1)


# --- scenario 7: forged algorithms ---------------------------------------------------------------


async def test_alg_none_is_refused(api: Api) -> None:
    await expect_401(api, api.issuer.tokens.forge_alg_none(roles=["operator"]), "algorithm not allowed")


async def test_hs256_signed_with_the_rsa_public_key_is_refused(api: Api) -> None:
    token = api.issuer.tokens.forge_hs256_with_public_key(roles=["operator"])
    await expect_401(api, token, "algorithm not allowed")


async def test_hmac_algorithms_cannot_even_be_configured(oidc_issuer: OidcIssuer) -> None:
    for algorithms in (("HS256",), ("RS256", "HS256"), ("none",), ()):
        with pytest.raises(ValueError):
            oidc_issuer.verifier(algorithms=algorithms)


async def test_algorithm_outside_the_allow_list_is_refused(api: Api) -> None:
    # RS384 is a fine algorithm, but this service allows only RS256 and ES256.
    await expect_401(api, api.issuer.tokens.issue(alg="RS384"), "algorithm not allowed")


async def test_es256_refused_when_only_rs256_is_allowed(oidc_issuer: OidcIssuer) -> None:
    verifier = oidc_issuer.verifier(algorithms=["RS256"])
    try:
        with pytest.raises(InvalidToken) as caught:
            await verifier.verify(oidc_issuer.tokens.issue(key="ec1"))
        assert caught.value.reason == "algorithm not allowed"
    finally:
        await verifier.aclose()


async def test_key_type_must_fit_the_algorithm(api: Api) -> None:
    # Signed ES256 but naming our RSA key: refused before any signature check.
    token = api.issuer.tokens.issue(key="ec1", headers={"kid": "k1"})
    await expect_401(api, token, "key does not fit the algorithm")


# --- scenario 9: keys, kid, embedded keys ---------------------------------------------------------


async def test_embedded_jwk_header_is_ignored(api: Api) -> None:
    attacker = ECKey.generate_key("P-256", parameters={"kid": "attacker"}, private=True)
    # Claims our kid "ec1" and carries the attacker's key: verified with OUR ec1, so the signature fails.
    token = api.issuer.tokens.forge_embedded_jwk(attacker, roles=["operator"])
    await expect_401(api, token, "bad signature")
    # The same with the attacker's own kid: unknown to our JWKS.
    token = api.issuer.tokens.forge_embedded_jwk(attacker, kid="attacker")
    await expect_401(api, token, "unknown key id")


async def test_embedded_rsa_jwk_header_is_refused(api: Api) -> None:
    attacker = RSAKey.generate_key(2048, parameters={"kid": "attacker"}, private=True)
    token = api.issuer.tokens.forge_embedded_jwk(attacker, roles=["operator"])
    # joserfc refuses a header over 512 bytes before anything else; a 2048-bit n makes it ~600.
    await expect_401(api, token, "malformed token")


async def test_jku_header_is_never_followed(api: Api, attacker_issuer: OidcIssuer) -> None:
    evil = attacker_issuer.keys.private("evil")
    fake_k1 = attacker_issuer.keys.private("k1")  # the attacker's key, using our kid name
    tokens = api.issuer.tokens
    await expect_401(api, tokens.forge_jku(evil, attacker_issuer.jwks_url, kid="evil"), "unknown key id")
    await expect_401(api, tokens.forge_jku(fake_k1, attacker_issuer.jwks_url, kid="k1"), "bad signature")
    assert attacker_issuer.server.requests == []
    assert api.issuer.server.requests == ["/.well-known/openid-configuration", "/jwks"]


async def test_unknown_kid_refetches_once_then_is_rate_limited(api: Api) -> None:
    await warm_up(api)
    api.issuer.keys.add_rsa("k9", publish=False)
    api.issuer.keys.add_rsa("k10", publish=False)
    await expect_401(api, api.issuer.tokens.issue(key="k9"), "unknown key id")
    assert api.jwks_fetches == 2
    api.issuer.clock.advance(59)
    await expect_401(api, api.issuer.tokens.issue(key="k10"), "unknown key id")
    await expect_401(api, api.issuer.tokens.issue(key="k9"), "unknown key id")
    assert api.jwks_fetches == 2
    api.issuer.clock.advance(1)  # 60 s after the refetch
    await expect_401(api, api.issuer.tokens.issue(key="k10"), "unknown key id")
    assert api.jwks_fetches == 3
    assert api.issuer.server.discovery_fetches == 1  # jwks_uri is remembered


async def test_unknown_kid_right_after_the_first_fetch_does_not_refetch(api: Api) -> None:
    assert (await api.get(api.issuer.tokens.issue())).status_code == 200
    api.issuer.keys.add_rsa("k9", publish=False)
    await expect_401(api, api.issuer.tokens.issue(key="k9"), "unknown key id")
    assert api.jwks_fetches == 1


async def test_concurrent_requests_cause_one_fetch(api: Api) -> None:
    tokens = [api.issuer.tokens.issue(f"p{i}") for i in range(20)]
    responses = await asyncio.gather(*(api.get(token) for token in tokens))
    assert [r.status_code for r in responses] == [200] * 20
    assert api.jwks_fetches == 1
    api.issuer.clock.advance(61)
    api.issuer.keys.add_rsa("k2")
    new = [api.issuer.tokens.issue(f"n{i}", key="k2") for i in range(20)]
    responses = await asyncio.gather(*(api.get(token) for token in new))
    assert [r.status_code for r in responses] == [200] * 20
    assert api.jwks_fetches == 2


async def test_key_rotation(api: Api) -> None:
    await warm_up(api)
    keys, tokens = api.issuer.keys, api.issuer.tokens
    keys.add_rsa("k2")  # the IdP publishes k2 and signs with it
    response = await api.get(tokens.issue("rotated", key="k2"))
    assert response.status_code == 200, response.text
    assert api.jwks_fetches == 2
    assert (await api.get(tokens.issue(key="k2"))).status_code == 200
    assert api.jwks_fetches == 2  # k2 is cached now

    keys.remove("k1")
    # Until the next refetch the cached k1 still verifies.
    assert (await api.get(tokens.issue(key="k1"))).status_code == 200
    api.issuer.clock.advance(61)
    keys.add_rsa("k9", publish=False)
    await expect_401(api, tokens.issue(key="k9"), "unknown key id")  # triggers the refetch
    assert api.jwks_fetches == 3
    await expect_401(api, tokens.issue(key="k1"), "unknown key id")
    assert api.jwks_fetches == 3
    assert (await api.get(tokens.issue(key="k2"))).status_code == 200


async def test_removed_key_stops_working_when_the_cache_expires(api: Api) -> None:
    await warm_up(api)
    api.issuer.keys.remove("k1")
    api.issuer.clock.advance(api.verifier.cache_ttl)
    await expect_401(api, api.issuer.tokens.issue(key="k1"), "unknown key id")
    assert api.jwks_fetches == 2


async def test_token_without_kid_is_refused_when_the_set_has_several_keys(api: Api) -> None:
    assert api.issuer.keys.published == ["k1", "ec1"]
    await expect_401(api, api.issuer.tokens.issue(headers={"kid": None}), "key id required")


async def test_token_without_kid_is_accepted_with_a_single_key() -> None:
    issuer = OidcIssuer(TestKeys(rsa_kids=("solo",), ec_kids=())).start()
    verifier = issuer.verifier(jwks_url=issuer.jwks_url)
    try:
        principal = await verifier.verify(issuer.tokens.issue("solo-user", key="solo", headers={"kid": None}))
        assert principal.sub == "solo-user"
        assert issuer.server.discovery_fetches == 0  # jwks_url given: no discovery
    finally:
        await verifier.aclose()
        issuer.stop()


# --- JWKS not available: 503, not 401 ------------------------------------------------------------


async def test_unreachable_jwks_is_503_not_401(api: Api) -> None:
    api.issuer.server.jwks_status = 503
    token = api.issuer.tokens.issue()
    response = await api.get(token)
    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["retry-after"] == "5"
    assert response.json()["code"] == "AUTH_UNAVAILABLE"
    assert token not in response.text
    assert api.jwks_fetches == 1
    # Within the retry pause no new fetch; afterwards it recovers.
    api.issuer.server.jwks_status = 200
    assert (await api.get(token)).status_code == 503
    assert api.jwks_fetches == 1
    api.issuer.clock.advance(5)
    assert (await api.get(token)).status_code == 200
    assert api.jwks_fetches == 2


async def test_cached_keys_survive_a_failed_refresh(api: Api) -> None:
    await warm_up(api)
    api.issuer.server.jwks_status = 500
    api.issuer.clock.advance(api.verifier.cache_ttl)
    assert (await api.get(api.issuer.tokens.issue())).status_code == 200
    assert api.jwks_fetches == 2


async def test_issuer_down_raises_unavailable() -> None:
    issuer = OidcIssuer().start()
    issuer.stop()  # nothing listens on that port any more
    verifier = issuer.verifier()
    try:
        with pytest.raises(TokenVerifierUnavailable):
            await verifier.verify(issuer.tokens.issue())
    finally:
        await verifier.aclose()


# --- the FastAPI dependencies --------------------------------------------------------------------


async def test_missing_token_is_401_missing_token(api: Api) -> None:
    response = await api.get(None)
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["code"] == "MISSING_TOKEN"
    assert api.jwks_fetches == 0


async def test_non_bearer_authorization_is_invalid(api: Api) -> None:
    response = await api.client.get("/me", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == INVALID
    assert response.json()["code"] == "INVALID_TOKEN"
    assert "dXNlcjpwYXNz" not in response.text


async def test_optional_principal(api: Api) -> None:
    response = await api.get(None, "/maybe")
    assert response.status_code == 200
    assert response.json() == {"sub": None}
    response = await api.get(api.issuer.tokens.issue("someone"), "/maybe")
    assert response.json() == {"sub": "someone"}
    await expect_401(api, api.issuer.tokens.issue(audience="other"), "invalid claim: aud", path="/maybe")


async def test_require_roles_and_scopes(api: Api) -> None:
    tokens = api.issuer.tokens
    response = await api.get(tokens.issue(roles=["resident"], scopes=["verifier"]), "/desk")
    assert response.status_code == 403
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "FORBIDDEN"

    response = await api.get(tokens.issue(roles=["operator"], scopes=["mobility-desk"]), "/desk")
    assert response.status_code == 403
    assert response.json()["code"] == "FORBIDDEN"
    assert response.headers["www-authenticate"] == 'Bearer error="insufficient_scope"'

    response = await api.get(tokens.issue("op-1", roles=["operator"], scopes=["verifier", "admin"]), "/desk")
    assert response.status_code == 200
    assert response.json() == {"sub": "op-1"}

    await expect_401(
        api,
        tokens.forge_alg_none(roles=["operator"], scopes=["verifier"]),
        "algorithm not allowed",
        path="/desk",
    )
    assert (await api.get(None, "/desk")).status_code == 401


async def test_require_roles_any_of(api: Api) -> None:
    tokens = api.issuer.tokens
    assert (await api.get(tokens.issue(roles=["merchant"]), "/either")).status_code == 200
    assert (await api.get(tokens.issue(roles=["operator"]), "/either")).status_code == 200
    assert (await api.get(tokens.issue(roles=["resident"]), "/either")).status_code == 403
    with pytest.raises(ValueError):
        require_roles()
