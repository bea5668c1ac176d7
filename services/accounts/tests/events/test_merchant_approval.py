"""marketplace's merchant approvals, on a real nats-server: the applicant gets the `merchant` role bound
to the approved merchant once (a re-approval and a second copy grant nothing new), audited with the
deciding staff member as actor, announced as `accounts.role.granted.v1`, and is told; an erased or
unknown applicant gets nothing. Their next token (a refresh) carries the binding. And once end to end,
with marketplace itself publishing the approval."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from accounts_testkit import Accounts, bearer, make_settings, start_accounts
from sqlalchemy import text

from accounts.crud._sql import execute
from eventcontracts.marketplace import MerchantApprovedV1
from marketplace.config import MarketplaceSettings
from marketplace.main import service as marketplace_service
from platformkit.events import Bus, encode, new_event_id
from platformkit.migrations import upgrade
from platformkit.natsserver import NatsServer
from platformkit.testing.tokens import OidcIssuer

DECIDER = "7d3c9a4e-0000-4000-8000-00000000beef"  # the verifier who approved, as marketplace knows them


async def publish_approvals(nats_url: str, events: list[tuple[str, MerchantApprovedV1]]) -> None:
    """What marketplace's relay does: the events into its stream MARKETPLACE, with their ids."""
    bus = Bus(nats_url, name="marketplace-test")
    await bus.start()
    try:
        await bus.wait_connected()
        await bus.ensure_stream("marketplace", duplicate_window=120, max_age=3600)
        for event_id, event in events:
            subject, headers, body = encode(event, source="/services/marketplace", event_id=event_id)
            await bus.js.publish(subject, body, headers=headers)
    finally:
        await bus.close()


def approval(person_id: uuid.UUID, merchant_id: str, name: str = "Imkerei Wolletz") -> MerchantApprovedV1:
    return MerchantApprovedV1(merchant_id=merchant_id, person_id=person_id, name=name, decided_by=DECIDER,
                              approved_at=datetime.now(UTC))


async def rows(accounts: Accounts, sql: str, **params: Any) -> list[Any]:
    async with accounts.db.session() as session:
        return list((await execute(session, text(sql).bindparams(**params))).all())


async def until(check: Any, what: str, seconds: float = 40.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < deadline:
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def claims_of(access_token: str) -> dict[str, Any]:
    payload = access_token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


async def person(accounts: Accounts, email: str, name: str) -> tuple[uuid.UUID, dict[str, Any]]:
    await accounts.registered(email, name=name)
    tokens = await accounts.tokens_for(email)
    me = (await accounts.http.get("/me", headers=bearer(tokens["access_token"]))).json()
    return uuid.UUID(me["id"]), tokens


async def test_the_applicant_gets_the_merchant_role_once(database_url: str, nats_server: NatsServer) -> None:
    async with start_accounts(make_settings(database_url, nats_url=nats_server.url)) as accounts:
        await accounts.app.state.events.wait_ready()
        applicant, tokens = await person(accounts, "imkerei@wolletz.example", "Bernd Wolff")
        other, _ = await person(accounts, "baeckerei@lychen.example", "Petra Lange")
        erased, erased_tokens = await person(accounts, "weg@gramzow.example", "Udo Weg")
        assert (await accounts.http.delete("/me", headers=bearer(erased_tokens["access_token"]))).status_code == 204
        before = claims_of(tokens["access_token"])
        assert "merchant" not in before["roles"] and "merchant_id" not in before

        first = new_event_id()
        await publish_approvals(nats_server.url, [
            (new_event_id(), approval(uuid.uuid4(), "m-niemand-000001")),  # nobody accounts knows
            (new_event_id(), approval(erased, "m-erased-000002")),
            (first, approval(applicant, "m-imkerei-wolletz-0a1b2c")),
            (new_event_id(), approval(applicant, "m-imkerei-wolletz-0a1b2c")),  # approved again after a suspension
            (new_event_id(), approval(other, "m-dorfbaeckerei-lychen-3d4e5f", name="Dorfbäckerei Lychen")),
        ])

        async def all_handled() -> bool:
            handled = await rows(accounts, "SELECT event_id FROM inbox WHERE consumer LIKE '%merchant-approved'")
            return len(handled) == 5

        await until(all_handled, "the five approvals handled")
        # A second copy of an approval already handled (after JetStream's duplicate window, say).
        await publish_approvals(nats_server.url, [(first, approval(applicant, "m-imkerei-wolletz-0a1b2c"))])

        grants = await rows(accounts, "SELECT person_id, merchant_id, granted_by FROM role_grant "
                                      "WHERE role = 'merchant' ORDER BY merchant_id")
        assert [(str(uuid.UUID(str(g.person_id))), g.merchant_id, g.granted_by) for g in grants] == [
            (str(other), "m-dorfbaeckerei-lychen-3d4e5f", DECIDER),
            (str(applicant), "m-imkerei-wolletz-0a1b2c", DECIDER),
        ]

        audit = await rows(accounts, "SELECT actor, person_id, details FROM audit_entry "
                                     "WHERE action = 'role.granted'")
        assert len(audit) == 2 and {entry.actor for entry in audit} == {DECIDER}
        notes = [entry.details if isinstance(entry.details, dict) else json.loads(entry.details) for entry in audit]
        assert all(note["note"].startswith("marketplace.merchant.approved.v1") for note in notes)

        announced = await rows(accounts, "SELECT data FROM outbox WHERE subject = 'accounts.role.granted.v1'")
        assert sorted((json.loads(row.data)["person_id"], json.loads(row.data)["merchant_id"]) for row in announced) \
            == sorted([(str(applicant), "m-imkerei-wolletz-0a1b2c"), (str(other), "m-dorfbaeckerei-lychen-3d4e5f")])
        told = await rows(accounts, "SELECT data FROM outbox WHERE subject = :subject",
                          subject=f"accounts.notify.{applicant}")
        [notification] = [json.loads(row.data) for row in told if "merchant_approved" in row.data]
        assert (notification["kind"], notification["link"]) == ("accounts.merchant_approved", "/merchant")
        assert "Imkerei Wolletz" in notification["body"]

        # The next token (the gateway refreshes) opens the merchant portal for that merchant.
        refreshed = await accounts.refresh(tokens["refresh_token"])
        after = claims_of(refreshed.json()["access_token"])
        assert "merchant" in after["roles"] and after["merchant_id"] == "m-imkerei-wolletz-0a1b2c"

        # The copy was skipped by the inbox too: still one grant for the applicant.
        await asyncio.sleep(1)
        again = await rows(accounts, "SELECT id FROM role_grant WHERE role = 'merchant' AND merchant_id = :m",
                           m="m-imkerei-wolletz-0a1b2c")
        assert len(again) == 1


async def test_end_to_end_an_approval_in_marketplace_opens_the_portal(
    database_url: str, nats_server: NatsServer, oidc_issuer: OidcIssuer, tmp_path: Path
) -> None:
    """marketplace (its own database, its relay) and accounts on one nats-server: a person applies, a
    verifier approves, and the person's next token carries the merchant binding."""
    market_settings = MarketplaceSettings(
        **oidc_issuer.settings_overrides(), database_url=f"sqlite:///{tmp_path / 'marketplace.db'}",
        environment="test", nats_url=nats_server.url, outbox_poll_seconds=0.1,
    )
    upgrade(marketplace_service, market_settings.database_url)
    market_app = dataclasses.replace(marketplace_service, background=()).create_app(market_settings)
    async with (
        start_accounts(make_settings(database_url, nats_url=nats_server.url)) as accounts,
        market_app.router.lifespan_context(market_app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=market_app), base_url="http://marketplace") as market,
    ):
        await accounts.app.state.events.wait_ready()
        applicant, tokens = await person(accounts, "hof@wolletz.example", "Bernd Wolff")
        resident = {"Authorization": f"Bearer {oidc_issuer.tokens.issue(sub=str(applicant), roles=['resident'])}"}
        applied = await market.post("/merchant-applications", json={
            "name": "Imkerei Wolletz", "kind": "producer", "ortsteil_id": "ot-angermuende-wolletz",
        }, headers={**resident, "Idempotency-Key": uuid.uuid4().hex})
        assert applied.status_code == 201, applied.text
        merchant_id = applied.json()["id"]
        verifier = oidc_issuer.tokens.issue(sub=DECIDER, roles=["resident", "operator"], scopes=["verifier"])
        decided = await market.post(f"/admin/merchants/{merchant_id}/decision", json={"status": "active"},
                                    headers={"Authorization": f"Bearer {verifier}"})
        assert decided.status_code == 200, decided.text

        async def bound() -> bool:
            found = await rows(accounts, "SELECT granted_by FROM role_grant WHERE merchant_id = :m", m=merchant_id)
            return [row.granted_by for row in found] == [DECIDER]

        await until(bound, "the merchant role bound through the bus")
        after = claims_of((await accounts.refresh(tokens["refresh_token"])).json()["access_token"])
        assert "merchant" in after["roles"] and after["merchant_id"] == merchant_id
