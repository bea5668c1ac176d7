"""How long a polygon warning takes to its full recipient list, against 100,000 and 1,000,000 place
subscriptions (targets: < 100 ms and < 1 s).

The subscriptions are spread like a district's would be: 70 % on the Uckermark's villages (Ortsteile, many
people per village), 30 % on points anywhere in the district (kept to 3 decimals, as the service keeps
them) with a radius of 0, 500 or 1000 m; every one a different person. The warning is a square of about
25 × 25 km over Prenzlau. Measured: `crud.recipients.recipients()` (the service's own code: distinct spots
in the bounding box from one indexed scan, tested once each, then the people at the matching spots) —
against a baseline measured in the same run: reading every subscription's person id once (a full scan,
what testing every subscription would at least cost).

    .venv/bin/python bench/alerts_matching.py                 # 100k and 1M on SQLite, 5 repetitions
    .venv/bin/python bench/alerts_matching.py --db postgresql  # on PostgreSQL (ALERTS_BENCH_POSTGRES_URL, a
                                                               # database of its own: its tables are emptied)
    .venv/bin/python bench/alerts_matching.py --smoke --json out.json
"""

from __future__ import annotations

import argparse
import asyncio
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
from pathlib import Path
from typing import Any

from sqlalchemy import text

from alerts.crud.recipients import recipients
from alerts.domain.geometry import Polygon, cell_of, make_ring
from alerts.domain.matching import Target, Topic
from alerts.main import service
from alerts.models import SubscriptionPlace
from places import demo
from platformkit.db import Database
from platformkit.migrations import upgrade

PRENZLAU = (53.3167, 13.8667)


def environment() -> dict[str, Any]:
    def run(*command: str) -> str:
        try:
            return subprocess.run(command, capture_output=True, text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    info = Path("/proc/cpuinfo")
    lines = info.read_text().splitlines() if info.exists() else []
    cpu = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), "")
    return {"nproc": os.cpu_count(), "cpu": cpu, "kernel": platform.release(), "python": sys.version.split()[0],
            "sqlite": __import__("sqlite3").sqlite_version, "loadavg": os.getloadavg()[0],
            "postgres": run("psql", "--version")}


def rows(count: int, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    villages = demo().ortsteile
    lats = [o.lat for o in villages]
    lons = [o.lon for o in villages]
    south, north, west, east = min(lats), max(lats), min(lons), max(lons)
    everything = int(Topic.all())
    found = []
    for _ in range(count):
        person = uuid.uuid4()
        if rng.random() < 0.7:
            o = rng.choice(villages)
            kind, ref, label, lat, lon, radius, ars = "ortsteil", o.id, o.name, o.lat, o.lon, 0.0, o.ars
        else:
            lat, lon = round(rng.uniform(south, north), 3), round(rng.uniform(west, east), 3)
            kind, ref, label, radius = "point", "", "Punkt", rng.choice((0.0, 500.0, 1000.0))
            ars = min(villages, key=lambda v: (v.lat - lat) ** 2 + (v.lon - lon) ** 2).ars
        found.append({"id": uuid.uuid4(), "subscription_id": person, "person_id": person, "kind": kind,
                      "place_ref": ref, "label": label, "lat": lat, "lon": lon, "radius_m": radius, "ars": ars,
                      "topic_mask": everything, "min_severity": 0, "languages": "de", "cell": cell_of(lat, lon)})
    return found


async def fill(db: Database, count: int) -> None:
    table = SubscriptionPlace.__table__  # type: ignore[attr-defined]
    data = rows(count)
    async with db.engine.begin() as connection:
        await connection.execute(table.delete())
        for start in range(0, len(data), 20_000):
            await connection.execute(table.insert(), data[start:start + 20_000])
        if not db.is_sqlite:
            await connection.execute(text("ANALYZE subscription_place"))
        else:
            await connection.execute(text("ANALYZE"))


def square(half_km: float) -> Target:
    lat, lon = PRENZLAU
    dlat, dlon = half_km / 111.2, half_km / 67.0
    ring = make_ring([(lat - dlat, lon - dlon), (lat - dlat, lon + dlon), (lat + dlat, lon + dlon),
                      (lat + dlat, lon - dlon)])
    assert ring is not None
    return Target((Polygon(ring),), (), (), ())


async def measure(db: Database, repeat: int) -> dict[str, Any]:
    target = square(12.5)
    gazetteer = demo()
    matched, matched_cpu, baseline, baseline_cpu = [], [], [], []
    people = 0
    for _ in range(repeat):
        started, cpu = time.perf_counter(), time.process_time()
        async with db.read_sessions() as session:
            found = await recipients(session, target, gazetteer, severity=2, topic_mask=int(Topic.WEATHER))
        matched.append((time.perf_counter() - started) * 1000)
        matched_cpu.append((time.process_time() - cpu) * 1000)
        people = len(found)
        started, cpu = time.perf_counter(), time.process_time()
        async with db.read_engine.connect() as connection:
            everyone = (await connection.execute(text("SELECT person_id FROM subscription_place"))).all()
        baseline.append((time.perf_counter() - started) * 1000)
        baseline_cpu.append((time.process_time() - cpu) * 1000)
        assert everyone
    # On a shared box the wall time includes waiting for a core; the process's CPU time (SQLite runs in
    # this process) is what the work costs.
    return {"recipients": people, "match_ms": summary(matched), "match_cpu_ms": summary(matched_cpu),
            "full_scan_ms": summary(baseline), "full_scan_cpu_ms": summary(baseline_cpu),
            "ratio_median": round(statistics.median(matched) / statistics.median(baseline), 3),
            "loadavg_after": round(os.getloadavg()[0], 2)}


def summary(values: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(values), 1), "min": round(min(values), 1), "max": round(max(values), 1)}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, one repetition (what CI runs)")
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--db", default="sqlite", choices=("sqlite", "postgresql"))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    sizes = [2_000] if args.smoke else [int(s) for s in args.sizes.split(",")]
    repeat = 1 if args.smoke else args.repeat
    workdir = Path(tempfile.mkdtemp(prefix="alerts-bench-"))
    if args.db == "sqlite":
        url = f"sqlite:///{workdir / 'alerts.db'}"
    else:
        url = os.environ.get("ALERTS_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/alerts_bench")
    upgrade(service, url)
    db = Database(url)
    report: dict[str, Any] = {"benchmark": "alerts_matching", "smoke": args.smoke, "database": args.db,
                              "environment": environment(), "results": []}
    try:
        for size in sizes:
            await fill(db, size)
            result = {"subscriptions": size, **await measure(db, repeat)}
            report["results"].append(result)
            match, cpu, scan = result["match_ms"], result["match_cpu_ms"], result["full_scan_ms"]
            print(f"RESULT {args.db} {size:>9,} subscriptions: {result['recipients']:>7,} recipients in "
                  f"{match['median']:.1f} ms (min {match['min']:.1f}, max {match['max']:.1f}; CPU {cpu['median']:.1f}"
                  f" ms); full scan of person ids {scan['median']:.1f} ms; ratio {result['ratio_median']}; "
                  f"load {result['loadavg_after']}")
    finally:
        if args.db == "postgresql":
            async with db.engine.begin() as connection:
                await connection.execute(SubscriptionPlace.__table__.delete())  # type: ignore[attr-defined]
        await db.dispose()
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
