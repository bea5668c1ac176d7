"""`EventRuntime`: what an app owns for events — the NATS connection, the producer's stream and outbox
relay, the consumers, and housekeeping. Built by `create_app` in the lifespan, kept on `app.state.events`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any, Literal

from sqlalchemy import delete

from platformkit import tasks
from platformkit.db import Database, utcnow
from platformkit.events.bus import Bus
from platformkit.events.consumer import Consumer, ConsumerWorker
from platformkit.events.contracts import stream_name
from platformkit.events.deadletters import (
    DeadLetter,
    count_open_dead_letters,
    discard_dead_letter,
    list_dead_letters,
    replay_dead_letter,
)
from platformkit.events.options import EventOptions
from platformkit.events.outbox import OutboxRelay, prune_outbox
from platformkit.events.stats import ConsumerLag, EventStats, RelayCounters, outbox_lag
from platformkit.tables import inbox

log = logging.getLogger("platformkit.events")


class EventRuntime:
    """Events for one service.

    `start()` returns at once, even while NATS is down: the connection is made in the background and
    writes (outbox rows) keep succeeding meanwhile. A producer (`produces=True`) declares its stream
    `<SERVICE>` <- `<service>.>` and runs the outbox relay; each consumer gets its durable pull
    consumer `<service>-<name>` on the producer's stream."""

    def __init__(
        self,
        *,
        service: str,
        nats_url: str,
        db: Database,
        consumers: Sequence[Consumer[Any]] = (),
        produces: bool = True,
        poll_seconds: float = 0.5,
        options: EventOptions | None = None,
    ) -> None:
        names = [consumer.name for consumer in consumers]
        if len(set(names)) != len(names):
            raise ValueError(f"consumer names must be unique within {service}: {names}")
        self.service = service
        self.db = db
        self.produces = produces
        self.consumers = tuple(consumers)
        self.options = options or EventOptions()
        self.stream = stream_name(service) if produces else None
        self.bus = Bus(
            nats_url,
            name=service,
            reconnect_wait=self.options.reconnect_wait_seconds,
            connect_timeout=self.options.connect_timeout_seconds,
        )
        self.relay = (
            OutboxRelay(db, self.bus, service=service, poll_seconds=poll_seconds, options=self.options)
            if produces
            else None
        )
        self.workers = [
            ConsumerWorker(consumer, service=service, db=db, bus=self.bus, options=self.options)
            for consumer in self.consumers
        ]
        self.stream_ready = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._declaring: asyncio.Task[None] | None = None
        self.bus.on_connect(self._on_connect)

    @property
    def connected(self) -> bool:
        return self.bus.connected

    async def start(self) -> None:
        await self.bus.start()
        if self.relay is not None:
            await self.relay.start()
        for worker in self.workers:
            await worker.start()
        self._tasks.append(
            asyncio.create_task(self._housekeeping(), name=f"events-housekeeping-{self.service}")
        )

    async def stop(self) -> None:
        await tasks.stop(*self._tasks, self._declaring)
        self._tasks.clear()
        for worker in self.workers:
            await worker.stop()
        if self.relay is not None:
            await self.relay.stop()
        await self.bus.close()

    async def wait_ready(self) -> None:
        """Until connected and, for a producer, the stream is declared (for tests and tools)."""
        await self.bus.wait_connected()
        if self.produces:
            await self.stream_ready.wait()

    def _on_connect(self) -> None:
        for worker in self.workers:
            worker.renew()
        if self.produces and (self._declaring is None or self._declaring.done()):
            self._declaring = asyncio.create_task(
                self._declare_stream(), name=f"declare-stream-{self.service}"
            )

    async def _declare_stream(self) -> None:
        pause = 0.2
        while True:
            try:
                await self.bus.wait_connected()
                await self.bus.ensure_stream(
                    self.service,
                    duplicate_window=self.options.duplicate_window_seconds,
                    max_age=self.options.stream_max_age_seconds,
                    replicas=self.options.stream_replicas,
                )
                self.stream_ready.set()
                return
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("cannot declare stream %s yet: %s: %s", self.stream, type(error).__name__, error)
                await asyncio.sleep(pause)
                pause = min(pause * 2, 10.0)

    async def _housekeeping(self) -> None:
        while True:
            await asyncio.sleep(self.options.prune_interval_seconds)
            try:
                await self.prune()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("event housekeeping failed: %s: %s", type(error).__name__, error)

    async def prune(self) -> tuple[int, int]:
        """Delete published outbox rows and inbox rows past their retention; returns (outbox, inbox)."""
        pruned_outbox = pruned_inbox = 0
        async with self.db.engine.begin() as connection:
            if self.produces:
                pruned_outbox = await prune_outbox(
                    connection, timedelta(seconds=self.options.outbox_retention_seconds)
                )
            if self.consumers:
                cutoff = utcnow() - timedelta(seconds=self.options.inbox_retention_seconds)
                names = [consumer.name for consumer in self.consumers]
                result = await connection.execute(
                    delete(inbox).where(inbox.c.processed_at < cutoff).where(inbox.c.consumer.in_(names))
                )
                pruned_inbox = int(result.rowcount)
        return pruned_outbox, pruned_inbox

    async def stats(self) -> EventStats:
        consumers = []
        for worker in self.workers:
            info = await worker.lag() if self.connected else None
            consumers.append(
                ConsumerLag(
                    consumer=worker.consumer.name,
                    durable=worker.durable,
                    stream=worker.stream,
                    event_type=worker.consumer.event.type,
                    num_pending=info.num_pending if info else None,
                    num_ack_pending=info.num_ack_pending if info else None,
                    num_redelivered=info.num_redelivered if info else None,
                    handled=worker.stats.handled,
                    duplicates=worker.stats.duplicates,
                    retried=worker.stats.retried,
                    dead_lettered=worker.stats.dead_lettered,
                    last_error=worker.stats.last_error,
                )
            )
        relay = None
        if self.relay is not None:
            counters = self.relay.stats
            relay = RelayCounters(
                published=counters.published,
                duplicates=counters.duplicates,
                failed_attempts=counters.failed_attempts,
                last_error=counters.last_error,
                last_published_at=counters.last_published_at,
            )
        return EventStats(
            service=self.service,
            connected=self.connected,
            outbox=await outbox_lag(self.db) if self.produces else None,
            relay=relay,
            dead_letters_open=await count_open_dead_letters(self.db) if self.consumers else {},
            consumers=consumers,
        )

    async def list_dead_letters(self, **filters: Any) -> list[DeadLetter]:
        return await list_dead_letters(self.db, **filters)

    async def replay_dead_letter(
        self, dead_letter_id: int, *, by: str
    ) -> Literal["handled", "already_handled"]:
        return await replay_dead_letter(self.db, dead_letter_id, consumers=self.consumers, by=by)

    async def discard_dead_letter(self, dead_letter_id: int, *, by: str) -> DeadLetter:
        return await discard_dead_letter(self.db, dead_letter_id, by=by)
