"""mobility's events leave through the outbox to a real nats-server (stream MOBILITY) as a consumer service
would read them: a booking confirmed, and after the lock the taxi order dispatched — CloudEvents headers,
ids only (no names, no driver gender)."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from typing import Any

import nats
import nats.errors
from mobility_testkit import at, running

from platformkit.natsserver import NatsServer
from platformkit.scheduler import ManualClock
from platformkit.testing.tokens import OidcIssuer


async def fetch(nats_url: str, subject: str, count: int) -> list[tuple[dict[str, str], dict[str, Any]]]:
    connection = await nats.connect(nats_url)
    try:
        js = connection.jetstream()
        subscription = await js.pull_subscribe(subject, durable=None, stream="MOBILITY")
        got: list[Any] = []
        deadline = asyncio.get_running_loop().time() + 30
        while len(got) < count and asyncio.get_running_loop().time() < deadline:
            try:
                got += await subscription.fetch(count - len(got), timeout=1)
            except nats.errors.TimeoutError:
                continue
        return [(dict(message.headers or {}), json.loads(message.data)) for message in got]
    finally:
        await connection.close()


async def test_booking_and_taxi_events_reach_jetstream(database_url: str, nats_server: NatsServer,
                                                       oidc_issuer: OidcIssuer) -> None:
    clock = ManualClock(at("2026-06-02T05:00:00+02:00"))
    async with running(database_url, oidc_issuer, clock, nats_url=nats_server.url, outbox_poll_seconds=0.1) as m:
        await m.line()
        rider = m.person()
        booked = await m.book(rider, day=date(2026, 6, 2))
        assert booked.status_code == 201
        ((headers, data),) = await fetch(nats_server.url, "mobility.booking.confirmed.v1", 1)
        assert headers["ce-type"] == "mobility.booking.confirmed.v1"
        assert headers["ce-subject"] == booked.json()["id"]
        assert data["person_id"] == str(rider.id) and data["ride"] == "fallback"
        clock.advance(at("2026-06-02T06:31:00+02:00") - clock.now())
        await m.tick()
        ((_headers, order),) = await fetch(nats_server.url, "mobility.fallback.dispatched.v1", 1)
        assert order["booking_ids"] == [booked.json()["id"]] and order["seats"] == 1
