"""A person's notification channels over the API: push subscriptions (checked keys, the SSRF guard on
the endpoint, one row per browser, others' rows 404), the channel choice (only what can reach them),
and staff choosing for phone-only people (people-desk only, audited)."""

from __future__ import annotations

import base64
import os
from typing import Any

import pytest
from accounts_testkit import Accounts, bearer, make_settings, start_accounts
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def browser_subscription(endpoint: str) -> dict[str, Any]:
    key = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    keys = {"p256dh": b64url(key), "auth": b64url(os.urandom(16))}
    return {"endpoint": endpoint, "expirationTime": None, "keys": keys}


@pytest.fixture
async def accounts(database_url: str) -> Any:
    # Push endpoints on this machine are allowed here (a local stand-in for the push service).
    async with start_accounts(make_settings(database_url, outbound_allowed_networks="127.0.0.0/8")) as running:
        yield running


async def signed_in(accounts: Accounts, email: str) -> dict[str, str]:
    await accounts.registered(email)
    return bearer((await accounts.tokens_for(email))["access_token"])


async def test_a_browser_subscribes_once_and_unsubscribes(accounts: Accounts) -> None:
    erika = await signed_in(accounts, "erika@prenzlau.example")
    subscription = browser_subscription("http://127.0.0.1:9/push/erika-phone")
    created = await accounts.http.post("/me/push-subscriptions", json=subscription, headers=erika)
    assert created.status_code == 201, created.text
    again = await accounts.http.post("/me/push-subscriptions", json=subscription, headers=erika)
    assert again.status_code == 201 and again.json()["id"] == created.json()["id"]  # the same browser
    listed = (await accounts.http.get("/me/push-subscriptions", headers=erika)).json()["items"]
    assert [item["endpoint"] for item in listed] == ["http://127.0.0.1:9/push/erika-phone"]

    karl = await signed_in(accounts, "karl@schwedt.example")
    sub_id = created.json()["id"]
    assert (await accounts.http.delete(f"/me/push-subscriptions/{sub_id}", headers=karl)).status_code == 404
    assert (await accounts.http.get("/me/push-subscriptions", headers=karl)).json()["items"] == []
    assert (await accounts.http.delete(f"/me/push-subscriptions/{sub_id}", headers=erika)).status_code == 204
    assert (await accounts.http.get("/me/push-subscriptions", headers=erika)).json()["items"] == []
    assert (await accounts.http.post("/me/push-subscriptions", json=subscription)).status_code == 401


async def test_the_same_browser_moves_to_whoever_signs_in_there(accounts: Accounts) -> None:
    erika = await signed_in(accounts, "erika@prenzlau.example")
    karl = await signed_in(accounts, "karl@schwedt.example")
    subscription = browser_subscription("http://127.0.0.1:9/push/shared-tablet")
    await accounts.http.post("/me/push-subscriptions", json=subscription, headers=erika)
    await accounts.http.post("/me/push-subscriptions", json=subscription, headers=karl)
    assert (await accounts.http.get("/me/push-subscriptions", headers=erika)).json()["items"] == []
    assert len((await accounts.http.get("/me/push-subscriptions", headers=karl)).json()["items"]) == 1


BAD_SUBSCRIPTIONS: list[tuple[dict[str, Any], str, str | None]] = [
    ({"keys": {"p256dh": "AAAA", "auth": b64url(os.urandom(16))}}, "PUSH_SUBSCRIPTION_INVALID", "body.keys"),
    ({"keys": {"p256dh": b64url(b"\x04" + os.urandom(64)), "auth": "AA"}}, "PUSH_SUBSCRIPTION_INVALID", "body.keys"),
    ({"endpoint": "http://10.0.0.8/push/x"}, "PUSH_ENDPOINT_REFUSED", "body.endpoint"),
    ({"endpoint": "https://169.254.169.254/latest/meta-data/"}, "PUSH_ENDPOINT_REFUSED", "body.endpoint"),
    ({"endpoint": "https://[::1]/push"}, "PUSH_ENDPOINT_REFUSED", "body.endpoint"),
    ({"endpoint": "javascript:alert(1)"}, "PUSH_ENDPOINT_REFUSED", "body.endpoint"),
    ({"endpoint": "https://push.example/" + "a" * 2100}, "VALIDATION_FAILED", None),
    ({"keys": None}, "VALIDATION_FAILED", None),
]


async def test_bad_subscriptions_are_refused_with_their_field(accounts: Accounts) -> None:
    erika = await signed_in(accounts, "erika@prenzlau.example")
    for change, code, field in BAD_SUBSCRIPTIONS:
        body = {**browser_subscription("http://127.0.0.1:9/push/x"), **change}
        answer = await accounts.http.post("/me/push-subscriptions", json=body, headers=erika)
        assert answer.status_code == 422, (change, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
        problem = answer.json()
        if field is not None:
            assert problem["code"] == code and problem["errors"][0]["field"] == field, (change, problem)
    assert (await accounts.http.get("/me/push-subscriptions", headers=erika)).json()["items"] == []


async def test_local_push_endpoints_are_refused_without_the_development_allowance(database_url: str) -> None:
    async with start_accounts(make_settings(database_url)) as accounts:
        erika = await signed_in(accounts, "erika@prenzlau.example")
        body = browser_subscription("http://127.0.0.1:9/push/x")
        answer = await accounts.http.post("/me/push-subscriptions", json=body, headers=erika)
    assert answer.status_code == 422 and answer.json()["code"] == "PUSH_ENDPOINT_REFUSED"


async def test_a_person_chooses_among_the_channels_that_reach_them(accounts: Accounts) -> None:
    erika = await signed_in(accounts, "erika@prenzlau.example")
    first = (await accounts.http.get("/me/notification-channels", headers=erika)).json()
    assert first == {"channels": ["push"], "available": ["push", "mail"], "push_subscriptions": 0}

    path = "/me/notification-channels"
    no_phone = await accounts.http.put(path, json={"channels": ["mail", "sms"]}, headers=erika)
    assert no_phone.status_code == 422 and no_phone.json()["code"] == "CHANNEL_UNAVAILABLE"
    assert no_phone.json()["errors"][0]["field"] == "body.channels"
    unknown = await accounts.http.put(path, json={"channels": ["pigeon"]}, headers=erika)
    assert unknown.status_code == 422

    chosen = await accounts.http.put(path, json={"channels": ["mail"]}, headers=erika)
    assert chosen.status_code == 200 and chosen.json()["channels"] == ["mail"]
    assert (await accounts.http.get("/me/notification-channels", headers=erika)).json()["channels"] == ["mail"]

    me = (await accounts.http.get("/me", headers=erika)).json()
    version = {**erika, "If-Match": f'"{me["version"]}"'}
    await accounts.http.patch("/me", json={"phone": "+49 3984 555 1234"}, headers=version)
    both = await accounts.http.put(path, json={"channels": ["sms", "push"]}, headers=erika)
    assert both.json()["channels"] == ["push", "sms"]
    assert both.json()["available"] == ["push", "mail", "sms", "voice"]
    none = await accounts.http.put("/me/notification-channels", json={"channels": []}, headers=erika)
    assert none.json()["channels"] == []  # the live feed only


async def test_staff_choose_for_phone_only_people_and_it_is_audited(accounts: Accounts) -> None:
    desk = bearer(await accounts.operator_token("people-desk"))
    gerda = {"name": "Gerda Krüger", "phone": "+49 3332 12345"}
    created = await accounts.http.post("/admin/people", json=gerda, headers=desk)
    assert created.status_code == 201, created.text
    person_id = created.json()["id"]
    path = f"/admin/people/{person_id}/notification-channels"

    defaults = (await accounts.http.get(path, headers=desk)).json()
    assert defaults == {"channels": ["sms"], "available": ["sms", "voice"], "push_subscriptions": 0}
    chosen = await accounts.http.put(path, json={"channels": ["voice"]}, headers=desk)
    assert chosen.status_code == 200 and chosen.json()["channels"] == ["voice"]
    assert (await accounts.http.put(path, json={"channels": ["mail"]}, headers=desk)).status_code == 422

    admin = bearer(await accounts.operator_token("admin"))
    log = (await accounts.http.get("/admin/audit-log", params={"person_id": person_id}, headers=admin)).json()
    assert "notification_channels_chosen" in [entry["action"] for entry in log["items"]]

    erika = await signed_in(accounts, "erika@prenzlau.example")
    assert (await accounts.http.put(path, json={"channels": ["sms"]}, headers=erika)).status_code == 403
    erika_id = (await accounts.http.get("/me", headers=erika)).json()["id"]
    own_path = f"/admin/people/{erika_id}/notification-channels"
    own = await accounts.http.put(own_path, json={"channels": ["mail"]}, headers=desk)
    assert own.status_code == 409 and own.json()["code"] == "NOT_PHONE_ONLY"


async def test_operators_see_the_outgoing_messages_in_the_plumbing_numbers(accounts: Accounts) -> None:
    await accounts.sign_up("neu@templin.example")  # the verification mail, held (no SMTP_URL)
    admin = bearer(await accounts.operator_token("admin"))
    stats = await accounts.http.get("/ops/events", headers=admin)
    assert stats.status_code == 200, stats.text
    assert stats.json()["outbound"]["held"] >= 1
