"""The event spine with real processes, a real nats-server and real databases (SQLite and PostgreSQL).

Two `warehouse` processes (relay replicas on one database) take HTTP writes, each a crate and its event
in one transaction; a `ledger` process books every crate in its own database. Covers reliability.md (c):
1 broker SIGKILLed mid-stream and restarted (writes keep succeeding: the outbox decouples them);
3 the consumer dies between commit and ack, once (the redelivery is absorbed by the inbox);
4 a poison event ends as a visible dead letter, without holding back the others;
and two relay replicas do not publish anything twice. ((c)2, the lost PubAck within and after a 1 s
duplicate window, is in libs/platformkit/tests/events: it needs a hand on the relay between publish and
mark.) Power loss is not reproducible here (see reliability.md (a2))."""

from __future__ import annotations

import asyncio
import itertools
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Table, func, select

from platformkit.db import Database, is_sqlite
from platformkit.events import Bus
from platformkit.natsserver import NatsServer
from platformkit.tables import dead_letter, inbox, outbox
from platformkit.testing.databases import postgres_schema_url, sqlite_url

sys.path.insert(0, str(Path(__file__).parent / "spine"))
from spine_common import ledger_metadata, warehouse_metadata  # noqa: E402
from spine_processes import ServiceProcess  # noqa: E402

pytestmark = [pytest.mark.slow]

STREAM = "WAREHOUSE"


@pytest.fixture
def ledger_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """The consumer's own database, of the same kind as the producer's."""
    if is_sqlite(database_url):
        yield sqlite_url(tmp_path, "ledger")
        return
    with ExitStack() as stack:
        yield stack.enter_context(postgres_schema_url())


@pytest.fixture
async def databases(database_url: str, ledger_url: str) -> AsyncIterator[tuple[Database, Database]]:
    warehouse, ledger = Database(database_url), Database(ledger_url)
    await warehouse.create_all(warehouse_metadata()[0])
    await ledger.create_all(ledger_metadata()[0])
    try:
        yield warehouse, ledger
    finally:
        await warehouse.dispose()
        await ledger.dispose()


@pytest.fixture
def services(tmp_path: Path) -> Iterator[list[ServiceProcess]]:
    started: list[ServiceProcess] = []
    yield started
    for service in started:
        service.stop()


async def count(db: Database, table: Table, *where: Any) -> int:
    async with db.engine.connect() as connection:
        query = select(func.count()).select_from(table).where(*where)
        return int((await connection.execute(query)).scalar_one())


async def eventually(check: Any, *, within: float, what: str, logs: list[ServiceProcess]) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            tails = "\n".join(f"--- {s.name}\n{s.log_tail()}" for s in logs)
            raise AssertionError(f"not within {within}s: {what}\n{tails}")
        await asyncio.sleep(0.1)


def common_env(nats_server: NatsServer, url: str) -> dict[str, str]:
    return {
        "DATABASE_URL": url,
        "NATS_URL": nats_server.url,
        "EVENTS_RECONNECT_WAIT_SECONDS": "0.5",
        "EVENTS_FETCH_TIMEOUT_SECONDS": "1",
        "EVENTS_PUBLISH_TIMEOUT_SECONDS": "2",
        "EVENTS_RELAY_MAX_BACKOFF_SECONDS": "1",
        "PYTHONUNBUFFERED": "1",
    }


async def start_all(services: list[ServiceProcess], *new: ServiceProcess) -> None:
    for service in new:
        service.start()
        services.append(service)
    await asyncio.gather(*(service.wait_live() for service in new))


async def inspector(nats_server: NatsServer) -> Bus:
    bus = Bus(nats_server.url, name="inspector", reconnect_wait=0.5)
    await bus.start()
    await asyncio.wait_for(bus.wait_connected(), timeout=30)
    return bus


async def stream_count(bus: Bus) -> int:
    await asyncio.wait_for(bus.wait_connected(), timeout=60)
    return int((await bus.js.stream_info(STREAM)).state.messages)


async def post_crates(
    targets: list[ServiceProcess],
    n: int,
    *,
    poison: frozenset[int] = frozenset(),
    after: dict[int, Any] | None = None,
    concurrency: int = 8,
) -> list[int]:
    """POST n crates round-robin over the producers; `after[k]` runs once k writes have succeeded."""
    statuses: list[int] = []
    counter = itertools.count()
    semaphore = asyncio.Semaphore(concurrency)
    hooks = dict(after or {})
    # The client drops idle connections (1 s) well before the server does (30 s): no keep-alive race.
    limits = httpx.Limits(keepalive_expiry=1.0)
    async with httpx.AsyncClient(timeout=30.0, limits=limits) as http:

        async def one(i: int) -> None:
            async with semaphore:
                target = targets[i % len(targets)]
                body = {"crate_id": f"c-{i}", "label": "poison" if i in poison else ""}
                response = await http.post(f"{target.url}/crates", json=body)
                statuses.append(response.status_code)
                done = next(counter) + 1
                if done in hooks:
                    hooks.pop(done)()

        await asyncio.gather(*(one(i) for i in range(n)))
    return statuses


async def test_broker_killed_consumer_crashed_poison_and_two_relays(
    nats_server: NatsServer, databases, services, tmp_path: Path
) -> None:
    n, poison = 600, 250
    warehouse_db, ledger_db = databases
    env = common_env(nats_server, warehouse_db.url)
    replicas = [ServiceProcess("warehouse.py", f"warehouse-{k}", env, tmp_path) for k in "ab"]
    await start_all(services, *replicas)
    ledger = ServiceProcess(
        "ledger.py",
        "ledger",
        {
            **common_env(nats_server, ledger_db.url),
            "SPINE_ACK_WAIT": "2",
            "SPINE_CRASH_MARKER": str(tmp_path / "ledger-crashed-once"),
        },
        tmp_path,
    )
    await start_all(services, ledger)
    bus = await inspector(nats_server)

    async def supervise() -> None:  # restart the ledger when it dies, like an orchestrator would
        while True:
            if ledger.exited():
                ledger.start()
                await ledger.wait_live()
            await asyncio.sleep(0.1)

    restarts: list[asyncio.Task[None]] = []

    def kill_broker() -> None:
        nats_server.kill()

        async def restart_later() -> None:
            await asyncio.sleep(2.0)
            await asyncio.to_thread(nats_server.start)

        restarts.append(asyncio.create_task(restart_later()))

    supervisor = asyncio.create_task(supervise())
    try:
        statuses = await post_crates(replicas, n, poison={poison}, after={n // 3: kill_broker})
        assert statuses.count(201) == n, f"every write succeeds, broker or not: {sorted(set(statuses))}"
        await asyncio.gather(*restarts)
        logs = [*replicas, ledger]

        async def drained() -> bool:
            return await count(warehouse_db, outbox, outbox.c.published_at.is_(None)) == 0

        await eventually(drained, within=60, what="outbox drained", logs=logs)

        async def all_booked() -> bool:
            return (await count(ledger_db, inbox) >= n - 1) and (await count(ledger_db, dead_letter) >= 1)

        await eventually(all_booked, within=90, what=f"{n - 1} bookings and 1 dead letter", logs=logs)
        await asyncio.sleep(1.0)  # anything late would show up as an extra booking now
    finally:
        supervisor.cancel()

    _, booking = ledger_metadata()
    assert await count(warehouse_db, outbox) == n
    assert await stream_count(bus) == n  # published = written: the duplicate window absorbed the retries
    assert await count(ledger_db, booking) == n - 1  # consumed = written - the poison one: no duplicates
    async with ledger_db.engine.connect() as connection:
        distinct = (
            await connection.execute(select(func.count(func.distinct(booking.c.event_id))))
        ).scalar_one()
        crates = {row[0] for row in await connection.execute(select(booking.c.crate_id))}
    assert distinct == n - 1
    assert crates == {f"c-{i}" for i in range(n)} - {f"c-{poison}"}
    assert await count(ledger_db, inbox) == n - 1

    letters = await _dead_letters(ledger_db)
    assert len(letters) == 1
    assert letters[0]["deliveries"] == 3 and "cannot be booked" in letters[0]["error"]
    assert '"c-250"' in letters[0]["data"]

    assert ledger.starts == 2, "the ledger crashed once between commit and ack and was restarted"
    stats = await ledger.stats()
    (lag,) = stats["consumers"]
    assert lag["duplicates"] >= 1, "the batch whose ack was lost came back and the inbox skipped it"
    assert lag["num_pending"] == 0 and lag["num_ack_pending"] == 0
    assert stats["dead_letters_open"] == {"crate-stored": 1}
    await bus.close()


async def _dead_letters(db: Database) -> list[dict[str, Any]]:
    async with db.engine.connect() as connection:
        return [dict(row._mapping) for row in await connection.execute(select(dead_letter))]


async def test_two_relay_replicas_publish_each_event_once(
    nats_server: NatsServer, databases, services, tmp_path: Path
) -> None:
    """With a 1 s duplicate window the broker cannot hide a double publish: stream count and PubAcks
    would show it."""
    n = 400
    warehouse_db, ledger_db = databases
    env = {
        **common_env(nats_server, warehouse_db.url),
        "EVENTS_DUPLICATE_WINDOW_SECONDS": "1",
        "EVENTS_RELAY_BATCH_SIZE": "20",
    }
    replicas = [ServiceProcess("warehouse.py", f"warehouse-{k}", env, tmp_path) for k in "ab"]
    ledger = ServiceProcess("ledger.py", "ledger", common_env(nats_server, ledger_db.url), tmp_path)
    await start_all(services, *replicas)
    await start_all(services, ledger)
    bus = await inspector(nats_server)
    statuses = await post_crates(replicas, n, concurrency=16)
    assert statuses.count(201) == n
    logs = [*replicas, ledger]

    async def booked() -> bool:
        return await count(ledger_db, inbox) >= n

    await eventually(booked, within=60, what=f"{n} bookings", logs=logs)
    await asyncio.sleep(1.5)  # longer than the window: a late double publish would land as a new message
    relays = [(await replica.stats())["relay"] for replica in replicas]
    assert sum(relay["published"] for relay in relays) == n
    assert [relay["duplicates"] for relay in relays] == [0, 0]
    assert await stream_count(bus) == n
    _, booking = ledger_metadata()
    assert await count(ledger_db, booking) == n
    (lag,) = (await ledger.stats())["consumers"]
    assert lag["duplicates"] == 0
    await bus.close()
