"""A person's own data: read, change with If-Match, export, erase; another person's data is 404."""

from __future__ import annotations

import json

from accounts_testkit import Accounts, bearer


async def test_read_and_change_with_if_match(accounts: Accounts) -> None:
    await accounts.registered("erika@prenzlau.example")
    token = (await accounts.tokens_for("erika@prenzlau.example"))["access_token"]
    me = await accounts.http.get("/me", headers=bearer(token))
    etag = me.headers["etag"]
    assert me.json()["home_place"] == "Prenzlau"

    missing = await accounts.http.patch("/me", json={"home_place": "Gramzow"}, headers=bearer(token))
    assert missing.status_code == 428
    changed = await accounts.http.patch(
        "/me", json={"home_place": "Gramzow"}, headers={**bearer(token), "If-Match": etag}
    )
    assert changed.status_code == 200 and changed.json()["home_place"] == "Gramzow"
    assert changed.headers["etag"] != etag
    stale = await accounts.http.patch(
        "/me", json={"name": "E. Schulze"}, headers={**bearer(token), "If-Match": etag}
    )
    assert stale.status_code == 412 and stale.json()["code"] == "VERSION_MISMATCH"
    mass = await accounts.http.patch(
        "/me", json={"email": "x@y.example"}, headers={**bearer(token), "If-Match": etag}
    )
    assert mass.status_code == 422  # e-mail (and roles, version ...) cannot be assigned here


async def test_without_or_with_a_forged_token_401(accounts: Accounts) -> None:
    assert (await accounts.http.get("/me")).status_code == 401
    forged = await accounts.http.get("/me", headers=bearer("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."))
    assert forged.status_code == 401


async def test_export_holds_what_accounts_knows(accounts: Accounts) -> None:
    await accounts.registered("karl@schwedt.example", name="Karl Wagner")
    token = (await accounts.tokens_for("karl@schwedt.example"))["access_token"]
    response = await accounts.http.get("/me/export", headers=bearer(token))
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    data = json.loads(response.text)
    assert data["person"]["email"] == "karl@schwedt.example" and data["person"]["name"] == "Karl Wagner"
    assert "password_hash" not in data["person"] and data["person"]["has_password"] is True
    assert len(data["sessions"]) == 1 and data["mails"][0]["subject"]


async def test_another_persons_data_is_404(accounts: Accounts) -> None:
    await accounts.registered("anna@angermuende.example")
    await accounts.registered("hans@templin.example")
    anna = (await accounts.tokens_for("anna@angermuende.example"))["access_token"]
    hans_id = (
        await accounts.http.get(
            "/me", headers=bearer((await accounts.tokens_for("hans@templin.example"))["access_token"])
        )
    ).json()["id"]
    # People's staff route: a resident is not staff (403); an unknown id is 404 for staff.
    assert (await accounts.http.get(f"/admin/people/{hans_id}", headers=bearer(anna))).status_code == 403
    operator = await accounts.operator_token()
    assert (
        await accounts.http.get(
            "/admin/people/00000000-0000-0000-0000-000000000000", headers=bearer(operator)
        )
    ).status_code == 404


async def test_logout_everywhere_ends_refresh_tokens(accounts: Accounts) -> None:
    await accounts.registered("jana@gramzow.example")
    first = await accounts.tokens_for("jana@gramzow.example")
    second = await accounts.tokens_for("jana@gramzow.example")
    assert (await accounts.http.post("/me/logout", headers=bearer(second["access_token"]))).status_code == 204
    for tokens in (first, second):
        assert (await accounts.refresh(tokens["refresh_token"])).json()["error"] == "invalid_grant"
