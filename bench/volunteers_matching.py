"""Matching in the volunteers service, and the sign-up stampede.

1. **Opportunity search for a volunteer** over 5,000 open shifts (`crud.search.shifts_for`: villages within
   the radius from libs/places, SQL narrowing by state, time and village, then domain.matching's gates and
   score for what is left, the first 50 ranked). Target: p95 < 30 ms.
2. **Volunteer search for a shift** over 20,000 profiles (`crud.search.volunteers_for`: opted-in, not
   archived, old enough, near, with the simple requirements in SQL; the rest in domain.matching).
   Target: p95 < 30 ms.
   Baseline for both, measured in the same run: the same answer without the SQL narrowing — every public
   shift (every visible profile) loaded and evaluated in Python.
3. **Sign-up stampede**: 40 people sign up at once for a shift with 5 places (`crud.signups.apply`, each in
   its own transaction and connection — PostgreSQL: 40 connections; SQLite: the one writer), repeated
   over fresh shifts: latency p50/p95/max per sign-up, and correctness (exactly 5 confirmed, 35 ranks
   1..35, `seats_taken` = 5). Baseline: the same 40 sign-ups one after the other on an uncontended shift.

    .venv/bin/python bench/volunteers_matching.py                       # SQLite and PostgreSQL
    .venv/bin/python bench/volunteers_matching.py --db sqlite
    .venv/bin/python bench/volunteers_matching.py --db sqlite --part stampede   # only the sign-up race
    .venv/bin/python bench/volunteers_matching.py --smoke --json out.json

After the bulk load the process freezes its heap as a service does once its start-up is complete
(platformkit.app.freeze_startup_heap), so full collections scan only what the queries made; the frozen
heap here also holds the bench's own imports and data. `--no-gc-freeze` measures without it.
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
from collections.abc import Awaitable, Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text
from sqlmodel import col, select

from places import demo
from platformkit.app import freeze_startup_heap
from platformkit.auth import Principal
from platformkit.db import Database, utcnow
from platformkit.migrations import upgrade
from platformkit.testing.databases import postgres_schema_url
from volunteers.config import VolunteersSettings
from volunteers.crud import search, signups
from volunteers.crud.facts import shift_facts, volunteer_facts
from volunteers.domain.matching import DistanceMode, evaluate, ranked
from volunteers.domain.timing import local_slot
from volunteers.main import service
from volunteers.models import Opportunity, Organisation, Shift, Signup, Volunteer

PARTS = frozenset({"search", "stampede"})
VILLAGES = [o.id for o in demo().ortsteile]
CATEGORIES = ["social", "seniors", "children", "environment", "culture", "sports", "neighbourhood"]
REQUIREMENTS = [[], [], [], ["first_aid"], ["licence:B", "own_car"], ["lang:uk:B2"], ["skill:garden"]]
LANGUAGES = [{"de": "C2"}, {"de": "C2", "en": "B2"}, {"uk": "C2", "de": "B1"}, {"de": "B2", "ar": "C2"}]
SKILLS = ["garden", "cooking", "reading", "driving", "technology", "music"]


def environment() -> dict[str, Any]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    return {"nproc": os.cpu_count(), "cpu": cpu, "kernel": platform.release(), "python": sys.version.split()[0],
            "sqlite": __import__("sqlite3").sqlite_version, "loadavg": os.getloadavg()[0]}


def settings_for(url: str) -> VolunteersSettings:
    return VolunteersSettings(database_url=url, oidc_issuer="http://127.0.0.1:9/never", environment="test")


def availability(rng: random.Random) -> list[dict[str, Any]]:
    if rng.random() < 0.3:
        return []  # any time
    days = rng.sample(range(7), rng.randint(2, 5))
    return [{"weekday": d, "start": f"{rng.choice([8, 9, 13, 14]):02d}:00",
             "end": f"{rng.choice([17, 18, 20]):02d}:00"} for d in days]


async def fill(db: Database, shifts: int, profiles: int, seed: int = 6) -> None:
    """Verified organisations with opportunities in the district's villages, open shifts over the next 60
    days, and volunteer profiles spread over the villages — in bulk."""
    rng = random.Random(seed)
    now = utcnow()
    organisations = [{"id": uuid.uuid4(), "name": f"Verein {i}", "legal_form": "e.V.",
                      "village_id": rng.choice(VILLAGES), "description": "", "state": "verified", "created_at": now}
                     for i in range(max(shifts // 50, 2))]
    opportunities = []
    for i in range(max(shifts // 10, 2)):
        remote = rng.random() < 0.03
        opportunities.append({
            "id": uuid.uuid4(), "organisation_id": rng.choice(organisations)["id"], "kind": "shifts",
            "title": f"Einsatz {i}", "description": "", "category": rng.choice(CATEGORIES),
            "requirements": rng.choice(REQUIREMENTS), "min_age": 16, "approval_mode": "auto",
            "village_id": None if remote else rng.choice(VILLAGES), "address_public": False, "accessible": False,
            "remote": remote, "district_wide": False, "state": "published", "published_at": now, "created_at": now})
    rows = []
    for _ in range(shifts):
        opportunity = rng.choice(opportunities)
        start = (now + timedelta(days=rng.uniform(0.5, 59))).replace(minute=0, second=0, microsecond=0)
        capacity = rng.randint(2, 12)
        end = start + timedelta(hours=rng.choice([2, 3, 4]))
        weekday, start_minute, end_minute = local_slot(start, end)
        rows.append({"id": uuid.uuid4(), "opportunity_id": opportunity["id"],
                     "organisation_id": opportunity["organisation_id"], "start_at": start,
                     "end_at": end, "zone": "Europe/Berlin", "local_weekday": weekday,
                     "local_start_minute": start_minute, "local_end_minute": end_minute,
                     "capacity": capacity, "seats_taken": rng.randint(0, capacity - 1), "waitlist_enabled": True,
                     "waitlist_count": 0, "waitlist_last_rank": 0, "state": "scheduled", "version": 1,
                     "created_at": now})
    people = [{"person_id": uuid.uuid4(), "display_name": f"Helfer {i}", "birth_year": rng.randint(1945, 2006),
               "home_village_id": rng.choice(VILLAGES), "radius_km": float(rng.choice([5, 10, 15, 20, 30])),
               "availability": availability(rng), "languages": rng.choice(LANGUAGES),
               "skills": rng.sample(SKILLS, rng.randint(0, 3)), "licence_classes": ["B"] if rng.random() < 0.7 else [],
               "own_car": rng.random() < 0.6, "first_aid": rng.random() < 0.3, "visible_to_orgs": rng.random() < 0.6,
               "show_name_to_co_volunteers": False, "notify_reminders": True, "no_show_count": 0, "signup_lock": 0,
               "last_active_at": now, "created_at": now} for i in range(profiles)]
    async with db.transaction() as session:
        connection = await session.connection()
        for table, data in ((Organisation, organisations), (Opportunity, opportunities), (Shift, rows),
                            (Volunteer, people)):
            for chunk in range(0, len(data), 2000):
                await connection.execute(insert(table), data[chunk:chunk + 2000])
    # Planner statistics, as autovacuum (PostgreSQL) or a periodic ANALYZE (SQLite) would have them after a
    # bulk load; without them PostgreSQL nests loops over the joins.
    async with db.engine.connect() as connection:
        await connection.execute(text("ANALYZE"))
        await connection.commit()


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {"p50_ms": round(statistics.median(ordered), 2),
            "p95_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], 2),
            "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 2),
            "max_ms": round(ordered[-1], 2), "n": len(ordered)}


async def timed(calls: list[Callable[[], Awaitable[int]]]) -> tuple[dict[str, float], int]:
    """Wall-clock percentiles, and this process's CPU per call (with SQLite the database works in this
    process too; PostgreSQL's own CPU is not in it): the figure that moves least on a shared box."""
    samples, found = [], 0
    cpu_started = time.process_time()
    for call in calls:
        started = time.perf_counter()
        found += await call()
        samples.append((time.perf_counter() - started) * 1000)
    cpu_ms = (time.process_time() - cpu_started) * 1000 / max(len(calls), 1)
    return {**percentiles(samples), "cpu_ms_per_query": round(cpu_ms, 2)}, found


async def naive_shifts_for(db: Database, settings: VolunteersSettings, volunteer: Volunteer) -> int:
    """Baseline: every public future shift loaded and evaluated, no narrowing in SQL."""
    async with db.read_sessions() as session:
        statement = search.public_shifts().where(col(Shift.start_at) > utcnow())  # type: ignore[attr-defined]
        facts = volunteer_facts(volunteer)
        fits = [(fit, fact) for shift, opportunity in (await session.exec(statement)).all()
                if (fit := evaluate(facts, fact := shift_facts(shift, opportunity),
                                    mode=DistanceMode(settings.distance_mode))).eligible]
    return len(ranked(fits)[:50])


async def naive_volunteers_for(db: Database, settings: VolunteersSettings, shift: Shift,
                               opportunity: Opportunity) -> int:
    async with db.read_sessions() as session:
        people = (await session.exec(select(Volunteer).where(col(Volunteer.visible_to_orgs).is_(True)))).all()
        fact = shift_facts(shift, opportunity)
        mode = DistanceMode(settings.distance_mode)
        fits = [v for v in people if evaluate(volunteer_facts(v), fact, mode=mode).eligible]
    return len(fits[:50])


async def measure_search(db: Database, settings: VolunteersSettings, queries: int, seed: int = 3) -> dict[str, Any]:
    rng = random.Random(seed)
    async with db.read_sessions() as session:
        volunteers = list((await session.exec(select(Volunteer).limit(2000))).all())
        pairs = list((await session.exec(search.public_shifts().limit(2000))).all())
    chosen_people = [rng.choice(volunteers) for _ in range(queries)]
    chosen_shifts = [rng.choice(pairs) for _ in range(queries)]

    async def one_volunteer(volunteer: Volunteer) -> int:
        async with db.read_sessions() as session:
            return len(await search.shifts_for(session, settings, volunteer, now=utcnow()))

    async def one_shift(shift: Shift, opportunity: Opportunity) -> int:
        async with db.read_sessions() as session:
            return len(await search.volunteers_for(session, settings, shift, opportunity))

    result: dict[str, Any] = {}
    result["shifts_for_volunteer"], found = await timed([lambda v=v: one_volunteer(v) for v in chosen_people])
    result["shifts_for_volunteer"]["mean_results"] = round(found / queries, 1)
    baseline_n = max(queries // 4, 5)
    result["shifts_for_volunteer_baseline"], _ = await timed(
        [lambda v=v: naive_shifts_for(db, settings, v) for v in chosen_people[:baseline_n]])
    result["volunteers_for_shift"], found = await timed([lambda p=p: one_shift(*p) for p in chosen_shifts])
    result["volunteers_for_shift"]["mean_results"] = round(found / queries, 1)
    result["volunteers_for_shift_baseline"], _ = await timed(
        [lambda p=p: naive_volunteers_for(db, settings, *p) for p in chosen_shifts[:baseline_n]])
    return result


async def stampede(db: Database, settings: VolunteersSettings, rounds: int, people: int = 40,
                   places: int = 5) -> dict[str, Any]:
    """`rounds` fresh shifts, each raced by `people` at once; then the same sign-ups one after the other."""
    async with db.transaction() as session:
        organisation = (await session.exec(select(Organisation).limit(1))).one()
        opportunity = Opportunity(organisation_id=organisation.id, kind="shifts", title="Ansturm", category="social",
                                  remote=True, state="published", published_at=utcnow())
        session.add(opportunity)
        crowd = [v.person_id for v in (await session.exec(select(Volunteer).where(
            col(Volunteer.birth_year) < 2000).limit(people))).all()]
    assert len(crowd) == people
    samples: list[float] = []
    wrong: list[str] = []

    async def new_shift(capacity: int, days: float) -> uuid.UUID:
        async with db.transaction() as session:
            start = (utcnow() + timedelta(days=days)).replace(microsecond=0)
            shift = Shift(opportunity_id=opportunity.id, organisation_id=opportunity.organisation_id,
                          start_at=start, end_at=start + timedelta(minutes=30), capacity=capacity)
            session.add(shift)
        return shift.id

    async def sign_up(shift_id: uuid.UUID, person_id: uuid.UUID) -> str:
        started = time.perf_counter()
        try:
            async with db.transaction() as session:
                applied = await signups.apply(session, settings=settings, shift_id=shift_id, person_id=person_id,
                                              by=Principal(sub=str(person_id)), now=utcnow())
                state = applied.signup.state
        finally:
            samples.append((time.perf_counter() - started) * 1000)
        return state

    wall = []
    for round_no in range(rounds):
        # Shifts 61+ days ahead, 1 hour apart per round: the crowd's earlier shifts never overlap them.
        shift_id = await new_shift(places, 61 + round_no / 24)
        started = time.perf_counter()
        states = await asyncio.gather(*(sign_up(shift_id, person) for person in crowd))
        wall.append((time.perf_counter() - started) * 1000)
        async with db.read_sessions() as session:
            taken = (await session.exec(select(Shift.seats_taken).where(col(Shift.id) == shift_id))).one()
            ranks = sorted((await session.exec(select(Signup.waitlist_rank).where(
                col(Signup.shift_id) == shift_id, col(Signup.state) == "waitlisted"))).all())
        if states.count("confirmed") != places or taken != places or ranks != list(range(1, people - places + 1)):
            wrong.append(f"round {round_no}: confirmed {states.count('confirmed')}, seats {taken}, ranks {ranks[:3]}…")
    contended = percentiles(samples)
    samples.clear()
    quiet = await new_shift(people, 70)
    for person in crowd:
        await sign_up(quiet, person)
    return {"contended": {**contended, "round_wall_ms": round(statistics.median(wall), 1)},
            "sequential_baseline": percentiles(samples), "rounds": rounds, "people": people, "places": places,
            "incorrect_rounds": wrong}


@contextlib.contextmanager
def database_url(kind: str, workdir: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{workdir / 'volunteers-bench.db'}"
    else:
        with postgres_schema_url() as url:
            yield url


async def run(kind: str, shifts: int, profiles: int, queries: int, rounds: int, workdir: Path,
              gc_freeze: bool = True, parts: frozenset[str] = PARTS) -> dict[str, Any]:
    with database_url(kind, workdir) as url:
        upgrade(service, url)
        db = Database(url, pool_size=20)
        try:
            started = time.perf_counter()
            await fill(db, shifts, profiles)
            filled = time.perf_counter() - started
            if gc_freeze:
                freeze_startup_heap()
            settings = settings_for(url)
            searched = await measure_search(db, settings, queries) if "search" in parts else {}
            raced = await stampede(db, settings, rounds) if "stampede" in parts else None
        finally:
            await db.dispose()
    return {"database": kind, "shifts": shifts, "profiles": profiles, "fill_seconds": round(filled, 1),
            "gc_freeze": gc_freeze, **searched, **({"stampede": raced} if raced else {})}


def summary_lines(result: dict[str, Any]) -> list[str]:
    kind = result["database"]
    lines = []
    for name in ("shifts_for_volunteer", "volunteers_for_shift"):
        if name not in result:
            continue
        own, base = result[name], result[f"{name}_baseline"]
        lines.append(f"SUMMARY {kind:10} {name:22} p50 {own['p50_ms']:7.2f} ms  p95 {own['p95_ms']:7.2f} ms  "
                     f"p99 {own['p99_ms']:7.2f} max {own['max_ms']:7.2f}  "
                     f"cpu {own['cpu_ms_per_query']:6.2f} ms/query  (baseline p50 {base['p50_ms']:8.2f} "
                     f"p95 {base['p95_ms']:8.2f} cpu {base['cpu_ms_per_query']:7.2f}), {own['mean_results']} results")
    if "stampede" not in result:
        return lines
    race, quiet = result["stampede"]["contended"], result["stampede"]["sequential_baseline"]
    lines.append(f"SUMMARY {kind:10} signup_stampede        p50 {race['p50_ms']:7.2f} ms  "
                 f"p95 {race['p95_ms']:7.2f} ms  max {race['max_ms']:7.2f} "
                 f"(sequential p50 {quiet['p50_ms']:.2f} p95 {quiet['p95_ms']:.2f}), "
                 f"incorrect rounds {len(result['stampede']['incorrect_rounds'])}")
    return lines


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="500 shifts, 2,000 profiles, SQLite, few queries")
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--shifts", type=int, default=5_000)
    parser.add_argument("--profiles", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--part", default=",".join(sorted(PARTS)), help="search, stampede or both (the default)")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--no-gc-freeze", dest="gc_freeze", action="store_false",
                        help="leave the heap under collection after the bulk load (as before platformkit froze it)")
    args = parser.parse_args()
    kinds = ["sqlite"] if args.smoke else args.db.split(",")
    shifts, profiles = (500, 2_000) if args.smoke else (args.shifts, args.profiles)
    queries, rounds = (20, 2) if args.smoke else (args.queries, args.rounds)
    report: dict[str, Any] = {"benchmark": "volunteers_matching", "smoke": args.smoke, "environment": environment(),
                              "results": []}
    with tempfile.TemporaryDirectory() as workdir:
        for kind in kinds:
            result = await run(kind, shifts, profiles, queries, rounds, Path(workdir), args.gc_freeze,
                               frozenset(args.part.split(",")))
            report["results"].append(result)
            for line in summary_lines(result):
                print(line, flush=True)
    report["environment"]["loadavg_end"] = os.getloadavg()[0]
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str))
    if any(r.get("stampede", {}).get("incorrect_rounds") for r in report["results"]):
        raise SystemExit("the stampede overbooked or lost a rank")


if __name__ == "__main__":
    asyncio.run(main())
