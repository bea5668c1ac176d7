"""Checkout throughput under contention on one hot product: orders per second and zero oversell
(target: >= 100 orders/s on 2 cores).

One variant with `stock` units; `clients` concurrent residents keep checking out 1 unit each (pickup,
payment on pickup) through the service's real HTTP API — token check, Idempotency-Key, pricing,
conditional stock UPDATE, orders, events and webhooks into the outbox, the idempotent answer stored —
until `orders` checkouts were sent. Stock is smaller than the orders, so the tail of the run meets
OUT_OF_STOCK: exactly `stock` orders must succeed, on_hand must end at 0, never below.
The service runs in this process (ASGI, no network hop; NATS absent: events wait in the outbox).
Baseline, measured in the same run on the same database: the bare conditional stock UPDATE with its
ledger row, one transaction each, from the same number of concurrent tasks — the floor of what a
checkout must cost.

    .venv/bin/python bench/marketplace_checkout.py                     # SQLite and PostgreSQL, 3 repetitions
    .venv/bin/python bench/marketplace_checkout.py --db sqlite --orders 2000 --stock 1500
    .venv/bin/python bench/marketplace_checkout.py --smoke --json out.json
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select, update

from marketplace.config import MarketplaceSettings
from marketplace.crud import stock
from marketplace.main import service
from marketplace.models import StockMovement, Variant
from platformkit.db import Database, utcnow
from platformkit.migrations import upgrade
from platformkit.testing.databases import postgres_schema_url
from platformkit.testing.tokens import OidcIssuer

sys.path.insert(0, str(Path(__file__).parent))
from marketplace_search import environment  # noqa: E402

VILLAGE = "ot-gramzow-gramzow"


@contextlib.contextmanager
def database_url(kind: str, workdir: Path, name: str) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{workdir / f'{name}.db'}"
    else:
        with postgres_schema_url() as url:
            yield url


async def setup(http: httpx.AsyncClient, issuer: OidcIssuer, stock_units: int) -> tuple[str, str, str, dict[str, str]]:
    operator = {"Authorization": "Bearer " + issuer.tokens.issue(str(uuid.uuid4()), roles=["operator"],
                                                                 scopes=["admin"])}
    merchant = (await http.post("/admin/merchants", headers=operator, json={
        "name": "Hofladen", "kind": "producer", "ortsteil_id": VILLAGE})).json()["id"]
    await http.post(f"/admin/merchants/{merchant}/decision", headers=operator, json={"status": "active"})
    point = (await http.post("/admin/pickup-points", headers=operator, json={
        "name": "Laden", "kind": "hofladen", "ortsteil_id": VILLAGE, "merchant_id": merchant})).json()["id"]
    key = {"Authorization": "Bearer " + issuer.tokens.issue("key_bench", roles=["merchant"], merchant_id=merchant,
                                                            client_id="key_bench",
                                                            scopes=["products:write", "products:read"])}
    product = (await http.post("/v1/products", headers={**key, "Idempotency-Key": uuid.uuid4().hex}, json={
        "title": "Spargel", "category": "obst-gemuese", "ingredients": "Spargel", "allergens": [],
        "variants": [{"label": "500 g", "price_cents": 450, "vat_rate": 7, "on_hand": stock_units}]})).json()
    await http.post(f"/v1/products/{product['id']}/publish", headers={**key, "Idempotency-Key": uuid.uuid4().hex})
    return merchant, point, product["variants"][0]["id"], key


async def checkout_run(url: str, *, orders: int, stock_units: int, clients: int) -> dict[str, Any]:
    issuer = OidcIssuer(audience="marketplace").start()
    try:
        settings = MarketplaceSettings(database_url=url, environment="test", nats_url="nats://127.0.0.1:9",
                                       merchant_api_requests_per_minute=10**9, database_pool_size=clients // 2 + 1,
                                       **issuer.settings_overrides())
        app = service.create_app(settings)
        async with app.router.lifespan_context(app), httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://marketplace", timeout=60) as http:
            merchant, point, variant, key = await setup(http, issuer, stock_units)
            # Tokens made before the clock starts: signing is the issuer's cost, not the checkout's.
            people = [issuer.tokens.issue(str(uuid.uuid4()), roles=["resident"]) for _ in range(orders)]
            body = {"lines": [{"variant_id": variant, "qty": 1}], "ortsteil_id": VILLAGE,
                    "choices": [{"merchant_id": merchant, "fulfilment": "pickup", "pickup_point_id": point}],
                    "payment_method": "on_pickup", "expected_total_cents": 450}
            queue: asyncio.Queue[str] = asyncio.Queue()
            for token in people:
                queue.put_nowait(token)
            statuses: dict[int, int] = {}
            latencies: list[float] = []

            async def client() -> None:
                while not queue.empty():
                    token = queue.get_nowait()
                    started = time.perf_counter()
                    answer = await http.post("/checkout", json=body, headers={
                        "Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex})
                    latencies.append((time.perf_counter() - started) * 1000)
                    statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1

            started = time.perf_counter()
            await asyncio.gather(*(client() for _ in range(clients)))
            elapsed = time.perf_counter() - started
            level = (await http.get(f"/v1/variants/{variant}", headers=key)).json()
    finally:
        issuer.stop()
    placed = statuses.get(201, 0)
    ordered = sorted(latencies)
    return {"placed": placed, "statuses": statuses, "on_hand": level["on_hand"], "seconds": round(elapsed, 2),
            "orders_per_second": round(placed / elapsed, 1), "requests_per_second": round(orders / elapsed, 1),
            "p50_ms": round(statistics.median(ordered), 1),
            "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1], 1),
            "oversold": placed > stock_units or level["on_hand"] < 0}


async def baseline_run(url: str, *, orders: int, stock_units: int, clients: int) -> dict[str, Any]:
    """The bare conditional UPDATE (marketplace.crud.stock.take) with its ledger row, one per transaction."""
    upgrade(service, url)
    db = Database(url, pool_size=clients // 2 + 1)
    try:
        variant_id = uuid.uuid4()
        async with db.transaction() as session:
            from marketplace.models import Merchant, Product

            session.add(Merchant(id="m-base", name="Base", kind="producer", status="active", ortsteil_id=VILLAGE))
            await session.flush()
            product = Product(merchant_id="m-base", title="x", category="vorrat", status="published")
            session.add(product)
            await session.flush()
            session.add(Variant(id=variant_id, product_id=product.id, merchant_id="m-base", label="x",
                                price_cents=1, vat_rate=7, on_hand=stock_units))
        remaining = list(range(orders))
        taken = 0

        async def worker() -> None:
            nonlocal taken
            while remaining:
                remaining.pop()
                try:
                    async with db.transaction() as session:
                        await stock.take(session, takes=[stock.Take(variant_id, 1)], person_id=None, ref="b",
                                         threshold=0, now=utcnow())
                    taken += 1
                except stock.OutOfStock:
                    pass

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.perf_counter() - started
        async with db.session() as session:
            on_hand = (await session.execute(select(Variant.on_hand).where(Variant.id == variant_id))).scalar_one()
            ledger = (await session.execute(select(func.sum(StockMovement.delta)))).scalar_one()
            await session.execute(update(Variant).where(Variant.id == variant_id).values(on_hand=0))
        return {"taken": taken, "on_hand": on_hand, "ledger": ledger, "seconds": round(elapsed, 2),
                "takes_per_second": round(taken / elapsed, 1)}
    finally:
        await db.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="SQLite, 60 orders for 40 units (what CI runs)")
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--orders", type=int, default=1200)
    parser.add_argument("--stock", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    logging.disable(logging.INFO)  # the access log would measure the terminal
    orders, units = (60, 40) if args.smoke else (args.orders, args.stock)
    kinds = ["sqlite"] if args.smoke else args.db.split(",")
    repeat = 1 if args.smoke else args.repeat
    report: dict[str, Any] = {"benchmark": "marketplace_checkout", "smoke": args.smoke, "orders": orders,
                              "stock": units, "clients": args.clients, "environment": environment(), "runs": [],
                              "summary": []}
    with tempfile.TemporaryDirectory(prefix="marketplace-checkout-") as workdir:
        for kind in kinds:
            rates, floors = [], []
            for n in range(repeat):
                with database_url(kind, Path(workdir), f"checkout-{n}") as url:
                    upgrade(service, url)
                    result = await checkout_run(url, orders=orders, stock_units=units, clients=args.clients)
                with database_url(kind, Path(workdir), f"baseline-{n}") as url:
                    floor = await baseline_run(url, orders=orders, stock_units=units, clients=args.clients)
                report["runs"].append({"database": kind, "checkout": result, "baseline": floor})
                assert not result["oversold"] and result["placed"] == units and result["on_hand"] == 0, result
                assert floor["taken"] == units and floor["on_hand"] == 0 and floor["ledger"] == -units, floor
                rates.append(result["orders_per_second"])
                floors.append(floor["takes_per_second"])
                print(f"RUN {kind:<10} {result['placed']} orders in {result['seconds']} s = "
                      f"{result['orders_per_second']} orders/s (p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, "
                      f"answers {result['statuses']}, "
                      f"on_hand {result['on_hand']}); bare stock UPDATE {floor['takes_per_second']}/s")
            summary = {"database": kind, "orders_per_second": {"median": statistics.median(rates), "min": min(rates),
                                                               "max": max(rates)},
                       "baseline_takes_per_second": statistics.median(floors),
                       "ratio": round(statistics.median(rates) / statistics.median(floors), 3), "oversold": 0}
            report["summary"].append(summary)
            print(f"SUMMARY {kind:<10} {summary['orders_per_second']['median']} orders/s (min "
                  f"{summary['orders_per_second']['min']}, max {summary['orders_per_second']['max']}), zero oversell;"
                  f" bare stock UPDATE {summary['baseline_takes_per_second']}/s, ratio {summary['ratio']}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
