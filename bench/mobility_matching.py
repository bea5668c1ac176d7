"""Matching, booking contention and GTFS import in the mobility service.

1. **Matching a booking request** against 10,000 open offer instances on 200 corridors
   (`crud.rides.candidates` — the slot's open instances with their segment loads, riders and drivers, narrowed
   in SQL by corridor and departure — then `domain.matching.rank`). Target: p95 < 20 ms. Baseline, in the same
   run: the same answer from every open instance loaded and filtered in Python.
2. **Booking contention**: 60 requests at once for one slot whose car has 3 seats and whose fallback contract
   has 20 (`crud.rides.book`, each in its own session and connection: PostgreSQL a pool of 10 + 10, SQLite the
   one writer), repeated over fresh slots: bookings/s and latency, and correctness (3 private, 20 fallback,
   37 refused, loads never above the totals). Baseline: the same 60 requests one after the other.
3. **GTFS import** of the fixture feeds and the demo feed: reading alone (`domain.gtfs.read_feed`) and the
   whole import into the database (`crud.network.import_feed`).

    .venv/bin/python bench/mobility_matching.py                   # SQLite and PostgreSQL
    .venv/bin/python bench/mobility_matching.py --db sqlite
    .venv/bin/python bench/mobility_matching.py --smoke --json out.json
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
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from datetime import time as wall_time
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert
from sqlmodel import col, select

from mobility.config import MobilitySettings
from mobility.crud import network, rides
from mobility.crud._sql import execute
from mobility.domain import gtfs
from mobility.domain.gtfstime import gtfs_instant
from mobility.domain.matching import RideRequest, rank
from mobility.main import service
from mobility.models import (
    Booking,
    Corridor,
    Driver,
    FallbackContract,
    FallbackLoad,
    Feed,
    Offer,
    OfferInstance,
    SegmentLoad,
    Stop,
    Vehicle,
)
from mobility.seed import demo_feed_path
from platformkit.db import Database
from platformkit.migrations import upgrade
from platformkit.problems import ProblemError
from platformkit.testing.databases import postgres_schema_url

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "mobility"
DAY = date(2026, 6, 2)
NOW = datetime(2026, 5, 20, 8, 0, tzinfo=UTC)
STOPS_PER_CORRIDOR = 5
SLOTS = [7 * 3600 + k * 1800 for k in range(10)]


def environment() -> dict[str, Any]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    return {"nproc": os.cpu_count(), "cpu": cpu, "kernel": platform.release(), "python": sys.version.split()[0],
            "sqlite": __import__("sqlite3").sqlite_version, "loadavg": os.getloadavg()[0]}


def settings_for(url: str) -> MobilitySettings:
    return MobilitySettings(database_url=url, oidc_issuer="http://127.0.0.1:9/never", environment="test")


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {"median": statistics.median(ordered), "p95": ordered[max(0, round(0.95 * len(ordered)) - 1)],
            "min": ordered[0], "max": ordered[-1]}


@contextlib.contextmanager
def database_url(kind: str) -> Iterator[str]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/mobility.db"
    else:
        with postgres_schema_url() as url:
            yield url


async def build_network(db: Database, corridors: int, instances_per_corridor: int, seed: int = 7) -> None:
    """`corridors` corridors of 5 stops, each with `instances_per_corridor` open instances over 10 slots of
    one service date (several cars per slot), some of them partly booked already."""
    rng = random.Random(seed)
    async with db.transaction() as session:
        session.add(Feed(id="bench", name="bench", timezone="Europe/Berlin", imported_by="bench"))
        await session.flush()
        stop_rows, corridor_rows, contract_rows = [], [], []
        for c in range(corridors):
            ids = [f"c{c}-s{k}" for k in range(STOPS_PER_CORRIDOR)]
            for k, stop_id in enumerate(ids):
                stop_rows.append({"feed_id": "bench", "stop_id": stop_id, "name": stop_id, "lat": 53.0 + c * 0.001,
                                  "lon": 13.5 + k * 0.05, "wheelchair": "yes", "location_type": 0})
            corridor_rows.append({"id": f"c{c}", "feed_id": "bench", "name": f"c{c}", "stop_ids": ids,
                                  "offsets_secs": [k * 600 for k in range(STOPS_PER_CORRIDOR)],
                                  "shape_dists": [None] * STOPS_PER_CORRIDOR, "detours": [], "first_secs": SLOTS[0],
                                  "last_secs": SLOTS[-1], "interval_secs": 1800, "weekdays": "0123456",
                                  "scheduled": {}, "created_at": NOW})
            contract_rows.append({"id": uuid.uuid4(), "corridor_id": f"c{c}", "operator": "Taxi", "band_from_secs": 0,
                                  "band_to_secs": 30 * 3600, "seats_per_slot": 20, "wheelchair_places_per_slot": 1,
                                  "vehicle_seats": 4, "wheelchair_vehicle_seats": 3, "notice_minutes": 60,
                                  "ack_minutes": 15})
        await execute(session, insert(Stop), stop_rows)
        await execute(session, insert(Corridor), corridor_rows)
        await execute(session, insert(FallbackContract), contract_rows)
        drivers, vehicles = [], []
        for d in range(100):
            driver_id, vehicle_id = uuid.uuid4(), uuid.uuid4()
            drivers.append({"id": driver_id, "person_id": uuid.uuid4(), "display_name": f"d{d}", "kind": "private",
                            "status": "verified", "verified_until": date(2030, 1, 1), "female_opt_in": d % 3 == 0,
                            "late_cancels": 0, "created_at": NOW})
            vehicles.append({"id": vehicle_id, "driver_id": driver_id, "label": "car", "seats": rng.choice([2, 3, 4]),
                             "wheelchair_places": 0})
        await execute(session, insert(Driver), drivers)
        await execute(session, insert(Vehicle), vehicles)
        offers, instances, loads = [], [], []
        for c in range(corridors):
            for n in range(instances_per_corridor):
                driver = drivers[rng.randrange(len(drivers))]
                vehicle = vehicles[drivers.index(driver)]
                slot = SLOTS[n % len(SLOTS)]
                offer_id, instance_id = uuid.uuid4(), uuid.uuid4()
                offers.append({"id": offer_id, "driver_id": driver["id"], "vehicle_id": vehicle["id"],
                               "corridor_id": f"c{c}", "from_index": 0, "to_index": STOPS_PER_CORRIDOR - 1,
                               "departure_wall": f"{slot // 3600:02d}:{slot % 3600 // 60:02d}", "weekdays": "",
                               "one_off": DAY, "valid_from": DAY, "exceptions": {}, "max_detour_secs": 0,
                               "status": "active", "created_at": NOW})
                instances.append({"id": instance_id, "offer_id": offer_id, "driver_id": driver["id"],
                                  "corridor_id": f"c{c}", "service_date": DAY, "slot_secs": slot,
                                  "departure_at": gtfs_instant(DAY, slot), "from_index": 0,
                                  "to_index": STOPS_PER_CORRIDOR - 1, "seats": vehicle["seats"],
                                  "wheelchair_places": 0, "commercial": False, "max_detour_secs": 0,
                                  "detour_used_secs": 0, "state": "open"})
                for k in range(STOPS_PER_CORRIDOR - 1):
                    loads.append({"instance_id": instance_id, "segment": k,
                                  "seats_used": rng.choice([0, 0, 0, 1]) if vehicle["seats"] > 1 else 0,
                                  "seats_total": vehicle["seats"], "wheelchairs_used": 0, "wheelchairs_total": 0})
        for table, rows in ((Offer, offers), (OfferInstance, instances), (SegmentLoad, loads)):
            for start in range(0, len(rows), 2000):
                await execute(session, insert(table), rows[start:start + 2000])


async def match_once(db: Database, corridor: str, slot: int, request: RideRequest) -> int:
    async with db.read_sessions() as session:
        return len(rank(await rides.candidates(session, corridor, gtfs_instant(DAY, slot)), request))


async def match_full_scan(db: Database, corridor: str, slot: int, request: RideRequest) -> int:
    """The baseline: every open instance and its loads loaded, the slot found in Python."""
    async with db.read_sessions() as session:
        everything = (await session.exec(select(OfferInstance).where(OfferInstance.state == "open"))).all()
        loads = (await session.exec(select(SegmentLoad))).all()
        departure = gtfs_instant(DAY, slot)
        mine = [i for i in everything if i.corridor_id == corridor and i.departure_at == departure]
        used = {(x.instance_id, x.segment): x.seats_used for x in loads}
        return sum(1 for i in mine if all(used[(i.id, k)] + request.seats <= i.seats for k in request.segments))


async def bench_matching(url: str, corridors: int, per_corridor: int, requests: int) -> dict[str, Any]:
    upgrade(service, url)
    db = Database(url)
    try:
        started = time.perf_counter()
        await build_network(db, corridors, per_corridor)
        build_s = time.perf_counter() - started
        async with db.read_sessions() as session:
            open_instances = (await execute(session,
                select(func.count()).select_from(OfferInstance))).scalar_one()
        rng = random.Random(3)
        asks = [(f"c{rng.randrange(corridors)}", rng.choice(SLOTS),
                 RideRequest(origin=rng.randrange(2), destination=rng.randrange(2, STOPS_PER_CORRIDOR),
                             party=rng.choice([1, 1, 2, 3]))) for _ in range(requests)]
        await match_once(db, *asks[0])  # warm the pool and caches
        timings, found = [], 0
        cpu0 = time.process_time()
        for corridor, slot, request in asks:
            t0 = time.perf_counter()
            found += await match_once(db, corridor, slot, request)
            timings.append((time.perf_counter() - t0) * 1000)
        cpu_ms = (time.process_time() - cpu0) * 1000 / requests
        baseline = []
        base_asks = asks[: max(3, requests // 20)]
        cpu0 = time.process_time()
        for corridor, slot, request in base_asks:
            t0 = time.perf_counter()
            await match_full_scan(db, corridor, slot, request)
            baseline.append((time.perf_counter() - t0) * 1000)
        base_cpu_ms = (time.process_time() - cpu0) * 1000 / len(base_asks)
        # How busy the machine was (2 cores: a load average above 2 means waiting for a core).
        return {"open_instances": open_instances, "corridors": corridors, "requests": requests,
                "build_s": build_s, "feasible_per_request": found / requests, "match_ms": summary(timings),
                "cpu_ms_per_request": cpu_ms, "full_scan_ms": summary(baseline),
                "full_scan_cpu_ms_per_request": base_cpu_ms, "loadavg": os.getloadavg()[0]}
    finally:
        await db.dispose()


async def bench_contention(url: str, rounds: int, requests: int) -> dict[str, Any]:
    upgrade(service, url)
    db = Database(url, pool_size=10)
    settings = settings_for(url)
    try:
        await build_network(db, corridors=rounds * 2, instances_per_corridor=0)
        async with db.transaction() as session:
            driver = Driver(person_id=uuid.uuid4(), display_name="d", status="verified",
                            verified_until=date(2030, 1, 1))
            session.add(driver)
            await session.flush()
            vehicle = Vehicle(driver_id=driver.id, label="car", seats=3)
            session.add(vehicle)
            await session.flush()
            for r in range(rounds * 2):
                await rides.create_offer(
                    session, driver=driver, vehicle_id=vehicle.id, corridor_id=f"c{r}", from_stop=f"c{r}-s0",
                    to_stop=f"c{r}-s4", departure_wall=wall_time(7, 0), one_off=DAY, weekdays=[], valid_from=None,
                    valid_to=None, exceptions={}, max_detour_secs=0, now=NOW, settings=settings)

        # As many bookings in flight as the pool has connections (a gateway keeps a bounded upstream pool):
        # the rest queue here rather than in the pool, whose 5 s timeout would otherwise fail them on a
        # loaded box. Any other failure is counted, never left running (return_exceptions below).
        in_flight = asyncio.Semaphore(1 if db.is_sqlite else 20)

        async def one(corridor: str) -> tuple[str, float]:
            t0 = time.perf_counter()
            try:
                async with in_flight, db.transaction() as session:
                    booking = await rides.book(
                        session, person_id=uuid.uuid4(), created_by=None, channel="app", corridor_id=corridor,
                        service_date=DAY, slot_secs=7 * 3600, origin_stop=f"{corridor}-s0",
                        destination_stop=f"{corridor}-s4", party=1, wheelchair=False, pram=False, bike=False,
                        female_driver_only=False, now=NOW, settings=settings)
                    state = booking.state
            except ProblemError as problem:
                state = problem.code
            return state, (time.perf_counter() - t0) * 1000

        contended, sequential, rates, base_rates, latencies = [], [], [], [], []
        cpu0 = time.process_time()
        for r in range(rounds):
            t0 = time.perf_counter()
            answers = await asyncio.gather(*(one(f"c{r}") for _ in range(requests)), return_exceptions=True)
            rates.append(requests / (time.perf_counter() - t0))
            results = [(type(a).__name__, 0.0) if isinstance(a, BaseException) else a for a in answers]
            latencies += [ms for s, ms in results if ms]
            contended.append(sorted(s for s, _ms in results))
            t0 = time.perf_counter()
            sequential.append([(await one(f"c{rounds + r}"))[0] for _ in range(requests)])
            base_rates.append(requests / (time.perf_counter() - t0))
        cpu_ms = (time.process_time() - cpu0) * 1000 / (2 * rounds * requests)
        async with db.read_sessions() as session:
            over = (await execute(session, select(func.count()).select_from(SegmentLoad).where(
                col(SegmentLoad.seats_used) > col(SegmentLoad.seats_total)))).scalar_one()
            fallback_max = (await execute(session, select(func.max(FallbackLoad.seats_used)))).scalar_one()
            bookings = (await execute(session, select(func.count()).select_from(Booking))).scalar_one()
        outcome = {state: contended[0].count(state) for state in set(contended[0])}
        correct = all(
            round_.count("matched_private") == 3 and round_.count("fallback_planned") == 20 for round_ in contended
        ) and over == 0 and fallback_max == 20
        return {"rounds": rounds, "requests": requests, "outcome": outcome, "correct": correct,
                "bookings_stored": bookings, "bookings_per_s": summary(rates),
                "sequential_bookings_per_s": summary(base_rates), "latency_ms": summary(latencies),
                "cpu_ms_per_booking": cpu_ms, "loadavg": os.getloadavg()[0]}
    finally:
        await db.dispose()


async def bench_import(url: str, repeat: int) -> list[dict[str, Any]]:
    upgrade(service, url)
    db = Database(url)
    out = []
    try:
        for name, path in (("transitfeed-good-feed", FIXTURES / "transitfeed-good-feed"),
                           ("bbnavi-uckermark-rufbus-flex", FIXTURES / "bbnavi-uckermark-rufbus-flex"),
                           ("uckermark-demo", demo_feed_path())):
            read, whole = [], []
            for _ in range(repeat):
                t0 = time.perf_counter()
                feed = gtfs.read_feed(path)
                read.append((time.perf_counter() - t0) * 1000)
                t0 = time.perf_counter()
                async with db.transaction() as session:
                    await network.import_feed(session, feed_id=name[:60], name=name, path=path, actor="bench")
                whole.append((time.perf_counter() - t0) * 1000)
            out.append({"feed": name, "stops": len(feed.stops), "stop_times": len(feed.stop_times),
                        "read_ms": summary(read), "import_ms": summary(whole)})
    finally:
        await db.dispose()
    return out


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    kinds = ["sqlite"] if args.smoke else args.db.split(",")
    corridors, per_corridor, requests = (20, 10, 40) if args.smoke else (200, 50, 400)
    rounds, stampede, repeat = (1, 30, 1) if args.smoke else (5, 60, 5)
    report: dict[str, Any] = {"smoke": args.smoke, "environment": environment(), "matching": [],
                              "contention": [], "import": []}
    for kind in kinds:
        if kind == "postgresql" and not os.environ.get("DORF_TEST_POSTGRES_URL"):
            print("postgresql: skipped (DORF_TEST_POSTGRES_URL is not set)")
            continue
        with database_url(kind) as url:
            result = await bench_matching(url, corridors, per_corridor, requests)
        report["matching"].append({"database": kind, **result})
        m = result["match_ms"]
        print(f"RESULT {kind:10} matching {result['open_instances']:,} instances on {corridors} corridors: "
              f"p50 {m['median']:.2f} ms, p95 {m['p95']:.2f} ms "
              f"(full scan p50 {result['full_scan_ms']['median']:.1f} ms), CPU {result['cpu_ms_per_request']:.2f} "
              f"ms/request (full scan {result['full_scan_cpu_ms_per_request']:.0f}), load {result['loadavg']:.1f}")
        with database_url(kind) as url:
            result = await bench_contention(url, rounds, stampede)
        report["contention"].append({"database": kind, **result})
        print(f"RESULT {kind:10} contention {stampede} at once for 3 seats + 20 taxi places: "
              f"{result['bookings_per_s']['median']:.0f} bookings/s "
              f"(one by one {result['sequential_bookings_per_s']['median']:.0f}/s), "
              f"p95 {result['latency_ms']['p95']:.0f} ms, CPU {result['cpu_ms_per_booking']:.1f} ms/booking, "
              f"correct={result['correct']} {result['outcome']}")
        with database_url(kind) as url:
            result_import = await bench_import(url, repeat)
        report["import"].append({"database": kind, "feeds": result_import})
        for feed in result_import:
            print(f"RESULT {kind:10} import {feed['feed']}: read {feed['read_ms']['median']:.1f} ms, "
                  f"import {feed['import_ms']['median']:.1f} ms "
                  f"({feed['stops']} stops, {feed['stop_times']} stop times)")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str))


if __name__ == "__main__":
    asyncio.run(main())
