"""Merchant decisions go out as events in the decision's transaction (outbox rows): an approval carries
the applicant, so that accounts can bind their `merchant` role; deciding what already holds announces
nothing; two staff members approving at once announce it once."""

from __future__ import annotations

import asyncio
import json
import uuid
from contextlib import AsyncExitStack
from typing import Any

from marketplace_testkit import Market, start_market
from sqlalchemy import text

from eventcontracts.marketplace import MerchantApprovedV1, MerchantSuspendedV1
from platformkit.testing.tokens import OidcIssuer


async def decision_events(market: Market) -> list[tuple[str, dict[str, Any]]]:
    async with market.db.session() as session:
        rows = (await (await session.connection()).execute(text(
            "SELECT subject, data FROM outbox WHERE subject LIKE 'marketplace.merchant.%' ORDER BY position"))).all()
    return [(row.subject, json.loads(row.data)) for row in rows]


async def apply(market: Market, person: uuid.UUID, name: str = "Imkerei Wolletz") -> str:
    applied = await market.http.post(
        "/merchant-applications", headers={**market.resident(person), "Idempotency-Key": uuid.uuid4().hex},
        json={"name": name, "kind": "producer", "ortsteil_id": "ot-angermuende-wolletz"})
    assert applied.status_code == 201, applied.text
    return str(applied.json()["id"])


async def test_approval_announces_the_applicant_and_suspension_is_announced_too(market: Market) -> None:
    person = uuid.uuid4()
    merchant_id = await apply(market, person)
    assert await decision_events(market) == []  # applying announces nothing yet
    verifier_sub = str(uuid.uuid4())
    verifier = market.bearer(verifier_sub, roles=["resident", "operator"], scopes=["verifier"])

    decide = f"/admin/merchants/{merchant_id}/decision"
    assert (await market.http.post(decide, headers=verifier, json={"status": "active"})).status_code == 200
    [(subject, data)] = await decision_events(market)
    assert subject == MerchantApprovedV1.type
    approved = MerchantApprovedV1.model_validate(data)
    assert (approved.merchant_id, approved.person_id, approved.name, approved.decided_by) == (
        merchant_id, person, "Imkerei Wolletz", verifier_sub)
    assert approved.approved_at == market.clock.now()

    # Approving an active merchant again changes nothing and announces nothing.
    assert (await market.http.post(decide, headers=verifier, json={"status": "active"})).status_code == 200
    assert len(await decision_events(market)) == 1

    suspended = await market.http.post(decide, headers=verifier, json={"status": "suspended", "reason": "Hygiene"})
    assert suspended.json()["status"] == "suspended"
    assert (await market.http.post(decide, headers=verifier, json={"status": "active"})).status_code == 200
    subjects = [subject for subject, _ in await decision_events(market)]
    assert subjects == [MerchantApprovedV1.type, MerchantSuspendedV1.type, MerchantApprovedV1.type]
    suspension = MerchantSuspendedV1.model_validate((await decision_events(market))[1][1])
    assert (suspension.person_id, suspension.reason) == (person, "Hygiene")


async def test_a_merchant_registered_by_staff_has_no_applicant(market: Market) -> None:
    merchant_id = await market.merchant("Hofladen Gramzow")  # created and approved by an operator
    [(_, data)] = await decision_events(market)
    approved = MerchantApprovedV1.model_validate(data)
    assert (approved.merchant_id, approved.person_id) == (merchant_id, None)


async def test_approvals_at_once_on_two_replicas_announce_one_approval(
    database_url: str, oidc_issuer: OidcIssuer
) -> None:
    async with AsyncExitStack() as stack:
        market = await start_market(stack, database_url, oidc_issuer, replicas=2)
        merchant_id = await apply(market, uuid.uuid4())
        verifier = market.operator(("verifier",))
        answers = await asyncio.gather(*(
            client.post(f"/admin/merchants/{merchant_id}/decision", headers=verifier, json={"status": "active"})
            for client in market.clients * 4))
        assert {answer.status_code for answer in answers} == {200}
        assert [subject for subject, _ in await decision_events(market)] == [MerchantApprovedV1.type]
