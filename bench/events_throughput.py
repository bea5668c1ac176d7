"""Event spine benchmark: outbox -> relay -> JetStream -> consumer (inbox + effect), end to end.

Two measurements, each on SQLite and PostgreSQL, each run on a fresh nats-server (file storage) and
fresh databases, with the producer and the consumer in separate processes (the consumer is this
script again, `--role consumer`):

- throughput: the producer writes N events in transactions of --batch events, as fast as it can;
  events/s = N / (first producer commit -> last consumer commit);
- latency at a fixed offered rate (--rate, default 500 events/s, one event per transaction, open loop):
  per event, producer commit -> the consumer's commit of the batch that handled it (p50/p99/max).

Targets on 2 cores: >= 2,000 events/s, p99 < 50 ms at 500 events/s.

    .venv/bin/python bench/events_throughput.py                  # full run, both databases, 3 repetitions
    .venv/bin/python bench/events_throughput.py --smoke          # a few seconds, SQLite only
    .venv/bin/python bench/events_throughput.py --json bench/results/events.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import Column, Integer, MetaData, Table, Text, insert
from sqlmodel import Field, SQLModel

from platformkit.db import Database, new_metadata, service_registry
from platformkit.events import FAULTS, Consumer, Event, EventOptions, EventRuntime, current_envelope, publish
from platformkit.natsserver import NatsServer, nats_server_binary
from platformkit.tables import copy_platform_tables
from platformkit.testing.databases import postgres_schema_url, postgres_unavailable_reason, sqlite_url

SERVICE = "benchdepot"
PAYLOAD = "x" * 200  # a realistic body: a few ids, a name, an address


class ParcelShippedV1(Event):
    type: ClassVar[str] = "benchdepot.parcel.shipped.v1"
    subject_field: ClassVar[str | None] = "parcel_id"

    parcel_id: int
    note: str


def producer_metadata() -> tuple[MetaData, Table]:
    metadata = new_metadata()
    copy_platform_tables(metadata)
    parcel = Table("parcel", metadata, Column("id", Integer, primary_key=True), Column("note", Text))
    return metadata, parcel


class ConsumerModel(SQLModel, registry=service_registry()):
    pass


class Shipment(ConsumerModel, table=True):
    """What the consumer records per event, the way a service writes it: a SQLModel row, session.add."""

    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(max_length=36)
    parcel_id: int


OPTIONS = EventOptions(reconnect_wait_seconds=0.5, fetch_timeout_seconds=2.0)


def open_database(url: str, *, pool_size: int = 10) -> Database:
    return Database(url, pool_size=pool_size)


def write_file(path: Path, text: str) -> None:
    path.write_text(text)


# --- consumer process ---------------------------------------------------------------------------


async def run_consumer(db_url: str, nats_url: str, expect: int, out: Path, ready: Path) -> None:
    db = open_database(db_url)
    committed: dict[str, float] = {}
    done = asyncio.Event()

    async def on_parcel_shipped(event: ParcelShippedV1, session: Any) -> None:
        envelope = current_envelope.get()
        assert envelope is not None
        session.add(Shipment(event_id=envelope.id, parcel_id=event.parcel_id))

    def after_commit(_consumer: str, event_ids: Sequence[str]) -> None:
        now = time.time()
        for event_id in event_ids:
            committed.setdefault(event_id, now)
        if len(committed) >= expect:
            done.set()

    FAULTS.after_commit = after_commit
    consumer = Consumer(name="parcel-shipped", event=ParcelShippedV1, handler=on_parcel_shipped, batch_size=256)
    runtime = EventRuntime(
        service="benchledger", nats_url=nats_url, db=db, consumers=[consumer], produces=False, options=OPTIONS
    )
    await runtime.start()
    await asyncio.wait_for(runtime.wait_ready(), timeout=30)
    write_file(ready, "ready")
    await asyncio.wait_for(done.wait(), timeout=600)
    await asyncio.sleep(0.2)  # let the last acks go out
    await runtime.stop()
    await db.dispose()
    write_file(out, json.dumps(committed))


# --- CPU accounting -------------------------------------------------------------------------------


def process_cpu(pid: int, *, children: bool = False) -> float:
    """User + system CPU seconds of a process (Linux /proc); with `children`, plus those of its
    children that have exited and were reaped."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / os.sysconf("SC_CLK_TCK")


def system_cpu() -> float:
    """Busy CPU seconds of the whole machine (all cores)."""
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def postgres_cpu() -> float:
    """CPU seconds of all local PostgreSQL processes (the server runs on this box), including backends
    that have exited meanwhile (they are children of the postmaster)."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as comm:
                    if comm.read().strip() != "postgres":
                        continue
                total += process_cpu(int(entry), children=True)
            except (FileNotFoundError, ProcessLookupError, PermissionError):
                continue
    return total


async def wait_until_quiet(limit: float, patience: float) -> float:
    """Wait (up to `patience` s) until the machine is busy less than `limit` (0..1) over a second, so
    that someone else's job does not end up in our numbers. Returns the last busy fraction seen."""
    cores = os.cpu_count() or 1
    deadline = time.monotonic() + patience
    while True:
        before = system_cpu()
        await asyncio.sleep(1.0)
        busy = (system_cpu() - before) / cores
        if busy < limit or time.monotonic() > deadline:
            return round(busy, 3)


# --- producer side --------------------------------------------------------------------------------


@dataclass
class RunResult:
    database: str
    mode: str
    events: int
    seconds: float
    events_per_second: float
    producer_events_per_second: float
    relay_events_per_second: float
    latency_ms: dict[str, float] = field(default_factory=dict)
    offered_rate: float | None = None
    # CPU milliseconds per event: producer process (writes + relay), consumer process, nats-server,
    # PostgreSQL (all local postgres processes), and the rest of the machine (kernel I/O threads, and
    # anything else running: compare with busy_before).
    cpu_ms_per_event: dict[str, float] = field(default_factory=dict)
    busy_before: float | None = None


class Harness:
    """Fresh nats-server, databases and consumer process for one run."""

    def __init__(
        self, kind: str, workdir: Path, profile: bool, latency_batch: int = 1, writers: int = 4
    ) -> None:
        self.kind = kind
        self.writers = writers
        self.latency_batch = latency_batch
        self.workdir = workdir
        self.profile = profile
        self.stack = ExitStack()

    def urls(self) -> tuple[str, str]:
        if self.kind == "sqlite":
            return sqlite_url(self.workdir, "producer"), sqlite_url(self.workdir, "consumer")
        return (
            self.stack.enter_context(postgres_schema_url()),
            self.stack.enter_context(postgres_schema_url()),
        )

    async def run_writes(self, events: int, batch: int, quiet: float) -> RunResult:
        """Baseline in the same job: the producer's writes alone (same rows and transactions, no events)."""
        busy_before = await wait_until_quiet(quiet, patience=180) if quiet < 1 else None
        producer_url, _ = self.urls()
        db = open_database(producer_url, pool_size=4)
        metadata, parcel = producer_metadata()
        await db.create_all(metadata)
        started = time.time()
        for first in range(0, events, batch):
            async with db.transaction() as session:
                connection = await session.connection()
                rows = [{"id": i, "note": PAYLOAD} for i in range(first, min(first + batch, events))]
                await connection.execute(insert(parcel), rows)
        seconds = time.time() - started
        await db.dispose()
        self.stack.close()
        rate = round(events / seconds, 1)
        return RunResult(
            database=self.kind,
            mode="writes",
            events=events,
            seconds=round(seconds, 3),
            events_per_second=rate,
            producer_events_per_second=rate,
            relay_events_per_second=0.0,
            busy_before=busy_before,
        )

    async def run(self, mode: str, events: int, batch: int, rate: float, quiet: float) -> RunResult:
        if mode == "writes":
            return await self.run_writes(events, batch, quiet)
        busy_before = await wait_until_quiet(quiet, patience=180) if quiet < 1 else None
        nats = NatsServer(self.workdir / "nats")
        nats.start()
        self.stack.callback(nats.stop)
        producer_url, consumer_url = self.urls()
        producer_db = open_database(producer_url, pool_size=4)
        consumer_db = Database(consumer_url)
        metadata, parcel = producer_metadata()
        await producer_db.create_all(metadata)
        await consumer_db.create_all(ConsumerModel.metadata)
        await consumer_db.dispose()
        runtime = EventRuntime(service=SERVICE, nats_url=nats.url, db=producer_db, produces=True, options=OPTIONS)
        await runtime.start()
        await asyncio.wait_for(runtime.wait_ready(), timeout=30)
        out, ready = self.workdir / "consumer.json", self.workdir / "consumer.ready"
        command = [
            sys.executable,
            __file__,
            "--role",
            "consumer",
            "--db-url",
            consumer_url,
            "--nats-url",
            nats.url,
            "--expect",
            str(events),
            "--out",
            str(out),
            "--ready",
            str(ready),
        ]
        if self.profile:
            command[1:1] = ["-m", "cProfile", "-o", str(self.workdir / f"consumer-{mode}.prof")]
        consumer = subprocess.Popen(command, stdin=subprocess.DEVNULL)  # noqa: ASYNC220 - outside the timed part
        self.stack.callback(lambda: consumer.poll() is None and consumer.kill())
        deadline = time.monotonic() + 60
        while not ready.exists():
            if consumer.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the consumer process did not start")
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)  # its first pull request is waiting on the server

        commits: dict[str, float] = {}
        assert nats.process is not None
        cpu_before = {
            "producer": time.process_time(),
            "consumer": process_cpu(consumer.pid),
            "nats": process_cpu(nats.process.pid),
            "postgres": postgres_cpu(),
            "system": system_cpu(),
        }
        started = time.time()
        if mode == "throughput":
            for first in range(0, events, batch):
                async with producer_db.transaction() as session:
                    connection = await session.connection()
                    ids = []
                    rows = [{"id": i, "note": PAYLOAD} for i in range(first, min(first + batch, events))]
                    await connection.execute(insert(parcel), rows)
                    for row in rows:
                        ids.append(await publish(session, ParcelShippedV1(parcel_id=row["id"], note=PAYLOAD)))
                now = time.time()
                commits.update(dict.fromkeys(ids, now))
        else:
            await self._fixed_rate(producer_db, parcel, events, rate, self.latency_batch, commits)
        produced = time.time()

        consumer_cpu = cpu_before["consumer"]
        while consumer.poll() is None:
            consumer_cpu = process_cpu(consumer.pid)  # the last reading before it exits
            await asyncio.sleep(0.05)
            if time.time() - produced > 300:
                raise RuntimeError("the consumer did not finish within 5 minutes")
        cpu = {
            "producer": time.process_time() - cpu_before["producer"],
            "consumer": consumer_cpu - cpu_before["consumer"],
            "nats": process_cpu(nats.process.pid) - cpu_before["nats"],
            "postgres": postgres_cpu() - cpu_before["postgres"],
        }
        cpu["rest"] = max(0.0, system_cpu() - cpu_before["system"] - sum(cpu.values()))
        if consumer.returncode != 0:
            raise RuntimeError(f"the consumer exited with {consumer.returncode}")
        consumed: dict[str, float] = json.loads(out.read_text())
        stream = await runtime.bus.js.stream_info(runtime.stream or "")
        last = await runtime.bus.js.get_msg(runtime.stream or "", stream.state.last_seq)
        relayed = last.time.timestamp() if last.time else float("nan")
        await runtime.stop()
        await producer_db.dispose()
        self.stack.close()
        missing = set(commits) - set(consumed)
        if missing:
            raise RuntimeError(f"{len(missing)} events never reached the consumer")
        finished = max(consumed.values())
        latencies = sorted((consumed[event_id] - commits[event_id]) * 1000 for event_id in commits)
        result = RunResult(
            database=self.kind,
            mode=mode,
            events=events,
            seconds=round(finished - started, 3),
            events_per_second=round(events / (finished - started), 1),
            producer_events_per_second=round(events / (produced - started), 1),
            relay_events_per_second=round(events / (relayed - started), 1),
            latency_ms={
                "p50": round(percentile(latencies, 50), 2),
                "p90": round(percentile(latencies, 90), 2),
                "p99": round(percentile(latencies, 99), 2),
                "max": round(latencies[-1], 2),
            },
            offered_rate=rate if mode == "latency" else None,
            cpu_ms_per_event={name: round(seconds * 1000 / events, 3) for name, seconds in cpu.items()},
            busy_before=busy_before,
        )
        for path in (out, ready):
            path.unlink(missing_ok=True)
        shutil.rmtree(self.workdir / "nats", ignore_errors=True)
        return result

    async def _fixed_rate(
        self, db: Database, parcel: Table, events: int, rate: float, per_tx: int, commits: dict[str, float]
    ) -> None:
        """Open loop: transaction k (events k*per_tx ...) is due at start + k*per_tx/rate, whatever
        happened to the ones before it; --writers writers take them from a queue, like request handlers."""
        start = time.monotonic() + 0.1
        queue: asyncio.Queue[int] = asyncio.Queue()

        async def ticker() -> None:
            for first in range(0, events, per_tx):
                delay = start + first / rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                queue.put_nowait(first)

        async def writer() -> None:
            while True:
                first = await queue.get()
                ids = []
                async with db.transaction() as session:
                    connection = await session.connection()
                    for i in range(first, min(first + per_tx, events)):
                        await connection.execute(insert(parcel).values(id=i, note=PAYLOAD))
                        ids.append(await publish(session, ParcelShippedV1(parcel_id=i, note=PAYLOAD)))
                now = time.time()
                commits.update(dict.fromkeys(ids, now))
                queue.task_done()

        writers = [asyncio.create_task(writer()) for _ in range(self.writers)]
        await ticker()
        await queue.join()
        for task in writers:
            task.cancel()
        await asyncio.gather(*writers, return_exceptions=True)


def percentile(sorted_values: Sequence[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(p / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[index]


# --- environment and report -----------------------------------------------------------------------


def environment(workdir: Path) -> dict[str, Any]:
    def version(package: str) -> str:
        try:
            return importlib_metadata.version(package)
        except importlib_metadata.PackageNotFoundError:
            return "?"

    cpu = "?"
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    nats_version = subprocess.run([nats_server_binary(), "--version"], capture_output=True, text=True).stdout.strip()
    filesystem = subprocess.run(["df", "-T", str(workdir)], capture_output=True, text=True).stdout.splitlines()[-1]
    postgres = "unavailable"
    if postgres_unavailable_reason() is None:
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres") as connection:
            row = connection.execute("SHOW server_version").fetchone()
            postgres = str(row[0]) if row else "?"
    import sqlite3

    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "packages": {
            name: version(name)
            for name in ("nats-py", "sqlalchemy", "sqlmodel", "aiosqlite", "psycopg", "pydantic", "uvloop")
        },
        "nats_server": nats_version,
        "postgresql": postgres,
        "sqlite": sqlite3.sqlite_version,
        "storage": f"{workdir} ({filesystem.split()[1] if len(filesystem.split()) > 1 else '?'})",
        "sqlite_synchronous": "FULL (platformkit.db)",
        "pinning": "none: producer, relay, nats-server, consumer and PostgreSQL share the cores",
    }


def spread(values: Sequence[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def summarise(results: list[RunResult]) -> list[dict[str, Any]]:
    rows = []
    for key in sorted({(r.database, r.mode) for r in results}):
        runs = [r for r in results if (r.database, r.mode) == key]
        row: dict[str, Any] = {
            "database": key[0],
            "mode": key[1],
            "runs": len(runs),
            "events": runs[0].events,
            "events_per_second": spread([r.events_per_second for r in runs]),
            "offered_rate": runs[0].offered_rate,
        }
        if runs[0].latency_ms:
            row["p50_ms"] = spread([r.latency_ms["p50"] for r in runs])
            row["p99_ms"] = spread([r.latency_ms["p99"] for r in runs])
        rows.append(row)
    # Ratio against the baseline measured in the same job: the spine's throughput / the same writes alone.
    medians = {(row["database"], row["mode"]): row["events_per_second"]["median"] for row in rows}
    for row in rows:
        baseline = medians.get((row["database"], "writes"))
        if row["mode"] == "throughput" and baseline:
            row["ratio_to_writes_alone"] = round(row["events_per_second"]["median"] / baseline, 3)
    return rows


async def main_producer(args: argparse.Namespace) -> int:
    databases = [kind.strip() for kind in args.db.split(",") if kind.strip()]
    if "postgresql" in databases and (reason := postgres_unavailable_reason()) is not None:
        print(f"skipping PostgreSQL: {reason}")
        databases.remove("postgresql")
    root = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="bench-events-"))
    root.mkdir(parents=True, exist_ok=True)
    env = environment(root)
    results: list[RunResult] = []
    modes = [mode.strip() for mode in args.modes.split(",") if mode.strip()]
    plan = [(kind, mode) for _ in range(args.repeat) for kind in databases for mode in modes]
    for index, (kind, mode) in enumerate(plan):
        workdir = root / f"run-{index}"
        workdir.mkdir()
        events = int(args.rate * args.seconds) if mode == "latency" else args.events
        result = await Harness(kind, workdir, args.profile, args.latency_batch, args.writers).run(
            mode, events, args.batch, args.rate, args.quiet
        )
        results.append(result)
        r, lat = result, result.latency_ms
        rates = f"(producer {r.producer_events_per_second:8.1f}, relay {r.relay_events_per_second:8.1f})"
        latency = f"latency p50 {lat['p50']:7.2f} p99 {lat['p99']:7.2f} max {lat['max']:7.2f} ms" if lat else ""
        print(
            f"{kind:10} {mode:10} {r.events:6} events  {r.events_per_second:8.1f} ev/s end-to-end  {rates}  "
            f"{latency}  CPU ms/event {r.cpu_ms_per_event}",
            flush=True,
        )
        if not args.profile:
            shutil.rmtree(workdir, ignore_errors=True)
    summary = summarise(results)
    report = {
        "benchmark": "events_throughput",
        "smoke": args.smoke,
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "environment": env,
        "settings": {
            "batch": args.batch,
            "latency_batch": args.latency_batch,
            "writers": args.writers,
            "rate": args.rate,
            "seconds": args.seconds,
            "events": args.events,
            "repeat": args.repeat,
        },
        "summary": summary,
        "runs": [asdict(r) for r in results],
    }
    print("RESULTS " + json.dumps({"summary": summary}))
    for row in summary:
        line = (
            f"SUMMARY {row['database']:10} {row['mode']:10} events/s median {row['events_per_second']['median']:8.1f}"
        )
        if "p99_ms" in row:
            line += f"  p50 median {row['p50_ms']['median']:7.2f} ms  p99 median {row['p99_ms']['median']:7.2f} ms"
        if "ratio_to_writes_alone" in row:
            line += f"  ratio to the writes alone {row['ratio_to_writes_alone']:.2f}"
        print(f"{line}  ({row['runs']} runs)")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        write_file(Path(args.json), json.dumps(report, indent=2) + "\n")
    if not args.workdir and not args.profile:
        shutil.rmtree(root, ignore_errors=True)
    return 0


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="a tiny run (seconds), SQLite only")
    parser.add_argument("--db", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    parser.add_argument(
        "--modes",
        default="writes,throughput,latency",
        help="comma-separated: writes (baseline: the same writes without events), throughput, latency",
    )
    parser.add_argument("--writers", type=int, default=4, help="concurrent writers in the latency run")
    parser.add_argument("--events", type=int, default=20_000, help="events in the throughput run")
    parser.add_argument("--batch", type=int, default=100, help="events per producer transaction (throughput)")
    parser.add_argument("--rate", type=float, default=500.0, help="offered events/s in the latency run")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the latency run")
    parser.add_argument(
        "--latency-batch",
        type=int,
        default=1,
        help="events per producer transaction in the latency run (1: one per request)",
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--quiet",
        type=float,
        default=0.15,
        help="before each run, wait (up to 3 min) until the machine is busy less than this "
        "fraction; 1 disables the wait",
    )
    parser.add_argument("--json", help="write the full report (environment, runs, summary) here")
    parser.add_argument("--workdir", help="keep data here (default: a temporary directory on disk)")
    parser.add_argument("--profile", action="store_true", help="cProfile the consumer process (keeps the .prof)")
    parser.add_argument("--role", default="producer", choices=["producer", "consumer"], help=argparse.SUPPRESS)
    parser.add_argument("--db-url", help=argparse.SUPPRESS)
    parser.add_argument("--nats-url", help=argparse.SUPPRESS)
    parser.add_argument("--expect", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--ready", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.smoke:
        args.db = "sqlite" if args.db == parser.get_default("db") else args.db
        args.events, args.rate, args.seconds, args.repeat, args.quiet = 500, 100.0, 2.0, 1, 1.0
        args.modes = "throughput,latency"
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    if args.role == "consumer":
        asyncio.run(
            run_consumer(args.db_url, args.nats_url, args.expect, Path(args.out), Path(args.ready))
        )
        return 0
    return asyncio.run(main_producer(args))


if __name__ == "__main__":
    raise SystemExit(main())
