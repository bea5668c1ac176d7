"""The time-driven steps on platformkit's real scheduler: two replicas of the service, each running its
schedules against the same database, time moved by a ManualClock. The lock turns the planned taxi into
one order, however many replicas and ticks there are."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date, timedelta

from mobility_testkit import Mobility, at, running
from sqlalchemy import select

from mobility.crud._sql import execute
from mobility.models import Booking, FallbackOrder
from platformkit.scheduler import ManualClock

SCHEDULER_LOOPS = 4  # asleep on the clock when both replicas are idle (seen: two per replica)


async def _orders(m: Mobility) -> list[FallbackOrder]:
    async with m.db.session() as session:
        return list((await execute(session, select(FallbackOrder))).scalars().all())


async def _until(condition: Callable[[], Awaitable[bool]], seconds: float = 30.0) -> None:
    """Poll the database (the scheduler's replicas run in this loop) until the condition holds."""
    for _ in range(int(seconds / 0.05)):
        if await condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the scheduler did not get there in time")


async def test_the_lock_runs_on_one_replica_at_a_time_and_twice_does_no_harm(
    database_url: str, oidc_issuer: object
) -> None:
    clock = ManualClock(at("2026-06-02T06:00:00+02:00"))
    async with running(database_url, oidc_issuer, clock, schedules=True) as m, \
            running(database_url, oidc_issuer, clock, schedules=True, migrate=False):  # type: ignore[arg-type]
        await m.line()
        riders = [m.person() for _ in range(3)]
        for rider in riders:
            booked = await m.book(rider, day=date(2026, 6, 2))
            assert booked.json()["state"] == "fallback_planned"
        assert await _orders(m) == []
        for _minute in range(3):  # past the lock at 06:30, then two more ticks
            # Every scheduler loop of both replicas asleep at this time first: one still starting on a busy
            # box would take its next due time from after the advance, and miss the lock.
            await clock.settle(SCHEDULER_LOOPS)
            clock.advance(timedelta(minutes=31 if _minute == 0 else 1))

            async def locked() -> bool:
                orders = await _orders(m)
                return len(orders) == 1

            await _until(locked)
        await asyncio.sleep(0.5)  # let any late replica finish its tick
        (order,) = await _orders(m)
        assert order.seats == 3 and not order.short_notice
        async with m.db.session() as session:
            states = (await execute(session, select(Booking.state))).scalars().all()
        assert set(states) == {"fallback_dispatched"}
