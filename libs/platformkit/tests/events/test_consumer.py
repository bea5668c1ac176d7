"""Consumers: each event's effect happens once however often it is delivered; a handler failure is
retried with backoff and ends as a dead letter; a message that can never succeed is dead at once."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from conftest import FAST
from events_testkit import (
    STREAM,
    ParcelRegisteredV1,
    Stamp,
    count,
    effect,
    effects,
    eventually,
    poisoned_by,
    record_effect,
)
from sqlmodel.ext.asyncio.session import AsyncSession
from test_outbox import write_parcels

from platformkit.context import request_id
from platformkit.db import Database
from platformkit.events import Consumer, EventRuntime, current_envelope, encode, list_dead_letters, publish
from platformkit.tables import dead_letter, inbox


async def publish_raw(
    runtime: EventRuntime, event: ParcelRegisteredV1, *, event_id: str, msg_id: str | None = None
) -> None:
    subject, headers, body = encode(event, source="/services/depot", event_id=event_id)
    headers["Nats-Msg-Id"] = msg_id or event_id
    await runtime.bus.js.publish(subject, body, headers=headers)


async def test_each_event_has_its_effect_once(db: Database, make_runtime: Any) -> None:
    consumer = Consumer(
        name="parcel-registered", event=ParcelRegisteredV1, handler=record_effect, batch_size=16
    )
    runtime = await make_runtime(db, consumers=[consumer])
    token = request_id.set("req-7")
    try:
        ids = await write_parcels(db, 120, per_transaction=12)
    finally:
        request_id.reset(token)
    await eventually(lambda: _effects_are(db, 120), what="120 effects")
    seen = await effects(db)
    assert sorted(event_id for event_id, _ in seen) == sorted(ids)
    assert await count(db, inbox, inbox.c.consumer == "parcel-registered") == 120
    assert await count(db, effect, effect.c.request_id == "req-7") == 120  # the request id came along
    stats = await runtime.stats()
    (lag,) = stats.consumers
    assert lag.durable == "depot-parcel-registered" and lag.handled == 120 and lag.duplicates == 0
    await eventually(lambda: _consumer_idle(runtime), what="consumer lag back to 0")


async def _effects_are(db: Database, n: int) -> bool:
    return await count(db, effect) >= n


async def _consumer_idle(runtime: EventRuntime) -> bool:
    (lag,) = (await runtime.stats()).consumers
    return lag.num_pending == 0 and lag.num_ack_pending == 0


async def test_redelivered_and_copied_events_are_skipped_by_the_inbox(db: Database, make_runtime) -> None:
    """A second copy of an event in the stream (published again after the duplicate window, or by a
    producer retrying without Nats-Msg-Id) reaches the handler once; the copy is acked and counted."""
    consumer = Consumer(name="parcel-registered", event=ParcelRegisteredV1, handler=record_effect)
    runtime = await make_runtime(db, consumers=[consumer])
    await publish_raw(runtime, ParcelRegisteredV1(parcel_id="p-1"), event_id="event-1")
    await publish_raw(runtime, ParcelRegisteredV1(parcel_id="p-1"), event_id="event-1", msg_id="copy-1")
    await publish_raw(runtime, ParcelRegisteredV1(parcel_id="p-2"), event_id="event-2")
    assert (await runtime.bus.js.stream_info(STREAM)).state.messages == 3
    await eventually(lambda: _consumer_idle(runtime), what="all three acked")
    assert sorted(await effects(db)) == [("event-1", "p-1"), ("event-2", "p-2")]
    (lag,) = (await runtime.stats()).consumers
    assert lag.handled == 2 and lag.duplicates == 1


async def test_duplicate_window_elapsed_second_copy_is_absorbed_by_the_inbox(
    db: Database, make_runtime
) -> None:
    """reliability.md (c)2b: with a 1 s duplicate window, a relay that retries after the window stores a
    second copy in the stream; the consumer's inbox still makes the effect happen once."""
    options = FAST.model_copy(update={"duplicate_window_seconds": 1.0})
    consumer = Consumer(name="parcel-registered", event=ParcelRegisteredV1, handler=record_effect)
    runtime = await make_runtime(db, consumers=[consumer], options=options)
    assert runtime.relay is not None
    await runtime.relay.stop()
    await write_parcels(db, 5)
    rows = await runtime.relay.claim(100)
    await runtime.relay.publish_rows(rows)  # stored, but never marked: the relay "crashed"
    await asyncio.sleep(max(options.relay_lease_seconds, options.duplicate_window_seconds) + 0.5)
    assert await runtime.relay.run_once() == 5
    assert runtime.relay.stats.duplicates == 0  # the window had passed: the broker stored them again
    assert (await runtime.bus.js.stream_info(STREAM)).state.messages == 10
    await eventually(lambda: _consumer_idle(runtime), what="both copies acked")
    assert await count(db, effect) == 5
    (lag,) = (await runtime.stats()).consumers
    assert lag.handled == 5 and lag.duplicates == 5


async def test_poison_message_becomes_a_dead_letter_after_max_deliver(db: Database, make_runtime) -> None:
    """reliability.md (c)4: the good messages go through; the bad one is retried with backoff, then recorded
    and terminated. No infinite redelivery."""
    consumer = Consumer(
        name="parcel-registered",
        event=ParcelRegisteredV1,
        handler=poisoned_by("poison"),
        max_deliver=3,
        backoff=(0.2, 0.4),
    )
    runtime = await make_runtime(db, consumers=[consumer])
    async with db.transaction() as session:
        for i in range(50):
            await publish(session, ParcelRegisteredV1(parcel_id=f"p-{i}", label="poison" if i == 17 else ""))
    await eventually(lambda: _dead_letters_are(db, 1), what="a dead letter")
    await eventually(lambda: _consumer_idle(runtime), what="nothing pending")
    assert await count(db, effect) == 49
    (letter,) = await list_dead_letters(db)
    assert letter.consumer == "parcel-registered" and letter.deliveries == 3
    assert "cannot handle a poison parcel" in letter.error
    assert letter.subject == "depot.parcel.registered.v1" and letter.stream_sequence == 18
    assert ParcelRegisteredV1.model_validate_json(letter.data).label == "poison"
    assert letter.event_id == letter.headers["ce-id"]
    stats = await runtime.stats()
    assert stats.dead_letters_open == {"parcel-registered": 1}
    (lag,) = stats.consumers
    assert lag.retried == 2 and lag.dead_lettered == 1 and lag.handled == 49
    assert await count(db, inbox) == 49  # the failed attempts left nothing behind


async def _dead_letters_are(db: Database, n: int) -> bool:
    return await count(db, dead_letter) >= n


async def test_undecodable_message_is_dead_at_once(db: Database, make_runtime: Any) -> None:
    consumer = Consumer(
        name="parcel-registered", event=ParcelRegisteredV1, handler=record_effect, max_deliver=5
    )
    runtime = await make_runtime(db, consumers=[consumer])
    js = runtime.bus.js
    await js.publish("depot.parcel.registered.v1", b"\xff not json", headers={"Nats-Msg-Id": "garbage-1"})
    _, headers, _ = encode(ParcelRegisteredV1(parcel_id="x"), source="/services/depot", event_id="bad-schema")
    await js.publish("depot.parcel.registered.v1", b'{"parcel_id": 12}', headers=headers)
    await publish_raw(runtime, ParcelRegisteredV1(parcel_id="good"), event_id="good-1")
    await eventually(lambda: _dead_letters_are(db, 2), what="two dead letters")
    await eventually(lambda: _consumer_idle(runtime))
    letters = await list_dead_letters(db)
    assert [letter.deliveries for letter in letters] == [1, 1]  # not retried: they can never succeed
    assert "no CloudEvents headers" in letters[0].error or "missing header" in letters[0].error
    assert letters[0].event_id == "garbage-1"
    assert "does not match ParcelRegisteredV1" in letters[1].error and letters[1].event_id == "bad-schema"
    assert await effects(db) == [("good-1", "good")]


class _ProcessDied(BaseException):
    """Stands in for a crash: not an Exception, so nothing on the way catches it."""


async def test_consumer_that_dies_on_every_delivery_still_ends_as_a_dead_letter(
    db: Database, make_runtime
) -> None:
    """When the process dies during the last delivery, nobody records a verdict; the server gives up
    and its MAX_DELIVERIES advisory makes the message a dead letter."""

    async def crash(event: ParcelRegisteredV1, session: AsyncSession) -> None:
        raise _ProcessDied()

    consumer = Consumer(
        name="parcel-registered", event=ParcelRegisteredV1, handler=crash, max_deliver=1, ack_wait=1.0
    )
    runtime = await make_runtime(db, consumers=[consumer])
    (worker,) = runtime.workers
    await publish_raw(runtime, ParcelRegisteredV1(parcel_id="doomed"), event_id="doomed-1")
    for _ in range(2):  # delivery 1 and the spare delivery 2 each kill the worker
        await eventually(lambda: _worker_died(worker), what="the worker died")
        worker._task = None  # a restarted process: same consumer, new worker task
        await worker.start()
    await eventually(lambda: _dead_letters_are(db, 1), within=30, what="dead letter from the advisory")
    (letter,) = await list_dead_letters(db)
    assert letter.event_id == "doomed-1" and letter.deliveries == 2 and letter.stream_sequence == 1
    assert "max_deliver" in letter.error


async def _worker_died(worker: Any) -> bool:
    return worker._task is not None and worker._task.done()


async def test_handler_sees_the_envelope_and_failures_roll_back_only_their_own_writes(
    db: Database, make_runtime
) -> None:
    calls: list[str] = []

    async def half_done(event: ParcelRegisteredV1, session: AsyncSession) -> None:
        calls.append(event.parcel_id)
        await record_effect(event, session)
        if event.label == "explode-after-write":
            raise ValueError("boom after writing")

    consumer = Consumer(name="parcel-registered", event=ParcelRegisteredV1, handler=half_done, max_deliver=1)
    await make_runtime(db, consumers=[consumer])
    async with db.transaction() as session:
        await publish(session, ParcelRegisteredV1(parcel_id="a"))
        await publish(session, ParcelRegisteredV1(parcel_id="b", label="explode-after-write"))
        await publish(session, ParcelRegisteredV1(parcel_id="c"))
    await eventually(lambda: _dead_letters_are(db, 1))
    await eventually(lambda: _effects_are(db, 2))
    assert sorted(parcel for _, parcel in await effects(db)) == ["a", "c"]  # b's write was rolled back


async def test_a_constraint_violation_at_commit_is_charged_to_its_own_event(
    db: Database, make_runtime: Any
) -> None:
    """ORM writes are flushed once, at the batch's commit. When that flush fails, the batch runs again
    one savepoint per event, and only the event that broke the constraint is retried and dead-lettered."""

    async def stamp(event: ParcelRegisteredV1, session: AsyncSession) -> None:
        envelope = current_envelope.get()
        assert envelope is not None
        session.add(Stamp(parcel_id=event.parcel_id, event_id=envelope.id))

    consumer = Consumer(name="stamp", event=ParcelRegisteredV1, handler=stamp, max_deliver=2, backoff=(0.1,))
    runtime = await make_runtime(db, consumers=[consumer])
    async with db.transaction() as session:
        for parcel_id in ("a", "b", "a", "c"):  # the second "a" is another event breaking the primary key
            await publish(session, ParcelRegisteredV1(parcel_id=parcel_id))
    await eventually(lambda: _dead_letters_are(db, 1), what="the second 'a' dead-lettered")
    await eventually(lambda: _consumer_idle(runtime))
    assert await count(db, Stamp.__table__) == 3  # type: ignore[arg-type]
    (letter,) = await list_dead_letters(db)
    assert ParcelRegisteredV1.model_validate_json(letter.data).parcel_id == "a"
    assert "IntegrityError" in letter.error and letter.deliveries == 2
    (lag,) = (await runtime.stats()).consumers
    assert lag.handled == 3 and lag.retried == 1 and lag.dead_lettered == 1


async def test_a_consumer_waiting_for_a_stream_says_so_once(
    db: Database, make_runtime: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # `dorf up --only accounts,gateway`: accounts' consumers of services that are not running retry for as long
    # as it runs; one line of information each, not a warning every few seconds.
    waiting = Consumer(name="from-nowhere", event=ParcelRegisteredV1, handler=record_effect, from_stream="NOWHERE")
    with caplog.at_level(logging.DEBUG, logger="platformkit.events"):
        runtime = await make_runtime(db, consumers=[waiting], wait=False)
        await asyncio.sleep(4)  # binds tried after 0, 0.5, 1.5 and 3.5 s
    about = [record for record in caplog.records if "depot-from-nowhere" in record.getMessage()]
    assert [r.levelno for r in about if r.levelno >= logging.INFO] == [logging.INFO]
    assert "waits for the stream NOWHERE" in about[0].getMessage()
    assert len(about) >= 3  # the retries went on, quietly
    (stats,) = (await runtime.stats()).consumers
    assert "stream not found" in (stats.last_error or "")  # still visible to operators
