"""GTFS time semantics, exactly: a stop time is seconds counted from "noon minus 12 h" of the service day in
the feed's time zone, so that 25:10:00 is the next morning and, on the days the clocks change, 00:00 of the
service day is not local midnight (spring forward: GTFS 02:30 on 2026-03-29 is 01:30 CET; fall back: GTFS
01:30 and 02:30 on 2026-10-25 are 02:30 CEST and 02:30 CET, two instants with the same wall label)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")
_TIME = re.compile(r"^\s*(\d{1,3}):([0-5]\d):([0-5]\d)\s*$")


class GtfsTimeError(ValueError):
    pass


def parse_gtfs_time(text: str) -> int:
    """'6:00:00' or '24:12:00' → seconds after noon − 12 h (one-digit hours and hours past 24 allowed)."""
    match = _TIME.match(text)
    if match is None:
        raise GtfsTimeError(f"not a GTFS time (H:MM:SS): {text!r}")
    hours, minutes, seconds = (int(part) for part in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def format_gtfs_time(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def service_day_origin(service_date: date, zone: ZoneInfo = BERLIN) -> datetime:
    """The instant GTFS times of `service_date` count from: local noon minus 12 hours (noon always exists)."""
    noon = datetime.combine(service_date, time(12, 0), tzinfo=zone)
    return noon.astimezone(UTC) - timedelta(hours=12)


def gtfs_instant(service_date: date, seconds: int, zone: ZoneInfo = BERLIN) -> datetime:
    """The UTC instant of GTFS time `seconds` on `service_date`."""
    return service_day_origin(service_date, zone) + timedelta(seconds=seconds)


def gtfs_seconds(service_date: date, instant: datetime, zone: ZoneInfo = BERLIN) -> int:
    """The inverse of gtfs_instant: seconds of `instant` counted on `service_date`'s GTFS clock."""
    return int((instant - service_day_origin(service_date, zone)).total_seconds())


def local_wall_instant(day: date, wall: time, zone: ZoneInfo = BERLIN) -> datetime | None:
    """The UTC instant of a local wall time on a day, or None when that wall time does not exist (the
    spring-forward gap). A wall time that happens twice (fall back) is its first occurrence."""
    candidate = datetime.combine(day, wall, tzinfo=zone).replace(fold=0)
    instant = candidate.astimezone(UTC)
    back = instant.astimezone(zone)
    if (back.hour, back.minute, back.second) != (wall.hour, wall.minute, wall.second) or back.date() != day:
        return None
    return instant


def local_label(instant: datetime, zone: ZoneInfo = BERLIN) -> str:
    """An offset-qualified local time (ISO 8601), e.g. 2026-10-25T02:30:00+01:00: unambiguous on DST days."""
    return instant.astimezone(zone).isoformat()


def service_dates_around(instant: datetime, zone: ZoneInfo = BERLIN, *, max_span_hours: int = 30) -> list[date]:
    """The service dates whose GTFS clock may still be running at `instant` (a trip of yesterday's
    service day may depart after midnight: times up to `max_span_hours`)."""
    local_day = instant.astimezone(zone).date()
    days = []
    for back in range(max_span_hours // 24 + 1, -1, -1):
        day = local_day - timedelta(days=back)
        if gtfs_seconds(day, instant, zone) <= max_span_hours * 3600:
            days.append(day)
    return [day for day in days if gtfs_seconds(day, instant, zone) >= -12 * 3600]
