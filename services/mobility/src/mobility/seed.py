"""Demo data: see seed_demo."""

from __future__ import annotations

from platformkit.config import ServiceSettings
from platformkit.db import Database


async def seed_demo(db: Database, settings: ServiceSettings) -> None:
    del db, settings
