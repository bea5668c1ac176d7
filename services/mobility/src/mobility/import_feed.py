"""Import a GTFS feed from the command line, with progress per file and the report at the end:

    python -m mobility.import_feed <feed_id> <zip or folder> [--name NAME]

Uses DATABASE_URL like the service; a broken feed is named with its file, line and column and changes nothing."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path

from mobility.crud import network
from mobility.domain.gtfs import GtfsFeedError
from platformkit.db import Database


def progress(file: str, rows: int) -> None:
    print(f"  {file}: {'done' if rows < 0 else f'{rows} rows'}", file=sys.stderr)  # noqa: T201 - a CLI


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("feed_id")
    parser.add_argument("path", type=Path)
    parser.add_argument("--name")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL")
    if not url:
        print("DATABASE_URL is not set", file=sys.stderr)  # noqa: T201 - a CLI
        return 2
    db = Database(url)
    try:
        async with db.transaction() as session:
            feed = await network.import_feed(session, feed_id=args.feed_id, name=args.name or args.feed_id,
                                             path=args.path, actor="cli", progress=progress)
    except GtfsFeedError as error:
        print(f"refused: {error}", file=sys.stderr)  # noqa: T201 - a CLI
        return 1
    finally:
        await db.dispose()
    print(json.dumps(feed.report, indent=2, ensure_ascii=False))  # noqa: T201 - a CLI
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
