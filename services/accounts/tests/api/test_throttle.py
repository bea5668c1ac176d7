"""Brute force: 1,000 rapid failed logins for one account (sent concurrently) are throttled with 429
problem+json and Retry-After, even the right password waits out the lock, and another account logs
in fine meanwhile. A per-address budget stops password spraying across accounts."""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs, urlsplit

import httpx
from accounts_testkit import PASSWORD, Accounts, form_fields, make_settings, pkce_pair, start_accounts

CONCURRENCY = 40


async def login_form(accounts: Accounts) -> tuple[str, dict[str, str]]:
    _, challenge = pkce_pair()
    return form_fields((await accounts.authorize(challenge=challenge)).text)


async def test_a_thousand_failed_logins_are_throttled_and_others_unaffected(database_url: str) -> None:
    # The first lock (after the free attempts) lasts a minute, doubling with each guess let through, so it
    # still holds when the flood is over however slow the machine: with the default 2 s a flood that took
    # a minute on a busy box ended just as a lock did, and the right password got in.
    async with start_accounts(make_settings(database_url, login_lockout_base_seconds=60)) as accounts:
        await flood_then_right_password(accounts)


async def flood_then_right_password(accounts: Accounts) -> None:
    await accounts.registered("ziel@prenzlau.example")
    await accounts.registered("nachbar@prenzlau.example")
    action, fields = await login_form(accounts)
    gate = asyncio.Semaphore(CONCURRENCY)

    async def attempt(number: int) -> httpx.Response:
        async with gate:
            return await accounts.http.post(
                action,
                data={**fields, "email": "ziel@prenzlau.example", "password": f"falsch-{number:04d}-xx"},
            )

    async def neighbour_logs_in() -> str:
        await asyncio.sleep(0.5)  # while the flood is running
        code, _, _ = await accounts.log_in("nachbar@prenzlau.example")
        return code

    results = await asyncio.gather(*(attempt(n) for n in range(1000)), neighbour_logs_in())
    answers: list[httpx.Response] = list(results[:-1])  # type: ignore[arg-type]
    assert results[-1]  # the neighbour got a code
    statuses = [answer.status_code for answer in answers]
    assert set(statuses) <= {401, 429}
    assert statuses.count(429) >= 950, statuses.count(401)
    throttled = next(answer for answer in answers if answer.status_code == 429)
    assert throttled.headers["content-type"] == "application/problem+json"
    assert throttled.json()["code"] == "TOO_MANY_LOGIN_ATTEMPTS"
    assert int(throttled.headers["retry-after"]) >= 1

    # During the lock even the right password waits (and learns nothing).
    right = await accounts.http.post(
        action, data={**fields, "email": "ziel@prenzlau.example", "password": PASSWORD}
    )
    assert right.status_code == 429
    # A browser gets the German page with the same status and Retry-After.
    page = await accounts.http.post(
        action,
        headers={"Accept": "text/html"},
        data={**fields, "email": "ziel@prenzlau.example", "password": PASSWORD},
    )
    assert page.status_code == 429 and "Zu viele Versuche" in page.text and page.headers["retry-after"]


async def test_lock_grows_then_success_resets(database_url: str) -> None:
    settings = make_settings(database_url, login_failures_before_lockout=2, login_lockout_base_seconds=1)
    async with start_accounts(settings) as accounts:
        await accounts.registered("karl@schwedt.example")
        action, fields = await login_form(accounts)

        async def post(password: str) -> httpx.Response:
            return await accounts.http.post(
                action, data={**fields, "email": "karl@schwedt.example", "password": password}
            )

        assert (await post("falsch-falsch-1")).status_code == 401
        assert (await post("falsch-falsch-2")).status_code == 401  # attempt 2 runs, and locks for 1 s
        assert (await post(PASSWORD)).status_code == 429
        await asyncio.sleep(1.2)
        answer = await post(PASSWORD)
        assert answer.status_code == 303
        assert parse_qs(urlsplit(answer.headers["location"]).query)["code"]
        assert (await post("falsch-falsch-3")).status_code == 401  # counter was cleared


async def test_address_budget_stops_spraying(database_url: str) -> None:
    settings = make_settings(database_url, address_failure_budget=5)
    async with start_accounts(settings) as accounts:
        await accounts.registered("erika@prenzlau.example")
        action, fields = await login_form(accounts)
        for number in range(5):
            answer = await accounts.http.post(
                action,
                data={**fields, "email": f"person{number}@prenzlau.example", "password": "Sommer-im-Dorf-1"},
            )
            assert answer.status_code == 401
        sprayed = await accounts.http.post(
            action, data={**fields, "email": "erika@prenzlau.example", "password": PASSWORD}
        )
        assert sprayed.status_code == 429 and int(sprayed.headers["retry-after"]) > 60
