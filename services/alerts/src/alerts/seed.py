"""Demo data: current warnings for the Uckermark from the replayed fixtures (package data in alerts/demo/),
their dates shifted to now and their areas placed inside the district. Running it twice changes nothing:
each demo message's identifier is fixed and its `sent` is pinned at the first run's day."""

from __future__ import annotations

from platformkit.config import ServiceSettings
from platformkit.db import Database


async def seed_demo(db: Database, settings: ServiceSettings) -> None:
    from alerts.demo import seed

    await seed(db, settings)
