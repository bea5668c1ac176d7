"""Importing the fixture feeds over HTTP (as the desk), the report, the expansion for given dates, and a
corridor made from a scheduled trip whose buses suppress nearby ride slots."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import httpx
from mobility_testkit import Mobility

from mobility.domain import gtfs

FIXTURES = Path(__file__).resolve().parents[4] / "tests" / "fixtures" / "mobility"


def zipped(folder: Path, drop: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.iterdir()):
            if path.name != drop:
                archive.write(path, path.name)
    return buffer.getvalue()


async def upload(m: Mobility, feed_id: str, data: bytes, headers: dict[str, str] | None = None) -> httpx.Response:
    return await m.http.post("/network/feeds", params={"feed_id": feed_id, "name": feed_id}, content=data,
                             headers={**(headers or m.desk().headers), "Content-Type": "application/zip"})


async def test_both_fixture_feeds_import_and_expand_as_the_feeds_say(mobility: Mobility) -> None:
    m = mobility
    good = await upload(m, "good", zipped(FIXTURES / "transitfeed-good-feed"))
    assert good.status_code == 201, good.text
    assert good.json()["report"]["counts"]["trips"] == 11
    flex = await upload(m, "bbnavi", zipped(FIXTURES / "bbnavi-uckermark-rufbus-flex"))
    assert flex.status_code == 201, flex.text
    report = flex.json()["report"]
    assert report["counts"]["flex_windows"] == 8 and report["skipped_total"] == 8
    assert report["counts"]["stops_in_ortsteile"] > 40  # the RufBus stops lie in the gazetteer's villages
    tuesday = (await m.http.get("/network/feeds/good/service-days/2024-06-04")).json()
    assert tuesday["services"] == ["FULLW"]
    assert len(tuesday["trips"]) == 4 + 52 + 52 + 32  # AB1, AB2, BFC1, BFC2 + CITY1 + CITY2 + STBA
    assert tuesday["trips"][0]["local"] == "2024-06-04T06:00:00-07:00"  # the feed's own time zone
    saturday = (await m.http.get("/network/feeds/good/service-days/2024-06-08")).json()
    assert saturday["services"] == ["FULLW", "WE"] and len(saturday["trips"]) == 140 + 4
    assert (await m.http.get("/network/feeds/good/service-days/2026-06-04")).json()["trips"] == []
    holiday = (await m.http.get("/network/feeds/bbnavi/service-days/2023-10-31")).json()
    assert holiday["services"] == ["flex-weekends"]
    assert (await m.http.get("/network/feeds/bbnavi/service-days/2026-10-31")).json()["services"] == []
    stops = (await m.http.get("/network/stops", params={"q": "Greiffenberg", "feed_id": "bbnavi"})).json()
    assert "ot-angermuende-greiffenberg" in {s["ortsteil_id"] for s in stops}
    assert {s["wheelchair"] for s in stops} <= {"yes", "unknown"}


async def test_broken_feeds_are_refused_with_the_place_and_change_nothing(mobility: Mobility) -> None:
    m = mobility
    assert (await upload(m, "good", zipped(FIXTURES / "transitfeed-good-feed"))).status_code == 201
    missing = await upload(m, "good", zipped(FIXTURES / "transitfeed-good-feed", drop="trips.txt"))
    assert missing.status_code == 422 and missing.json()["code"] == "GTFS_INVALID"
    assert missing.json()["errors"][0]["field"] == "trips.txt"
    assert (await m.http.get("/network/feeds/good")).json()["report"]["counts"]["trips"] == 11
    not_zip = await upload(m, "x", b"route_id,agency_id\n")
    assert not_zip.status_code == 415
    garbage = await upload(m, "x", b"PK\x03\x04garbage")
    assert garbage.status_code == 422 and garbage.json()["code"] == "GTFS_INVALID"
    resident = await upload(m, "x", zipped(FIXTURES / "transitfeed-good-feed"), headers=m.person().headers)
    assert resident.status_code == 403


async def test_corridor_from_a_trip_suppresses_slots_near_its_buses(mobility: Mobility) -> None:
    m = mobility
    assert (await upload(m, "good", zipped(FIXTURES / "transitfeed-good-feed"))).status_code == 201
    created = await m.http.post("/network/corridors", headers=m.desk().headers, json={
        "id": "airport-bullfrog", "feed_id": "good", "name": "Airport – Bullfrog", "trip_id": "AB1",
        "first_slot": "06:00:00", "last_slot": "10:00:00", "interval_minutes": 30})
    assert created.status_code == 201, created.text
    assert [s["offset_minutes"] for s in created.json()["stops"]] == [0, 10]
    slots = [s["slot"] for s in (await m.http.get("/network/corridors/airport-bullfrog/slots/2024-06-04")).json()]
    # The 08:00 bus from the airport: no ride slot 15 min after to 45 min before it (07:30, 08:00).
    assert slots == ["06:00:00", "06:30:00", "07:00:00", "08:30:00", "09:00:00", "09:30:00", "10:00:00"]
    weekend_off = await m.http.get("/network/corridors/airport-bullfrog/slots/2007-06-04")
    assert len(weekend_off.json()) == 9  # the service is removed that day: no bus, every slot


async def test_the_open_data_export_is_a_gtfs_flex_feed_our_own_reader_accepts(
    mobility: Mobility, tmp_path: Path
) -> None:
    m = mobility
    await m.line(first=7 * 3600, last=9 * 3600, interval=3600)
    await m.line(corridor_id="no-taxi", seats_per_slot=0, wheelchair_places=0)
    export = await m.http.get("/opendata/gtfs-flex.zip")
    assert export.status_code == 200 and export.headers["content-type"] == "application/zip"
    path = tmp_path / "export.zip"
    path.write_bytes(export.content)
    feed = gtfs.read_feed(path)
    assert set(feed.routes) == {"line"}  # only corridors with a guarantee are published
    assert len(feed.trips) == 3 * 7  # three slots a day, the next seven days
    first = [st for st in feed.stop_times if st.trip_id == sorted(feed.trips)[0]]
    assert [st.departure - first[0].departure for st in first] == [0, 900, 1320, 1800, 2400]
    with zipfile.ZipFile(path) as archive:
        rules = archive.read("booking_rules.txt").decode()
        stop_times = archive.read("stop_times.txt").decode().splitlines()
    assert rules.splitlines()[1].startswith("notice,1,60,")
    assert stop_times[1].endswith(",2,2,notice,notice")  # booking required, by the rule


def test_the_command_line_import_shows_progress_and_refuses_a_broken_feed(sqlite_database_url: str,
                                                                         tmp_path: Path) -> None:
    import os
    import shutil
    import subprocess
    import sys

    from mobility.main import service
    from platformkit.migrations import upgrade

    upgrade(service, sqlite_database_url)
    env = {**os.environ, "DATABASE_URL": sqlite_database_url}
    command = [sys.executable, "-m", "mobility.import_feed", "good"]
    done = subprocess.run([*command, str(FIXTURES / "transitfeed-good-feed")], capture_output=True, text=True,
                          env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "stop_times.txt: done" in done.stderr and '"trips": 11' in done.stdout
    broken = tmp_path / "broken"
    shutil.copytree(FIXTURES / "transitfeed-good-feed", broken)
    (broken / "routes.txt").unlink()
    done = subprocess.run([*command, str(broken)], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 1 and "routes.txt" in done.stderr
