"""Time-driven steps (platformkit.scheduler) and the webhook sender loop."""

from __future__ import annotations

import asyncio
import logging

from fastapi import FastAPI

from marketplace.config import MarketplaceSettings
from marketplace.crud import places, stock, webhooks
from platformkit.scheduler import Clock, StepRun, SystemClock

log = logging.getLogger("marketplace.background")


async def release_expired_holds(run: StepRun) -> None:
    """Holds past their expiry give their units back (each hold row once, see stock.release_holds)."""
    async with run.db.transaction() as session:
        released = await stock.release_holds(session, expired_before=run.clock.now())
    if released:
        log.info("released %d expired stock holds", released)


async def close_rounds(run: StepRun) -> None:
    """Rounds whose cut-off passed are closed (checkout refuses them by time already; this makes it show)."""
    async with run.db.transaction() as session:
        closed = await places.close_due_rounds(session, now=run.clock.now())
    if closed:
        log.info("closed %d delivery rounds at their cut-off", closed)


def target_rules(settings: MarketplaceSettings) -> webhooks.TargetRules:
    return webhooks.TargetRules(settings.webhook_allow_http, tuple(settings.webhook_allowed_targets))


async def send_webhooks(app: FastAPI) -> None:
    """Send due webhook deliveries, again and again (every replica may run it: deliveries are claimed)."""
    settings = app.state.settings
    assert isinstance(settings, MarketplaceSettings)
    clock: Clock = getattr(app.state, "clock", None) or SystemClock()
    while True:
        try:
            await webhooks.send_due(app.state.db, http=app.state.http, rules=target_rules(settings),
                                    attempt_timeout=settings.webhook_timeout_seconds,
                                    disable_after=settings.webhook_disable_after_failures, now=clock.now)
        except Exception:  # noqa: BLE001 - a failing round is logged; the loop must go on
            log.exception("webhook sending failed; trying again")
        await asyncio.sleep(settings.webhook_poll_seconds)
