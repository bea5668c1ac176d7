"""Time-driven steps (platformkit.scheduler)."""

from __future__ import annotations

import logging

from marketplace.crud import places, stock
from platformkit.scheduler import StepRun

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
