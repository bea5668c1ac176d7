from __future__ import annotations

import uuid

from marketplace_testkit import Market


async def test_order_from_one_merchant_with_pickup(market: Market) -> None:
    merchant = await market.merchant()
    product = await market.product(merchant)
    point = await market.pickup_point(merchant)
    variant = product["variants"][0]["id"]
    person = uuid.uuid4()
    answer = await market.checkout(person, [(variant, 2)], [{"merchant_id": merchant, "fulfilment": "pickup",
                                                             "pickup_point_id": point}], expected=640)
    assert answer.status_code == 201, answer.text
    assert (await market.variant(merchant, variant))["on_hand"] == 8


async def test_a_quote_gives_the_total_to_confirm(market: Market) -> None:
    merchant = await market.merchant()
    variant = (await market.product(merchant))["variants"][0]["id"]
    point = await market.pickup_point(merchant)
    person = uuid.uuid4()
    body = {"lines": [{"variant_id": variant, "qty": 3}], "ortsteil_id": "ot-gramzow-gramzow",
            "choices": [{"merchant_id": merchant, "fulfilment": "pickup", "pickup_point_id": point}],
            "payment_method": "on_pickup"}
    quote = await market.http.post("/checkout/quote", json=body, headers=market.resident(person))
    assert quote.status_code == 200, quote.text
    assert quote.json()["total_cents"] == 960
    assert quote.json()["orders"][0]["vat"] == [{"vat_rate": 7, "gross_cents": 960, "vat_cents": 63,
                                                 "net_cents": 897}]
    assert (await market.variant(merchant, variant))["on_hand"] == 10  # nothing held or taken
    placed = await market.checkout(person, [(variant, 3)], body["choices"], expected=quote.json()["total_cents"])
    assert placed.status_code == 201


async def test_merchant_staff_may_do_everything_an_integration_only_its_scopes(market: Market) -> None:
    merchant = await market.merchant()
    staff = market.merchant_staff(merchant)
    assert (await market.http.get("/v1/orders", headers=staff)).status_code == 200
    read_only = market.integration(merchant, scopes=["products:read"])
    assert (await market.http.get("/v1/products", headers=read_only)).status_code == 200
    refused = await market.http.get("/v1/orders", headers=read_only)
    assert (refused.status_code, refused.json()["code"]) == (403, "INSUFFICIENT_SCOPE")
    resident = await market.http.get("/v1/orders", headers=market.resident(uuid.uuid4()))
    assert (resident.status_code, resident.json()["code"]) == (403, "MERCHANT_REQUIRED")
    forged = await market.http.get("/v1/orders", headers={
        "Authorization": "Bearer " + market.issuer.tokens.forge_alg_none("x", roles=["merchant"],
                                                                          merchant_id=merchant)})
    assert forged.status_code == 401
