"""Dead letters are visible, replayable through the same handler and inbox, and discardable; operators'
decisions are recorded."""

from __future__ import annotations

from typing import Any

import pytest
from events_testkit import ParcelRegisteredV1, count, effect, effects, eventually, record_effect
from sqlmodel.ext.asyncio.session import AsyncSession

from platformkit.db import Database
from platformkit.events import (
    Consumer,
    DeadLetterNotOpen,
    ReplayFailed,
    UnknownConsumer,
    discard_dead_letter,
    get_dead_letter,
    list_dead_letters,
    publish,
    replay_dead_letter,
)
from platformkit.tables import dead_letter, inbox


class Switch:
    """A handler that fails for 'fragile' parcels until someone fixes it."""

    def __init__(self) -> None:
        self.fixed = False

    async def __call__(self, event: ParcelRegisteredV1, session: AsyncSession) -> None:
        if event.label == "fragile" and not self.fixed:
            raise RuntimeError("fragile parcels are not supported yet")
        await record_effect(event, session)


async def _dead(db: Database, n: int) -> bool:
    return await count(db, dead_letter) >= n


async def test_replay_discard_and_the_audit_trail(db: Database, make_runtime: Any) -> None:
    handler = Switch()
    consumer = Consumer(
        name="parcel-registered", event=ParcelRegisteredV1, handler=handler, max_deliver=2, backoff=(0.1,)
    )
    runtime = await make_runtime(db, consumers=[consumer])
    async with db.transaction() as session:
        for name in ("f1", "ok", "f2", "f3"):
            await publish(
                session, ParcelRegisteredV1(parcel_id=name, label="fragile" if name[0] == "f" else "")
            )
    await eventually(lambda: _dead(db, 3), what="three dead letters")
    first, second, third = await runtime.list_dead_letters()
    assert [ParcelRegisteredV1.model_validate_json(d.data).parcel_id for d in (first, second, third)] == [
        "f1",
        "f2",
        "f3",
    ]

    # Still broken: the replay fails, the letter stays open, the failure is on record.
    with pytest.raises(ReplayFailed, match="not supported yet"):
        await runtime.replay_dead_letter(first.id, by="operator-anna")
    still = await get_dead_letter(db, first.id)
    assert still is not None and still.resolution is None
    assert still.error.startswith("replay by operator-anna") and "not supported yet" in still.error

    handler.fixed = True
    assert await runtime.replay_dead_letter(first.id, by="operator-anna") == "handled"
    replayed = await get_dead_letter(db, first.id)
    assert (
        replayed is not None and replayed.resolution == "replayed" and replayed.resolved_by == "operator-anna"
    )
    assert replayed.resolved_at is not None
    assert sorted(p for _, p in await effects(db)) == ["f1", "ok"]
    assert await count(db, inbox, inbox.c.event_id == first.event_id) == 1
    with pytest.raises(DeadLetterNotOpen):
        await runtime.replay_dead_letter(first.id, by="operator-anna")  # a second replay does nothing

    discarded = await runtime.discard_dead_letter(second.id, by="operator-ben")
    assert discarded.resolution == "discarded" and discarded.resolved_by == "operator-ben"
    with pytest.raises(DeadLetterNotOpen):
        await runtime.replay_dead_letter(second.id, by="operator-anna")
    with pytest.raises(DeadLetterNotOpen):
        await discard_dead_letter(db, 999_999, by="operator-ben")

    assert [d.id for d in await list_dead_letters(db)] == [third.id]  # only the open one
    assert len(await list_dead_letters(db, include_resolved=True)) == 3
    assert (await runtime.stats()).dead_letters_open == {"parcel-registered": 1}
    assert await count(db, effect) == 2


async def test_replaying_an_event_handled_meanwhile_changes_nothing(db: Database, make_runtime: Any) -> None:
    handler = Switch()
    consumer = Consumer(name="parcel-registered", event=ParcelRegisteredV1, handler=handler, max_deliver=1)
    await make_runtime(db, consumers=[consumer])
    async with db.transaction() as session:
        await publish(session, ParcelRegisteredV1(parcel_id="f", label="fragile"))
    await eventually(lambda: _dead(db, 1))
    (letter,) = await list_dead_letters(db)
    handler.fixed = True
    assert await replay_dead_letter(db, letter.id, consumers=[consumer], by="op-1") == "handled"
    # Someone recorded the same message twice (two replicas saw it fail), both get replayed:
    async with db.engine.begin() as connection:
        await connection.execute(
            dead_letter.insert().values(
                consumer=letter.consumer,
                event_id=letter.event_id,
                subject=letter.subject,
                headers=letter.headers,
                data=letter.data,
                error="again",
                deliveries=1,
                stream_sequence=None,
                created_at=letter.created_at,
            )
        )
    (again,) = await list_dead_letters(db)
    assert await replay_dead_letter(db, again.id, consumers=[consumer], by="op-1") == "already_handled"
    assert await count(db, effect) == 1
    with pytest.raises(ValueError, match="who"):
        await replay_dead_letter(db, again.id, consumers=[consumer], by="")


async def test_a_dead_letter_of_a_removed_consumer_cannot_be_replayed(
    db: Database, make_runtime: Any
) -> None:
    consumer = Consumer(name="parcel-registered", event=ParcelRegisteredV1, handler=Switch(), max_deliver=1)
    await make_runtime(db, consumers=[consumer])
    async with db.transaction() as session:
        await publish(session, ParcelRegisteredV1(parcel_id="f", label="fragile"))
    await eventually(lambda: _dead(db, 1))
    (letter,) = await list_dead_letters(db)
    with pytest.raises(UnknownConsumer):
        await replay_dead_letter(db, letter.id, consumers=[], by="op-1")
    reopened = await get_dead_letter(db, letter.id)
    assert reopened is not None and reopened.resolution is None
