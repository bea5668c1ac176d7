"""The scheduler on real databases (SQLite and PostgreSQL), with real concurrency: several `Scheduler`
replicas, each with its own `Database`, run side by side in asyncio against one database. Time is a
`ManualClock`: tests move it and then wait (in real time, with generous timeouts) until every loop has
done its work for the new time."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from platformkit.db import Database
from platformkit.migrations import upgrade
from platformkit.scheduler import ManualClock, Schedule, Scheduler, StepRun
from platformkit.tables import scheduler_lease
from platformkit.testing.tokens import TokenFactory
from sampleservice.main import SampleSettings, service

T0 = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


class Recorder:
    """Counts executions: (replica, due) per run, and how many ran at once at most."""

    def __init__(self, seconds: float = 0.05) -> None:
        self.seconds = seconds  # real time each run takes, so that replicas' attempts overlap
        self.runs: list[tuple[str, datetime]] = []
        self.started: list[tuple[str, datetime]] = []
        self.active = 0
        self.max_active = 0
        self.block: dict[str, asyncio.Event] = {}
        self.first_started = asyncio.Event()

    def step(self, replica: str) -> Callable[[StepRun], Any]:
        async def run(step_run: StepRun) -> None:
            self.active += 1
            self.max_active = max(self.max_active, self.active)
            self.started.append((replica, step_run.due))
            self.first_started.set()
            try:
                await asyncio.sleep(self.seconds)
                if replica in self.block:
                    await self.block[replica].wait()
                self.runs.append((replica, step_run.due))
            finally:
                self.active -= 1

        return run

    @property
    def dues(self) -> list[datetime]:
        return [due for _replica, due in self.runs]


class Replicas:
    """Scheduler replicas on one database, each with a Database of its own; all stopped at the end."""

    def __init__(self, url: str, clock: ManualClock) -> None:
        self.url = url
        self.clock = clock
        self.databases: list[Database] = []
        self.tasks: list[asyncio.Task[None]] = []

    def new(self, schedule: Schedule, **options: Any) -> Scheduler:
        db = Database(self.url)
        self.databases.append(db)
        return Scheduler(db, [schedule], clock=self.clock, poll_seconds=options.pop("poll_seconds", 10.0), **options)

    def run(self, scheduler: Scheduler) -> asyncio.Task[None]:
        task = asyncio.create_task(scheduler.run())
        self.tasks.append(task)
        return task

    async def settle(self, loops: int, *schedulers: Scheduler) -> None:
        """Until `loops` schedule loops sleep and no replica is running or finishing a step."""
        async with asyncio.timeout(30):
            while True:
                await self.clock.settle(loops)
                if not any(scheduler.busy for scheduler in schedulers) and self.clock.sleeping >= loops:
                    return
                await asyncio.sleep(0.01)

    async def advance(self, delta: timedelta, loops: int, *schedulers: Scheduler) -> None:
        self.clock.advance(delta)
        await self.settle(loops, *schedulers)

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        for db in self.databases:
            await db.dispose()


async def lease_row(url: str, name: str) -> Any:
    db = Database(url)
    try:
        async with db.read_engine.connect() as connection:
            return (await connection.execute(select(scheduler_lease).where(scheduler_lease.c.name == name))).one()
    finally:
        await db.dispose()


@pytest.fixture
async def replicas(database_url: str) -> AsyncIterator[Replicas]:
    upgrade(service, database_url)  # the lease table comes with every service's migrations
    group = Replicas(database_url, ManualClock(T0))
    try:
        yield group
    finally:
        await group.close()


async def test_two_replicas_run_a_step_exactly_once_per_period(replicas: Replicas) -> None:
    recorder = Recorder()
    a = replicas.new(Schedule("tick", every=MINUTE, step=recorder.step("a")))
    b = replicas.new(Schedule("tick", every=MINUTE, step=recorder.step("b")))
    replicas.run(a)
    replicas.run(b)
    await replicas.settle(2, a, b)  # an interval step is due at once on first start
    for _ in range(6):
        # Half periods: every replica looks at least once in between, and nothing is due every other time.
        await replicas.advance(MINUTE / 2, 2, a, b)
    assert recorder.dues == [T0 + MINUTE * k for k in range(4)]
    assert recorder.max_active == 1
    assert a.holder != b.holder
    row = await lease_row(replicas.url, "tick")
    assert row.holder is None
    assert row.next_run_at == T0 + MINUTE * 4
    assert row.last_run_at == T0 + MINUTE * 3


async def test_after_the_runner_is_killed_the_other_replica_runs_the_step_when_the_lease_expires(
    replicas: Replicas,
) -> None:
    recorder = Recorder()
    recorder.block["a"] = asyncio.Event()  # a's step never finishes on its own
    lease = timedelta(minutes=2)
    a = replicas.new(Schedule("expire", every=timedelta(hours=1), lease=lease, step=recorder.step("a")))
    b = replicas.new(Schedule("expire", every=timedelta(hours=1), lease=lease, step=recorder.step("b")))
    runner = replicas.run(a)
    async with asyncio.timeout(30):
        await recorder.first_started.wait()
    replicas.run(b)
    await replicas.clock.settle(2)  # a's lease keeper and b's loop

    # While a runs, it renews its lease: b does not take over, long after the first lease ran out.
    for _ in range(5):
        replicas.clock.advance(timedelta(seconds=50))
        await replicas.clock.settle(2)
    assert recorder.started == [("a", T0)]
    assert (await lease_row(replicas.url, "expire")).holder == a.holder

    # a dies (its task cancelled, the lease not released).
    runner.cancel()
    await asyncio.gather(runner, return_exceptions=True)
    assert recorder.runs == []
    row = await lease_row(replicas.url, "expire")
    assert row.holder == a.holder
    assert row.lease_until > replicas.clock.now()

    # Still within the lease: b waits.
    await replicas.advance(row.lease_until - replicas.clock.now() - timedelta(seconds=20), 1, b)
    assert recorder.started == [("a", T0)]
    # The lease has expired: b runs the step, for the same due time, once.
    await replicas.advance(timedelta(seconds=30), 1, b)
    await replicas.advance(timedelta(seconds=30), 1, b)
    assert recorder.runs == [("b", T0)]
    row = await lease_row(replicas.url, "expire")
    assert row.holder is None
    assert row.next_run_at == T0 + timedelta(hours=1)


async def test_a_period_missed_while_everything_was_down_runs_once(replicas: Replicas) -> None:
    recorder = Recorder()
    first = [replicas.new(Schedule("nightly", every=MINUTE, step=recorder.step(name))) for name in "ab"]
    for scheduler in first:
        await scheduler.start()
    await replicas.settle(2, *first)
    assert recorder.dues == [T0]
    for scheduler in first:
        await scheduler.stop()

    # Ten periods go by with every replica down.
    replicas.clock.advance(MINUTE * 10 + timedelta(seconds=30))
    second = [replicas.new(Schedule("nightly", every=MINUTE, step=recorder.step(name))) for name in "cd"]
    for scheduler in second:
        replicas.run(scheduler)
    await replicas.settle(2, *second)
    assert recorder.dues == [T0, T0 + MINUTE]  # once, for the oldest missed time
    row = await lease_row(replicas.url, "nightly")
    assert row.next_run_at == T0 + MINUTE * 11  # back on the cadence
    await replicas.advance(timedelta(seconds=20), 2, *second)
    assert len(recorder.runs) == 2
    await replicas.advance(timedelta(seconds=20), 2, *second)
    assert recorder.dues == [T0, T0 + MINUTE, T0 + MINUTE * 11]


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        # Spring forward, Sunday 30 March 2025: 02:30 does not exist in Berlin; it runs once, at 03:30 CEST.
        (
            datetime(2025, 3, 29, 0, 0, tzinfo=UTC),
            [datetime(2025, 3, 29, 1, 30, tzinfo=UTC), datetime(2025, 3, 30, 1, 30, tzinfo=UTC),
             datetime(2025, 3, 31, 0, 30, tzinfo=UTC)],
        ),
        # Fall back, Sunday 26 October 2025: 02:30 happens twice; it runs once, at the first (CEST).
        (
            datetime(2025, 10, 25, 0, 0, tzinfo=UTC),
            [datetime(2025, 10, 25, 0, 30, tzinfo=UTC), datetime(2025, 10, 26, 0, 30, tzinfo=UTC),
             datetime(2025, 10, 27, 1, 30, tzinfo=UTC)],
        ),
    ],
    ids=["spring-forward", "fall-back"],
)
async def test_a_daily_step_runs_once_a_day_across_a_dst_change(
    database_url: str, start: datetime, expected: list[datetime]
) -> None:
    upgrade(service, database_url)
    replicas = Replicas(database_url, ManualClock(start))
    try:
        recorder = Recorder(seconds=0)
        schedulers = [
            replicas.new(Schedule("cut-off", daily=time(2, 30), step=recorder.step(name)), poll_seconds=1800)
            for name in "ab"
        ]
        for scheduler in schedulers:
            replicas.run(scheduler)
        await replicas.settle(2, *schedulers)
        for _ in range(3 * 48):  # three days in half hours
            await replicas.advance(timedelta(minutes=30), 2, *schedulers)
        assert recorder.dues == expected
        assert recorder.max_active == 1
    finally:
        await replicas.close()


def _berlin_next(now: datetime) -> datetime:
    schedule = Schedule("x", daily=time(2, 30), step=Recorder().step("x"))
    return schedule.next_due(now, now)


def test_daily_times_in_berlin_around_dst() -> None:
    # Spring: the day before at 01:30 UTC (CET), on the day 01:30 UTC (= 03:30 CEST), then 00:30 UTC (CEST).
    assert _berlin_next(datetime(2025, 3, 29, 12, 0, tzinfo=UTC)) == datetime(2025, 3, 30, 1, 30, tzinfo=UTC)
    assert _berlin_next(datetime(2025, 3, 30, 1, 30, tzinfo=UTC)) == datetime(2025, 3, 31, 0, 30, tzinfo=UTC)
    # Autumn: after the first 02:30 (00:30 UTC) the second one (01:30 UTC) is not another run.
    assert _berlin_next(datetime(2025, 10, 26, 0, 30, tzinfo=UTC)) == datetime(2025, 10, 27, 1, 30, tzinfo=UTC)
    assert _berlin_next(datetime(2025, 10, 25, 23, 0, tzinfo=UTC)) == datetime(2025, 10, 26, 0, 30, tzinfo=UTC)


def test_interval_schedules_keep_their_cadence_and_collapse_missed_periods() -> None:
    schedule = Schedule("x", every=timedelta(minutes=5), step=Recorder().step("x"))
    assert schedule.first_due(T0) == T0
    assert schedule.next_due(T0, T0 + timedelta(seconds=7)) == T0 + timedelta(minutes=5)
    assert schedule.next_due(T0, T0 + timedelta(minutes=5)) == T0 + timedelta(minutes=10)
    assert schedule.next_due(T0, T0 + timedelta(hours=3, minutes=1)) == T0 + timedelta(hours=3, minutes=5)


def test_a_schedule_is_either_an_interval_or_a_daily_time() -> None:
    step = Recorder().step("x")
    with pytest.raises(ValueError, match="exactly one"):
        Schedule("x", step=step)
    with pytest.raises(ValueError, match="exactly one"):
        Schedule("x", every=MINUTE, daily=time(3), step=step)
    with pytest.raises(ValueError, match="positive"):
        Schedule("x", every=timedelta(0), step=step)
    with pytest.raises(ValueError, match="unique"):
        Scheduler(Database("sqlite:////tmp/unused-scheduler.db"), [Schedule("x", every=MINUTE, step=step)] * 2)


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


async def test_a_failing_step_is_logged_and_runs_again_at_its_next_time(replicas: Replicas) -> None:
    calls: list[datetime] = []

    async def flaky(step_run: StepRun) -> None:
        calls.append(step_run.due)
        if len(calls) == 1:
            raise RuntimeError("feed unreachable")

    handler = _Records()
    logger = logging.getLogger("platformkit.scheduler")
    logger.addHandler(handler)
    try:
        schedulers = [replicas.new(Schedule("poll", every=MINUTE, step=flaky)) for _ in range(2)]
        tasks = [replicas.run(scheduler) for scheduler in schedulers]
        await replicas.settle(2, *schedulers)
        assert calls == [T0]
        [record] = handler.records
        assert record.exc_info is not None and "feed unreachable" in str(record.exc_info[1])
        assert "poll" in record.getMessage()
        assert not any(task.done() for task in tasks)  # the scheduler lives on

        await replicas.advance(timedelta(seconds=30), 2, *schedulers)
        assert calls == [T0]  # not retried at once, but at its next time
        await replicas.advance(timedelta(seconds=30), 2, *schedulers)
        assert calls == [T0, T0 + MINUTE]
        assert len(handler.records) == 1
        row = await lease_row(replicas.url, "poll")
        assert row.last_run_at == T0 + MINUTE and row.next_run_at == T0 + MINUTE * 2
    finally:
        logger.removeHandler(handler)


async def test_the_app_lifespan_runs_the_specs_schedules_and_releases_the_lease(
    database_url: str, oidc_issuer: Any, token_factory: TokenFactory
) -> None:
    upgrade(service, database_url)
    seen: list[Any] = []
    ran = asyncio.Event()

    async def step(step_run: StepRun) -> None:
        seen.append(step_run.app)
        ran.set()

    spec = dataclasses.replace(service, schedules=[Schedule("app-step", every=MINUTE, step=step)])
    settings = SampleSettings(database_url=database_url, oidc_issuer=oidc_issuer.issuer, oidc_audience="sample")
    app = spec.create_app(settings)
    app.state.clock = ManualClock(T0)
    async with app.router.lifespan_context(app):
        async with asyncio.timeout(30):
            await ran.wait()
        assert isinstance(app.state.scheduler, Scheduler)
        await Replicas(database_url, app.state.clock).settle(1, app.state.scheduler)  # the run is recorded
    assert seen == [app]
    row = await lease_row(database_url, "app-step")
    assert row.holder is None and row.next_run_at == T0 + MINUTE
