"""Time-driven steps (platformkit.scheduler: one replica runs each, elected through the database). Every
step is idempotent: reminders by their dedupe key, series by (series, date), state changes by their
conditional UPDATEs."""

from __future__ import annotations

from datetime import time, timedelta

from platformkit.scheduler import Schedule, StepRun
from volunteers.config import VolunteersSettings
from volunteers.crud import commitments, retention, shifts, signups


def _settings(run: StepRun) -> VolunteersSettings:
    assert run.app is not None
    settings = run.app.state.settings
    assert isinstance(settings, VolunteersSettings)
    return settings


async def remind(run: StepRun) -> None:
    async with run.db.transaction() as session:
        await signups.send_reminders(session, _settings(run), run.clock.now())


async def move_on(run: StepRun) -> None:
    """Offers and requests that ran out (of shifts and commitments); shifts that ended (completed or
    no-show)."""
    settings, now = _settings(run), run.clock.now()
    async with run.db.transaction() as session:
        await signups.lapse_due(session, settings, now)
    async with run.db.transaction() as session:
        await commitments.lapse_due(session, settings, now)
    async with run.db.transaction() as session:
        await signups.close_ended(session, settings, now)


async def extend_series(run: StepRun) -> None:
    async with run.db.transaction() as session:
        await shifts.generate_all(session, _settings(run), run.clock.now())


async def archive_inactive(run: StepRun) -> None:
    async with run.db.transaction() as session:
        await retention.archive_inactive(session, _settings(run), run.clock.now())


SCHEDULES = (
    Schedule("volunteers-reminders", every=timedelta(minutes=5), step=remind),
    Schedule("volunteers-move-on", every=timedelta(minutes=1), step=move_on),
    Schedule("volunteers-series", daily=time(2, 15), step=extend_series),
    Schedule("volunteers-archive", daily=time(3, 30), step=archive_inactive),
)
