"""The outbound sender with the webhook channel, against a real local HTTP receiver, on SQLite and
PostgreSQL: written with the caller's transaction, deduplicated, signed (checked by the Standard Webhooks
reference library), retried with backoff until the horizon, logged, reported to the owner's hook, safe
with two senders on one database, and never sent to an address the SSRF guard refuses."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Sequence
from datetime import timedelta

import pytest
from outbound_testkit import Answer, Receiver, serving
from sqlalchemy import func, select, update
from sqlmodel.ext.asyncio.session import AsyncSession
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from platformkit import outbound
from platformkit.db import Database, utcnow
from platformkit.outbound.guard import parse_networks
from platformkit.outbound.webhook import WebhookAdapter
from platformkit.scheduler import ManualClock
from platformkit.tables import outbound_attempt, outbound_message

LOCAL = parse_networks(["127.0.0.0/8"])
SECRET = outbound.new_webhook_secret()


class Outcomes:
    """An owner's hook that keeps what it is told, and writes in the sender's transaction."""

    def __init__(self) -> None:
        self.seen: list[outbound.Outcome] = []

    async def __call__(self, session: AsyncSession, outcome: outbound.Outcome) -> None:
        self.seen.append(outcome)

    def statuses(self) -> list[str]:
        return [outcome.status for outcome in self.seen]


def sender(
    db: Database, clock: ManualClock, *, hook: Outcomes | None = None, **options: object
) -> outbound.OutboundSender:
    return outbound.OutboundSender(
        db,
        {"webhook": WebhookAdapter(allowed_networks=LOCAL)},
        on_outcome=hook,
        options=outbound.SenderOptions(**options),  # type: ignore[arg-type]
        clock=clock,
        rng=random.Random(7),
    )


async def enqueue_webhook(db: Database, url: str, key: str, **extra: object) -> str:
    async with db.transaction() as session:
        return await outbound.enqueue(
            session, channel="webhook", target=url, payload={"type": "order.ready", "order": key},
            dedupe_key=key, params={"secret": SECRET}, **extra,  # type: ignore[arg-type]
        )


async def message_row(db: Database, message_id: str) -> dict[str, object]:
    async with db.engine.connect() as connection:
        row = (await connection.execute(select(outbound_message).where(outbound_message.c.id == message_id))).one()
    return dict(row._mapping)


async def attempts(db: Database, message_id: str) -> Sequence[dict[str, object]]:
    async with db.session() as session:
        return [dict(entry) for entry in await outbound.delivery_log(session, message_id)]


async def test_a_webhook_is_signed_and_sent_once_after_commit(db: Database) -> None:
    with serving(Receiver(Answer(204))) as receiver:
        message_id = await enqueue_webhook(db, receiver.url + "/hooks", "order-1")
        again = await enqueue_webhook(db, receiver.url + "/hooks", "order-1")
        assert again == message_id  # the dedupe key: one message
        hook = Outcomes()
        assert await sender(db, ManualClock(utcnow()), hook=hook).run_once() == 1

    [request] = receiver.requests
    assert request.path == "/hooks"
    assert json.loads(request.body) == {"type": "order.ready", "order": "order-1"}
    assert request.headers["webhook-id"] == message_id
    # The reference implementation agrees with our signature; a changed body is caught by it.
    Webhook(SECRET).verify(request.body, request.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(request.body.replace(b"order-1", b"order-2"), request.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(outbound.new_webhook_secret()).verify(request.body, request.headers)

    row = await message_row(db, message_id)
    assert row["status"] == "sent" and row["attempts"] == 1 and row["last_status_code"] == 204
    [entry] = await attempts(db, message_id)
    assert entry["outcome"] == "sent" and entry["status_code"] == 204
    assert hook.statuses() == ["sent"] and hook.seen[0].final


async def test_nothing_is_sent_when_the_transaction_rolls_back(db: Database) -> None:
    with serving(Receiver()) as receiver:
        with pytest.raises(RuntimeError):
            async with db.transaction() as session:
                await outbound.enqueue(session, channel="webhook", target=receiver.url, payload={}, dedupe_key="x",
                                       params={"secret": SECRET})
                raise RuntimeError("the change failed")
        assert await sender(db, ManualClock(utcnow())).run_once() == 0
    assert receiver.requests == []
    async with db.engine.connect() as connection:
        assert (await connection.execute(select(func.count()).select_from(outbound_message))).scalar_one() == 0


async def test_failures_are_retried_with_backoff_and_logged(db: Database) -> None:
    script = [Answer(503, b"busy"), Answer(500, b"oops"), Answer(200)]
    with serving(Receiver(*script)) as receiver:
        message_id = await enqueue_webhook(db, receiver.url, "order-2")
        clock = ManualClock(utcnow())
        hook = Outcomes()
        worker = sender(db, clock, hook=hook)

        assert await worker.run_once() == 1
        first = await message_row(db, message_id)
        assert first["status"] == "pending" and first["last_status_code"] == 503
        wait = (first["next_attempt_at"] - clock.now()).total_seconds()  # type: ignore[operator]
        assert 2.5 <= wait <= 5.0  # half to all of the 5 s base delay
        assert await worker.run_once() == 0  # not due yet

        clock.advance(timedelta(seconds=5))
        assert await worker.run_once() == 1
        second = await message_row(db, message_id)
        wait = (second["next_attempt_at"] - clock.now()).total_seconds()  # type: ignore[operator]
        assert 5.0 <= wait <= 10.0  # doubled
        clock.advance(timedelta(seconds=10))
        assert await worker.run_once() == 1

    assert (await message_row(db, message_id))["status"] == "sent"
    log = await attempts(db, message_id)
    assert [(e["attempt"], e["outcome"], e["status_code"]) for e in log] == [
        (1, "retrying", 503), (2, "retrying", 500), (3, "sent", 200)
    ]
    assert "busy" in str(log[0]["error"])
    assert hook.statuses() == ["retrying", "retrying", "sent"]
    # The same webhook-id on every attempt, so that the receiver can deduplicate.
    assert len({request.headers["webhook-id"] for request in receiver.requests}) == 1


async def test_retry_after_is_honoured(db: Database) -> None:
    with serving(Receiver(Answer(429, headers={"Retry-After": "120"}), Answer(200))) as receiver:
        message_id = await enqueue_webhook(db, receiver.url, "order-3")
        clock = ManualClock(utcnow())
        worker = sender(db, clock)
        await worker.run_once()
        row = await message_row(db, message_id)
        assert (row["next_attempt_at"] - clock.now()).total_seconds() >= 120  # type: ignore[operator]


async def test_a_message_fails_when_its_horizon_is_reached(db: Database) -> None:
    hook = Outcomes()
    with serving(Receiver(Answer(500))) as receiver:
        message_id = await enqueue_webhook(db, receiver.url, "order-4", horizon=timedelta(seconds=12))
        clock = ManualClock(utcnow())
        worker = sender(db, clock, hook=hook)
        await worker.run_once()
        for _ in range(4):
            clock.advance(timedelta(seconds=10))
            await worker.run_once()
    row = await message_row(db, message_id)
    assert row["status"] == "failed" and row["finished_at"] is not None
    assert hook.statuses()[-1] == "failed" and hook.seen[-1].final
    assert len(receiver.requests) == len(hook.seen) == 2  # 5 s wait fitted the horizon, the next did not


async def test_redirects_are_not_followed(db: Database) -> None:
    with serving(Receiver(Answer(302, headers={"Location": "/elsewhere"}))) as receiver:
        message_id = await enqueue_webhook(db, receiver.url + "/hook", "order-5")
        await sender(db, ManualClock(utcnow())).run_once()
    assert receiver.paths() == ["/hook"]
    row = await message_row(db, message_id)
    assert row["status"] == "pending" and row["last_status_code"] == 302


async def test_the_guard_refuses_local_addresses_at_send_time(db: Database) -> None:
    with serving(Receiver()) as receiver:
        port = receiver.url.rsplit(":", 1)[1]
        targets = [f"http://localhost:{port}/", f"https://127.0.0.1:{port}/", f"https://[::ffff:127.0.0.1]:{port}/"]
        ids = [await enqueue_webhook(db, url, f"refused-{n}") for n, url in enumerate(targets)]
        hook = Outcomes()
        strict = outbound.OutboundSender(
            db, {"webhook": WebhookAdapter()}, on_outcome=hook, clock=ManualClock(utcnow())
        )
        assert await strict.run_once() == 3
    assert receiver.requests == []
    for message_id in ids:
        row = await message_row(db, message_id)
        assert row["status"] == "failed", row  # refused for good, not retried
        assert "refused" in str(row["last_error"])
    assert hook.statuses() == ["failed"] * 3


async def test_a_name_that_resolves_elsewhere_at_send_time_is_refused(db: Database) -> None:
    """DNS rebinding: public at registration, loopback when the message goes out."""
    answers = iter([["93.184.215.14"], ["127.0.0.1"]])

    async def rebinding(host: str, port: int) -> list[str]:
        return next(answers)

    url = "https://hooks.example.org/in"
    assert await outbound.check_public_url(url, resolver=rebinding) == url
    message_id = await enqueue_webhook(db, url, "rebind")
    adapter = WebhookAdapter(resolver=rebinding)
    await outbound.OutboundSender(db, {"webhook": adapter}, clock=ManualClock(utcnow())).run_once()
    row = await message_row(db, message_id)
    assert row["status"] == "failed" and "127.0.0.1 is loopback" in str(row["last_error"])


async def test_cancel_drops_what_is_still_queued(db: Database) -> None:
    with serving(Receiver()) as receiver:
        for n in range(3):
            await enqueue_webhook(db, receiver.url, f"sub-{n}", reference="webhook_subscription:9")
        await enqueue_webhook(db, receiver.url, "other", reference="webhook_subscription:10")
        async with db.transaction() as session:
            assert await outbound.cancel(session, reference="webhook_subscription:9") == 3
        assert await sender(db, ManualClock(utcnow())).run_once() == 1
    assert len(receiver.requests) == 1


async def test_the_hook_writes_in_the_senders_transaction(db: Database) -> None:
    """An owner disabling its subscription after a failure: the hook cancels the rest in the same
    transaction that records the failure."""

    async def disable_on_failure(session: AsyncSession, outcome: outbound.Outcome) -> None:
        if outcome.final and outcome.status == "failed" and outcome.reference:
            await outbound.cancel(session, reference=outcome.reference)

    with serving(Receiver(Answer(500))) as receiver:
        first = await enqueue_webhook(db, receiver.url, "a", reference="sub:1", horizon=timedelta(seconds=1))
        await enqueue_webhook(db, receiver.url, "b", reference="sub:1", not_before=utcnow() + timedelta(minutes=1))
        worker = outbound.OutboundSender(
            db, {"webhook": WebhookAdapter(allowed_networks=LOCAL)}, on_outcome=disable_on_failure,
            clock=ManualClock(utcnow()),
        )
        assert await worker.run_once() == 1
    assert (await message_row(db, first))["status"] == "failed"
    async with db.engine.connect() as connection:
        statuses = (await connection.execute(select(outbound_message.c.dedupe_key, outbound_message.c.status))).all()
    assert dict(statuses) == {"a": "failed", "b": "cancelled"}


async def test_an_overtaken_attempt_is_not_recorded(db: Database) -> None:
    """A sender that stalls past its lease: another takes the message over; the stalled one's late
    result changes nothing."""
    with serving(Receiver(Answer(200))) as receiver:
        message_id = await enqueue_webhook(db, receiver.url, "slow")
        clock = ManualClock(utcnow())
        stalled = sender(db, clock, lease_seconds=30)
        [claimed] = await stalled.claim(10)
        clock.advance(timedelta(seconds=31))
        assert await sender(db, clock).run_once() == 1
        late = await stalled.record(claimed, outbound.Delivery(ok=False, status_code=500), duration_ms=1)
    assert late is None
    row = await message_row(db, message_id)
    assert row["status"] == "sent" and row["attempts"] == 2
    assert [e["outcome"] for e in await attempts(db, message_id)] == ["sent"]


async def test_two_senders_on_one_database_send_each_message_once(database_url: str, db: Database) -> None:
    """Two replicas (each with its own engine and connections) draining one queue at the same time."""
    with serving(Receiver(Answer(200))) as receiver:
        ids = []
        async with db.transaction() as session:
            for n in range(40):
                ids.append(await outbound.enqueue(
                    session, channel="webhook", target=receiver.url, payload={"n": n}, dedupe_key=f"m{n}",
                    params={"secret": SECRET},
                ))
        replicas = [Database(database_url, pool_size=3) for _ in range(2)]
        try:
            clock = ManualClock(utcnow())
            senders = [sender(replica, clock, batch_size=5, concurrency=3) for replica in replicas]

            async def drain(worker: outbound.OutboundSender) -> int:
                total = 0
                while tried := await worker.run_once():
                    total += tried
                return total

            counts = await asyncio.gather(*(drain(worker) for worker in senders))
        finally:
            for replica in replicas:
                await replica.dispose()
    delivered = [request.headers["webhook-id"] for request in receiver.requests]
    assert sorted(delivered) == sorted(ids)  # every message, none twice
    assert sum(counts) == 40
    async with db.engine.connect() as connection:
        logged = (await connection.execute(select(func.count()).select_from(outbound_attempt))).scalar_one()
    assert logged == 40


async def test_the_running_sender_is_woken_by_a_commit(db: Database) -> None:
    with serving(Receiver(Answer(200))) as receiver:
        worker = outbound.OutboundSender(
            db, {"webhook": WebhookAdapter(allowed_networks=LOCAL)}, options=outbound.SenderOptions(poll_seconds=60)
        )
        await worker.start()
        try:
            await asyncio.sleep(0.2)  # the first (empty) round is done; the next poll is a minute away
            await enqueue_webhook(db, receiver.url, "wake")
            for _ in range(400):  # woken at once; the poll would take a minute
                if receiver.requests:
                    break
                await asyncio.sleep(0.05)
        finally:
            await worker.stop()
    assert len(receiver.requests) == 1


async def test_held_messages_are_kept_and_finished_ones_pruned(db: Database) -> None:
    with serving(Receiver(Answer(200))) as receiver:
        async with db.transaction() as session:
            held = await outbound.enqueue(session, channel="webhook", target=receiver.url, payload={}, hold=True,
                                          params={"secret": SECRET})
        sent = await enqueue_webhook(db, receiver.url, "to-prune")
        clock = ManualClock(utcnow())
        worker = sender(db, clock, retention_seconds=3600)
        assert await worker.run_once() == 1  # the held one is not sent
        assert await worker.prune() == 0
        clock.advance(timedelta(hours=2))
        assert await worker.prune() == 1
    assert (await message_row(db, held))["status"] == "held"
    assert await attempts(db, sent) == []
    async with db.engine.connect() as connection:
        remaining = (await connection.execute(select(outbound_message.c.id))).scalars().all()
    assert remaining == [held]


def test_retry_delays_grow_exponentially_with_jitter_up_to_the_cap() -> None:
    options = outbound.SenderOptions(base_delay_seconds=5, max_delay_seconds=3600)
    rng = random.Random(1)
    for attempt in range(1, 20):
        ceiling = min(5 * 2 ** (attempt - 1), 3600)
        delays = [outbound.retry_delay(attempt, options, rng) for _ in range(50)]
        assert all(ceiling / 2 <= delay <= ceiling for delay in delays)
        assert len(set(delays)) > 40  # jittered, not all the same


async def test_unknown_channels_are_refused(db: Database) -> None:
    async with db.transaction() as session:
        with pytest.raises(ValueError, match="unknown channel"):
            await outbound.enqueue(session, channel="pigeon", target="x", payload={})  # type: ignore[arg-type]
    async with db.engine.begin() as connection:
        await connection.execute(update(outbound_message).values(status="pending"))


async def test_operators_see_what_waits_retries_is_held_and_failed(db: Database) -> None:
    with serving(Receiver(Answer(503))) as receiver:
        assert await outbound.outbound_lag(db) == outbound.OutboundLag(
            pending=0, oldest_pending_seconds=None, retrying=0, held=0, failed=0
        )
        await enqueue_webhook(db, receiver.url, "waits")
        await enqueue_webhook(db, receiver.url, "fails", horizon=timedelta(seconds=1))
        async with db.transaction() as session:
            await outbound.enqueue(session, channel="mail", target="a@b.example", payload={"subject": "s"}, hold=True)
        clock = ManualClock(utcnow())
        await sender(db, clock).run_once()
    lag = await outbound.outbound_lag(db, now=clock.now() + timedelta(minutes=1))
    assert (lag.pending, lag.retrying, lag.held, lag.failed) == (1, 1, 1, 1)
    assert lag.oldest_pending_seconds is not None and lag.oldest_pending_seconds >= 59


async def test_a_webhook_without_a_usable_secret_fails_at_once_unsent(db: Database) -> None:
    with serving(Receiver()) as receiver:
        async with db.transaction() as session:
            missing = await outbound.enqueue(session, channel="webhook", target=receiver.url, payload={})
            wrong = await outbound.enqueue(session, channel="webhook", target=receiver.url, payload={},
                                           params={"secret": "not-a-whsec"})
        await sender(db, ManualClock(utcnow())).run_once()
    assert receiver.requests == []
    for message_id in (missing, wrong):
        row = await message_row(db, message_id)
        assert row["status"] == "failed" and "cannot sign" in str(row["last_error"])
