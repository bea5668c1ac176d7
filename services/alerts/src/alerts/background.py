"""Time-driven steps on platformkit's scheduler (one replica runs each; steps are idempotent): polling the
feeds that are due, and ending warnings whose `expires` has passed while no feed changed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx
from fastapi import FastAPI

from alerts.config import AlertsSettings
from alerts.crud.context import Ingest
from alerts.crud.feeds import poll_due
from alerts.crud.threads import expire_due
from alerts.district import gazetteer
from platformkit.scheduler import Schedule, StepRun


def _context(run: StepRun) -> Ingest:
    assert run.app is not None
    settings: AlertsSettings = run.app.state.settings
    return Ingest(settings, gazetteer(settings), run.clock.now())


async def poll_feeds(run: StepRun) -> None:
    assert run.app is not None
    await poll_due(run.db, run.app.state.feed_http, _context(run))


async def expire_warnings(run: StepRun) -> None:
    async with run.db.transaction() as session:
        await expire_due(session, _context(run))


schedules = [
    # Each feed has its own interval (Feed.poll_seconds); this only looks for the due ones.
    Schedule("alerts-poll-feeds", every=timedelta(seconds=15), step=poll_feeds, lease=timedelta(minutes=5)),
    Schedule("alerts-expire", every=timedelta(seconds=30), step=expire_warnings),
]


@asynccontextmanager
async def feed_client(app: FastAPI) -> AsyncIterator[None]:
    """The HTTP client for feeds: no redirects (the allow-list is checked per request), own timeouts."""
    settings: AlertsSettings = app.state.settings
    async with httpx.AsyncClient(
        timeout=httpx.Timeout(settings.feed_timeout_seconds), follow_redirects=False,
        headers={"User-Agent": "Dorfmarktplatz-alerts/0.1"},
    ) as client:
        app.state.feed_http = client
        yield
