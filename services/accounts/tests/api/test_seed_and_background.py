"""The demo seed (idempotent: a second run changes nothing), the bootstrap operator, and mail delivery
with retries against a real SMTP server that is first away and then back."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

from accounts_testkit import Accounts, MailSink, bearer, free_port, make_settings, start_accounts
from sqlalchemy import text

from accounts.background import bootstrap_operator
from accounts.crud._sql import execute
from accounts.main import service
from accounts.seed import OPERATOR_EMAIL, OPERATOR_PASSWORD, RESIDENT_PASSWORD
from platformkit.db import Database
from platformkit.migrations import upgrade

IGNORED_COLUMNS = {"created_at", "expires_at", "next_attempt_at"}


async def snapshot(db: Database) -> dict[str, list[str]]:
    assert service.metadata is not None
    result: dict[str, list[str]] = {}
    async with db.session() as session:
        for table in service.metadata.sorted_tables:
            rows = (await execute(session, text(f'SELECT * FROM "{table.name}"'))).mappings().all()  # noqa: S608
            result[table.name] = sorted(
                json.dumps({k: str(v) for k, v in row.items()}, sort_keys=True) for row in rows
            )
    return result


async def test_demo_seed_twice_changes_nothing_and_its_people_log_in(database_url: str) -> None:
    settings = make_settings(database_url)
    upgrade(service, database_url)
    assert service.seed_demo is not None
    db = Database(database_url)
    try:
        await service.seed_demo(db, settings)
        first = await snapshot(db)
        await service.seed_demo(db, settings)
        assert await snapshot(db) == first
    finally:
        await db.dispose()
    assert len(first["person"]) == 7  # operator, five residents, one phone-only senior

    async with start_accounts(settings) as accounts:
        operator = (await accounts.tokens_for(OPERATOR_EMAIL, OPERATOR_PASSWORD))["access_token"]
        log = (await accounts.http.get("/admin/audit-log", headers=bearer(operator))).json()["items"]
        assert "person.created_phone_only" in [entry["action"] for entry in log]
        jana = (await accounts.tokens_for("jana.krueger@hofladen-gramzow.example", RESIDENT_PASSWORD))[
            "access_token"
        ]
        assert (await accounts.http.get("/api-keys", headers=bearer(jana))).status_code == 200


async def test_bootstrap_operator_from_settings(database_url: str) -> None:
    settings = make_settings(
        database_url,
        bootstrap_operator_email="amt@kreis-uckermark.example",
        bootstrap_operator_password="Erster-Zugang-2026",
    )
    async with start_accounts(settings) as accounts:
        await bootstrap_operator(accounts.db, settings)  # also ran at start; a second run changes nothing
        token = (await accounts.tokens_for("amt@kreis-uckermark.example", "Erster-Zugang-2026"))[
            "access_token"
        ]
        me = (await accounts.http.get("/me", headers=bearer(token))).json()
        assert [role["role"] for role in me["roles"]] == ["operator"]
        assert "admin" in me["roles"][0]["scopes"]


async def test_mail_is_retried_until_the_smtp_server_answers(database_url: str) -> None:
    """Through the app's own outbound sender: the first attempt finds no SMTP server, the next one (made
    due at once here instead of after the backoff) delivers."""
    from aiosmtpd.controller import Controller

    port = free_port()
    settings = make_settings(database_url, smtp_url=f"smtp://127.0.0.1:{port}")
    async with start_accounts(settings) as accounts:
        await accounts.sign_up("karl@schwedt.example")
        # Nobody listens yet: the first attempt fails and is logged.
        [pending] = await wait_for_mail(accounts, lambda row: row["last_error"] is not None)
        assert pending["status"] == "pending" and pending["attempts"] == 1

        sink = MailSink()
        controller = Controller(sink, hostname="127.0.0.1", port=port)
        controller.start()
        try:
            async with accounts.db.transaction() as session:
                await execute(session, text("UPDATE outbound_message SET next_attempt_at = created_at"))
            await asyncio.wait_for(sink.wait_for("karl@schwedt.example"), 20)
        finally:
            controller.stop()
        [sent] = await wait_for_mail(accounts, lambda row: row["status"] == "sent")
        assert sent["attempts"] == 2
        attempts = await execute_all(accounts, "SELECT outcome FROM outbound_attempt ORDER BY attempt")
        assert [row["outcome"] for row in attempts] == ["retrying", "sent"]  # the delivery log


async def execute_all(accounts: Accounts, sql: str) -> list[dict[str, object]]:
    async with accounts.db.session() as session:
        return [dict(row) for row in (await execute(session, text(sql))).mappings().all()]


async def wait_for_mail(accounts: Accounts, condition: Callable[[dict[str, object]], bool]) -> list[dict[str, object]]:
    for _ in range(200):
        rows = await execute_all(
            accounts, "SELECT status, attempts, last_error FROM outbound_message WHERE channel = 'mail'"
        )
        if rows and all(condition(row) for row in rows):
            return rows
        await asyncio.sleep(0.1)
    raise AssertionError(f"mail never reached the expected state: {rows}")
