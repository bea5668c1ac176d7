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
