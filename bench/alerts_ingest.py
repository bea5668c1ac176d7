"""A full ingest cycle of 500 warnings that did not change: it should cost almost nothing — no re-parsing,
no pushes, no removals.

A local HTTP server stands in for the NINA API: `mapData.json` lists 500 warnings, each with its
`warnings/{id}.json` (a MoWaS message built from the fixture shape, with its own polygon in the district).
Cycle 0 takes them all in (the baseline, measured in the same run). Then, with nothing changed:
- `etag`: the list answers 304 to `If-None-Match`;
- `same body`: the list answers 200 without validators, byte for byte the same;
- `new etag`: a 200 with a new ETag but the same body;
- `reordered`: the same entries in another order (the body differs, every item's version is the same).
Each cycle reports its time, the details fetched, the messages parsed, notices written and warnings removed.

    .venv/bin/python bench/alerts_ingest.py                # 500 warnings, 5 repetitions per mode
    .venv/bin/python bench/alerts_ingest.py --smoke --json out.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from alerts.config import AlertsSettings
from alerts.crud.context import Ingest
from alerts.crud.feeds import FeedPoller
from alerts.district import gazetteer
from alerts.main import service
from alerts.models import Feed, WarningThread
from platformkit.db import Database
from platformkit.migrations import upgrade
from platformkit.tables import outbox


class Replay:
    """The stand-in for the NINA API: paths to bodies, an optional ETag on the list, a request count."""

    def __init__(self) -> None:
        self.bodies: dict[str, bytes] = {}
        self.etag: str | None = None
        self.requests: list[str] = []
        replay = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                replay.requests.append(self.path)
                body = replay.bodies.get(self.path)
                listing = self.path.endswith("mapData.json")
                if body is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if listing and replay.etag is not None and self.headers.get("If-None-Match") == replay.etag:
                    self.send_response(304)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                if listing and replay.etag is not None:
                    self.send_header("ETag", replay.etag)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"


def warning(index: int, now: datetime) -> dict[str, Any]:
    lat, lon = 52.95 + (index % 25) * 0.018, 13.35 + (index // 25) * 0.055
    ring = [[lon, lat], [lon + 0.05, lat], [lon + 0.05, lat + 0.015], [lon, lat + 0.015], [lon, lat]]
    identifier = f"mow.DE-BB-UM-BENCH-{index:04d}"
    return {
        "identifier": identifier, "sender": "DE-BB-UM-W001", "sent": now.isoformat(), "status": "Actual",
        "msgType": "Alert", "scope": "Public", "code": ["DVN:2"],
        "info": [{"language": "DE", "category": ["Safety"], "event": "Gefahreninformation", "severity": "Moderate",
                  "expires": (now + timedelta(days=2)).isoformat(), "headline": f"Gefahr {index}",
                  "description": "Bitte meiden Sie das Gebiet.<br/>Weitere Hinweise folgen.",
                  "parameter": [{"valueName": "warnVerwaltungsbereiche", "value": "120730000000"}],
                  "area": [{"areaDesc": "Uckermark", "geocode": [{"valueName": "AreaId", "value": "0"}]}]}],
    }, {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"warnId": identifier},
                                                    "geometry": {"type": "Polygon", "coordinates": [ring]}}]}


async def counts(db: Database) -> dict[str, int]:
    async with db.engine.connect() as connection:
        notices = (await connection.execute(
            select(func.count()).select_from(outbox).where(outbox.c.subject.like("alerts.notify.%")))).scalar_one()
        active = (await connection.execute(
            select(func.count()).select_from(WarningThread).where(WarningThread.state == "active"))).scalar_one()
    return {"notices": int(notices), "active": int(active)}


def summary(values: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(values), 2), "min": round(min(values), 2),
            "max": round(max(values), 2)}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="20 warnings, one repetition (what CI runs)")
    parser.add_argument("--warnings", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    size, repeat = (20, 1) if args.smoke else (args.warnings, args.repeat)
    url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='alerts-ingest-')) / 'alerts.db'}"
    upgrade(service, url)
    db = Database(url)
    replay = Replay()
    now = datetime.now(UTC).replace(microsecond=0)
    listing = [{"id": f"mow.DE-BB-UM-BENCH-{i:04d}", "version": 1, "severity": "Moderate"} for i in range(size)]
    for index in range(size):
        doc, shapes = warning(index, now)
        replay.bodies[f"/api31/warnings/{doc['identifier']}.json"] = json.dumps(doc).encode()
        replay.bodies[f"/api31/warnings/{doc['identifier']}.geojson"] = json.dumps(shapes).encode()
    replay.bodies["/api31/mowas/mapData.json"] = json.dumps(listing).encode()
    settings = AlertsSettings(database_url=url, oidc_issuer="http://127.0.0.1:9/x", feed_allowed_hosts=("127.0.0.1",),
                              environment="test")
    async with db.transaction() as session:
        feed = Feed(name="mowas", kind="nina_list", url=replay.url("/api31/mowas/mapData.json"), source="mowas")
        session.add(feed)
        await session.flush()
        feed_id = feed.id
    report: dict[str, Any] = {"benchmark": "alerts_ingest", "smoke": args.smoke, "warnings": size,
                              "environment": {"nproc": os.cpu_count(), "python": sys.version.split()[0],
                                              "kernel": platform.release(), "loadavg": os.getloadavg()[0]},
                              "modes": {}}
    async with httpx.AsyncClient() as http:
        async def cycle() -> dict[str, Any]:
            before, requests = await counts(db), len(replay.requests)
            started = time.perf_counter()
            result = await FeedPoller(db, http, Ingest(settings, gazetteer(settings), now)).poll(feed_id)
            elapsed = (time.perf_counter() - started) * 1000
            after = await counts(db)
            return {"ms": elapsed, "requests": len(replay.requests) - requests, "parsed": result.parsed,
                    "notices": after["notices"] - before["notices"], "active": after["active"],
                    "removed": result.removed, "outcome": result.outcome}

        first = await cycle()
        report["modes"]["initial"] = {**first, "ms": summary([first["ms"]])}
        print(f"RESULT initial    {first['ms']:8.1f} ms  requests {first['requests']:4}  parsed {first['parsed']:4}"
              f"  active {first['active']}")
        modes = {
            "etag": lambda: setattr(replay, "etag", '"v1"'),
            "same body": lambda: setattr(replay, "etag", None),
            "new etag": lambda: setattr(replay, "etag", f'"{time.monotonic_ns()}"'),
            "reordered": lambda: replay.bodies.__setitem__(
                "/api31/mowas/mapData.json", json.dumps(list(reversed(json.loads(
                    replay.bodies["/api31/mowas/mapData.json"])))).encode()),
        }
        for mode, prepare in modes.items():
            runs = []
            for _ in range(repeat + 1):
                prepare()
                runs.append(await cycle())
            runs = runs[1:]  # the first run of a mode primes its validators
            entry = {"ms": summary([r["ms"] for r in runs]), "requests": max(r["requests"] for r in runs),
                     "parsed": sum(r["parsed"] for r in runs), "notices": sum(r["notices"] for r in runs),
                     "removed": sum(r["removed"] for r in runs), "active": runs[-1]["active"],
                     "ratio_to_initial": round(statistics.median(r["ms"] for r in runs) / first["ms"], 4)}
            report["modes"][mode] = entry
            print(f"RESULT {mode:<10}{entry['ms']['median']:8.1f} ms  requests {entry['requests']:4}  parsed "
                  f"{entry['parsed']:4}  notices {entry['notices']}  removed {entry['removed']}  "
                  f"ratio {entry['ratio_to_initial']}")
    await db.dispose()
    replay.server.shutdown()
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
