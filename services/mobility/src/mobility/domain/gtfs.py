"""Reading a GTFS feed (a zip or a folder) into plain records, without I/O beyond the files themselves.

Tolerant of what real feeds do and the spec allows (a byte-order mark, no trailing newline, spaces around
headers, `H:MM:SS` times, gaps in `stop_sequence`, GTFS-Flex stop times with windows, the draft column
names `start_pickup_dropoff_window` of early Flex feeds); strict about what makes a feed wrong (a stop
time of an unknown trip or stop, a trip of an unknown route or service, a bad time or date): that raises
`GtfsFeedError` naming the file, line and column. Rows skipped on purpose are listed in the report."""

from __future__ import annotations

import csv
import dataclasses
import io
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mobility.domain.gtfstime import GtfsTimeError, parse_gtfs_time

REQUIRED_FILES = ("agency.txt", "stops.txt", "routes.txt", "trips.txt", "stop_times.txt")
MAX_FILE_BYTES = 200 * 1024 * 1024
Progress = Callable[[str, int], None]


class GtfsFeedError(ValueError):
    """The feed is broken; `where` is `file:line` (or the file), `column` the column concerned."""

    def __init__(self, where: str, message: str, column: str | None = None) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message
        self.column = column


@dataclass(frozen=True, slots=True)
class GtfsStop:
    stop_id: str
    name: str
    lat: float | None
    lon: float | None
    # yes | no | unknown (an empty wheelchair_boarding is unknown, never "no")
    wheelchair: str
    location_type: int
    parent_station: str | None


@dataclass(frozen=True, slots=True)
class GtfsRoute:
    route_id: str
    short_name: str
    long_name: str
    route_type: int


@dataclass(frozen=True, slots=True)
class GtfsTrip:
    trip_id: str
    route_id: str
    service_id: str
    direction_id: int | None
    headsign: str


@dataclass(frozen=True, slots=True)
class GtfsStopTime:
    trip_id: str
    stop_sequence: int
    stop_id: str
    arrival: int
    departure: int
    shape_dist: float | None


@dataclass(frozen=True, slots=True)
class GtfsCalendar:
    service_id: str
    weekdays: tuple[bool, bool, bool, bool, bool, bool, bool]
    start: date
    end: date


@dataclass(frozen=True, slots=True)
class GtfsFrequency:
    trip_id: str
    start: int
    end: int
    headway: int


@dataclass
class ImportReport:
    counts: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def skip(self, where: str, reason: str) -> None:
        self.skipped.append(f"{where}: {reason}")


@dataclass
class GtfsFeed:
    timezone: str
    stops: dict[str, GtfsStop]
    routes: dict[str, GtfsRoute]
    trips: dict[str, GtfsTrip]
    stop_times: list[GtfsStopTime]
    calendars: dict[str, GtfsCalendar]
    # (service_id, date) -> 1 added / 2 removed
    calendar_dates: dict[tuple[str, date], int]
    frequencies: list[GtfsFrequency]
    report: ImportReport


class _Source:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.zip = zipfile.ZipFile(path) if path.is_file() else None

    def names(self) -> set[str]:
        if self.zip is not None:
            return {Path(name).name for name in self.zip.namelist() if not name.endswith("/")}
        return {p.name for p in self.path.iterdir() if p.is_file()}

    def read(self, name: str) -> bytes:
        if self.zip is not None:
            member = next(m for m in self.zip.infolist() if Path(m.filename).name == name)
            if member.file_size > MAX_FILE_BYTES:
                raise GtfsFeedError(name, "file too large")
            return self.zip.read(member)
        return (self.path / name).read_bytes()


def _rows(source: _Source, name: str, progress: Progress | None) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        text = source.read(name).decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise GtfsFeedError(name, "not UTF-8") from error
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [column.strip() for column in next(reader, [])]
    for number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if progress is not None and number % 5000 == 0:
            progress(name, number)
        yield number, {column: (row[i].strip() if i < len(row) else "") for i, column in enumerate(header)}
    if progress is not None:
        progress(name, -1)


def _need(row: Mapping[str, str], column: str, where: str) -> str:
    value = row.get(column, "")
    if not value:
        raise GtfsFeedError(where, f"{column} is missing", column)
    return value


def _float(value: str, where: str, column: str) -> float | None:
    if not value:
        return None
    try:
        return float(value)
    except ValueError as error:
        raise GtfsFeedError(where, f"{column} is not a number: {value!r}", column) from error


def _int(value: str, where: str, column: str, default: int | None = None) -> int | None:
    if not value:
        return default
    try:
        return int(value)
    except ValueError as error:
        raise GtfsFeedError(where, f"{column} is not an integer: {value!r}", column) from error


def _date(value: str, where: str, column: str) -> date:
    try:
        return datetime.strptime(value, "%Y%m%d").date()
    except ValueError as error:
        raise GtfsFeedError(where, f"{column} is not a date (YYYYMMDD): {value!r}", column) from error


def _time(value: str, where: str, column: str) -> int:
    try:
        return parse_gtfs_time(value)
    except GtfsTimeError as error:
        raise GtfsFeedError(where, str(error), column) from error


WHEELCHAIR = {"": "unknown", "0": "unknown", "1": "yes", "2": "no"}
FLEX_WINDOW_COLUMNS = (
    ("start_pickup_drop_off_window", "end_pickup_drop_off_window"),
    ("start_pickup_dropoff_window", "end_pickup_dropoff_window"),  # draft spelling (bbnavi)
)


def read_feed(path: str | Path, progress: Progress | None = None) -> GtfsFeed:
    source = _Source(Path(path))
    names = source.names()
    missing = [name for name in REQUIRED_FILES if name not in names]
    if missing:
        raise GtfsFeedError(missing[0], "required file is missing")
    if "calendar.txt" not in names and "calendar_dates.txt" not in names:
        raise GtfsFeedError("calendar.txt", "a feed needs calendar.txt or calendar_dates.txt")
    report = ImportReport()

    timezone = ""
    for number, row in _rows(source, "agency.txt", progress):
        zone = _need(row, "agency_timezone", f"agency.txt:{number}")
        if timezone and zone != timezone:
            raise GtfsFeedError(f"agency.txt:{number}", "all agencies must share one time zone", "agency_timezone")
        timezone = zone
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise GtfsFeedError("agency.txt", f"unknown time zone {timezone!r}", "agency_timezone") from error

    stops: dict[str, GtfsStop] = {}
    for number, row in _rows(source, "stops.txt", progress):
        where = f"stops.txt:{number}"
        stop_id = _need(row, "stop_id", where)
        location_type = _int(row.get("location_type", ""), where, "location_type", 0) or 0
        lat = _float(row.get("stop_lat", ""), where, "stop_lat")
        lon = _float(row.get("stop_lon", ""), where, "stop_lon")
        if location_type in (0, 1, 2) and (lat is None or lon is None):
            raise GtfsFeedError(where, "stop_lat/stop_lon are required for stops and stations", "stop_lat")
        wheelchair = WHEELCHAIR.get(row.get("wheelchair_boarding", ""))
        if wheelchair is None:
            raise GtfsFeedError(where, "wheelchair_boarding must be empty, 0, 1 or 2", "wheelchair_boarding")
        stops[stop_id] = GtfsStop(
            stop_id=stop_id, name=row.get("stop_name", "") or stop_id, lat=lat, lon=lon, wheelchair=wheelchair,
            location_type=location_type, parent_station=row.get("parent_station") or None,
        )
    orphans = [stop for stop in stops.values() if stop.parent_station and stop.parent_station not in stops]
    for stop in orphans:
        # Real feeds cut out of a bigger one keep their stations' ids (bbnavi): the stop is fine without it.
        stops[stop.stop_id] = dataclasses.replace(stop, parent_station=None)
    if orphans:
        report.notes.append(f"{len(orphans)} stops name a parent_station that is not in the feed: ignored")
    report.counts["stops"] = len(stops)
    unknown = sum(1 for s in stops.values() if s.location_type == 0 and s.wheelchair == "unknown")
    if unknown:
        report.notes.append(f"{unknown} stops have no wheelchair_boarding: kept as unknown")

    location_groups: set[str] = set()
    if "location_groups.txt" in names:
        for number, row in _rows(source, "location_groups.txt", progress):
            group = _need(row, "location_group_id", f"location_groups.txt:{number}")
            member = row.get("location_id") or row.get("stop_id") or ""
            if member and member not in stops:
                raise GtfsFeedError(f"location_groups.txt:{number}", f"unknown stop {member!r}", "location_id")
            location_groups.add(group)
        report.counts["location_groups"] = len(location_groups)

    routes: dict[str, GtfsRoute] = {}
    for number, row in _rows(source, "routes.txt", progress):
        where = f"routes.txt:{number}"
        route_id = _need(row, "route_id", where)
        routes[route_id] = GtfsRoute(
            route_id=route_id, short_name=row.get("route_short_name", ""), long_name=row.get("route_long_name", ""),
            route_type=_int(_need(row, "route_type", where), where, "route_type") or 0,
        )
    report.counts["routes"] = len(routes)

    calendars: dict[str, GtfsCalendar] = {}
    if "calendar.txt" in names:
        days = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        for number, row in _rows(source, "calendar.txt", progress):
            where = f"calendar.txt:{number}"
            service_id = _need(row, "service_id", where)
            flags = []
            for day in days:
                value = row.get(day, "")
                if value not in ("0", "1"):
                    raise GtfsFeedError(where, f"{day} must be 0 or 1", day)
                flags.append(value == "1")
            calendars[service_id] = GtfsCalendar(
                service_id=service_id, weekdays=(flags[0], flags[1], flags[2], flags[3], flags[4], flags[5], flags[6]),
                start=_date(_need(row, "start_date", where), where, "start_date"),
                end=_date(_need(row, "end_date", where), where, "end_date"),
            )
    calendar_dates: dict[tuple[str, date], int] = {}
    if "calendar_dates.txt" in names:
        for number, row in _rows(source, "calendar_dates.txt", progress):
            where = f"calendar_dates.txt:{number}"
            kind = _need(row, "exception_type", where)
            if kind not in ("1", "2"):
                raise GtfsFeedError(where, "exception_type must be 1 or 2", "exception_type")
            exception_day = _date(_need(row, "date", where), where, "date")
            calendar_dates[(_need(row, "service_id", where), exception_day)] = int(kind)
    services = set(calendars) | {service for service, _day in calendar_dates}
    report.counts["services"] = len(services)
    report.counts["calendar_dates"] = len(calendar_dates)

    trips: dict[str, GtfsTrip] = {}
    for number, row in _rows(source, "trips.txt", progress):
        where = f"trips.txt:{number}"
        trip_id = _need(row, "trip_id", where)
        route_id = _need(row, "route_id", where)
        service_id = _need(row, "service_id", where)
        if route_id not in routes:
            raise GtfsFeedError(where, f"unknown route {route_id!r}", "route_id")
        if service_id not in services:
            raise GtfsFeedError(where, f"unknown service {service_id!r}", "service_id")
        direction = _int(row.get("direction_id", ""), where, "direction_id")
        trips[trip_id] = GtfsTrip(
            trip_id=trip_id, route_id=route_id, service_id=service_id, direction_id=direction,
            headsign=row.get("trip_headsign", ""),
        )
    report.counts["trips"] = len(trips)

    stop_times: list[GtfsStopTime] = []
    flex_windows = 0
    draft_columns = False
    for number, row in _rows(source, "stop_times.txt", progress):
        where = f"stop_times.txt:{number}"
        trip_id = _need(row, "trip_id", where)
        if trip_id not in trips:
            raise GtfsFeedError(where, f"unknown trip {trip_id!r}", "trip_id")
        stop_id = _need(row, "stop_id", where) if "stop_id" in row else row.get("location_group_id", "")
        if stop_id not in stops and stop_id not in location_groups:
            raise GtfsFeedError(where, f"unknown stop {stop_id!r}", "stop_id")
        sequence = _int(_need(row, "stop_sequence", where), where, "stop_sequence") or 0
        arrival_text, departure_text = row.get("arrival_time", ""), row.get("departure_time", "")
        window = next(
            ((row.get(start, ""), row.get(end, ""), start) for start, end in FLEX_WINDOW_COLUMNS
             if row.get(start) or row.get(end)),
            None,
        )
        if window is not None:
            start, end, column = window
            if not start or not end:
                raise GtfsFeedError(where, "a pickup/drop-off window needs its start and end", column)
            _time(start, where, column)
            _time(end, where, column)
            draft_columns = draft_columns or column == "start_pickup_dropoff_window"
            flex_windows += 1
            report.skip(where, f"flex window {start}-{end} of trip {trip_id} (on demand, no fixed time)")
            continue
        if not arrival_text and not departure_text:
            # A timepoint-less intermediate stop: interpolation is left to the trip planner.
            report.skip(where, "no arrival/departure time (untimed stop)")
            continue
        arrival = _time(arrival_text or departure_text, where, "arrival_time")
        departure = _time(departure_text or arrival_text, where, "departure_time")
        if departure < arrival:
            raise GtfsFeedError(where, "departure_time is before arrival_time", "departure_time")
        stop_times.append(GtfsStopTime(
            trip_id=trip_id, stop_sequence=sequence, stop_id=stop_id, arrival=arrival, departure=departure,
            shape_dist=_float(row.get("shape_dist_traveled", ""), where, "shape_dist_traveled"),
        ))
    stop_times.sort(key=lambda st: (st.trip_id, st.stop_sequence))
    for previous, current in zip(stop_times, stop_times[1:], strict=False):
        if previous.trip_id == current.trip_id:
            if previous.stop_sequence == current.stop_sequence:
                raise GtfsFeedError("stop_times.txt", f"trip {current.trip_id}: stop_sequence "
                                    f"{current.stop_sequence} twice", "stop_sequence")
            if current.arrival < previous.departure:
                raise GtfsFeedError("stop_times.txt", f"trip {current.trip_id}: time goes backwards at "
                                    f"stop_sequence {current.stop_sequence}", "arrival_time")
    report.counts["stop_times"] = len(stop_times)
    if flex_windows:
        report.counts["flex_windows"] = flex_windows
    if draft_columns:
        report.notes.append("stop_times.txt uses the draft GTFS-Flex names start/end_pickup_dropoff_window; "
                            "read as start/end_pickup_drop_off_window")

    frequencies: list[GtfsFrequency] = []
    if "frequencies.txt" in names:
        for number, row in _rows(source, "frequencies.txt", progress):
            where = f"frequencies.txt:{number}"
            trip_id = _need(row, "trip_id", where)
            if trip_id not in trips:
                raise GtfsFeedError(where, f"unknown trip {trip_id!r}", "trip_id")
            headway = _int(_need(row, "headway_secs", where), where, "headway_secs") or 0
            if headway <= 0:
                raise GtfsFeedError(where, "headway_secs must be positive", "headway_secs")
            frequencies.append(GtfsFrequency(
                trip_id=trip_id, start=_time(_need(row, "start_time", where), where, "start_time"),
                end=_time(_need(row, "end_time", where), where, "end_time"), headway=headway,
            ))
        report.counts["frequencies"] = len(frequencies)
    for name in sorted(names - {"agency.txt", "stops.txt", "routes.txt", "trips.txt", "stop_times.txt",
                                "calendar.txt", "calendar_dates.txt", "frequencies.txt", "location_groups.txt"}):
        report.notes.append(f"{name} is not used by the mobility service")
    return GtfsFeed(
        timezone=timezone, stops=stops, routes=routes, trips=trips, stop_times=stop_times, calendars=calendars,
        calendar_dates=calendar_dates, frequencies=frequencies, report=report,
    )


def active_services(calendars: Mapping[str, GtfsCalendar], calendar_dates: Mapping[tuple[str, date], int],
                    day: date) -> set[str]:
    """The service ids running on `day`: the weekly calendar within its dates, then the exceptions
    (1 adds the service on that date, 2 removes it)."""
    running = {
        service_id for service_id, calendar in calendars.items()
        if calendar.start <= day <= calendar.end and calendar.weekdays[day.weekday()]
    }
    for (service_id, exception_day), kind in calendar_dates.items():
        if exception_day == day:
            if kind == 1:
                running.add(service_id)
            else:
                running.discard(service_id)
    return running


def trip_departures(first_departure: int, trip_id: str, frequencies: list[GtfsFrequency]) -> list[int]:
    """The GTFS departure times of a trip from its first stop: its own time, or one per headway within
    each frequencies window (start inclusive, end exclusive) when the trip is frequency-based."""
    windows = [f for f in frequencies if f.trip_id == trip_id]
    if not windows:
        return [first_departure]
    times: list[int] = []
    for window in sorted(windows, key=lambda f: f.start):
        moment = window.start
        while moment < window.end:
            times.append(moment)
            moment += window.headway
    return times
