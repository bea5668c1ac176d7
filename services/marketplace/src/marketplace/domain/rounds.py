"""Order cut-offs (Bestellschluss) are given in Europe/Berlin wall time and stored as UTC instants,
so that a Saturday-18:00 cut-off is 16:00Z in summer time and 17:00Z in winter time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DISTRICT_ZONE = ZoneInfo("Europe/Berlin")


def wall_time_to_utc(day: date, at: time, zone: ZoneInfo = DISTRICT_ZONE) -> datetime:
    """The UTC instant of a local wall time. A time skipped by the spring change is taken after the gap
    (fold=0 then normalised); a time that happens twice in autumn is its first occurrence."""
    local = datetime.combine(day, at, tzinfo=zone)
    # Round-trip through UTC normalises a non-existent local time (it moves forward by the gap).
    return local.astimezone(UTC)


def cutoff_for(delivery_date: date, *, days_before: int, at: time, zone: ZoneInfo = DISTRICT_ZONE) -> datetime:
    """The cut-off of a round delivering on `delivery_date`: `days_before` days earlier at `at` local time."""
    return wall_time_to_utc(delivery_date - timedelta(days=days_before), at, zone)


def weekly_dates(weekday: int, start: date, count: int) -> list[date]:
    """The next `count` dates falling on `weekday` (Monday = 0), from `start` on."""
    first = start + timedelta(days=(weekday - start.weekday()) % 7)
    return [first + timedelta(weeks=n) for n in range(count)]
