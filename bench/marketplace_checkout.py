"""Checkout throughput under contention on one hot product: orders per second and zero oversell
(target: >= 100 orders/s on 2 cores).

One variant with `stock` units; `clients` concurrent residents keep checking out 1 unit each (pickup,
payment on pickup) through the service's real HTTP API — token check, Idempotency-Key, pricing,
conditional stock UPDATE, orders, events and webhooks into the outbox, the idempotent answer stored —
until `orders` checkouts were sent. Stock is smaller than the orders, so the tail of the run meets
OUT_OF_STOCK: exactly `stock` orders must succeed; afterwards on_hand must be 0, the sales in the stock
ledger must sum to -stock and exactly `stock` orders must exist (checked in the database).

The service runs the way the platform runs it (mode `served`, the default): `--replicas` processes of
`python -m launcher.serve marketplace.main:service` (uvicorn, as `dorf up` and the image start them; by
default one on SQLite, as `dorf up` runs it, and two on PostgreSQL, as the deployment does), their
events relayed to a nats-server of their own, and the load generator in this, a separate, process over
real HTTP with keep-alive connections spread over the replicas (as a Kubernetes Service's in-kernel
balancing would). The load generator writes its requests by hand on asyncio streams:
an HTTP client library would cost more CPU per request than the checkout's own work on a 2-core box.
Mode `inprocess` runs the app in this process over ASGI (no network hop, no NATS), as the earlier rows of
RESULTS.md did. CPU milliseconds per request are reported (from /proc) for the replicas, the load
generator and the PostgreSQL backends serving the replicas (found by their application_name).

Baseline, measured in the same run on the same database: the bare conditional stock UPDATE with its
ledger row, one transaction each, from the same number of concurrent tasks — the floor of what a
checkout must cost.

    .venv/bin/python bench/marketplace_checkout.py                     # SQLite and PostgreSQL, 3 repetitions
    .venv/bin/python bench/marketplace_checkout.py --db sqlite --orders 2000 --stock 1500 --replicas 2
    .venv/bin/python bench/marketplace_checkout.py --mode inprocess --db postgresql
    .venv/bin/python bench/marketplace_checkout.py --smoke --json out.json
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlalchemy import func, select, update
from sqlalchemy.engine import make_url

from marketplace.config import MarketplaceSettings
from marketplace.crud import stock
from marketplace.main import service
from marketplace.models import MerchantOrder, OrderLine, StockMovement, Variant
from platformkit.db import Database, utcnow
from platformkit.migrations import upgrade
from platformkit.natsserver import NatsServer, free_port
from platformkit.testing.databases import postgres_schema_url
from platformkit.testing.tokens import OidcIssuer

sys.path.insert(0, str(Path(__file__).parent))
from events_throughput import process_cpu  # noqa: E402
from marketplace_search import environment  # noqa: E402

VILLAGE = "ot-gramzow-gramzow"
START_TIMEOUT = 60.0
# The replicas' PostgreSQL connections say who they are, so that only their backends' CPU is counted
# (other work on a shared server is not this benchmark's).
APPLICATION_NAME = "marketplace-checkout-bench"
# How the platform runs the service on each database: SQLite is the embedded default, one process per service
# (`dorf up`; two processes would share the file's one writer through SQLite's sleeping busy handler);
# PostgreSQL is production, two replicas (deploy/k8s).
REPLICAS = {"sqlite": 1, "postgresql": 2}


def replica_url(url: str) -> str:
    if url.startswith("sqlite"):
        return url
    return make_url(url).update_query_dict({"application_name": APPLICATION_NAME}).render_as_string(
        hide_password=False)


def backends_cpu(url: str) -> dict[int, float]:
    """CPU seconds of each PostgreSQL backend serving the replicas (the server runs on this box)."""
    if url.startswith("sqlite"):
        return {}
    with psycopg.connect(make_url(url).set(drivername="postgresql", query={}).render_as_string(
            hide_password=False), autocommit=True) as connection:
        pids = [row[0] for row in connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s", [APPLICATION_NAME])]
    seconds = {}
    for pid in pids:
        with contextlib.suppress(OSError):
            seconds[pid] = process_cpu(pid)
    return seconds


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


def checkout_body(merchant: str, point: str, variant: str) -> dict[str, Any]:
    return {"lines": [{"variant_id": variant, "qty": 1}], "ortsteil_id": VILLAGE,
            "choices": [{"merchant_id": merchant, "fulfilment": "pickup", "pickup_point_id": point}],
            "payment_method": "on_pickup", "expected_total_cents": 450}


async def sold(url: str, variant: str) -> dict[str, int]:
    """What the database says was sold: on_hand, the ledger's sales, the orders and their units."""
    db = Database(url, pool_size=1)
    try:
        async with db.session() as session:
            variant_id = uuid.UUID(variant)
            on_hand = (await session.execute(select(Variant.on_hand).where(Variant.id == variant_id))).scalar_one()
            ledger = (await session.execute(select(func.coalesce(func.sum(StockMovement.delta), 0)).where(
                StockMovement.variant_id == variant_id, StockMovement.reason == "sale"))).scalar_one()
            orders = (await session.execute(select(func.count()).select_from(MerchantOrder))).scalar_one()
            units = (await session.execute(select(func.coalesce(func.sum(OrderLine.qty), 0)).where(
                OrderLine.variant_id == variant_id))).scalar_one()
        return {"on_hand": on_hand, "ledger_sales": ledger, "orders_in_db": orders, "units_in_orders": units}
    finally:
        await db.dispose()


def outcome(*, placed: int, statuses: dict[int, int], latencies: list[float], elapsed: float, orders: int,
            stock_units: int, books: dict[str, int]) -> dict[str, Any]:
    ordered = sorted(latencies)
    oversold = (placed > stock_units or books["on_hand"] < 0 or books["ledger_sales"] < -stock_units
                or books["orders_in_db"] > stock_units or books["units_in_orders"] > stock_units)
    return {"placed": placed, "statuses": statuses, **books, "seconds": round(elapsed, 2),
            "orders_per_second": round(placed / elapsed, 1), "requests_per_second": round(orders / elapsed, 1),
            "p50_ms": round(statistics.median(ordered), 1),
            "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1], 1), "oversold": oversold}


class Connection:
    """One keep-alive HTTP/1.1 connection of the load generator, written by hand (see the module's
    docstring): the request as bytes, the answer's status and body by its Content-Length."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        if self.streams is None:
            self.streams = await asyncio.open_connection("127.0.0.1", self.port)
        reader, writer = self.streams
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        writer.write(f"POST {path} HTTP/1.1\r\nHost: marketplace\r\nContent-Type: application/json\r\n"
                     f"Content-Length: {len(body)}\r\n{head}\r\n".encode() + body)
        lines = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        length = next(int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:"))
        answer = await reader.readexactly(length)
        if any(line.lower() == "connection: close" for line in lines):
            writer.close()
            self.streams = None
        return int(lines[0].split(" ", 2)[1]), answer

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()


@contextlib.contextmanager
def replicas(url: str, issuer: OidcIssuer, *, count: int, nats_url: str, clients: int,
             logs: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    """`count` replicas of the service as `dorf up` and the image start it (python -m launcher.serve)."""
    ports = [free_port() for _ in range(count)]
    env = {**os.environ, "SERVICE_NAME": "marketplace", "DATABASE_URL": replica_url(url), "NATS_URL": nats_url,
           "OIDC_ISSUER": issuer.issuer, "OIDC_AUDIENCE": "marketplace", "JWKS_URL": issuer.jwks_url,
           "ENVIRONMENT": "development", "LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1",
           "MERCHANT_API_REQUESTS_PER_MINUTE": str(10**9),
           # PostgreSQL: a connection for every request a replica has in flight and its background tasks, so
           # that no overflow connection (and its backend's CPU) comes and goes during the run.
           "DATABASE_POOL_SIZE": str(clients // count + 4)}
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for index, port in enumerate(ports):
            with (logs / f"marketplace-{index}.log").open("ab") as log:
                processes.append(subprocess.Popen(
                    [sys.executable, "-m", "launcher.serve", "marketplace.main:service", "--port", str(port)],
                    env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True))
        deadline = time.monotonic() + START_TIMEOUT
        with httpx.Client(timeout=2) as http:
            for index, (process, port) in enumerate(zip(processes, ports, strict=True)):
                while True:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError((logs / f"marketplace-{index}.log").read_text()[-3000:])
                    with contextlib.suppress(httpx.TransportError):
                        if http.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                            break
                    time.sleep(0.2)
        for process, port in zip(processes, ports, strict=True):
            process.port = port  # type: ignore[attr-defined]
        yield processes
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


async def checkout_served(url: str, *, orders: int, stock_units: int, clients: int, replica_count: int,
                          workdir: Path) -> dict[str, Any]:
    issuer = OidcIssuer(audience="marketplace").start()
    nats = NatsServer(workdir / f"nats-{uuid.uuid4().hex[:8]}")
    nats.start()
    try:
        with replicas(url, issuer, count=replica_count, nats_url=nats.url, clients=clients,
                      logs=workdir) as processes:
            ports = [process.port for process in processes]  # type: ignore[attr-defined]
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{ports[0]}", timeout=60) as http:
                merchant, point, variant, _key = await setup(http, issuer, stock_units)
            # Tokens made before the clock starts: signing is the issuer's cost, not the checkout's.
            people = [issuer.tokens.issue(str(uuid.uuid4()), roles=["resident"]) for _ in range(orders)]
            body = json.dumps(checkout_body(merchant, point, variant)).encode()
            queue = list(reversed(people))
            statuses: dict[int, int] = {}
            latencies: list[float] = []

            async def client(port: int) -> None:
                connection = Connection(port)
                try:
                    while queue:
                        token = queue.pop()
                        started = time.perf_counter()
                        status, _ = await connection.post("/checkout", body, {
                            "Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex})
                        latencies.append((time.perf_counter() - started) * 1000)
                        statuses[status] = statuses.get(status, 0) + 1
                finally:
                    connection.close()

            pids = [process.pid for process in processes]
            cpu_before = ([process_cpu(pid) for pid in pids], process_cpu(os.getpid()), backends_cpu(url))
            started = time.perf_counter()
            await asyncio.gather(*(client(ports[n % len(ports)]) for n in range(clients)))
            elapsed = time.perf_counter() - started
            cpu_after = ([process_cpu(pid) for pid in pids], process_cpu(os.getpid()), backends_cpu(url))
    finally:
        nats.stop()
        issuer.stop()
    result = outcome(placed=statuses.get(201, 0), statuses=statuses, latencies=latencies, elapsed=elapsed,
                     orders=orders, stock_units=stock_units, books=await sold(url, variant))
    per_request = 1000 / orders
    result["replicas"] = replica_count
    result["cpu_ms_per_request"] = {
        "replicas": round(sum(cpu_after[0]) * per_request - sum(cpu_before[0]) * per_request, 2),
        "load_generator": round((cpu_after[1] - cpu_before[1]) * per_request, 2),
        "postgres_backends": round(sum(after - cpu_before[2].get(pid, 0.0) for pid, after in cpu_after[2].items())
                                   * per_request, 2) if not url.startswith("sqlite") else None}
    return result


async def checkout_inprocess(url: str, *, orders: int, stock_units: int, clients: int) -> dict[str, Any]:
    issuer = OidcIssuer(audience="marketplace").start()
    try:
        settings = MarketplaceSettings(database_url=url, environment="test", nats_url="nats://127.0.0.1:9",
                                       merchant_api_requests_per_minute=10**9, database_pool_size=clients // 2 + 1,
                                       **issuer.settings_overrides())
        app = service.create_app(settings)
        async with app.router.lifespan_context(app), httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://marketplace", timeout=60) as http:
            merchant, point, variant, _key = await setup(http, issuer, stock_units)
            people = [issuer.tokens.issue(str(uuid.uuid4()), roles=["resident"]) for _ in range(orders)]
            body = checkout_body(merchant, point, variant)
            queue = list(reversed(people))
            statuses: dict[int, int] = {}
            latencies: list[float] = []

            async def client() -> None:
                while queue:
                    token = queue.pop()
                    started = time.perf_counter()
                    answer = await http.post("/checkout", json=body, headers={
                        "Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex})
                    latencies.append((time.perf_counter() - started) * 1000)
                    statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1

            cpu_before = process_cpu(os.getpid())
            started = time.perf_counter()
            await asyncio.gather(*(client() for _ in range(clients)))
            elapsed = time.perf_counter() - started
            cpu_after = process_cpu(os.getpid())
    finally:
        issuer.stop()
    result = outcome(placed=statuses.get(201, 0), statuses=statuses, latencies=latencies, elapsed=elapsed,
                     orders=orders, stock_units=stock_units, books=await sold(url, variant))
    result["cpu_ms_per_request"] = {"service_and_clients": round((cpu_after - cpu_before) * 1000 / orders, 2)}
    return result


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
    parser.add_argument("--mode", choices=["served", "inprocess"], default="served")
    parser.add_argument("--replicas", type=int, default=None,
                        help="service processes (mode served); default: 1 on SQLite (one process per service, as "
                             "`dorf up` runs it), 2 on PostgreSQL (as the deployment runs it)")
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
    report: dict[str, Any] = {"benchmark": "marketplace_checkout", "smoke": args.smoke, "mode": args.mode,
                              "replicas": args.replicas, "orders": orders,
                              "stock": units, "clients": args.clients, "environment": environment(), "runs": [],
                              "summary": []}
    with tempfile.TemporaryDirectory(prefix="marketplace-checkout-") as workdir:
        for kind in kinds:
            rates, floors = [], []
            for n in range(repeat):
                with database_url(kind, Path(workdir), f"checkout-{n}") as url:
                    upgrade(service, url)
                    if args.mode == "served":
                        result = await checkout_served(url, orders=orders, stock_units=units, clients=args.clients,
                                                       replica_count=args.replicas or REPLICAS[kind],
                                                       workdir=Path(workdir))
                    else:
                        result = await checkout_inprocess(url, orders=orders, stock_units=units, clients=args.clients)
                with database_url(kind, Path(workdir), f"baseline-{n}") as url:
                    floor = await baseline_run(url, orders=orders, stock_units=units, clients=args.clients)
                report["runs"].append({"database": kind, "checkout": result, "baseline": floor})
                assert not result["oversold"] and result["placed"] == units, result
                assert result["on_hand"] == 0 and result["ledger_sales"] == -units, result
                assert result["orders_in_db"] == result["units_in_orders"] == units, result
                assert floor["taken"] == units and floor["on_hand"] == 0 and floor["ledger"] == -units, floor
                rates.append(result["orders_per_second"])
                floors.append(floor["takes_per_second"])
                print(f"RUN {kind:<10} {result.get('replicas', 'in-process')} replica(s): "
                      f"{result['placed']} orders in {result['seconds']} s = "
                      f"{result['orders_per_second']} orders/s (p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, "
                      f"answers {result['statuses']}, on_hand {result['on_hand']}, ledger {result['ledger_sales']}, "
                      f"orders {result['orders_in_db']}; CPU ms/request {result['cpu_ms_per_request']}); "
                      f"bare stock UPDATE {floor['takes_per_second']}/s")
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
