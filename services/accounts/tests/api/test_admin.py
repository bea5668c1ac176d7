"""District staff: phone-only people (audited with the staff member's id), role grants (in the next
token), the audit log, held mails; residents get 403."""

from __future__ import annotations

from accounts_testkit import Accounts, bearer
from joserfc import jwt
from joserfc.jwk import KeySet


async def test_phone_only_person_created_changed_and_erased_by_staff(accounts: Accounts) -> None:
    desk = await accounts.operator_token(scopes="people-desk")
    desk_sub = (await accounts.http.get("/me", headers=bearer(desk))).json()["sub"]
    created = await accounts.http.post(
        "/admin/people",
        headers=bearer(desk),
        json={"name": "Gertrud Neumann", "phone": "+49 39862 4711", "home_place": "Gramzow"},
    )
    assert created.status_code == 201, created.text
    person = created.json()
    assert person["phone_only"] and person["email"] is None
    changed = await accounts.http.patch(
        f"/admin/people/{person['id']}",
        headers={**bearer(desk), "If-Match": created.headers["etag"]},
        json={"phone": "+49 39862 4712"},
    )
    assert changed.status_code == 200 and changed.json()["phone"] == "+49 39862 4712"
    assert (
        await accounts.http.delete(f"/admin/people/{person['id']}", headers=bearer(desk))
    ).status_code == 204
    assert (await accounts.http.get(f"/admin/people/{person['id']}", headers=bearer(desk))).status_code == 404

    admin = await accounts.operator_token(scopes="admin")
    log = (
        await accounts.http.get("/admin/audit-log", params={"person_id": person["id"]}, headers=bearer(admin))
    ).json()
    assert [(e["action"], e["actor_id"]) for e in log["items"]] == [
        ("person.created_phone_only", desk_sub),
        ("person.updated", desk_sub),
        ("person.erased", desk_sub),
    ]
    assert log["items"][1]["details"] == {"fields": ["phone"]}  # which fields, never their values


async def test_the_desk_finds_phone_only_people_by_name_or_number(accounts: Accounts) -> None:
    desk = await accounts.operator_token(scopes="people-desk")
    for name, phone in (("Gertrud Neumann", "+49 39862 4711"), ("Hans Neumann", "039862 5522"),
                        ("Erna Krause", "+49 3984 1234"), ("Gerd Mustermann", "+49 3984 9999")):
        created = await accounts.http.post("/admin/people", headers=bearer(desk), json={"name": name, "phone": phone})
        assert created.status_code == 201, created.text
    await accounts.registered("neumann@prenzlau.example", name="Karla Neumann")  # has a login: not the desk's

    async def names(q: str, **params: str) -> list[str]:
        found = await accounts.http.get("/admin/people", params={"q": q, **params}, headers=bearer(desk))
        assert found.status_code == 200, found.text
        return [p["name"] for p in found.json()["items"]]

    assert await names("neumann") == ["Gertrud Neumann", "Hans Neumann"]
    assert await names("NEUM") == ["Gertrud Neumann", "Hans Neumann"]
    assert await names("0398624711") == ["Gertrud Neumann"]  # said with the leading 0, stored with +49
    assert await names("39862 55 22") == ["Hans Neumann"]
    assert await names("%an") == []  # a wildcard is a character like any other
    assert await names("Otto Meier") == []
    first = (await accounts.http.get("/admin/people", params={"q": "mann", "limit": 1}, headers=bearer(desk))).json()
    assert [p["name"] for p in first["items"]] == ["Gerd Mustermann"] and first["next_cursor"]
    assert await names("mann", cursor=first["next_cursor"]) == ["Gertrud Neumann", "Hans Neumann"]

    for q in ("", "  ", "x"):
        too_short = await accounts.http.get("/admin/people", params={"q": q}, headers=bearer(desk))
        assert too_short.status_code == 422 and too_short.json()["code"] == "QUERY_TOO_SHORT", too_short.text
        assert too_short.json()["errors"][0]["field"] == "query.q"

    admin = await accounts.operator_token(scopes="admin")
    log = (await accounts.http.get("/admin/audit-log", headers=bearer(admin))).json()["items"]
    searched = [e for e in log if e["action"] == "people.searched"]
    assert searched and "neumann" not in str(searched).lower()  # that staff searched, not for whom


async def test_staff_scopes_are_checked(accounts: Accounts) -> None:
    await accounts.registered("erika@prenzlau.example")
    resident = (await accounts.tokens_for("erika@prenzlau.example"))["access_token"]
    verifier = await accounts.operator_token(scopes="verifier")
    for token in (resident, verifier):
        assert (
            await accounts.http.post(
                "/admin/people", headers=bearer(token), json={"name": "X", "phone": "+49 1234 5678"}
            )
        ).status_code == 403
        assert (await accounts.http.get("/admin/audit-log", headers=bearer(token))).status_code == 403
        assert (
            await accounts.http.get("/admin/people", params={"q": "Neumann"}, headers=bearer(token))
        ).status_code == 403


async def test_role_grant_reaches_the_next_token_and_is_audited(accounts: Accounts) -> None:
    await accounts.registered("anna@angermuende.example")
    anna = await accounts.tokens_for("anna@angermuende.example")
    anna_id = (await accounts.http.get("/me", headers=bearer(anna["access_token"]))).json()["id"]
    admin = await accounts.operator_token(scopes="admin")
    bad = await accounts.http.post(
        f"/admin/people/{anna_id}/roles", headers=bearer(admin), json={"role": "org_coordinator"}
    )
    assert bad.status_code == 422
    grant = await accounts.http.post(
        f"/admin/people/{anna_id}/roles",
        headers=bearer(admin),
        json={"role": "org_coordinator", "organisation_id": "tafel-prenzlau"},
    )
    assert grant.status_code == 201
    staff = await accounts.http.post(
        f"/admin/people/{anna_id}/roles",
        headers=bearer(admin),
        json={"role": "operator", "scopes": ["mobility-desk"]},
    )
    assert staff.status_code == 201

    keys = KeySet.import_key_set((await accounts.http.get("/jwks.json")).json())
    refreshed = (await accounts.refresh(anna["refresh_token"])).json()
    claims = jwt.decode(refreshed["access_token"], keys, algorithms=["RS256"]).claims
    assert claims["roles"] == ["operator", "org_coordinator", "resident"]
    assert claims["organisation_id"] == "tafel-prenzlau"
    assert "mobility-desk" in claims["scope"].split()

    revoked = await accounts.http.delete(
        f"/admin/people/{anna_id}/roles/{staff.json()['id']}", headers=bearer(admin)
    )
    assert revoked.status_code == 204
    claims = jwt.decode(
        (await accounts.refresh(refreshed["refresh_token"])).json()["access_token"],
        keys,
        algorithms=["RS256"],
    ).claims
    assert (
        claims["roles"] == ["org_coordinator", "resident"] and "mobility-desk" not in claims["scope"].split()
    )
    log = (
        await accounts.http.get("/admin/audit-log", params={"person_id": anna_id}, headers=bearer(admin))
    ).json()
    assert [e["action"] for e in log["items"]] == ["role.granted", "role.granted", "role.revoked"]


async def test_operators_read_held_mail(accounts: Accounts) -> None:
    await accounts.sign_up("karl@schwedt.example")
    admin = await accounts.operator_token(scopes="admin")
    mails = (
        await accounts.http.get("/admin/mails", params={"status": "held"}, headers=bearer(admin))
    ).json()["items"]
    assert any(
        m["to_address"] == "karl@schwedt.example" and "/email/verify?token=" in m["body"] for m in mails
    )
