"""The GTFS reader on the two real fixture feeds and on broken copies of them."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from mobility.domain import gtfs
from mobility.domain.gtfstime import format_gtfs_time, parse_gtfs_time

FIXTURES = Path(__file__).resolve().parents[4] / "tests" / "fixtures" / "mobility"
GOOD = FIXTURES / "transitfeed-good-feed"
FLEX = FIXTURES / "bbnavi-uckermark-rufbus-flex"


def test_good_feed_reads_despite_its_quirks() -> None:
    feed = gtfs.read_feed(GOOD)
    assert feed.timezone == "America/Los_Angeles"
    assert feed.routes["CITY"].short_name == "Ō"
    assert len(feed.stops) == 10 and len(feed.trips) == 11
    city1 = [st for st in feed.stop_times if st.trip_id == "CITY1"]
    assert [st.stop_sequence for st in city1] == [0, 5, 10, 15, 20]  # gaps kept, order by sequence
    assert city1[0].departure == 6 * 3600  # "6:00:00"
    assert feed.calendar_dates == {("FULLW", date(2007, 6, 4)): 2}  # last line without a newline
    assert len(feed.frequencies) == 11
    assert feed.stops["BEATTY_AIRPORT"].parent_station == "BEATTY_AIRPORT_STATION"
    assert any("fare_rules.txt" in note for note in feed.report.notes)


def test_good_feed_expansion_matches_the_feed() -> None:
    feed = gtfs.read_feed(GOOD)
    assert gtfs.active_services(feed.calendars, feed.calendar_dates, date(2024, 6, 4)) == {"FULLW"}
    assert gtfs.active_services(feed.calendars, feed.calendar_dates, date(2024, 6, 8)) == {"FULLW", "WE"}
    assert gtfs.active_services(feed.calendars, feed.calendar_dates, date(2007, 6, 4)) == set()  # removed
    assert gtfs.active_services(feed.calendars, feed.calendar_dates, date(2026, 6, 4)) == set()  # ended 2025
    city = gtfs.trip_departures(6 * 3600, "CITY1", feed.frequencies)
    # 6-8 every 30 min, 8-10 every 10, 10-16 every 30, 16-19 every 10, 19-22 every 30; window ends exclusive.
    assert len(city) == 4 + 12 + 12 + 18 + 6
    assert format_gtfs_time(city[3]) == "07:30:00" and format_gtfs_time(city[4]) == "08:00:00"
    assert format_gtfs_time(city[-1]) == "21:30:00"
    assert gtfs.trip_departures(8 * 3600, "AB1", feed.frequencies) == [8 * 3600]


def test_flex_feed_reads_draft_windows_and_keeps_unknown_accessibility() -> None:
    feed = gtfs.read_feed(FLEX)
    assert feed.timezone == "Europe/Berlin"
    assert len(feed.stops) == 378
    wheelchair = [s.wheelchair for s in feed.stops.values()]
    assert wheelchair.count("yes") == 22 and wheelchair.count("unknown") == 356 and "no" not in wheelchair
    assert feed.stop_times == []  # every stop time is a pickup/drop-off window
    assert feed.report.counts["flex_windows"] == 8
    assert any("draft" in note for note in feed.report.notes)
    assert len(feed.report.skipped) == 8
    assert feed.trips["flex-476-weekdays"].service_id == "flex-weekdays"


def test_flex_feed_holidays_swap_weekday_for_weekend_service() -> None:
    feed = gtfs.read_feed(FLEX)
    assert gtfs.active_services(feed.calendars, feed.calendar_dates, date(2023, 10, 31)) == {"flex-weekends"}
    assert gtfs.active_services(feed.calendars, feed.calendar_dates, date(2023, 10, 30)) == {"flex-weekdays"}
    assert gtfs.active_services(feed.calendars, feed.calendar_dates, date(2026, 10, 31)) == set()


def _broken_copy(tmp_path: Path, name: str, old: str, new: str) -> Path:
    target = tmp_path / "feed"
    shutil.copytree(GOOD, target)
    path = target / name
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    return target


@pytest.mark.parametrize(
    ("name", "old", "new", "where", "column"),
    [
        ("stop_times.txt", "STBA,6:20:00,6:20:00,BEATTY_AIRPORT", "STBA,6:20:00,6:20:00,NOWHERE",
         "stop_times.txt:3", "stop_id"),
        ("stop_times.txt", "CITY1,6:00:00", "GHOST,6:00:00", "stop_times.txt:4", "trip_id"),
        ("trips.txt", "AB,FULLW,AB1", "AB,NEVER,AB1", "trips.txt:2", "service_id"),
        ("stop_times.txt", "AB1,8:10:00", "AB1,8:1x:00", "stop_times.txt:15", "arrival_time"),
        ("calendar.txt", "20070101", "2007-01-01", "calendar.txt:2", "start_date"),
    ],
)
def test_broken_references_are_refused_with_their_place(tmp_path: Path, name: str, old: str, new: str,
                                                         where: str, column: str) -> None:
    with pytest.raises(gtfs.GtfsFeedError) as caught:
        gtfs.read_feed(_broken_copy(tmp_path, name, old, new))
    assert (caught.value.where, caught.value.column) == (where, column)


def test_a_missing_required_file_is_named(tmp_path: Path) -> None:
    target = tmp_path / "feed"
    shutil.copytree(GOOD, target)
    (target / "stops.txt").unlink()
    with pytest.raises(gtfs.GtfsFeedError, match="stops.txt"):
        gtfs.read_feed(target)


def test_gtfs_times() -> None:
    assert parse_gtfs_time("6:00:00") == 21600
    assert parse_gtfs_time("24:12:00") == 87120
    assert format_gtfs_time(87120) == "24:12:00"
    for bad in ("6:0:00", "ab", "7:60:00", ""):
        with pytest.raises(ValueError):
            parse_gtfs_time(bad)
