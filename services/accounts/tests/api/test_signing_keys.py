"""Key rotation: a new key signs from then on; tokens of the old key keep verifying (the old key stays
in the JWKS) until they have expired, then the old key leaves the JWKS."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
from accounts_testkit import Accounts, bearer
from joserfc import jws

from accounts import issuer
from accounts.domain.signing import StoredKey, published_keys
from platformkit.db import utcnow


def kid_of(token: str) -> str:
    return str(jws.extract_compact(token.encode()).headers()["kid"])


async def test_rotation_keeps_old_tokens_valid_and_signs_with_the_new_key(accounts: Accounts) -> None:
    await accounts.registered("erika@prenzlau.example")
    old = (await accounts.tokens_for("erika@prenzlau.example"))["access_token"]
    old_kid = kid_of(old)

    admin = await accounts.operator_token(scopes="admin")
    rotated = await accounts.http.post("/admin/signing-keys", headers=bearer(admin))
    assert rotated.status_code == 201, rotated.text
    new_kid = rotated.json()["kid"]
    assert new_kid != old_kid

    published = {key["kid"] for key in (await accounts.http.get("/jwks.json")).json()["keys"]}
    assert published == {old_kid, new_kid}
    new = (await accounts.tokens_for("erika@prenzlau.example"))["access_token"]
    assert kid_of(new) == new_kid
    for token in (old, new):
        assert (await accounts.http.get("/me", headers=bearer(token))).status_code == 200

    listed = (await accounts.http.get("/admin/signing-keys", headers=bearer(admin))).json()
    assert [key["kid"] for key in listed] == [old_kid, new_kid]

    # Once every token of the old key has expired, the old key is no longer published.
    stored = await issuer.load_keys(accounts.db, accounts.settings)
    later = utcnow() + issuer.max_token_lifetime(accounts.settings) + timedelta(seconds=1)
    assert [
        key.kid for key in published_keys(stored, later, issuer.max_token_lifetime(accounts.settings))
    ] == [new_kid]


async def test_a_token_of_an_unknown_key_is_refused(accounts: Accounts) -> None:
    from joserfc import jwt
    from joserfc.jwk import RSAKey

    await accounts.registered("hans@templin.example")
    real = (await accounts.tokens_for("hans@templin.example"))["access_token"]
    claims = jws.extract_compact(real.encode()).payload
    stranger = RSAKey.generate_key(2048, parameters={"kid": "stranger"}, private=True)
    import json

    forged = jwt.encode({"alg": "RS256", "kid": "stranger", "typ": "at+jwt"}, json.loads(claims), stranger)
    response = await accounts.http.get("/me", headers=bearer(forged))
    assert response.status_code == 401
    assert isinstance(response, httpx.Response)


async def test_replicas_starting_together_make_one_first_key(accounts: Accounts) -> None:
    """The start-up step and the first requests (or several replicas) all find no key and race to
    make one: exactly one first key comes out, and all of them sign with it."""
    from sqlmodel import delete

    from accounts.models import SigningKey

    async with accounts.db.transaction() as session:
        await session.exec(delete(SigningKey))  # type: ignore[call-overload]

    async def starting(after_ms: int) -> list[StoredKey]:
        # Staggered starts: some arrive while the first key is being generated, some as it commits.
        await asyncio.sleep(after_ms / 1000)
        return await issuer.load_keys(accounts.db, accounts.settings)

    racing = await asyncio.gather(*(starting(after_ms) for after_ms in range(0, 400, 4)))
    assert {tuple(key.kid for key in keys) for keys in racing} == {(racing[0][0].kid,)}
    assert [key.kid for key in await issuer.load_keys(accounts.db, accounts.settings)] == [racing[0][0].kid]
