"""The service's time-driven steps on platformkit's scheduler (one replica runs each, steps idempotent)."""

from __future__ import annotations

from datetime import time, timedelta

from sqlmodel import select

from mobility.config import MobilitySettings
from mobility.crud import guarantee, rides
from mobility.models import Offer
from platformkit.scheduler import Schedule, StepRun


def _settings(run: StepRun) -> MobilitySettings:
    settings = run.app.state.settings if run.app is not None else MobilitySettings()
    assert isinstance(settings, MobilitySettings)
    return settings


async def guarantee_tick(run: StepRun) -> None:
    """Lock due slots, send taxis for drivers who did not check in, escalate unacknowledged orders, and
    flag any booking that reached its departure unsecured."""
    await guarantee.tick(run.db, now=run.clock.now(), settings=_settings(run))


async def extend_offers(run: StepRun) -> None:
    """Recurring offers get instances as the booking horizon moves on."""
    settings = _settings(run)
    async with run.db.transaction() as session:
        offers = (await session.exec(select(Offer).where(Offer.status == "active"))).all()
        for offer in offers:
            await rides.expand_offer(session, offer, now=run.clock.now(), settings=settings)


schedules = [
    Schedule("mobility-guarantee", every=timedelta(minutes=1), step=guarantee_tick),
    Schedule("mobility-extend-offers", daily=time(3, 0), step=extend_offers),
]
