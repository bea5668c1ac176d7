"""Two relay replicas on one database publish every event once: the lease (FOR UPDATE SKIP LOCKED on
PostgreSQL, the write lock on SQLite) hands each row to one of them. With a 1 s duplicate window a
double publish would show in the stream count, so the broker's dedup cannot hide a broken claim."""

from __future__ import annotations

import asyncio
from typing import Any

from conftest import FAST
from events_testkit import STREAM, ParcelRegisteredV1, count, effect, eventually, new_database, record_effect

from platformkit.db import Database
from platformkit.events import Consumer, publish
from platformkit.tables import inbox, outbox

N = 1000


async def test_two_relays_one_database_each_event_once(database_url: str, make_runtime: Any) -> None:
    options = FAST.model_copy(update={"duplicate_window_seconds": 1.0, "relay_batch_size": 50})
    # Three engines on one database: two producer replicas, and the consumer (its own tables there too).
    first_db, second_db, consumer_db = [await new_database(database_url) for _ in range(3)]
    try:
        first = await make_runtime(first_db, options=options, poll_seconds=0.05)
        second = await make_runtime(second_db, options=options, poll_seconds=0.05)
        consumer = Consumer(name="parcel-registered", event=ParcelRegisteredV1, handler=record_effect)
        await make_runtime(consumer_db, service="ledger", produces=False, consumers=[consumer])

        async def writer(db: Database, offset: int) -> None:
            for start in range(offset, N, 100):
                async with db.transaction() as session:
                    for i in range(start, start + 50):
                        await publish(session, ParcelRegisteredV1(parcel_id=f"p-{i}"))
                await asyncio.sleep(0)

        await asyncio.gather(writer(first_db, 0), writer(second_db, 50))
        assert await count(first_db, outbox) == N

        async def drained() -> bool:
            return await count(first_db, outbox, outbox.c.published_at.is_(None)) == 0

        await eventually(drained, within=60, what="outbox drained")
        relays = [first.relay, second.relay]
        assert all(relay is not None for relay in relays)
        assert sum(relay.stats.published for relay in relays if relay) == N
        assert all(relay.stats.duplicates == 0 for relay in relays if relay)
        assert (await first.bus.js.stream_info(STREAM)).state.messages == N

        async def consumed() -> bool:
            return await count(consumer_db, effect) >= N

        await eventually(consumed, within=60, what="all consumed")
        await asyncio.sleep(0.5)
        assert await count(consumer_db, effect) == N
        assert await count(consumer_db, inbox) == N
    finally:
        for db in (first_db, second_db, consumer_db):
            await db.dispose()
