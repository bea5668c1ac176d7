"""The notification contract end to end below the gateway: `notify()` in a service's transaction, the
service's ordinary outbox relay, the NOTIFY stream sourcing `<service>.notify.*`, and a person's feed
reading `notify.<person_id>` by stream sequence. Real nats-server; SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from platformkit.db import Database
from platformkit.events import EventRuntime, notify
from platformkit.events.notify import ensure_notify_stream, follow_notifications
from platformkit.natsserver import NatsServer
from platformkit.tables import platform_metadata

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
async def accounts_events(database_url: str, nats_server: NatsServer) -> AsyncIterator[EventRuntime]:
    db = Database(database_url)
    await db.create_all(platform_metadata)
    runtime = EventRuntime(service="accounts", nats_url=nats_server.url, db=db, produces=True, poll_seconds=0.2)
    await runtime.start()
    await runtime.wait_ready()
    await ensure_notify_stream(runtime.bus, producers=["accounts"])
    yield runtime
    await runtime.stop()
    await db.dispose()


async def test_notify_reaches_the_persons_feed_once_and_only_after_commit(accounts_events: EventRuntime) -> None:
    person, stranger = str(uuid.uuid4()), str(uuid.uuid4())
    db = accounts_events.db
    async with db.transaction() as session:
        first = await notify(session, person_id=person, kind="accounts.welcome", title="Willkommen",
                             body="Schön, dass Sie da sind.", link="/account", dedupe_key="welcome")
        again = await notify(session, person_id=person, kind="accounts.welcome", title="Willkommen",
                             dedupe_key="welcome")
        await notify(session, person_id=stranger, kind="accounts.welcome", title="Für jemand anderen")
    assert again == first  # the same dedupe key: one notification
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            await notify(session, person_id=person, kind="accounts.never", title="Rolled back")
            raise RuntimeError("the change failed")
    async with db.transaction() as session:
        await notify(session, person_id=person, kind="accounts.password_changed", title="Passwort geändert",
                     severity="warning")

    feed = await follow_notifications(accounts_events.bus, person)
    try:
        items = [await feed.next(15), await feed.next(15)]
        assert await feed.next(2) is None  # neither the duplicate nor the rolled-back one
    finally:
        await feed.close()
    assert [item.notification.title for item in items if item] == ["Willkommen", "Passwort geändert"]
    welcome = items[0]
    assert welcome is not None and welcome.event_id == first and welcome.notification.link == "/account"
    second = items[1]
    assert second is not None and second.notification.severity == "warning"

    resumed = await follow_notifications(accounts_events.bus, person, after=welcome.sequence)
    try:
        item = await resumed.next(15)
        assert item is not None and item.sequence == second.sequence
    finally:
        await resumed.close()


async def test_a_new_key_is_written_at_commit_and_still_deduplicates_later_ones(
        accounts_events: EventRuntime) -> None:
    person, record = str(uuid.uuid4()), uuid.uuid4()
    db = accounts_events.db
    async with db.transaction() as session:
        first = await notify(session, person_id=person, kind="accounts.made", title="Angelegt",
                             dedupe_key=f"record:{record}:made", new_key=True)
        async with session.begin_nested() as savepoint:
            await notify(session, person_id=person, kind="accounts.never", title="Savepoint zurückgerollt",
                         dedupe_key=f"record:{uuid.uuid4()}:made", new_key=True)
            await savepoint.rollback()
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            await notify(session, person_id=person, kind="accounts.never", title="Zurückgerollt",
                         dedupe_key=f"record:{uuid.uuid4()}:made", new_key=True)
            raise RuntimeError("the change failed")
    async with db.transaction() as session:  # the same key later, from another transaction: skipped
        again = await notify(session, person_id=person, kind="accounts.made", title="Angelegt",
                             dedupe_key=f"record:{record}:made")
    assert again == first

    feed = await follow_notifications(accounts_events.bus, person)
    try:
        item = await feed.next(15)
        assert await feed.next(2) is None
    finally:
        await feed.close()
    assert item is not None and item.event_id == first and item.notification.title == "Angelegt"


async def test_notifications_are_checked_before_they_are_written(accounts_events: EventRuntime) -> None:
    async with accounts_events.db.transaction() as session:
        with pytest.raises(ValueError):
            await notify(session, person_id="a.b", kind="accounts.welcome", title="x")  # not a subject token
        with pytest.raises(ValueError):
            await notify(session, person_id="p1", kind="Welcome", title="x")  # kind is <service>.<what>
        with pytest.raises(ValueError):
            await notify(session, person_id="p1", kind="accounts.welcome", title="x", link="javascript:alert(1)")
