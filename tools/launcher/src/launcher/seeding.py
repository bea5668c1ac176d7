"""A service's demo data as a process: `python -m launcher.seeding marketplace.main:service`.

Run with the very environment the service itself gets, so the seed sees the same settings and
database; and in a process of its own, so that one service's seed cannot disturb another's."""

from __future__ import annotations

import argparse
import asyncio

from launcher.discovery import load_spec
from platformkit.config import load_settings
from platformkit.db import Database


async def seed(target: str) -> None:
    spec = load_spec(target)
    if spec.seed_demo is None:
        return
    settings = load_settings(spec.settings)
    if settings.environment == "production":
        # Demo people have published passwords: they must never exist in a real district.
        raise SystemExit(f"{spec.name}: demo data is never loaded where ENVIRONMENT=production")
    db = Database(settings.database_url, pool_size=settings.database_pool_size)
    try:
        await spec.seed_demo(db, settings)
    finally:
        await db.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m launcher.seeding", description=__doc__)
    parser.add_argument("target", help="module:attribute of the service's ServiceSpec")
    asyncio.run(seed(parser.parse_args(argv).target))


if __name__ == "__main__":
    main()
