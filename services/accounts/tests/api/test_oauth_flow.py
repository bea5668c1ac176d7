"""The browser login through the issuer, end to end: sign up -> the mail arrives at a real SMTP server
-> verify -> authorize with PKCE (the login form followed like a browser) -> token -> /me -> refresh
(rotation; a reused refresh token revokes the family) -> revoke at logout."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from accounts_testkit import (
    CALLBACK,
    ISSUER,
    PASSWORD,
    Accounts,
    MailSink,
    bearer,
    form_fields,
    make_settings,
    pkce_pair,
    start_accounts,
)
from joserfc import jwt
from joserfc.jwk import KeySet


async def test_discovery_and_jwks(accounts: Accounts) -> None:
    document = (await accounts.http.get("/.well-known/openid-configuration")).json()
    assert document["issuer"] == ISSUER
    assert document["jwks_uri"] == ISSUER + "/jwks.json"
    assert document["code_challenge_methods_supported"] == ["S256"]
    keys = (await accounts.http.get("/jwks.json")).json()["keys"]
    assert len(keys) == 1 and keys[0]["kty"] == "RSA" and keys[0]["alg"] == "RS256" and "d" not in keys[0]


async def test_sign_up_verify_log_in_refresh_log_out(
    database_url: str, smtp_server: tuple[str, MailSink]
) -> None:
    smtp_url, sink = smtp_server
    async with start_accounts(make_settings(database_url, smtp_url=smtp_url)) as accounts:
        email = "erika.schulze@prenzlau.example"
        await accounts.sign_up(email)
        [message] = await sink.wait_for(email)
        assert "bestätigen" in message["Subject"]
        await accounts.verify_from_mail_body(message.get_content())  # type: ignore[attr-defined]

        verifier, challenge = pkce_pair()
        page = await accounts.authorize(challenge=challenge, state="xyz-42", nonce="n-1")
        assert page.status_code == 200
        assert 'lang="de"' in page.text and '<label for="email">' in page.text and "Anmelden" in page.text
        assert page.headers["x-frame-options"] == "DENY"
        action, fields = form_fields(page.text)
        assert action == ISSUER + "/authorize"
        answer = await accounts.http.post(action, data={**fields, "email": email, "password": PASSWORD})
        assert answer.status_code == 303
        location = urlsplit(answer.headers["location"])
        assert f"{location.scheme}://{location.netloc}{location.path}" == CALLBACK
        query = parse_qs(location.query)
        assert query["state"] == ["xyz-42"]

        response = await accounts.exchange(query["code"][0], verifier)
        assert response.status_code == 200, response.text
        assert response.headers["cache-control"] == "no-store"
        token = response.json()
        assert token["token_type"] == "Bearer" and token["expires_in"] == 300

        keys = KeySet.import_key_set((await accounts.http.get("/jwks.json")).json())
        access = jwt.decode(token["access_token"], keys, algorithms=["RS256"])
        assert access.header["typ"] == "at+jwt" and access.header["kid"] == keys.keys[0].kid
        claims = access.claims
        assert claims["iss"] == ISSUER and "accounts" in claims["aud"] and "marketplace" in claims["aud"]
        assert claims["roles"] == ["resident"] and claims["client_id"] == "gateway"
        assert set(claims) >= {"sub", "exp", "iat", "jti", "scope"}
        assert claims["exp"] - claims["iat"] == 300
        id_token = jwt.decode(token["id_token"], keys, algorithms=["RS256"]).claims
        assert id_token["aud"] == ["gateway"] and id_token["nonce"] == "n-1" and id_token["email"] == email
        assert id_token["sub"] == claims["sub"]

        me = await accounts.http.get("/me", headers=bearer(token["access_token"]))
        assert me.status_code == 200, me.text
        assert (
            me.json()["email"] == email and me.json()["sub"] == claims["sub"] and me.json()["email_verified"]
        )

        rotated = await accounts.refresh(token["refresh_token"])
        assert rotated.status_code == 200, rotated.text
        second = rotated.json()
        assert second["refresh_token"] != token["refresh_token"]
        assert (await accounts.http.get("/me", headers=bearer(second["access_token"]))).status_code == 200

        # The old refresh token again: theft assumed, the whole family ends (the new one too).
        reused = await accounts.refresh(token["refresh_token"])
        assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
        assert (await accounts.refresh(second["refresh_token"])).json()["error"] == "invalid_grant"

        # A fresh login, then logout revokes its refresh token.
        third = await accounts.tokens_for(email)
        revoked = await accounts.http.post(
            "/revoke",
            auth=accounts.basic(),
            data={"token": third["refresh_token"], "token_type_hint": "refresh_token"},
        )
        assert revoked.status_code == 200
        assert (await accounts.refresh(third["refresh_token"])).json()["error"] == "invalid_grant"


async def test_wrong_password_is_a_login_page_again(accounts: Accounts) -> None:
    await accounts.registered("hans@templin.example")
    verifier, challenge = pkce_pair()
    page = await accounts.authorize(challenge=challenge)
    action, fields = form_fields(page.text)
    answer = await accounts.http.post(
        action, data={**fields, "email": "hans@templin.example", "password": "falsch-falsch"}
    )
    assert answer.status_code == 401
    assert "stimmen nicht" in answer.text and "location" not in answer.headers
    # The form keeps the OAuth request, so the next try works.
    assert form_fields(answer.text)[1] == fields
    del verifier


async def test_unverified_address_cannot_log_in(accounts: Accounts) -> None:
    await accounts.sign_up("neu@gramzow.example")
    _, challenge = pkce_pair()
    action, fields = form_fields((await accounts.authorize(challenge=challenge)).text)
    answer = await accounts.http.post(
        action, data={**fields, "email": "neu@gramzow.example", "password": PASSWORD}
    )
    assert answer.status_code == 403 and "bestätigen" in answer.text


async def test_wrong_pkce_verifier_is_invalid_grant(accounts: Accounts) -> None:
    await accounts.registered("anna@angermuende.example")
    code, _, _ = await accounts.log_in("anna@angermuende.example")
    other_verifier, _ = pkce_pair()
    response = await accounts.exchange(code, other_verifier)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


async def test_missing_verifier_is_invalid_request(accounts: Accounts) -> None:
    await accounts.registered("anna@angermuende.example")
    code, _, _ = await accounts.log_in("anna@angermuende.example")
    response = await accounts.http.post(
        "/token",
        auth=accounts.basic(),
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK},
    )
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


async def test_authorize_without_pkce_or_with_plain_goes_back_with_an_error(accounts: Accounts) -> None:
    params: dict[str, Any] = {
        "response_type": "code",
        "client_id": "gateway",
        "redirect_uri": CALLBACK,
        "scope": "openid",
        "state": "s1",
    }
    missing = await accounts.http.get("/authorize", params=params)
    plain = await accounts.http.get(
        "/authorize", params={**params, "code_challenge": "a" * 43, "code_challenge_method": "plain"}
    )
    for response in (missing, plain):
        assert response.status_code == 302
        query = parse_qs(urlsplit(response.headers["location"]).query)
        assert query["error"] == ["invalid_request"] and query["state"] == ["s1"]


async def test_unregistered_redirect_uri_is_never_followed(accounts: Accounts) -> None:
    _, challenge = pkce_pair()
    response = await accounts.authorize(challenge=challenge, redirect_uri="https://evil.example/cb")
    assert response.status_code == 400 and "location" not in response.headers
    unknown_client = await accounts.authorize(challenge=challenge, client_id="nobody")
    assert unknown_client.status_code == 400 and "location" not in unknown_client.headers


async def test_redirect_uri_must_match_at_the_token_endpoint(accounts: Accounts) -> None:
    await accounts.registered("karl@schwedt.example")
    code, _, verifier = await accounts.log_in("karl@schwedt.example")
    response = await accounts.exchange(code, verifier, redirect_uri="http://127.0.0.1:8000/other")
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


async def test_a_reused_code_is_refused_and_revokes_its_tokens(accounts: Accounts) -> None:
    await accounts.registered("karl@schwedt.example")
    code, _, verifier = await accounts.log_in("karl@schwedt.example")
    first = await accounts.exchange(code, verifier)
    assert first.status_code == 200
    again = await accounts.exchange(code, verifier)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    assert (await accounts.refresh(first.json()["refresh_token"])).json()["error"] == "invalid_grant"


async def test_wrong_client_secret_is_invalid_client(accounts: Accounts) -> None:
    await accounts.registered("karl@schwedt.example")
    code, _, verifier = await accounts.log_in("karl@schwedt.example")
    response = await accounts.http.post(
        "/token",
        auth=httpx.BasicAuth("gateway", "wrong"),
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CALLBACK,
            "code_verifier": verifier,
        },
    )
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"
