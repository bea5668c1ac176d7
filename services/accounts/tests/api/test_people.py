"""Sign-up, verification and password reset; no user enumeration: the same status and body for
known and unknown addresses on sign-up, reset and login."""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlsplit

from accounts_testkit import PASSWORD, Accounts, form_fields, pkce_pair


async def test_sign_up_answers_the_same_for_a_known_address(accounts: Accounts) -> None:
    await accounts.registered("erika@prenzlau.example")
    body = {"password": PASSWORD, "name": "Jemand"}
    known = await accounts.http.post("/people", json={**body, "email": "Erika@Prenzlau.example"})
    unknown = await accounts.http.post("/people", json={**body, "email": "neu@prenzlau.example"})
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    # The owner of the known address is told, and no second account exists.
    mails = await accounts.held_mail("erika@prenzlau.example")
    assert [m["subject"] for m in mails][-1] == "Anmeldung mit Ihrer E-Mail-Adresse"


async def test_reset_answers_the_same_for_a_known_address(accounts: Accounts) -> None:
    await accounts.registered("hans@templin.example")
    known = await accounts.http.post("/password-resets", json={"email": "hans@templin.example"})
    unknown = await accounts.http.post("/password-resets", json={"email": "niemand@templin.example"})
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    assert await accounts.held_mail("niemand@templin.example") == []


async def test_login_answers_the_same_for_an_unknown_address(accounts: Accounts) -> None:
    await accounts.registered("anna@angermuende.example")
    _, challenge = pkce_pair()
    action, fields = form_fields((await accounts.authorize(challenge=challenge)).text)
    answers = {}
    durations = {}
    for email in ("anna@angermuende.example", "wer@angermuende.example"):
        started = time.perf_counter()
        answer = await accounts.http.post(
            action, data={**fields, "email": email, "password": "nicht-richtig-1"}
        )
        durations[email] = time.perf_counter() - started
        answers[email] = (answer.status_code, answer.text.replace(email, "EMAIL"))
    assert answers["anna@angermuende.example"] == answers["wer@angermuende.example"]
    assert answers["anna@angermuende.example"][0] == 401
    # Both paths verify an argon2 hash: neither is an order of magnitude faster.
    fast, slow = sorted(durations.values())
    assert slow < fast * 10


async def test_password_policy(accounts: Accounts) -> None:
    for password in ("kurz", "1234567890", "aaaaaaaaaaaa", "erika@prenzlau.example"):
        response = await accounts.http.post(
            "/people", json={"email": "erika@prenzlau.example", "password": password, "name": "Erika"}
        )
        assert response.status_code == 422, password
        assert response.json()["errors"][0]["field"] == "body.password"


async def test_verification_token_is_single_use(accounts: Accounts) -> None:
    await accounts.sign_up("karl@schwedt.example")
    [mail] = await accounts.held_mail("karl@schwedt.example")
    assert mail["status"] == "held"  # no SMTP_URL: kept for operators
    token = parse_qs(urlsplit(re.search(r"(http\S+)", mail["body"]).group(1)).query)["token"][0]  # type: ignore[union-attr]
    assert (await accounts.http.post("/email-verifications", json={"token": token})).status_code == 204
    again = await accounts.http.post("/email-verifications", json={"token": token})
    assert again.status_code == 400 and again.json()["code"] == "TOKEN_INVALID"


async def test_first_verification_greets_the_person_in_their_feed(accounts: Accounts) -> None:
    from sqlalchemy import select

    from platformkit.tables import outbox

    await accounts.sign_up("greta@gramzow.example")
    [mail] = await accounts.held_mail("greta@gramzow.example")
    await accounts.verify_from_mail_body(mail["body"])
    async with accounts.db.read_sessions() as session:
        rows = (await (await session.connection()).execute(
            select(outbox.c.subject, outbox.c.data).where(outbox.c.subject.like("accounts.notify.%"))
        )).all()
    assert len(rows) == 1
    assert '"kind":"accounts.welcome"' in rows[0].data.replace(" ", "")


async def test_password_reset_through_the_mailed_page(accounts: Accounts) -> None:
    email = "jana@gramzow.example"
    await accounts.registered(email)
    tokens = await accounts.tokens_for(email)
    assert (await accounts.http.post("/password-resets", json={"email": email})).status_code == 202
    body = [m for m in await accounts.held_mail(email) if "neues Passwort" in m["subject"]][-1]["body"]
    link = re.search(r"(http\S+/password/reset\?token=\S+)", body).group(1)  # type: ignore[union-attr]
    page = await accounts.http.get(link)
    assert page.status_code == 200 and "Neues Passwort" in page.text
    action, fields = form_fields(page.text)
    done = await accounts.http.post(action, data={**fields, "password": "Neues-Passwort-fuer-Jana"})
    assert done.status_code == 200 and "geändert" in done.text
    # Single use; the old password no longer works, the new one does; old sessions ended.
    assert (
        await accounts.http.post(action, data={**fields, "password": "Noch-ein-Passwort-1"})
    ).status_code == 400
    assert (await accounts.refresh(tokens["refresh_token"])).json()["error"] == "invalid_grant"
    await accounts.tokens_for(email, "Neues-Passwort-fuer-Jana")
    _, challenge = pkce_pair()
    action, fields = form_fields((await accounts.authorize(challenge=challenge)).text)
    old = await accounts.http.post(action, data={**fields, "email": email, "password": PASSWORD})
    assert old.status_code == 401


async def test_reset_mails_are_limited_per_address(accounts: Accounts) -> None:
    email = "hans@templin.example"
    await accounts.registered(email)
    for _ in range(6):
        assert (await accounts.http.post("/password-resets", json={"email": email})).status_code == 202
    resets = [m for m in await accounts.held_mail(email) if "neues Passwort" in m["subject"]]
    assert len(resets) == accounts.settings.password_reset_mails_per_hour
