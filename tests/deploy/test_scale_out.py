"""Scale-out on one machine: two replicas of every service and of the gateway on one PostgreSQL and one
NATS (tests/deploy/scale_run.py), load through the gateway, one replica of each killed with SIGKILL
mid-load. Then: no acknowledged request is lost, no event is applied twice (nor stored twice in its
stream), and the scheduled step ran once per due time.

The load: tickets at the probe service (outbox, inbox and scheduler of platformkit, with effects that
show duplicates), sign-ups at accounts (its own writes, across its replicas) and reads of every other
service, all through the gateway. Clients retry a failed request with the same reference, as a real
client with an idempotency key would."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import nats
import psycopg
import pytest
import workspace
from scale_run import ScaledPlatform, scaled_platform
from sqlalchemy.engine import make_url

from platformkit.events import stream_name
from platformkit.testing.plugin import require_postgres

TICKETS = 240
SIGN_UPS = 12
KILL_AFTER = 80  # acknowledged tickets
RETRYABLE = {429, 502, 503, 504}
SETTLE_SECONDS = 60.0

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.timeout(480)]


def _query(url: str, sql: str) -> list[tuple[Any, ...]]:
    parsed = make_url(url)
    options = parsed.query.get("options")
    libpq = parsed.set(drivername="postgresql", query={}).render_as_string(hide_password=False)
    with psycopg.connect(libpq, options=str(options) if options else None) as connection:
        return list(connection.execute(sql).fetchall())  # type: ignore[arg-type]


async def _acknowledged(client: httpx.AsyncClient, method: str, path: str, ok: set[int],
                        deadline: float, **options: Any) -> httpx.Response:
    """The request, repeated as is until it is acknowledged (a replica may die under it)."""
    while True:
        try:
            response = await client.request(method, path, **options)
            if response.status_code in ok:
                return response
            assert response.status_code in RETRYABLE, f"{method} {path}: {response.status_code} {response.text}"
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, f"{method} {path} never acknowledged"
        await asyncio.sleep(0.2)


async def _workers(count: int, jobs: list[Callable[[], Awaitable[None]]]) -> None:
    queue = list(reversed(jobs))

    async def work() -> None:
        while queue:
            await queue.pop()()

    await asyncio.gather(*(work() for _ in range(count)))


async def _until(check: Callable[[], bool], within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.5)


async def test_two_replicas_of_everything_lose_nothing_and_do_nothing_twice_when_one_of_each_dies(
    tmp_path: Path,
) -> None:
    require_postgres()
    with scaled_platform(tmp_path) as platform:
        await _load_kill_and_check(platform)


async def _load_kill_and_check(platform: ScaledPlatform) -> None:
    deadline = time.monotonic() + 240
    acknowledged: list[str] = []
    signed_up: list[str] = []
    reads: dict[str, int] = {}
    killed: dict[str, int] = {}
    killed_at: list[float] = []

    def kill_one_replica_of_each() -> None:
        for name, replicas in platform.replicas.items():
            killed[name] = replicas[0].pid
            replicas[0].kill()
        killed_at.append(time.time())

    others = [w.name for w in workspace.services() if w.name != "accounts"]
    async with httpx.AsyncClient(base_url=platform.gateway, timeout=20) as client:
        async def ticket(ref: str) -> None:
            await _acknowledged(client, "POST", "/api/scaleprobe/tickets", {200, 201}, deadline, json={"ref": ref})
            acknowledged.append(ref)
            if len(acknowledged) == KILL_AFTER:
                kill_one_replica_of_each()

        async def sign_up(index: int) -> None:
            email = f"scale-{index}@uckermark.example"
            body = {"email": email, "password": "Skalierung-Test-2026!", "name": f"Skala {index}"}
            await _acknowledged(client, "POST", "/api/accounts/people", {202}, deadline, json=body)
            signed_up.append(email)

        async def read(name: str) -> None:
            await _acknowledged(client, "GET", f"/api/{name}/readyz", {200}, deadline)
            reads[name] = reads.get(name, 0) + 1

        await asyncio.gather(
            _workers(8, [lambda ref=f"t-{i:04d}": ticket(ref) for i in range(TICKETS)]),
            _workers(2, [lambda i=i: sign_up(i) for i in range(SIGN_UPS)]),
            _workers(2, [lambda name=name: read(name) for name in others * 20]),
        )

    assert killed and len(killed) == len(platform.replicas), "one replica of every service was killed"
    urls = platform.database_urls
    probe = urls["scaleprobe"]

    # No acknowledged request lost: every ticket and every sign-up that got its answer is stored.
    stored = {row[0] for row in _query(probe, "SELECT ref FROM ticket")}
    assert set(acknowledged) <= stored and len(acknowledged) == TICKETS
    writers = {row[0] for row in _query(probe, "SELECT DISTINCT pid FROM ticket")}
    assert writers == {replica.pid for replica in platform.replicas["scaleprobe"]}, "both replicas took load"
    people = {row[0] for row in _query(urls["accounts"], "SELECT email FROM person")}
    assert set(signed_up) <= people and len(signed_up) == SIGN_UPS
    assert reads == dict.fromkeys(others, 20)  # every other service answered through the gateway

    # Every event is applied once: the consumer's effect rows, one per ticket, across the replicas.
    def all_applied() -> bool:
        return _query(probe, "SELECT count(*) FROM applied")[0][0] >= len(stored)

    await _until(all_applied, SETTLE_SECONDS, "the consumers did not apply every ticket")
    await asyncio.sleep(2)  # a duplicate delivery would arrive now
    per_ref = _query(probe, "SELECT ref, count(*), count(DISTINCT event_id) FROM applied GROUP BY ref")
    assert {row[0] for row in per_ref} == stored
    twice = [row for row in per_ref if row[1] != 1 or row[2] != 1]
    assert not twice, f"applied more than once: {twice[:5]}"

    # ... and every service's events are stored once in its stream: the outboxes, relayed by two replicas
    # of which one died, are drained, and the broker kept no duplicate.
    connection = await nats.connect(platform.nats.url)
    try:
        for name, url in urls.items():
            def drained(url: str = url) -> bool:
                return _query(url, "SELECT count(*) FROM outbox WHERE published_at IS NULL")[0][0] == 0

            await _until(drained, SETTLE_SECONDS, f"{name}'s outbox did not drain")
            events = _query(url, "SELECT count(*) FROM outbox")[0][0]
            if events:
                info = await connection.jetstream().stream_info(stream_name(name))
                assert info.state.messages == events, f"{name}: {info.state.messages} stored, {events} published"
    finally:
        await connection.close()
    assert _query(probe, "SELECT count(*) FROM outbox")[0][0] == len(stored)

    # The step ran once per due time, by one replica; the survivor took over after the kill.
    runs = _query(probe, "SELECT due, count(*), array_agg(pid) FROM step_run GROUP BY due ORDER BY due")
    assert len(runs) >= 5
    doubled = [row for row in runs if row[1] > 1]
    # The one case the scheduler allows (platformkit.scheduler): the killed runner had finished a step
    # but not released its lease, so the survivor ran that due time again after the lease ran out.
    assert all(killed["scaleprobe"] in row[2] for row in doubled) and len(doubled) <= 1, doubled
    survivor = platform.replicas["scaleprobe"][1].pid
    after_kill = [row for row in runs if row[0].timestamp() > killed_at[0]]
    assert after_kill and all(row[2] == [survivor] for row in after_kill if row[1] == 1)
