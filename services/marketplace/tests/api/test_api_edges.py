"""The merchant API's and the checkout's edges: per-key rate limit, cursor pages with updated_since, bad
input as problem+json naming the field, a split order where one merchant rejects, refunds after handover."""

from __future__ import annotations

import uuid
from contextlib import AsyncExitStack
from datetime import timedelta

from marketplace_testkit import Market, start_market

from platformkit.testing.tokens import OidcIssuer


def key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


async def test_a_key_over_its_budget_gets_429_with_retry_after(database_url: str, oidc_issuer: OidcIssuer) -> None:
    async with AsyncExitStack() as stack:
        market = await start_market(stack, database_url, oidc_issuer, merchant_api_requests_per_minute=3)
        merchant = await market.merchant()
        answers = [await market.http.get("/v1/products", headers=market.integration(merchant)) for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert int(answers[-1].headers["Retry-After"]) >= 1
        # Another key has its own budget.
        other = await market.http.get("/v1/products", headers=market.integration(merchant, key="key_other"))
        assert other.status_code == 200


async def test_cursor_pages_without_gaps_and_updated_since(market: Market) -> None:
    merchant = await market.merchant()
    made = [await market.product(merchant, title=f"Ware {n}", publish=False) for n in range(4)]
    market.clock.advance(timedelta(minutes=1))
    made.append(await market.product(merchant, title="Ware 4", publish=False))
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        answer = await market.http.get("/v1/products", params=params, headers=market.integration(merchant))
        assert answer.status_code == 200, answer.text
        page = answer.json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(p["id"] for p in made) and len(seen) == 5
    tampered = await market.http.get("/v1/products", params={"cursor": "not-a-cursor"},
                                     headers=market.integration(merchant))
    assert (tampered.status_code, tampered.json()["code"]) == (400, "INVALID_CURSOR")
    later = made[-1]["updated_at"]
    recent = (await market.http.get("/v1/products", params={"updated_since": later},
                                    headers=market.integration(merchant))).json()["items"]
    assert [item["id"] for item in recent] == [made[-1]["id"]]


async def test_bad_input_is_a_problem_naming_the_field(market: Market) -> None:
    merchant = await market.merchant()
    variant = (await market.product(merchant))["variants"][0]["id"]
    person = uuid.uuid4()
    choice = [{"merchant_id": merchant, "fulfilment": "pickup", "pickup_point_id": await market.pickup_point(merchant)}]
    zero = await market.checkout(person, [(variant, 0)], choice, expected=0)
    assert zero.status_code == 422
    assert zero.json()["errors"][0]["field"] == "body.lines[0].qty"
    nowhere = await market.checkout(person, [(variant, 1)], choice, expected=320, village="ot-atlantis")
    assert (nowhere.status_code, nowhere.json()["errors"][0]["field"]) == (422, "body.ortsteil_id")
    unknown = await market.checkout(person, [(str(uuid.uuid4()), 1)], choice, expected=320)
    assert (unknown.status_code, unknown.json()["code"]) == (422, "NOT_ORDERABLE")
    no_key = await market.http.post("/checkout", headers=market.resident(person), json={})
    assert no_key.status_code in (400, 422)
    food = await market.http.post("/v1/products", headers={**market.integration(merchant), **key()}, json={
        "title": "Nüsse", "category": "vorrat", "allergens": ["peanut"],
        "variants": [{"label": "200 g", "price_cents": 399, "vat_rate": 12}]})
    assert food.status_code == 422
    assert {e["field"] for e in food.json()["errors"]} == {"body.allergens", "body.variants[0].vat_rate"}
    huge = await market.http.post("/v1/products", headers={**market.integration(merchant), **key()},
                                  content=b"{" + b" " * (2 * 1024 * 1024) + b"}")
    assert huge.status_code == 413
    assert (await market.variant(merchant, variant))["on_hand"] == 10  # nothing accepted was lost


async def test_one_merchant_rejects_its_part_and_the_other_goes_on(market: Market) -> None:
    a = await market.merchant("Hof A")
    b = await market.merchant("Hof B", village="ot-prenzlau-dedelow")
    va = (await market.product(a))["variants"][0]["id"]
    vb = (await market.product(b))["variants"][0]["id"]
    choices = [{"merchant_id": m, "fulfilment": "pickup", "pickup_point_id": await market.pickup_point(m)}
               for m in (a, b)]
    person = uuid.uuid4()
    placed = (await market.checkout(person, [(va, 2), (vb, 2)], choices, expected=1280)).json()
    order_b = next(o for o in placed["orders"] if o["merchant_id"] == b)
    order_a = next(o for o in placed["orders"] if o["merchant_id"] == a)
    rejected = await market.http.post(f"/v1/orders/{order_b['id']}/reject", headers={**market.integration(b), **key()},
                                      json={"reason": "Hühner legen nicht"})
    assert rejected.json()["state"] == "rejected"
    assert (await market.variant(b, vb))["on_hand"] == 10
    accepted = await market.http.post(f"/v1/orders/{order_a['id']}/accept", headers={**market.integration(a), **key()})
    assert accepted.json()["state"] == "accepted"
    assert (await market.variant(a, va))["on_hand"] == 8
    mine = {o["merchant_id"]: o["state"] for o in
            (await market.http.get("/orders", headers=market.resident(person))).json()["items"]}
    assert mine == {a: "accepted", b: "rejected"}


async def test_refunds_after_handover_are_records_never_above_what_was_paid(market: Market) -> None:
    merchant = await market.merchant()
    variant = (await market.product(merchant))["variants"][0]["id"]
    choice = [{"merchant_id": merchant, "fulfilment": "pickup", "pickup_point_id": await market.pickup_point(merchant)}]
    order = (await market.checkout(uuid.uuid4(), [(variant, 2)], choice, expected=640)).json()["orders"][0]
    as_merchant = market.integration(merchant)
    for step, body in (("accept", None), ("pack", {"lines": []}), ("hand-over", None)):
        moved = await market.http.post(f"/v1/orders/{order['id']}/{step}", headers={**as_merchant, **key()}, json=body)
        assert moved.status_code == 200, moved.text
    assert moved.json()["state"] == "completed"
    refund = await market.http.post(f"/v1/orders/{order['id']}/refunds", headers={**as_merchant, **key()},
                                    json={"cents": 320, "reason": "Ein Karton zerbrochen"})
    assert (refund.status_code, refund.json()["refunds_cents"], refund.json()["payment_state"]) == (
        201, 320, "partially_refunded")
    too_much = await market.http.post(f"/v1/orders/{order['id']}/refunds", headers={**as_merchant, **key()},
                                      json={"cents": 321, "reason": "zu viel"})
    assert (too_much.status_code, too_much.json()["refundable_cents"]) == (422, 320)


async def test_a_person_applies_and_the_district_approves(market: Market) -> None:
    person = uuid.uuid4()
    applied = await market.http.post("/merchant-applications", headers={**market.resident(person), **key()}, json={
        "name": "Imkerei Wolletz", "kind": "producer", "ortsteil_id": "ot-angermuende-wolletz"})
    assert applied.status_code == 201, applied.text
    merchant = applied.json()
    assert merchant["status"] == "pending" and merchant["id"].startswith("m-imkerei-wolletz-")
    assert (await market.http.get(f"/merchants/{merchant['id']}")).status_code == 404  # not public yet
    verifier = market.operator(("verifier",))
    pending = (await market.http.get("/admin/merchants", params={"status": "pending"}, headers=verifier)).json()
    assert [m["id"] for m in pending] == [merchant["id"]]
    # A verifier decides on merchants, but runs nothing else of the district's.
    refused = await market.http.post("/admin/pickup-points", headers=verifier, json={
        "name": "X", "kind": "station", "ortsteil_id": "ot-angermuende-wolletz"})
    assert refused.status_code == 403
    assert (await market.http.post(f"/admin/merchants/{merchant['id']}/decision", headers=market.resident(person),
                                   json={"status": "active"})).status_code == 403
    approved = await market.http.post(f"/admin/merchants/{merchant['id']}/decision", headers=verifier,
                                      json={"status": "active"})
    assert approved.json()["status"] == "active"
    assert (await market.http.get(f"/merchants/{merchant['id']}")).status_code == 200
    audit = (await market.http.get("/admin/audit", params={"merchant_id": merchant["id"]},
                                   headers=market.operator())).json()["items"]
    assert [entry["action"] for entry in audit] == ["merchant.applied", "merchant.active"]


async def test_a_suspended_merchant_finishes_open_orders_but_changes_nothing_on_sale(market: Market) -> None:
    farm = await market.merchant("Hof Suspendiert")
    product = await market.product(farm)
    variant = product["variants"][0]["id"]
    choice = {"merchant_id": farm, "fulfilment": "pickup", "pickup_point_id": await market.pickup_point(farm)}
    placed = (await market.checkout(uuid.uuid4(), [(variant, 1)], [choice], expected=320)).json()
    order = placed["orders"][0]["id"]
    suspended = await market.http.post(f"/admin/merchants/{farm}/decision", headers=market.operator(),
                                       json={"status": "suspended", "reason": "Kontrolle"})
    assert suspended.status_code == 200

    staff = market.integration(farm)
    refused = {
        "new product": await market.http.post("/v1/products", headers={**staff, **key()}, json={
            "title": "Honig", "category": "eier", "ingredients": "Honig", "allergens": [],
            "variants": [{"label": "500 g", "price_cents": 600, "vat_rate": 7, "on_hand": 5}]}),
        "stock": await market.http.post("/v1/stock", headers={**staff, **key()},
                                         json={"changes": [{"variant_id": variant, "adjust": 5}]}),
        "villages": await market.http.put("/v1/delivery-area", headers=staff,
                                          json={"ortsteil_ids": ["ot-gramzow-gramzow"]}),
    }
    for what, answer in refused.items():
        assert (answer.status_code, answer.json()["code"]) == (403, "MERCHANT_NOT_ACTIVE"), what
    assert (await market.variant(farm, variant))["on_hand"] == 9  # read access stays; nothing changed

    accepted = await market.http.post(f"/v1/orders/{order}/accept", headers={**staff, **key()})
    assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"
