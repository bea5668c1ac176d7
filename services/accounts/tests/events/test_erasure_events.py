"""Erasure and registration go out as events through the outbox to a real nats-server; after an
erasure no personal data of the person is left in any table of accounts."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import nats
from accounts_testkit import Accounts, bearer, make_settings, start_accounts
from sqlalchemy import text

from accounts.crud._sql import execute
from eventcontracts.accounts import PersonErasedV1, PersonRegisteredV1
from platformkit.events import decode
from platformkit.natsserver import NatsServer


async def fetch(nats_url: str, subject: str, count: int) -> list[tuple[dict[str, str], bytes]]:
    """Messages of `subject` as a consumer service would read them (a pull consumer on ACCOUNTS)."""
    connection = await nats.connect(nats_url)
    try:
        js = connection.jetstream()
        subscription = await js.pull_subscribe(subject, durable=None, stream="ACCOUNTS")
        got: list[Any] = []
        deadline = asyncio.get_running_loop().time() + 30
        while len(got) < count and asyncio.get_running_loop().time() < deadline:
            try:
                got += await subscription.fetch(count - len(got), timeout=1)
            except nats.errors.TimeoutError:
                continue
        return [(dict(message.headers or {}), message.data) for message in got]
    finally:
        await connection.close()


async def all_text_in_database(accounts: Accounts) -> str:
    """Every value of every row of every table, as one string."""
    async with accounts.db.session() as session:
        chunks = []
        for table in accounts.app.state.spec.metadata.sorted_tables:
            rows = (await execute(session, text(f'SELECT * FROM "{table.name}"'))).all()  # noqa: S608 - our names
            chunks += [json.dumps([str(value) for value in row], ensure_ascii=False) for row in rows]
    return "\n".join(chunks)


async def test_erasure_publishes_the_event_and_leaves_no_personal_data(
    database_url: str, nats_server: NatsServer
) -> None:
    async with start_accounts(make_settings(database_url, nats_url=nats_server.url)) as accounts:
        await accounts.app.state.events.wait_ready()
        email, name = "gisela.hoffmann@gramzow.example", "Gisela Hoffmann"
        await accounts.registered(email, name=name)
        tokens = await accounts.tokens_for(email)
        me = (await accounts.http.get("/me", headers=bearer(tokens["access_token"]))).json()
        person_id = me["id"]
        patched = await accounts.http.patch(
            "/me",
            json={"phone": "+49 3984 555 1234"},
            headers={**bearer(tokens["access_token"]), "If-Match": f'"{me["version"]}"'},
        )
        assert patched.status_code == 200

        erased = await accounts.http.delete("/me", headers=bearer(tokens["access_token"]))
        assert erased.status_code == 204

        [(headers, body)] = await fetch(nats_server.url, "accounts.person.erased.v1", 1)
        envelope, event = decode(headers, body, PersonErasedV1)
        assert str(event.person_id) == person_id and envelope.subject == person_id
        [(headers, body)] = await fetch(nats_server.url, "accounts.person.registered.v1", 1)
        assert str(decode(headers, body, PersonRegisteredV1)[1].person_id) == person_id

        # The person is gone for the API; their tokens and refresh tokens are dead.
        assert (await accounts.http.get("/me", headers=bearer(tokens["access_token"]))).status_code == 404
        assert (await accounts.refresh(tokens["refresh_token"])).json()["error"] == "invalid_grant"

        everything = await all_text_in_database(accounts)
        for personal in (email, name, "Gisela", "+49 3984 555 1234", "Prenzlau"):
            assert personal not in everything, personal
        assert person_id in everything  # the row stays (counts), anonymised


async def test_registration_waits_in_the_outbox_while_nats_is_away(accounts: Accounts) -> None:
    await accounts.sign_up("karl@schwedt.example")
    async with accounts.db.session() as session:
        rows = (await execute(session, text("SELECT subject, data, published_at FROM outbox"))).all()
    assert [row.subject for row in rows] == ["accounts.person.registered.v1"]
    assert rows[0].published_at is None
    assert "karl" not in rows[0].data  # ids only, no personal data in events
