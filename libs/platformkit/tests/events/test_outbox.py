"""The outbox and its relay: the state change and the event commit together, every committed event is
published exactly once, and the relay survives a broker that is down at boot or dies midway."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from conftest import FAST
from events_testkit import STREAM, ParcelRegisteredV1, count, eventually, parcel
from sqlalchemy import insert, select

from platformkit.context import request_id
from platformkit.db import Database
from platformkit.events import EventRuntime, outbox_lag, publish
from platformkit.events.envelope import traceparent
from platformkit.natsserver import NatsServer
from platformkit.tables import outbox


async def write_parcels(db: Database, n: int, *, per_transaction: int = 1, start: int = 0) -> list[str]:
    ids = []
    for first in range(start, start + n, per_transaction):
        async with db.transaction() as session:
            for i in range(first, min(first + per_transaction, start + n)):
                connection = await session.connection()
                await connection.execute(insert(parcel).values(id=f"p-{i}", label="plain"))
                ids.append(await publish(session, ParcelRegisteredV1(parcel_id=f"p-{i}")))
    return ids


async def stream_messages(runtime: EventRuntime) -> int:
    info = await runtime.bus.js.stream_info(STREAM)
    return int(info.state.messages)


async def test_commit_publishes_and_rollback_does_not(db: Database, make_runtime: Any) -> None:
    runtime = await make_runtime(db)
    ids = await write_parcels(db, 30, per_transaction=7)
    try:
        async with db.transaction() as session:
            await publish(session, ParcelRegisteredV1(parcel_id="never"))
            raise RuntimeError("the business change failed")
    except RuntimeError:
        pass
    await eventually(lambda: _all_published(db), what="outbox drained")
    assert await count(db, outbox) == 30
    assert await stream_messages(runtime) == 30
    assert runtime.relay is not None and runtime.relay.stats.published == 30
    assert runtime.relay.stats.duplicates == 0
    # In order, with the CloudEvents headers and Nats-Msg-Id = event id.
    first = await runtime.bus.js.get_msg(STREAM, 1)
    last = await runtime.bus.js.get_msg(STREAM, 30)
    assert first.headers["Nats-Msg-Id"] == first.headers["ce-id"] == ids[0]
    assert last.headers["ce-id"] == ids[-1]
    assert first.headers["ce-source"] == "/services/depot"
    assert first.headers["ce-type"] == "depot.parcel.registered.v1"
    assert first.headers["ce-subject"] == "p-0"
    assert first.headers["ce-specversion"] == "1.0"
    assert ParcelRegisteredV1.model_validate_json(first.data) == ParcelRegisteredV1(parcel_id="p-0")


async def _all_published(db: Database) -> bool:
    return await count(db, outbox, outbox.c.published_at.is_(None)) == 0 and await count(db, outbox) > 0


async def test_request_id_and_trace_travel_with_the_event(db: Database, make_runtime: Any) -> None:
    runtime = await make_runtime(db)
    tokens = (
        request_id.set("req-42"),
        traceparent.set("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
    )
    try:
        async with db.transaction() as session:
            await publish(session, ParcelRegisteredV1(parcel_id="p"))
    finally:
        request_id.reset(tokens[0])
        traceparent.reset(tokens[1])
    await eventually(lambda: _all_published(db))
    message = await runtime.bus.js.get_msg(STREAM, 1)
    assert message.headers["X-Request-ID"] == "req-42"
    assert message.headers["traceparent"].startswith("00-4bf92f35")


async def test_relay_is_woken_by_the_commit_not_the_poll(db: Database, make_runtime: Any) -> None:
    runtime = await make_runtime(db, poll_seconds=60.0)
    await asyncio.sleep(0.5)  # the relay is now waiting for a wake-up or a minute
    started = time.monotonic()
    await write_parcels(db, 1)
    await eventually(lambda: _all_published(db), within=20, what="published without waiting for the poll")
    assert time.monotonic() - started < 30  # far below the 60 s poll: the commit woke it
    assert await stream_messages(runtime) == 1


async def test_writes_succeed_while_nats_is_down_at_boot(
    db: Database,
    make_runtime: Any,
    stopped_nats: NatsServer,
) -> None:
    runtime = await make_runtime(db, url=stopped_nats.url, wait=False)
    await write_parcels(db, 20, per_transaction=5)
    await asyncio.sleep(0.5)
    assert not runtime.connected
    lag = await outbox_lag(db)
    assert lag.unpublished == 20 and lag.oldest_unpublished_seconds is not None
    stopped_nats.start()
    await asyncio.wait_for(runtime.wait_ready(), timeout=30)
    assert runtime.connected
    await eventually(lambda: _all_published(db), what="outbox drained after NATS came up")
    assert await stream_messages(runtime) == 20
    assert (await outbox_lag(db)).unpublished == 0


async def test_broker_killed_midway_loses_and_duplicates_nothing(
    db: Database,
    make_runtime: Any,
    nats_server: NatsServer,
) -> None:
    runtime = await make_runtime(db)
    await write_parcels(db, 100, per_transaction=10)
    await eventually(lambda: _all_published(db))
    nats_server.kill()
    await write_parcels(db, 100, per_transaction=10, start=100)  # commits while the broker is gone
    assert (await outbox_lag(db)).unpublished > 0
    await asyncio.sleep(1.0)
    nats_server.start()
    await eventually(lambda: _all_published(db), within=60, what="drained after the broker restart")
    assert await stream_messages(runtime) == 200


async def test_crash_between_publish_and_mark_is_absorbed_by_the_duplicate_window(
    db: Database, make_runtime
) -> None:
    """reliability.md (c)2a: the publish got stored but the relay never marked it (PubAck lost, or a crash):
    the retry with the same Nats-Msg-Id is answered `duplicate` and the stream count does not change."""
    runtime = await make_runtime(db)
    assert runtime.relay is not None
    await runtime.relay.stop()  # drive it by hand
    await write_parcels(db, 10)
    rows = await runtime.relay.claim(100)
    outcomes = await runtime.relay.publish_rows(rows)
    assert all(not getattr(o, "duplicate", True) for o in outcomes)
    # ... and "crash" here: no mark. After the lease runs out a relay takes the rows again.
    await asyncio.sleep(FAST.relay_lease_seconds + 0.2)
    assert await runtime.relay.run_once() == 10
    assert runtime.relay.stats.duplicates == 10
    assert await stream_messages(runtime) == 10
    assert await count(db, outbox, outbox.c.published_at.is_(None)) == 0


async def test_prune_removes_published_rows_past_retention(db: Database, make_runtime: Any) -> None:
    runtime = await make_runtime(db, options=FAST.model_copy(update={"outbox_retention_seconds": 0.0}))
    await write_parcels(db, 5)
    await eventually(lambda: _all_published(db))
    async with db.transaction() as session:  # one not yet published: it must survive the prune
        await publish(session, ParcelRegisteredV1(parcel_id="late"))
        assert runtime.relay is not None
        await runtime.relay.stop()
    pruned, _ = await runtime.prune()
    assert pruned == 5
    assert await count(db, outbox) == 1


async def test_savepoints_keep_their_own_events(db: Database, make_runtime: Any) -> None:
    """An event published inside a savepoint that rolls back never happened; the events of the
    enclosing transaction still happen."""
    runtime = await make_runtime(db)
    async with db.transaction() as session:
        kept_before = await publish(session, ParcelRegisteredV1(parcel_id="before"))
        try:
            async with session.begin_nested():
                await publish(session, ParcelRegisteredV1(parcel_id="inside-rolled-back"))
                raise RuntimeError("undo the savepoint")
        except RuntimeError:
            pass
        async with session.begin_nested():
            kept_inside = await publish(session, ParcelRegisteredV1(parcel_id="inside-kept"))
        kept_after = await publish(session, ParcelRegisteredV1(parcel_id="after"))
    async with db.sessions() as session:  # commit without an explicit begin writes the row too
        kept_plain = await publish(session, ParcelRegisteredV1(parcel_id="plain"))
        await session.commit()
    async with db.sessions() as session:  # closed without commit: nothing
        await publish(session, ParcelRegisteredV1(parcel_id="abandoned"))
    await eventually(lambda: _all_published(db))
    async with db.engine.connect() as connection:
        rows = await connection.execute(select(outbox.c.event_id))
        stored = {row.event_id for row in rows}
    assert stored == {kept_before, kept_inside, kept_after, kept_plain}
    assert await stream_messages(runtime) == 4
