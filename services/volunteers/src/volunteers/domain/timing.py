"""Local wall time (Europe/Berlin) to UTC and back, DST-correct: a local time in the spring gap does not
exist and is refused; one that happens twice in autumn must say which; weekly series keep their local time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

ZONE = "Europe/Berlin"


class Occurrence(StrEnum):
    FIRST = "first"  # the earlier of the two (summer time)
    SECOND = "second"  # the later (winter time)


class LocalTimeError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _round_trips(local: datetime) -> bool:
    return local.astimezone(UTC).astimezone(local.tzinfo).replace(tzinfo=None) == local.replace(tzinfo=None)


def to_utc(wall: datetime, zone: str = ZONE, occurrence: Occurrence | None = None) -> datetime:
    """The instant of a naive local wall time. Raises LocalTimeError LOCAL_TIME_DOES_NOT_EXIST (spring
    gap) or LOCAL_TIME_AMBIGUOUS (autumn, no `occurrence` given)."""
    if wall.tzinfo is not None:
        raise ValueError("to_utc takes a wall-clock time without an offset")
    tz = ZoneInfo(zone)
    first, second = wall.replace(tzinfo=tz, fold=0), wall.replace(tzinfo=tz, fold=1)
    if not _round_trips(first):
        raise LocalTimeError(
            "LOCAL_TIME_DOES_NOT_EXIST", f"{wall:%d.%m.%Y %H:%M} does not exist in {zone} (the clocks go forward)."
        )
    if first.utcoffset() != second.utcoffset():
        if occurrence is None:
            raise LocalTimeError(
                "LOCAL_TIME_AMBIGUOUS",
                f"{wall:%d.%m.%Y %H:%M} happens twice in {zone} (the clocks go back): say first or second.",
            )
        chosen = first if occurrence is Occurrence.FIRST else second
        return chosen.astimezone(UTC)
    return first.astimezone(UTC)


def local_days(first: date | None, last: date | None, zone: str = ZONE) -> tuple[datetime | None, datetime | None]:
    """The instants [start, end) of the local days `first` to `last`, both included (None: open on that
    side); a day is 23 or 25 hours long when the clocks change. Midnight always exists in Europe/Berlin."""
    start = to_utc(datetime.combine(first, time()), zone) if first else None
    end = to_utc(datetime.combine(last + timedelta(days=1), time()), zone) if last else None
    return start, end


def local(instant: datetime, zone: str = ZONE) -> datetime:
    return instant.astimezone(ZoneInfo(zone))


def format_span(start: datetime, end: datetime, zone: str = ZONE) -> str:
    """'22:00 – 06:00 (+1 Tag)' in local time."""
    a, b = local(start, zone), local(end, zone)
    days = (b.date() - a.date()).days
    suffix = "" if days == 0 else f" (+{days} Tag)" if days == 1 else f" (+{days} Tage)"
    return f"{a:%H:%M} – {b:%H:%M}{suffix}"


def weekly_occurrences(
    weekday: int,
    local_start: time,
    local_end: time,
    valid_from: date,
    valid_until: date | None,
    horizon_end: date,
    zone: str = ZONE,
) -> Iterator[tuple[date, datetime, datetime]]:
    """(local date, start UTC, end UTC) of every occurrence from `valid_from` to the earlier of
    `valid_until` and `horizon_end`. Each keeps its local wall time across DST changes. An end at or
    before the start means the next day. A start in the spring gap moves forward by the gap (as the
    platform scheduler does); an ambiguous one takes its first occurrence."""
    tz = ZoneInfo(zone)
    last = min(valid_until, horizon_end) if valid_until else horizon_end
    day = valid_from + timedelta(days=(weekday - valid_from.weekday()) % 7)
    while day <= last:
        end_day = day if local_end > local_start else day + timedelta(days=1)
        start = datetime.combine(day, local_start, tzinfo=tz).astimezone(UTC)
        end = datetime.combine(end_day, local_end, tzinfo=tz).astimezone(UTC)
        yield day, start, end
        day += timedelta(days=7)


def local_slot(start: datetime, end: datetime, zone: str = ZONE) -> tuple[int, int, int]:
    """(weekday, start minute, end minute) of a shift in local time, the end counted from the start's
    midnight (beyond 1440 when it ends the next day): what availability windows are compared with."""
    a, b = local(start, zone), local(end, zone)
    days = (b.date() - a.date()).days
    return a.weekday(), a.hour * 60 + a.minute, days * 1440 + b.hour * 60 + b.minute


def parse_hhmm(value: str) -> time:
    hours, _, minutes = value.partition(":")
    return time(int(hours), int(minutes))
