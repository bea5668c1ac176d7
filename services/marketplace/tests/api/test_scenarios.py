"""The twelve scenarios of the marketplace research (section c), through the service API, on SQLite and
PostgreSQL. Outside parties (payment provider, webhook receiver) are local HTTP servers."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import standardwebhooks
from marketplace_testkit import Market, PaymentProviderServer, WebhookReceiver, start_market
from sqlalchemy import func, select

from marketplace.crud import places, stock
from marketplace.models import (
    DeliveryRound,
    StockMovement,
    WebhookEndpoint,
)
from platformkit.audit import AuditEntry
from platformkit.context import service_settings
from platformkit.tables import outbound_message, outbox
from platformkit.testing.tokens import OidcIssuer


def key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


async def outbox_count(market: Market, event_type: str) -> int:
    async with market.db.session() as session:
        connection = await session.connection()
        return int((await connection.execute(
            select(func.count()).select_from(outbox).where(outbox.c.subject.like(f"{event_type}%")))).scalar_one())


async def ledger_sum(market: Market, variant_id: str) -> int:
    async with market.db.session() as session:
        total = (await session.exec(select(func.coalesce(func.sum(StockMovement.delta), 0))
                                    .where(StockMovement.variant_id == uuid.UUID(variant_id)))).scalar_one()
    return int(total)


async def pickup(market: Market, merchant: str) -> list[dict[str, Any]]:
    return [{"merchant_id": merchant, "fulfilment": "pickup", "pickup_point_id": await market.pickup_point(merchant)}]


async def webhook_messages(market: Market, event: str) -> list[dict[str, Any]]:
    async with market.db.session() as session:
        connection = await session.connection()
        rows = (await connection.execute(select(outbound_message).where(
            outbound_message.c.channel == "webhook"))).mappings().all()
    return [dict(row) for row in rows if json.loads(row["payload"])["type"] == event]


# 1 -------------------------------------------------------------------------------------------------

async def test_01_fifty_concurrent_checkouts_for_the_last_three_units(
    database_url: str, oidc_issuer: OidcIssuer, payment_provider: PaymentProviderServer,
) -> None:
    async with AsyncExitStack() as stack:
        # Five replicas of the service, each with its own connection pool (40 connections at most).
        market = await start_market(stack, database_url, oidc_issuer, replicas=5, database_pool_size=4,
                                    payment_provider_url=payment_provider.url)
        merchant = await market.merchant()
        product = await market.product(merchant, title="Honig", category="honig-aufstriche", allergens=[],
                                       ingredients="Honig",
                                       variants=[{"label": "500 g", "price_cents": 550, "vat_rate": 7, "on_hand": 3}])
        variant = product["variants"][0]["id"]
        choice = await pickup(market, merchant)
        answers = await asyncio.gather(*[
            market.checkout(uuid.uuid4(), [(variant, 1)], choice, expected=550, payment="online",
                            payment_token="tok", client=market.clients[i % 5]) for i in range(50)])
        assert Counter(a.status_code for a in answers) == {201: 3, 409: 47}
        assert {a.json()["code"] for a in answers if a.status_code == 409} == {"OUT_OF_STOCK"}
        level = await market.variant(merchant, variant)
        assert (level["on_hand"], level["available"]) == (0, 0)
        stock_row = (await market.http.get("/v1/stock", headers=market.integration(merchant))).json()["items"][0]
        assert stock_row["reserved"] == 0
        assert await ledger_sum(market, variant) == -3
        # The 47 losers' authorizations are voided; only the 3 orders hold money.
        assert Counter(payment_provider.states()) == {"voided": 47, "authorized": 3}
        # The platform hears once that the product ran out.
        assert await outbox_count(market, "marketplace.stock.ran_out") == 1


async def test_01_carts_with_two_variants_in_opposite_order_never_deadlock(
    database_url: str, oidc_issuer: OidcIssuer,
) -> None:
    async with AsyncExitStack() as stack:
        market = await start_market(stack, database_url, oidc_issuer, replicas=5, database_pool_size=4)
        merchant = await market.merchant()
        product = await market.product(merchant, variants=[
            {"label": "A", "price_cents": 100, "vat_rate": 7, "on_hand": 100},
            {"label": "B", "price_cents": 100, "vat_rate": 7, "on_hand": 100}])
        a, b = (v["id"] for v in product["variants"])
        choice = await pickup(market, merchant)
        answers = await asyncio.gather(*[
            market.checkout(uuid.uuid4(), [(a, 1), (b, 1)] if i % 2 else [(b, 1), (a, 1)], choice, expected=200,
                            client=market.clients[i % 5]) for i in range(40)])
        assert [a.status_code for a in answers] == [201] * 40, [a.text for a in answers if a.status_code != 201][:2]
        assert (await market.variant(merchant, a))["on_hand"] == 60
        assert (await market.variant(merchant, b))["on_hand"] == 60


# 2 -------------------------------------------------------------------------------------------------

async def test_02_idempotent_retry_of_a_checkout(market: Market) -> None:
    merchant = await market.merchant()
    variant = (await market.product(merchant))["variants"][0]["id"]
    choice = await pickup(market, merchant)
    person = uuid.uuid4()
    first = await market.checkout(person, [(variant, 1)], choice, expected=320, key="K")
    again = await market.checkout(person, [(variant, 1)], choice, expected=320, key="K")
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json() == again.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert (await market.variant(merchant, variant))["on_hand"] == 9

    twins = await asyncio.gather(*[market.checkout(person, [(variant, 1)], choice, expected=320, key="K2")
                                   for _ in range(2)])
    statuses = sorted(t.status_code for t in twins)
    assert statuses in ([201, 201], [201, 409])
    if statuses == [201, 409]:
        assert next(t for t in twins if t.status_code == 409).json()["code"] == "IDEMPOTENCY_KEY_IN_PROGRESS"
    else:
        assert twins[0].json() == twins[1].json()
    assert (await market.variant(merchant, variant))["on_hand"] == 8

    other_body = await market.checkout(person, [(variant, 2)], choice, expected=640, key="K")
    assert other_body.status_code == 422
    assert other_body.json()["code"] == "IDEMPOTENCY_KEY_REUSED"
    # The same key of another person is a different key.
    stranger = await market.checkout(uuid.uuid4(), [(variant, 1)], choice, expected=320, key="K")
    assert stranger.status_code == 201
    assert stranger.json()["customer_order_id"] != first.json()["customer_order_id"]

    mine = (await market.http.get("/orders", headers=market.resident(person))).json()["items"]
    assert len(mine) == 2
    assert (await market.variant(merchant, variant))["on_hand"] == 7
    assert await outbox_count(market, "marketplace.order.placed") == 3


# 3 -------------------------------------------------------------------------------------------------

async def test_03_merchant_a_cannot_touch_merchant_b(market: Market) -> None:
    a = await market.merchant("Hofladen A")
    b = await market.merchant("Hofladen B", village="ot-prenzlau-dedelow")
    a_variant = (await market.product(a))["variants"][0]["id"]
    b_product = await market.product(b, title="Käse")
    b_variant = b_product["variants"][0]["id"]
    as_a = market.integration(a)

    patched = await market.http.patch(f"/v1/variants/{b_variant}", headers={**as_a, "If-Match": '"1"'},
                                      json={"price_cents": 1})
    assert patched.status_code == 404
    assert patched.json()["code"] == "VARIANT_NOT_FOUND"
    missing = await market.http.patch(f"/v1/variants/{uuid.uuid4()}", headers={**as_a, "If-Match": '"1"'},
                                      json={"price_cents": 1})
    assert (missing.status_code, missing.json()["code"]) == (404, "VARIANT_NOT_FOUND")  # no existence leak
    batch = await market.http.post("/v1/stock", headers={**as_a, **key()}, json={
        "adjust": [{"variant_id": a_variant, "delta": 5}, {"variant_id": b_variant, "delta": 5}]})
    assert batch.status_code == 404
    assert batch.json()["errors"][0]["field"] == "body.adjust[1].variant_id"
    assert (await market.variant(a, a_variant))["on_hand"] == 10  # nothing of the batch applied
    b_now = await market.variant(b, b_variant)
    assert (b_now["on_hand"], b_now["price_cents"]) == (10, 320)
    assert (await market.http.get(f"/v1/products/{b_product['id']}", headers=as_a)).status_code == 404

    audit = (await market.http.get("/admin/audit", params={"merchant_id": a, "limit": 100},
                                   headers=market.operator())).json()["items"]
    assert {"variant.not_found", "stock.refused"} <= {entry["action"] for entry in audit}

    # One checkout over both merchants: A's list never shows B's part.
    person = uuid.uuid4()
    choices = await pickup(market, a) + await pickup(market, b)
    placed = await market.checkout(person, [(a_variant, 1), (b_variant, 1)], choices, expected=640)
    assert placed.status_code == 201
    a_orders = (await market.http.get("/v1/orders", headers=as_a)).json()["items"]
    assert [o["merchant_id"] for o in a_orders] == [a]
    b_order = next(o for o in placed.json()["orders"] if o["merchant_id"] == b)
    assert (await market.http.get(f"/v1/orders/{b_order['id']}", headers=as_a)).status_code == 404
    accept = await market.http.post(f"/v1/orders/{b_order['id']}/accept", headers={**as_a, **key()})
    assert accept.status_code == 404


# 4 -------------------------------------------------------------------------------------------------

async def test_04_price_change_between_cart_and_checkout(market: Market) -> None:
    merchant = await market.merchant()
    variant = (await market.product(merchant, variants=[
        {"label": "Bund", "price_cents": 249, "vat_rate": 7, "on_hand": 10}]))["variants"][0]
    choice = await pickup(market, merchant)
    person = uuid.uuid4()
    changed = await market.http.patch(f"/v1/variants/{variant['id']}",
                                      headers={**market.integration(merchant), "If-Match": f'"{variant["version"]}"'},
                                      json={"price_cents": 279})
    assert changed.status_code == 200
    stale = await market.checkout(person, [(variant["id"], 1)], choice, expected=249)
    assert stale.status_code == 409
    assert stale.json()["code"] == "PRICE_CHANGED"
    assert stale.json()["total_cents"] == 279
    assert (await market.http.get("/orders", headers=market.resident(person))).json()["items"] == []
    assert (await market.variant(merchant, variant["id"]))["on_hand"] == 10

    placed = await market.checkout(person, [(variant["id"], 1)], choice, expected=279)
    assert placed.status_code == 201
    order = placed.json()["orders"][0]
    assert order["lines"][0]["unit_price_cents"] == 279

    # Later changes never touch a placed order; a lower price is also shown before it is charged.
    again = await market.http.patch(f"/v1/variants/{variant['id']}",
                                    headers={**market.integration(merchant),
                                             "If-Match": f'"{changed.json()["version"]}"'},
                                    json={"price_cents": 199})
    assert again.status_code == 200
    read = (await market.http.get(f"/orders/{order['id']}", headers=market.resident(person))).json()
    assert (read["lines"][0]["unit_price_cents"], read["total_cents"]) == (279, 279)
    cheaper = await market.checkout(person, [(variant["id"], 1)], choice, expected=279)
    assert (cheaper.status_code, cheaper.json()["total_cents"]) == (409, 199)
    # A stale If-Match loses (412), a missing one is asked for (428).
    lost = await market.http.patch(f"/v1/variants/{variant['id']}",
                                   headers={**market.integration(merchant), "If-Match": '"1"'}, json={"price_cents": 1})
    assert (lost.status_code, lost.json()["code"]) == (412, "VERSION_MISMATCH")
    bare = await market.http.patch(f"/v1/variants/{variant['id']}", headers=market.integration(merchant),
                                   json={"price_cents": 1})
    assert bare.status_code == 428


# 5 -------------------------------------------------------------------------------------------------

async def test_05_cancellation_after_packing_restores_stock(
    database_url: str, oidc_issuer: OidcIssuer, receiver: WebhookReceiver,
) -> None:
    async with AsyncExitStack() as stack:
        market = await start_market(stack, database_url, oidc_issuer)
        merchant = await market.merchant()
        hooked = await market.http.post("/v1/webhooks", headers={**market.integration(merchant), **key()},
                                        json={"url": receiver.url, "events": ["order.cancelled"]})
        assert hooked.status_code == 201, hooked.text
        variant = (await market.product(merchant))["variants"][0]["id"]
        choice = await pickup(market, merchant)
        as_merchant = market.integration(merchant)
        order = (await market.checkout(uuid.uuid4(), [(variant, 3)], choice, expected=960)).json()["orders"][0]
        assert (await market.variant(merchant, variant))["on_hand"] == 7
        for step in ("accept", "start-packing"):
            moved = await market.http.post(f"/v1/orders/{order['id']}/{step}", headers={**as_merchant, **key()})
            assert moved.status_code == 200, moved.text
        cancelled = await market.http.post(f"/v1/orders/{order['id']}/cancel", headers={**as_merchant, **key()},
                                           json={"reason": "Kühlung ausgefallen"})
        assert cancelled.status_code == 200
        assert cancelled.json()["state"] == "cancelled"
        assert (await market.variant(merchant, variant))["on_hand"] == 10
        async with market.db.session() as session:
            restocks = (await session.exec(select(StockMovement.delta).where(
                StockMovement.variant_id == uuid.UUID(variant), StockMovement.reason == "cancel_restock"))).scalars()
        assert list(restocks) == [3]
        twice = await market.http.post(f"/v1/orders/{order['id']}/cancel", headers={**as_merchant, **key()}, json={})
        assert (twice.status_code, twice.json()["state"]) == (200, "cancelled")
        assert (await market.variant(merchant, variant))["on_hand"] == 10
        assert await outbox_count(market, "marketplace.order.cancelled") == 1
        assert len(await webhook_messages(market, "order.cancelled")) == 1

        # After the goods left the shelf, cancelling is refused (refunds instead).
        ready = (await market.checkout(uuid.uuid4(), [(variant, 1)], choice, expected=320)).json()["orders"][0]
        for step, body in (("accept", None), ("pack", {"lines": []})):
            moved = await market.http.post(f"/v1/orders/{ready['id']}/{step}", headers={**as_merchant, **key()},
                                           json=body)
            assert moved.status_code == 200, moved.text
        assert moved.json()["state"] == "ready_for_pickup"
        refused = await market.http.post(f"/v1/orders/{ready['id']}/cancel", headers={**as_merchant, **key()}, json={})
        assert (refused.status_code, refused.json()["code"]) == (409, "INVALID_TRANSITION")

        # Staff cancel spoiled food without restocking.
        spoiled = (await market.checkout(uuid.uuid4(), [(variant, 2)], choice, expected=640)).json()["orders"][0]
        assert (await market.variant(merchant, variant))["on_hand"] == 7
        staff = await market.http.post(f"/admin/orders/{spoiled['id']}/cancel", headers=market.operator(),
                                       json={"restock": False, "reason": "verdorben"})
        assert staff.status_code == 200
        assert (await market.variant(merchant, variant))["on_hand"] == 7
        assert (await market.http.post(f"/v1/orders/{ready['id']}/cancel", headers={**as_merchant, **key()},
                                       json={"restock": False})).status_code == 403


# 6 -------------------------------------------------------------------------------------------------

async def test_06_vat_is_extracted_per_rate_per_merchant_order(market: Market) -> None:
    merchant = await market.merchant()
    product = await market.product(merchant, title="Kleinigkeiten", variants=[
        {"label": f"Sorte {n}", "price_cents": 99, "vat_rate": 7, "on_hand": 10} for n in range(3)])
    juice = await market.product(merchant, title="Saft", category="getraenke", allergens=[], ingredients="Apfel",
                                 variants=[{"label": "0,2 l", "price_cents": 149, "vat_rate": 19, "on_hand": 10}])
    choice = await pickup(market, merchant)
    lines = [(v["id"], 1) for v in product["variants"]] + [(juice["variants"][0]["id"], 1)]
    placed = await market.checkout(uuid.uuid4(), lines, choice, expected=446)
    assert placed.status_code == 201, placed.text
    order = placed.json()["orders"][0]
    assert order["vat"] == [
        {"vat_rate": 7, "gross_cents": 297, "vat_cents": 19, "net_cents": 278},
        {"vat_rate": 19, "gross_cents": 149, "vat_cents": 24, "net_cents": 125},
    ]
    assert order["total_cents"] == 446
    assert sum(g["net_cents"] + g["vat_cents"] for g in order["vat"]) == 446
    one_line = await market.checkout(uuid.uuid4(), [(product["variants"][0]["id"], 3)], choice, expected=297)
    assert one_line.json()["orders"][0]["vat"] == [{"vat_rate": 7, "gross_cents": 297, "vat_cents": 19,
                                                    "net_cents": 278}]


# 7 -------------------------------------------------------------------------------------------------

async def test_07_a_hold_expiring_during_payment_never_oversells(
    database_url: str, oidc_issuer: OidcIssuer, payment_provider: PaymentProviderServer,
) -> None:
    async with AsyncExitStack() as stack:
        market = await start_market(stack, database_url, oidc_issuer, payment_provider_url=payment_provider.url)
        merchant = await market.merchant()
        variant = (await market.product(merchant, variants=[
            {"label": "Letzter Laib", "price_cents": 450, "vat_rate": 7, "on_hand": 1}]))["variants"][0]["id"]
        choice = await pickup(market, merchant)
        alice, bob = uuid.uuid4(), uuid.uuid4()
        hold = {"lines": [{"variant_id": variant, "qty": 1}]}
        held = await market.http.post("/cart/holds", headers=market.resident(alice), json=hold)
        assert held.status_code == 201
        assert datetime.fromisoformat(held.json()["expires_at"]) == market.clock.now() + timedelta(minutes=15)
        # Her own hold never blocks her: holding again just renews it.
        assert (await market.http.post("/cart/holds", headers=market.resident(alice), json=hold)).status_code == 201
        blocked = await market.checkout(bob, [(variant, 1)], choice, expected=450)
        assert (blocked.status_code, blocked.json()["code"]) == (409, "OUT_OF_STOCK")

        market.clock.advance(timedelta(minutes=16))
        async with market.db.transaction() as session:
            assert await stock.release_holds(session, expired_before=market.clock.now()) == 1
        assert (await market.checkout(bob, [(variant, 1)], choice, expected=450)).status_code == 201

        market.clock.advance(timedelta(minutes=1))
        late = await market.checkout(alice, [(variant, 1)], choice, expected=450, payment="online",
                                     payment_token="tok")
        assert (late.status_code, late.json()["code"]) == (409, "OUT_OF_STOCK")
        assert payment_provider.states() == ["voided"]
        level = await market.variant(merchant, variant)
        assert (level["on_hand"], level["available"]) == (0, 0)
        assert (await market.http.get("/orders", headers=market.resident(alice))).json()["items"] == []


# 8 -------------------------------------------------------------------------------------------------

async def test_08_delivers_to_my_village_means_ortsteil(market: Market) -> None:
    # Greiffenberg and Wolletz are both Angermünde (and share a postcode): M delivers only to Greiffenberg.
    x, y = "ot-angermuende-greiffenberg", "ot-angermuende-wolletz"
    merchant = await market.merchant("Gärtnerei M", village="ot-angermuende-angermuende")
    area = await market.http.put("/v1/delivery-area", headers=market.integration(merchant), json={
        "villages": [{"ortsteil_id": x, "fee_cents": 300, "min_order_cents": 1000}]})
    assert area.status_code == 200
    variant = (await market.product(merchant, title="Kartoffeln", category="obst-gemuese", allergens=[],
                                    ingredients="Kartoffeln", variants=[
                                        {"label": "2,5 kg", "price_cents": 450, "vat_rate": 7, "on_hand": 20,
                                         "unit": "g", "net_quantity": 2500}]))["variants"][0]["id"]
    point = await market.pickup_point(merchant, village="ot-angermuende-angermuende")

    in_y = (await market.http.get("/products", params={"q": "kartoffeln", "village": y, "delivers": True})).json()
    assert in_y["items"] == []
    in_x = (await market.http.get("/products", params={"q": "kartoffeln", "village": x, "delivers": True})).json()
    assert [i["title"] for i in in_x["items"]] == ["Kartoffeln"]
    anywhere = (await market.http.get("/products", params={"q": "kartoffeln", "village": y})).json()["items"][0]
    assert anywhere["delivers_to_village"] is False
    assert anywhere["distance_km"] > 0
    points = (await market.http.get("/pickup-points", params={"village": y, "merchant_id": merchant})).json()
    assert [p["id"] for p in points] == [point]
    assert points[0]["distance_km"] > 0

    deliver = [{"merchant_id": merchant, "fulfilment": "delivery"}]
    refused = await market.checkout(uuid.uuid4(), [(variant, 3)], deliver, expected=1650, village=y,
                                    payment="on_delivery")
    assert (refused.status_code, refused.json()["code"]) == (422, "NOT_IN_DELIVERY_AREA")
    too_little = await market.checkout(uuid.uuid4(), [(variant, 1)], deliver, expected=750, village=x,
                                       payment="on_delivery")
    assert (too_little.status_code, too_little.json()["code"]) == (422, "BELOW_MINIMUM_ORDER")
    placed = await market.checkout(uuid.uuid4(), [(variant, 3)], deliver, expected=1650, village=x,
                                   payment="on_delivery")
    assert placed.status_code == 201, placed.text
    assert placed.json()["orders"][0]["delivery_fee_cents"] == 300
    assert (await market.variant(merchant, variant))["on_hand"] == 17
    # Packed, the goods are out for delivery and the trip to Greiffenberg is asked for.
    order = placed.json()["orders"][0]
    for step, body in (("accept", None), ("pack", {"lines": []})):
        moved = await market.http.post(f"/v1/orders/{order['id']}/{step}", json=body,
                                       headers={**market.integration(merchant), **key()})
        assert moved.status_code == 200, moved.text
    assert moved.json()["state"] == "out_for_delivery"
    async with market.db.session() as session:
        connection = await session.connection()
        requested = (await connection.execute(select(outbox.c.data).where(
            outbox.c.subject.like("marketplace.delivery.requested.v1%")))).scalars().all()
    assert [(json.loads(r)["from_ortsteil_id"], json.loads(r)["to_ortsteil_id"]) for r in requested] == [
        ("ot-angermuende-angermuende", x)]


# 9 -------------------------------------------------------------------------------------------------

async def test_09_cutoff_in_berlin_wall_time_across_dst(market: Market) -> None:
    merchant = await market.merchant()
    variant = (await market.product(merchant))["variants"][0]["id"]
    operator = market.operator()
    rounds = []
    for day in ("2026-10-25", "2026-11-01"):  # Sundays; cut-off Saturday 18:00 Berlin time
        created = await market.http.post("/admin/rounds", headers=operator, json={
            "merchant_id": merchant, "delivery_date": day, "cutoff_days_before": 1, "cutoff_time": "18:00"})
        assert created.status_code == 201
        rounds.append(created.json())
    assert [r["cutoff_at"] for r in rounds] == ["2026-10-24T16:00:00Z", "2026-10-31T17:00:00Z"]
    choice = [{**(await pickup(market, merchant))[0], "round_id": rounds[0]["id"]}]
    person = uuid.uuid4()

    market.clock.advance(datetime(2026, 10, 24, 15, 59, 59, tzinfo=UTC) - market.clock.now())
    joined = await market.checkout(person, [(variant, 1)], choice, expected=320)
    assert joined.status_code == 201
    order = joined.json()["orders"][0]
    assert (order["round_id"], order["delivery_date"]) == (rounds[0]["id"], "2026-10-25")

    market.clock.advance(timedelta(seconds=1))
    late = await market.checkout(person, [(variant, 1)], choice, expected=320)
    assert (late.status_code, late.json()["code"]) == (409, "CUTOFF_PASSED")
    assert late.json()["next_round"]["id"] == rounds[1]["id"]
    edit = await market.http.patch(f"/orders/{order['id']}/lines", headers=market.resident(person),
                                   json={"lines": [{"line_id": order["lines"][0]["id"], "qty": 2}]})
    assert (edit.status_code, edit.json()["code"]) == (409, "CUTOFF_PASSED")
    assert (await market.variant(merchant, variant))["on_hand"] == 9

    # A round closed by the cut-off step refuses even a checkout that priced it before.
    async with market.db.transaction() as session:
        # (The scheduler's own run may have closed the first round already, when the clock passed it.)
        assert await places.close_due_rounds(session, now=datetime(2026, 10, 31, 17, 0, tzinfo=UTC)) >= 1
        statuses = (await session.exec(select(DeliveryRound.status).where(
            DeliveryRound.merchant_id == merchant))).scalars().all()
        assert statuses == ["closed", "closed"]
    choice[0]["round_id"] = rounds[1]["id"]
    closed = await market.checkout(person, [(variant, 1)], choice, expected=320)
    assert (closed.status_code, closed.json()["code"]) == (409, "CUTOFF_PASSED")
    assert (await market.variant(merchant, variant))["on_hand"] == 9


async def test_09_customer_edits_before_the_cutoff(market: Market) -> None:
    merchant = await market.merchant()
    variant = (await market.product(merchant))["variants"][0]["id"]
    created = await market.http.post("/admin/rounds", headers=market.operator(), json={
        "merchant_id": merchant, "delivery_date": "2026-10-25", "cutoff_days_before": 1, "cutoff_time": "18:00"})
    choice = [{**(await pickup(market, merchant))[0], "round_id": created.json()["id"]}]
    person = uuid.uuid4()
    order = (await market.checkout(person, [(variant, 1)], choice, expected=320)).json()["orders"][0]
    edit = await market.http.patch(f"/orders/{order['id']}/lines", headers=market.resident(person),
                                   json={"lines": [{"line_id": order["lines"][0]["id"], "qty": 3}]})
    assert edit.status_code == 200, edit.text
    assert edit.json()["total_cents"] == 960
    assert (await market.variant(merchant, variant))["on_hand"] == 7
    stranger = await market.http.patch(f"/orders/{order['id']}/lines", headers=market.resident(uuid.uuid4()),
                                       json={"lines": [{"line_id": order["lines"][0]["id"], "qty": 1}]})
    assert stranger.status_code == 404


# 10 ------------------------------------------------------------------------------------------------

async def test_10_partial_fulfilment_with_actual_weight_and_a_shortage(
    database_url: str, oidc_issuer: OidcIssuer, payment_provider: PaymentProviderServer,
) -> None:
    async with AsyncExitStack() as stack:
        market = await start_market(stack, database_url, oidc_issuer, payment_provider_url=payment_provider.url)
        merchant = await market.merchant("Fleischerei")
        mince = (await market.product(merchant, title="Rinderhack", category="fleisch-wurst", allergens=[],
                                      ingredients="Rindfleisch", variants=[
                                          {"label": "ca. 500 g", "price_cents": 1, "vat_rate": 7, "on_hand": 10,
                                           "variable_weight": True, "price_per_kg_cents": 1290,
                                           "estimated_weight_g": 500}]))["variants"][0]
        assert (mince["price_cents"], mince["price_text"]) == (645, "12,90 €/kg (ca. 500 g ≈ 6,45 €)")
        eggs = (await market.product(merchant, variants=[
            {"label": "10 Stück", "price_cents": 320, "vat_rate": 7, "on_hand": 40}]))["variants"][0]["id"]
        choice = await pickup(market, merchant)
        as_merchant = market.integration(merchant)
        placed = await market.checkout(uuid.uuid4(), [(mince["id"], 1), (eggs, 1)], choice, expected=965,
                                       payment="online", payment_token="tok")
        order = placed.json()["orders"][0]
        assert (order["authorized_cents"], order["payment_state"]) == (965, "authorized")
        lines = {line["title"].split(",")[0]: line["id"] for line in order["lines"]}
        await market.http.post(f"/v1/orders/{order['id']}/accept", headers={**as_merchant, **key()})
        packed = await market.http.post(f"/v1/orders/{order['id']}/pack", headers={**as_merchant, **key()}, json={
            "lines": [{"line_id": lines["Rinderhack"], "qty_fulfilled": 1, "actual_weight_g": 462},
                      {"line_id": lines["Eier"], "qty_fulfilled": 0}]})
        assert packed.status_code == 200, packed.text
        result = packed.json()
        by_title = {line["title"].split(",")[0]: line for line in result["lines"]}
        assert by_title["Rinderhack"]["line_cents"] == 596
        assert (by_title["Eier"]["qty_cancelled"], by_title["Eier"]["line_cents"]) == (1, 0)
        assert result["vat"] == [{"vat_rate": 7, "gross_cents": 596, "vat_cents": 39, "net_cents": 557}]
        assert (result["total_cents"], result["captured_cents"], result["payment_state"]) == (596, 596, "captured")
        assert result["partially_fulfilled"] is True
        assert result["state"] == "ready_for_pickup"
        # The shortage is not put back: the book stock was wrong (the merchant corrects it by the stock API).
        assert (await market.variant(merchant, eggs))["on_hand"] == 39
        auth = next(iter(payment_provider.authorizations.values()))
        assert (auth["state"], auth["captured"]) == ("captured", 596)
        async with market.db.session() as session:
            connection = await session.connection()
            ready = (await connection.execute(select(outbox.c.data).where(
                outbox.c.subject.like("marketplace.order.ready.v1%")))).scalars().all()
        assert json.loads(ready[0])["partially_fulfilled"] is True

        # Heavier than the tolerance: charged at the cap, never above the authorization.
        heavy = (await market.checkout(uuid.uuid4(), [(mince["id"], 1)], choice, expected=645, payment="online",
                                       payment_token="tok")).json()["orders"][0]
        await market.http.post(f"/v1/orders/{heavy['id']}/accept", headers={**as_merchant, **key()})
        capped = (await market.http.post(f"/v1/orders/{heavy['id']}/pack", headers={**as_merchant, **key()}, json={
            "lines": [{"line_id": heavy["lines"][0]["id"], "qty_fulfilled": 1, "actual_weight_g": 600}]})).json()
        assert capped["lines"][0]["line_cents"] == 710
        assert capped["captured_cents"] == 645 <= capped["authorized_cents"]


# 11 ------------------------------------------------------------------------------------------------

async def test_11_webhooks_signed_retried_and_guarded(
    database_url: str, oidc_issuer: OidcIssuer, receiver: WebhookReceiver, monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with AsyncExitStack() as stack:
        # Messages are stamped with the real time when enqueued: the sender's clock starts there.
        market = await start_market(stack, database_url, oidc_issuer, start=datetime.now(UTC) + timedelta(minutes=1),
                                    webhook_disable_after_failures=3)
        service_settings.set(market.settings)  # what the app's lifespan does for its sender's hook
        merchant = await market.merchant()
        as_merchant = market.integration(merchant)
        for url in ("http://127.0.0.1/hooks", "http://169.254.169.254/latest/meta-data",
                    f"http://localhost:{receiver.port}/hooks", "http://[::1]:8080/", "ftp://example.org/"):
            refused = await market.http.post("/v1/webhooks", headers={**as_merchant, **key()}, json={"url": url})
            assert (refused.status_code, refused.json()["code"]) == (422, "UNSAFE_WEBHOOK_URL"), url
        created = await market.http.post("/v1/webhooks", headers={**as_merchant, **key()},
                                          json={"url": receiver.url, "events": ["order.placed"]})
        assert created.status_code == 201, created.text
        secret, endpoint_id = created.json()["secret"], created.json()["id"]
        variant = (await market.product(merchant))["variants"][0]["id"]
        choice = await pickup(market, merchant)
        await market.checkout(uuid.uuid4(), [(variant, 1)], choice, expected=320)

        sender = market.sender(timeout_seconds=0.5)
        receiver.script = [500, "hang", 200]
        assert await sender.run_once() == 1
        assert await sender.run_once() == 0  # not due before its backoff
        market.clock.advance(timedelta(seconds=5))
        assert await sender.run_once() == 1
        market.clock.advance(timedelta(seconds=10))
        assert await sender.run_once() == 1
        assert len(receiver.requests) == 3
        ids = {headers["webhook-id"] for headers, _ in receiver.requests}
        assert len(ids) == 1
        verifier = standardwebhooks.Webhook(secret)
        for headers, body in receiver.requests:
            assert verifier.verify(body, headers)["type"] == "order.placed"
        headers, body = receiver.requests[-1]
        with pytest.raises(standardwebhooks.WebhookVerificationError):
            verifier.verify(body.replace(b"order.placed", b"order.placid"), headers)

        log = (await market.http.get(f"/v1/webhooks/{endpoint_id}/deliveries", headers=as_merchant)).json()
        assert (log[0]["status"], log[0]["event"]) == ("sent", "order.placed")
        assert [(entry["outcome"], entry["status_code"]) for entry in log[0]["log"]] == [
            ("retrying", 500), ("retrying", None), ("sent", 200)]

        # A captured delivery replayed six minutes after it was sent is stale for the receiver's verifier.
        sent = datetime.fromtimestamp(int(headers["webhook-timestamp"]), UTC)

        class SixMinutesLater(datetime):
            @classmethod
            def now(cls, tz: Any = None) -> Any:
                return sent + timedelta(minutes=6)

        monkeypatch.setattr("standardwebhooks.webhooks.datetime", SixMinutesLater)
        with pytest.raises(standardwebhooks.WebhookVerificationError):
            verifier.verify(body, headers)
        monkeypatch.undo()

        # A name that resolves to a private address at send time (DNS rebinding) is refused then too.
        async with market.db.transaction() as session:
            endpoint = await session.get(WebhookEndpoint, uuid.UUID(endpoint_id))
            assert endpoint is not None
            endpoint.url = f"http://localhost:{receiver.port}/hooks"
            session.add(endpoint)
        before = len(receiver.requests)
        for _ in range(3):
            await market.checkout(uuid.uuid4(), [(variant, 1)], choice, expected=320)
            await sender.run_once()
        assert len(receiver.requests) == before  # nothing reached the receiver
        # After three failures in a row the endpoint is disabled, the district told, later messages held.
        await market.checkout(uuid.uuid4(), [(variant, 1)], choice, expected=320)
        assert await sender.run_once() == 0
        health = (await market.http.get("/admin/webhooks", headers=market.operator())).json()
        assert (health[0]["status"], health[0]["failed"], health[0]["held"]) == ("disabled", 3, 1)
        async with market.db.session() as session:
            alerts = (await session.exec(select(AuditEntry).where(
                AuditEntry.action == "webhook.disabled"))).scalars().all()
        assert len(alerts) == 1

        # The merchant fixes the receiver and turns it back on: everything kept goes out.
        fixed = await market.http.post("/v1/webhooks", headers={**as_merchant, **key()},
                                        json={"url": receiver.url})
        assert fixed.status_code == 201
        async with market.db.transaction() as session:
            endpoint = await session.get(WebhookEndpoint, uuid.UUID(endpoint_id))
            assert endpoint is not None
            endpoint.url = receiver.url
            session.add(endpoint)
        enabled = await market.http.post(f"/v1/webhooks/{endpoint_id}/enable", headers={**as_merchant, **key()})
        assert enabled.json()["status"] == "active"
        assert await sender.run_once() == 4
        assert len(receiver.requests) == before + 4
        for headers, body in receiver.requests[before:]:
            assert verifier.verify(body, headers)["type"] == "order.placed"
        await sender.adapters["webhook"].close()  # type: ignore[attr-defined]


# 12 ------------------------------------------------------------------------------------------------

async def test_12_pfand_grundpreis_and_the_lmiv_gate(market: Market) -> None:
    merchant = await market.merchant("Mosterei")
    juice = await market.product(merchant, title="Apfelsaft", category="getraenke", allergens=[],
                                 ingredients="Apfelsaft", variants=[
                                     {"label": "0,7 l Mehrweg", "price_cents": 199, "deposit_cents": 15,
                                      "vat_rate": 19, "unit": "ml", "net_quantity": 700, "on_hand": 24}])
    listed = (await market.http.get(f"/products/{juice['id']}")).json()["variants"][0]
    assert listed["price_text"] == "1,99 € zzgl. 0,15 € Pfand (2,84 €/l)"
    assert listed["unit_price"] == {"cents": 284, "unit": "l"}
    placed = await market.checkout(uuid.uuid4(), [(listed["id"], 6)], await pickup(market, merchant), expected=1284)
    order = placed.json()["orders"][0]
    assert (order["goods_cents"], order["deposit_cents"], order["total_cents"]) == (1194, 90, 1284)
    assert order["vat"] == [{"vat_rate": 19, "gross_cents": 1284, "vat_cents": 205, "net_cents": 1079}]

    draft = await market.product(merchant, title="Quittengelee", publish=False, allergens=None, ingredients=None)
    refused = await market.http.post(f"/v1/products/{draft['id']}/publish",
                                      headers={**market.integration(merchant), **key()})
    assert (refused.status_code, refused.json()["code"]) == (422, "LMIV_INCOMPLETE")
    assert refused.json()["missing"] == ["ingredients", "allergens"]
    read = (await market.http.get(f"/v1/products/{draft['id']}", headers=market.integration(merchant))).json()
    assert read["status"] == "draft"
    assert (await market.http.get("/products", params={"q": "Quittengelee"})).json()["items"] == []
    assert (await market.http.get(f"/products/{draft['id']}")).status_code == 404
    not_orderable = await market.checkout(uuid.uuid4(), [(draft["variants"][0]["id"], 1)],
                                          await pickup(market, merchant), expected=320)
    assert (not_orderable.status_code, not_orderable.json()["code"]) == (422, "NOT_ORDERABLE")
