"""Search over 100,000 products: p50/p95 of the marketplace's own search (`crud.search.search`: German
full text through product_fts, facets and total over at most 1,000 matches, the first page of 20) on SQLite
(FTS5 trigram) and PostgreSQL (pg_trgm GIN). Target: p95 < 50 ms. Also the process CPU time per query
(on a shared box it moves less than wall time; for SQLite it includes the database's work, for PostgreSQL
only the client's).

The catalogue is spread like a district's: 250 active merchants in the Uckermark's villages, products
named from food words and compounds ("Bergkäse", "Apfelsaft naturtrüb"...) with a variety word and a
number, so that queries match from a handful to thousands of products. The queries mix umlaut
spellings, word parts, two-word queries, a category, "delivers to my village" and a rare word.
Baseline, measured in the same run: a plain substring scan of the product titles for the same words
(`title LIKE '%…%'`, no index), what searching without the index would cost at least.

    .venv/bin/python bench/marketplace_search.py                      # 100,000 products, SQLite and PostgreSQL
    .venv/bin/python bench/marketplace_search.py --db sqlite --size 20000
    .venv/bin/python bench/marketplace_search.py --smoke --json out.json
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import text

from marketplace.crud.search import COUNT_LIMIT, SearchQuery, fts_rowid, search
from marketplace.domain.categories import CATEGORIES
from marketplace.domain.search import query_terms, search_body
from marketplace.main import service
from marketplace.models import DeliveryVillage, Merchant, Product, Variant
from places import demo
from platformkit.db import Database, utcnow
from platformkit.migrations import upgrade
from platformkit.testing.databases import postgres_schema_url

WORDS = {
    "milch-kaese": ["Bergkäse", "Frischkäse", "Ziegenkäse", "Butter", "Joghurt", "Quark", "Vollmilch", "Sahne"],
    "getraenke": ["Apfelsaft", "Birnensaft", "Quittensaft", "Mineralwasser", "Landbier", "Holundersaft", "Most"],
    "brot-backwaren": ["Roggenbrot", "Dinkelbrot", "Brötchen", "Kürbiskernbrot", "Streuselkuchen", "Zwieback"],
    "fleisch-wurst": ["Rinderhack", "Leberwurst", "Bratwurst", "Schinken", "Salami", "Sülze", "Kassler"],
    "obst-gemuese": ["Kartoffeln", "Äpfel", "Möhren", "Zwiebeln", "Kürbis", "Spargel", "Erdbeeren", "Grünkohl"],
    "honig-aufstriche": ["Rapshonig", "Waldhonig", "Pflaumenmus", "Erdbeerkonfitüre", "Senf"],
    "eier": ["Freilandeier", "Bioeier", "Wachteleier"],
}
VARIETIES = ["naturtrüb", "mild", "würzig", "geräuchert", "frisch", "hausgemacht", "klassisch", "fein", "grob"]
LABELS = ["", "", "bio", "regional", "bio regional", "vegan"]
QUERIES = [("Käse", {}), ("kase", {}), ("Kaese", {}), ("saft", {}), ("apfel trüb", {}), ("brot", {}),
           ("honig", {"village": True}), ("wurst", {"delivers": True}), ("", {"category": "eier"}),
           ("Spargel frisch", {}), ("quitte", {}), ("zzyzx", {})]


def environment() -> dict[str, Any]:
    def run(*command: str) -> str:
        try:
            return subprocess.run(command, capture_output=True, text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    return {"nproc": os.cpu_count(), "cpu": cpu, "kernel": platform.release(), "python": sys.version.split()[0],
            "sqlite": __import__("sqlite3").sqlite_version, "loadavg": os.getloadavg()[0],
            "postgres": run("psql", "--version")}


async def fill(db: Database, size: int, seed: int = 11) -> None:
    """Merchants, products, one variant each, delivery villages and the search rows, in bulk."""
    rng = random.Random(seed)
    villages = [o.id for o in demo().ortsteile]
    now = utcnow()
    merchants = [{"id": f"m-bench-{n}", "name": f"Hof {n} {rng.choice(['Gramzow', 'Lychen', 'Gartz', 'Tantow'])}",
                  "kind": "producer", "status": "active", "seller_of_record": "merchant",
                  "ortsteil_id": rng.choice(villages), "description": "", "created_at": now, "updated_at": now}
                 for n in range(250)]
    areas = [{"merchant_id": m["id"], "ortsteil_id": o, "fee_cents": 300, "min_order_cents": 0}
             for m in merchants for o in rng.sample(villages, 6)]
    names = {m["id"]: m["name"] for m in merchants}
    sqlite = db.is_sqlite
    async with db.engine.begin() as connection:
        await connection.execute(Merchant.__table__.insert(), merchants)  # type: ignore[attr-defined]
        await connection.execute(DeliveryVillage.__table__.insert(), areas)  # type: ignore[attr-defined]
        for start in range(0, size, 10_000):
            products, variants, fts = [], [], []
            for n in range(start, min(size, start + 10_000)):
                category = rng.choice(list(WORDS))
                title = f"{rng.choice(WORDS[category])} {rng.choice(VARIETIES)} Nr. {n}"
                merchant = rng.choice(merchants)["id"]
                labels = rng.choice(LABELS)
                product_id = uuid.uuid4()
                products.append({"id": product_id, "merchant_id": merchant, "title": title, "description": "",
                                 "category": category, "labels": labels, "is_food": True, "ingredients": "x",
                                 "allergens": "", "status": "published", "created_at": now, "updated_at": now,
                                 "version": 1})
                variants.append({"id": uuid.uuid4(), "product_id": product_id, "merchant_id": merchant,
                                 "label": "Stück", "price_cents": rng.randint(99, 2999), "vat_rate": 7,
                                 "deposit_cents": 0, "unit": "piece", "variable_weight": False, "on_hand": 10,
                                 "reserved": 0, "updated_at": now, "version": 1})
                fts.append({"rowid": fts_rowid(product_id), "id": product_id.hex if sqlite else str(product_id),
                            "title": title,
                            "body": search_body(title, CATEGORIES[category], labels, names[merchant]),
                            "category": category, "merchant_id": merchant, "labels": labels})
            await connection.execute(Product.__table__.insert(), products)  # type: ignore[attr-defined]
            await connection.execute(Variant.__table__.insert(), variants)  # type: ignore[attr-defined]
            columns, values = ("rowid, ", ":rowid, ") if sqlite else ("", "")
            await connection.execute(text(f"INSERT INTO product_fts ({columns}product_id, body, title, category, "  # noqa: S608
                                          f"merchant_id, labels) VALUES ({values}:id, :body, :title, :category, "
                                          ":merchant_id, :labels)"), fts)
            if sqlite:
                await connection.execute(text("INSERT INTO product_facets_fts (rowid, category, merchant_id, labels) "
                                              "VALUES (:rowid, :category, :merchant_id, :labels)"), fts)
        if sqlite:
            await connection.execute(text("ANALYZE"))
    if not sqlite:
        # A settled catalogue: autovacuum has set the visibility map (index-only scans) and the statistics.
        async with db.engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("VACUUM ANALYZE"))


async def measure(db: Database, repeat: int, count_limit: int = COUNT_LIMIT) -> dict[str, Any]:
    gazetteer = demo()
    village = "ot-prenzlau-prenzlau"
    latencies: list[float] = []
    cpu: list[float] = []
    by_query: dict[str, list[float]] = {}
    baseline: list[float] = []
    hits: dict[str, int] = {}
    capped: dict[str, bool] = {}
    for _ in range(repeat):
        for words, options in QUERIES:
            query = SearchQuery(text=words, category=options.get("category"),
                                village=village if options.get("village") or options.get("delivers") else None,
                                delivers_only=bool(options.get("delivers")))
            name = words or options.get("category", "")
            started, cpu_started = time.perf_counter(), time.process_time()
            async with db.read_sessions() as session:
                found = await search(session, query=query, gazetteer=gazetteer, limit=20, count_limit=count_limit)
            latencies.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
            by_query.setdefault(name, []).append(latencies[-1])
            hits[name], capped[name] = found.total, found.total_capped
            terms = query_terms(words)
            if terms:
                started = time.perf_counter()
                async with db.read_engine.connect() as connection:
                    clauses = " AND ".join(f"lower(title) LIKE :t{i}" for i in range(len(terms)))
                    await connection.execute(text(f"SELECT id FROM product WHERE {clauses} LIMIT 20"),  # noqa: S608
                                             {f"t{i}": f"%{t}%" for i, t in enumerate(terms)})
                baseline.append((time.perf_counter() - started) * 1000)
    ordered = sorted(latencies)
    return {"queries": len(latencies), "hits": hits, "hits_capped": capped,
            "p50_ms": round(statistics.median(ordered), 2),
            "p95_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], 2),
            "max_ms": round(ordered[-1], 2),
            "cpu_ms_per_query": round(statistics.fmean(cpu), 2),
            "cpu_p95_ms": round(sorted(cpu)[min(len(cpu) - 1, int(len(cpu) * 0.95))], 2),
            "median_ms_by_query": {name: round(statistics.median(values), 2) for name, values in by_query.items()},
            "baseline_title_scan_p50_ms": round(statistics.median(baseline), 2) if baseline else None}


@contextlib.contextmanager
def database_url(kind: str, workdir: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{workdir / 'marketplace.db'}"
    else:
        with postgres_schema_url() as url:
            yield url


async def run(kind: str, size: int, repeat: int, workdir: Path, count_limit: int) -> dict[str, Any]:
    with database_url(kind, workdir) as url:
        upgrade(service, url)
        db = Database(url)
        try:
            started = time.perf_counter()
            await fill(db, size)
            fill_seconds = time.perf_counter() - started
            await measure(db, 1, count_limit)  # warm-up: caches, query plans
            result = {"database": kind, "products": size, "count_limit": count_limit,
                      "fill_seconds": round(fill_seconds, 1), **await measure(db, repeat, count_limit)}
        finally:
            await db.dispose()
    return result


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="2,000 products, SQLite, one round (what CI runs)")
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=10, help="rounds of all queries")
    parser.add_argument("--count-limit", type=int, default=COUNT_LIMIT, help="SEARCH_COUNT_LIMIT")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    size = 2_000 if args.smoke else args.size
    kinds = ["sqlite"] if args.smoke else args.db.split(",")
    repeat = 1 if args.smoke else args.repeat
    report: dict[str, Any] = {"benchmark": "marketplace_search", "smoke": args.smoke,
                              "environment": environment(), "results": []}
    with tempfile.TemporaryDirectory(prefix="marketplace-search-") as workdir:
        for kind in kinds:
            result = await run(kind, size, repeat, Path(workdir), args.count_limit)
            report["results"].append(result)
            print(f"RESULT {kind:<10} {size:>8,} products: {result['queries']} queries, p50 {result['p50_ms']:.1f} ms, "
                  f"p95 {result['p95_ms']:.1f} ms, max {result['max_ms']:.1f} ms, cpu {result['cpu_ms_per_query']:.1f} "
                  f"ms/query (p95 {result['cpu_p95_ms']:.1f}); baseline title scan p50 "
                  f"{result['baseline_title_scan_p50_ms']} ms (fill {result['fill_seconds']} s)")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
