from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from events_testkit import new_database  # noqa: E402

from platformkit.db import Database  # noqa: E402
from platformkit.events import EventOptions, EventRuntime  # noqa: E402
from platformkit.natsserver import NatsServer  # noqa: E402

# Small numbers so that retries, leases and windows play out within a test.
FAST = EventOptions(
    reconnect_wait_seconds=0.2,
    connect_timeout_seconds=1.0,
    relay_lease_seconds=2.0,
    publish_timeout_seconds=2.0,
    relay_max_backoff_seconds=0.5,
    fetch_timeout_seconds=1.0,
)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = await new_database(database_url)
    try:
        yield database
    finally:
        await database.dispose()


RuntimeFactory = Callable[..., EventRuntime]


@pytest.fixture
async def runtimes(nats_server: NatsServer) -> AsyncIterator[list[EventRuntime]]:
    """Runtimes started by a test; all stopped afterwards (before the nats-server is)."""
    started: list[EventRuntime] = []
    yield started
    for runtime in reversed(started):
        await runtime.stop()


@pytest.fixture
def make_runtime(runtimes: list[EventRuntime], nats_server: NatsServer) -> Callable[..., Any]:
    async def make(
        db: Database,
        *,
        service: str = "depot",
        url: str | None = None,
        consumers: Any = (),
        produces: bool = True,
        options: EventOptions = FAST,
        poll_seconds: float = 0.2,
        wait: bool = True,
    ) -> EventRuntime:
        runtime = EventRuntime(
            service=service,
            nats_url=url or nats_server.url,
            db=db,
            consumers=consumers,
            produces=produces,
            poll_seconds=poll_seconds,
            options=options,
        )
        await runtime.start()
        runtimes.append(runtime)
        if wait:
            import asyncio

            await asyncio.wait_for(runtime.wait_ready(), timeout=30)
        return runtime

    return make


@pytest.fixture
def stopped_nats(tmp_path: Path) -> Iterator[NatsServer]:
    """A nats-server that is not running yet (the test starts it)."""
    server = NatsServer(tmp_path / "late-nats")
    try:
        yield server
    finally:
        server.stop()
