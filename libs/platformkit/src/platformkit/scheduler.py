"""Time-driven steps (cut-offs, locks, reminders, expiry, feed polling) on one scheduler, safe with
several replicas.

A service declares its steps on its spec::

    ServiceSpec(..., schedules=[
        Schedule("close-orders", daily=time(18, 0), step=close_orders),       # 18:00 Europe/Berlin
        Schedule("poll-dwd", every=timedelta(minutes=5), step=poll_warnings),
    ])

and the app's lifespan runs a `Scheduler` for them. A step is `async def step(run: StepRun) -> None`;
`run.due` is the instant the run is for (use it as the idempotency key of what the step does).

Replicas agree through the database, one `scheduler_lease` row per schedule: a replica runs a step only
after taking its lease with a conditional UPDATE (`... WHERE next_run_at <= now AND (holder IS NULL OR
lease_until < now OR holder = me)`), which on both SQLite and PostgreSQL lets exactly one writer win
without row locks. The lease is renewed while the step runs and released, with `next_run_at` moved on,
when it ends. A replica that dies keeps the lease until `lease_until`; then another takes it and runs
the step again. So a step may run twice (a runner dies after its work, before the release): **steps
must be idempotent**. A step that was due while every replica was down runs once at the next start,
not once per missed period. A failing step is logged and runs again at its next time.

Daily times are wall-clock times in a time zone (Europe/Berlin by default). A local time that does not
exist (spring forward, 02:30 on the last Sunday of March) runs once, at the same distance after the
gap (03:30 CEST); a local time that happens twice (fall back, 02:30 on the last Sunday of October)
runs once, at its first occurrence (02:30 CEST).

Time comes from a `Clock`: `SystemClock` in production, `ManualClock` in tests, which move time with
`advance()` instead of sleeping.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import KW_ONLY, dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from platformkit import tasks
from platformkit.db import Database
from platformkit.tables import scheduler_lease

if TYPE_CHECKING:
    from fastapi import FastAPI

log = logging.getLogger("platformkit.scheduler")

DEFAULT_ZONE = "Europe/Berlin"


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(seconds, 0.0))


class ManualClock:
    """A clock for tests: time stands still until `advance()`; sleepers wake when their time has come."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware start time")
        self._now = start.astimezone(UTC)
        self._sleepers: list[tuple[datetime, asyncio.Future[None]]] = []
        self._fell_asleep = asyncio.Event()

    def now(self) -> datetime:
        return self._now

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        entry = (self._now + timedelta(seconds=seconds), asyncio.get_running_loop().create_future())
        self._sleepers.append(entry)
        self._fell_asleep.set()
        try:
            await entry[1]
        finally:
            self._sleepers.remove(entry)

    def advance(self, delta: timedelta) -> None:
        self._now += delta
        for deadline, future in self._sleepers:
            if deadline <= self._now and not future.done():
                future.set_result(None)

    @property
    def sleeping(self) -> int:
        """How many tasks are asleep on this clock (and not yet woken)."""
        return sum(1 for _deadline, future in self._sleepers if not future.done())

    async def settle(self, sleepers: int, within: float = 30.0) -> None:
        """Wait (in real time, at most `within` seconds) until `sleepers` tasks are asleep on this clock,
        i.e. every loop has done its work for the current time."""
        async with asyncio.timeout(within):
            while self.sleeping < sleepers:
                self._fell_asleep.clear()
                await self._fell_asleep.wait()


@dataclass(frozen=True)
class StepRun:
    """What a step is given: which schedule, the instant this run is for, and the service's resources."""

    name: str
    due: datetime
    db: Database
    clock: Clock
    app: FastAPI | None = None


Step = Callable[[StepRun], Coroutine[Any, Any, None]]


@dataclass(frozen=True)
class Schedule:
    """A step run `every` interval, or `daily` at a wall-clock time in `zone` (exactly one of them).

    `lease` is how long a runner may go silent before another replica takes the step over; it is renewed
    every third of it while the step runs."""

    name: str
    _: KW_ONLY
    step: Step
    every: timedelta | None = None
    daily: time | None = None
    zone: str = DEFAULT_ZONE
    lease: timedelta = timedelta(minutes=2)
    _tz: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not 0 < len(self.name) <= 100:
            raise ValueError("a schedule's name has 1 to 100 characters")
        if (self.every is None) == (self.daily is None):
            raise ValueError(f"schedule {self.name}: give exactly one of every= and daily=")
        if self.every is not None and self.every <= timedelta(0):
            raise ValueError(f"schedule {self.name}: every= must be positive")
        if self.daily is not None and self.daily.tzinfo is not None:
            raise ValueError(f"schedule {self.name}: daily= is a wall-clock time; give the zone as zone=")
        if self.lease < timedelta(seconds=1):
            raise ValueError(f"schedule {self.name}: lease must be at least a second")
        object.__setattr__(self, "_tz", ZoneInfo(self.zone))

    def first_due(self, now: datetime) -> datetime:
        """When a schedule seen for the first time is due: an interval step at once, a daily one at its
        next time."""
        return now if self.every is not None else self.next_due(now, now)

    def next_due(self, previous: datetime, now: datetime) -> datetime:
        """The first due instant after `now`, given the one just run (`previous`). Interval steps keep
        their cadence (previous + k * every); missed periods collapse into one run."""
        if self.every is not None:
            if previous > now:
                return previous
            periods = (now - previous) // self.every + 1
            return previous + self.every * periods
        assert self.daily is not None
        day = now.astimezone(self._tz).date() - timedelta(days=1)
        while True:
            # fold=0: a time in the spring gap maps to the offset before it (02:30 → 03:30 CEST); a time
            # that happens twice in autumn maps to its first occurrence only.
            candidate = datetime.combine(day, self.daily, tzinfo=self._tz).astimezone(UTC)
            if candidate > now:
                return candidate
            day += timedelta(days=1)


def _holder_id() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


class Scheduler:
    """Runs a service's schedules. Every replica runs one; the lease rows decide who runs what.

    `start()`/`stop()` for the app's lifespan (stop releases held leases, so a restarted replica does not
    delay due steps); `run()` runs until cancelled, and cancelling it is like the process dying: leases
    are kept until they expire."""

    def __init__(
        self,
        db: Database,
        schedules: Sequence[Schedule],
        *,
        app: FastAPI | None = None,
        clock: Clock | None = None,
        holder: str | None = None,
        poll_seconds: float = 15.0,
    ) -> None:
        names = [schedule.name for schedule in schedules]
        if len(set(names)) != len(names):
            raise ValueError(f"schedule names must be unique: {names}")
        self.db = db
        self.schedules = tuple(schedules)
        self.app = app
        self.clock: Clock = clock or SystemClock()
        self.holder = (holder or _holder_id())[:100]
        self.poll_seconds = poll_seconds
        self._task: asyncio.Task[None] | None = None
        # Names of the schedules whose step this replica is running (or finishing) now.
        self.busy: set[str] = set()

    async def start(self) -> None:
        if self._task is None and self.schedules:
            self._task = asyncio.create_task(self.run(), name=f"scheduler {self.holder}")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        await tasks.stop(task)
        try:
            await self.release_all()
        except Exception:
            log.warning("scheduler: could not release leases at shutdown; they expire", exc_info=True)

    async def run(self) -> None:
        async with asyncio.TaskGroup() as group:
            for schedule in self.schedules:
                group.create_task(self._loop(schedule), name=f"schedule {schedule.name}")

    async def release_all(self) -> None:
        """Give up every lease this replica holds (a step cut short runs again on another replica)."""
        async with self.db.engine.begin() as connection:
            await connection.execute(
                update(scheduler_lease)
                .where(scheduler_lease.c.holder == self.holder)
                .values(holder=None, lease_until=self.clock.now())
            )

    async def _loop(self, schedule: Schedule) -> None:
        known = False
        while True:
            try:
                if not known:
                    await self._ensure_row(schedule)
                    known = True
                due = await self._claim(schedule)
                if due is not None:
                    await self._run(schedule, due)
                pause = await self._pause(schedule)
                if pause is None:  # the row was deleted (by an operator): create it again
                    known, pause = False, 0.0
            except Exception:
                # The database is away, or similar: try again later; the lease protects the step meanwhile.
                log.exception("scheduler: schedule %s could not be checked", schedule.name)
                pause = self.poll_seconds
            await self.clock.sleep(pause)

    async def _ensure_row(self, schedule: Schedule) -> None:
        now = self.clock.now()
        insert = sqlite_insert if self.db.is_sqlite else postgresql_insert
        statement = (
            insert(scheduler_lease)
            .values(name=schedule.name, holder=None, lease_until=now, next_run_at=schedule.first_due(now))
            .on_conflict_do_nothing(index_elements=["name"])
        )
        async with self.db.engine.begin() as connection:
            await connection.execute(statement)

    async def _claim(self, schedule: Schedule) -> datetime | None:
        """Take the lease if the step is due and nobody else holds it; the due instant, or None."""
        now = self.clock.now()
        c = scheduler_lease.c
        async with self.db.engine.begin() as connection:
            result = await connection.execute(
                update(scheduler_lease)
                .where(
                    c.name == schedule.name,
                    c.next_run_at <= now,
                    or_(c.holder.is_(None), c.lease_until < now, c.holder == self.holder),
                )
                .values(holder=self.holder, lease_until=now + schedule.lease)
                .returning(c.next_run_at)
            )
            due: datetime | None = result.scalar_one_or_none()
        return due

    async def _renew(self, schedule: Schedule) -> bool:
        c = scheduler_lease.c
        async with self.db.engine.begin() as connection:
            result = await connection.execute(
                update(scheduler_lease)
                .where(c.name == schedule.name, c.holder == self.holder)
                .values(lease_until=self.clock.now() + schedule.lease)
                .returning(c.name)
            )
            return result.scalar_one_or_none() is not None

    async def _keep_lease(self, schedule: Schedule, step: asyncio.Task[None]) -> None:
        interval = schedule.lease.total_seconds() / 3
        renewed = self.clock.now()
        while True:
            await self.clock.sleep(interval)
            try:
                held = await self._renew(schedule)
            except Exception:
                log.warning("scheduler: could not renew the lease of %s", schedule.name, exc_info=True)
                held = self.clock.now() < renewed + schedule.lease
            else:
                renewed = self.clock.now()
            if not held:
                log.error("scheduler: lost the lease of %s while its step ran; stopping the step", schedule.name)
                step.cancel()
                return

    async def _run(self, schedule: Schedule, due: datetime) -> None:
        self.busy.add(schedule.name)
        try:
            await self._run_step(schedule, due)
        finally:
            self.busy.discard(schedule.name)

    async def _run_step(self, schedule: Schedule, due: datetime) -> None:
        started = self.clock.now()
        run = StepRun(name=schedule.name, due=due, db=self.db, clock=self.clock, app=self.app)
        step = asyncio.create_task(schedule.step(run), name=f"step {schedule.name}")
        keeper = asyncio.create_task(self._keep_lease(schedule, step), name=f"lease {schedule.name}")
        try:
            await asyncio.wait({step})
        finally:
            keeper.cancel()
            if not step.done():
                step.cancel()  # this replica is being stopped: the step goes with it
            await asyncio.gather(keeper, step, return_exceptions=True)
        if step.cancelled():
            return  # lease lost: whoever holds it now runs the step
        error = step.exception()
        if error is not None:
            log.error("scheduler: step %s (due %s) failed; it runs again at its next time",
                      schedule.name, due.isoformat(), exc_info=error)
        finished = self.clock.now()
        c = scheduler_lease.c
        async with self.db.engine.begin() as connection:
            result = await connection.execute(
                update(scheduler_lease)
                .where(c.name == schedule.name, c.holder == self.holder)
                .values(
                    holder=None,
                    lease_until=finished,
                    last_run_at=started,
                    next_run_at=schedule.next_due(due, finished),
                )
                .returning(c.name)
            )
            if result.scalar_one_or_none() is None:
                log.warning("scheduler: the lease of %s expired before its step finished", schedule.name)

    async def _pause(self, schedule: Schedule) -> float | None:
        """How long to sleep before looking again: until the step is due or its lease runs out, at most
        `poll_seconds` (a replica that took over may have moved `next_run_at`)."""
        c = scheduler_lease.c
        async with self.db.read_engine.connect() as connection:
            row = (
                await connection.execute(
                    select(c.holder, c.lease_until, c.next_run_at).where(c.name == schedule.name)
                )
            ).one_or_none()
        if row is None:
            return None
        now = self.clock.now()
        wake: datetime = row.next_run_at
        if wake <= now and row.holder is not None:
            wake = row.lease_until
        seconds = (wake - now).total_seconds()
        return min(max(seconds, 0.05), self.poll_seconds)

