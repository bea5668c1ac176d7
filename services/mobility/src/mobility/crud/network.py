"""The network: importing a GTFS feed, expanding its calendar, corridors and their ride slots."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import anyio
from sqlalchemy import delete, insert
from sqlalchemy import select as sql_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

import places
from mobility.crud._sql import execute
from mobility.domain import gtfs
from mobility.domain.gtfstime import format_gtfs_time, gtfs_instant, local_label
from mobility.domain.planning import slot_grid, suppressed
from mobility.models import (
    Corridor,
    Feed,
    Frequency,
    Route,
    ServiceCalendar,
    ServiceException,
    Stop,
    StopTime,
    Trip,
)
from platformkit.problems import ProblemError

# A stop belongs to the Ortsteil whose centroid is nearest, if that is this close (a village's stops lie
# within its built-up area; farther out a stop is "between villages").
ORTSTEIL_REACH_M = 2500.0
_CHUNK = 2000


def ortsteil_for(lat: float | None, lon: float | None) -> str | None:
    if lat is None or lon is None:
        return None
    hit = places.demo().nearest(lat, lon)
    return hit.ortsteil.id if hit.metres <= ORTSTEIL_REACH_M else None


async def _insert_all(session: AsyncSession, table: Any, rows: Sequence[dict[str, Any]]) -> None:
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start:start + _CHUNK]
        if chunk:
            await execute(session, insert(table), list(chunk))


async def import_feed(
    session: AsyncSession, *, feed_id: str, name: str, path: Path, actor: str,
    progress: gtfs.Progress | None = None,
) -> Feed:
    """Read the feed (in a worker thread) and replace the stored feed of that id with it, in the
    caller's transaction. A broken feed raises GtfsFeedError and changes nothing."""
    feed = await anyio.to_thread.run_sync(lambda: gtfs.read_feed(path, progress))
    for table in (StopTime, Frequency, Trip, Route, ServiceException, ServiceCalendar, Stop):
        await execute(session, delete(table).where(col(table.feed_id) == feed_id))
    existing = await session.get(Feed, feed_id)
    report: dict[str, Any] = {
        "counts": feed.report.counts, "skipped": feed.report.skipped[:200],
        "skipped_total": len(feed.report.skipped), "notes": feed.report.notes,
    }
    if existing is None:
        existing = Feed(id=feed_id, name=name, timezone=feed.timezone, imported_by=actor, report=report)
        session.add(existing)
    else:
        existing.name, existing.timezone, existing.report, existing.imported_by = name, feed.timezone, report, actor
    await session.flush()
    mapped = 0
    stop_rows = []
    for stop in feed.stops.values():
        ortsteil = ortsteil_for(stop.lat, stop.lon) if stop.location_type == 0 else None
        mapped += ortsteil is not None
        stop_rows.append({
            "feed_id": feed_id, "stop_id": stop.stop_id, "name": stop.name[:200], "lat": stop.lat, "lon": stop.lon,
            "wheelchair": stop.wheelchair, "location_type": stop.location_type,
            "parent_station": stop.parent_station, "ortsteil_id": ortsteil,
        })
    report["counts"]["stops_in_ortsteile"] = mapped
    await _insert_all(session, Stop, stop_rows)
    await _insert_all(session, Route, [
        {"feed_id": feed_id, "route_id": r.route_id, "short_name": r.short_name[:64], "long_name": r.long_name[:300],
         "route_type": r.route_type} for r in feed.routes.values()
    ])
    await _insert_all(session, ServiceCalendar, [
        {"feed_id": feed_id, "service_id": c.service_id, "weekdays": "".join("1" if d else "0" for d in c.weekdays),
         "start_date": c.start, "end_date": c.end} for c in feed.calendars.values()
    ])
    await _insert_all(session, ServiceException, [
        {"feed_id": feed_id, "service_id": service_id, "day": day, "kind": kind}
        for (service_id, day), kind in feed.calendar_dates.items()
    ])
    await _insert_all(session, Trip, [
        {"feed_id": feed_id, "trip_id": t.trip_id, "route_id": t.route_id, "service_id": t.service_id,
         "direction_id": t.direction_id, "headsign": t.headsign[:200]} for t in feed.trips.values()
    ])
    await _insert_all(session, StopTime, [
        {"feed_id": feed_id, "trip_id": st.trip_id, "stop_sequence": st.stop_sequence, "stop_id": st.stop_id,
         "arrival_secs": st.arrival, "departure_secs": st.departure, "shape_dist": st.shape_dist}
        for st in feed.stop_times
    ])
    await _insert_all(session, Frequency, [
        {"feed_id": feed_id, "trip_id": f.trip_id, "start_secs": f.start, "end_secs": f.end, "headway_secs": f.headway}
        for f in feed.frequencies
    ])
    existing.report = dict(report)
    await session.flush()
    return existing


async def _calendar(session: AsyncSession, feed_id: str) -> tuple[dict[str, gtfs.GtfsCalendar],
                                                                  dict[tuple[str, date], int]]:
    calendars = {
        c.service_id: gtfs.GtfsCalendar(
            service_id=c.service_id,
            weekdays=tuple(ch == "1" for ch in c.weekdays),  # type: ignore[arg-type]
            start=c.start_date, end=c.end_date,
        )
        for c in (await session.exec(select(ServiceCalendar).where(ServiceCalendar.feed_id == feed_id))).all()
    }
    exceptions = {
        (e.service_id, e.day): e.kind
        for e in (await session.exec(select(ServiceException).where(ServiceException.feed_id == feed_id))).all()
    }
    return calendars, exceptions


async def active_services(session: AsyncSession, feed_id: str, day: date) -> set[str]:
    calendars, exceptions = await _calendar(session, feed_id)
    return gtfs.active_services(calendars, exceptions, day)


@dataclass(frozen=True)
class TripRun:
    trip_id: str
    route_id: str
    service_id: str
    departure_secs: int
    departure_at: datetime
    local: str


async def expand(session: AsyncSession, feed: Feed, day: date) -> list[TripRun]:
    """Every trip departure of the feed on service date `day`, in the feed's time zone (frequency-based
    trips once per headway), ordered by time."""
    services = await active_services(session, feed.id, day)
    if not services:
        return []
    zone = ZoneInfo(feed.timezone)
    trips = (await session.exec(
        select(Trip).where(Trip.feed_id == feed.id, col(Trip.service_id).in_(services))
    )).all()
    firsts: dict[str, int] = {}
    for trip_id, departure in (await execute(session,
        sql_select(col(StopTime.trip_id), col(StopTime.departure_secs))
        .where(col(StopTime.feed_id) == feed.id).order_by(col(StopTime.trip_id), col(StopTime.stop_sequence))
    )).all():
        firsts.setdefault(trip_id, departure)
    frequencies = [
        gtfs.GtfsFrequency(trip_id=f.trip_id, start=f.start_secs, end=f.end_secs, headway=f.headway_secs)
        for f in (await session.exec(select(Frequency).where(Frequency.feed_id == feed.id))).all()
    ]
    runs = []
    for trip in trips:
        if trip.trip_id not in firsts:
            continue  # a flex trip: windows, no fixed times
        for secs in gtfs.trip_departures(firsts[trip.trip_id], trip.trip_id, frequencies):
            instant = gtfs_instant(day, secs, zone)
            runs.append(TripRun(trip.trip_id, trip.route_id, trip.service_id, secs, instant,
                                local_label(instant, zone)))
    return sorted(runs, key=lambda r: (r.departure_secs, r.trip_id))


# --- corridors ----------------------------------------------------------------------------------------


async def scheduled_departures(session: AsyncSession, feed_id: str, first: str, last: str) -> dict[str, list[int]]:
    """Departures from `first` of scheduled trips that reach `last` later on, by service id."""
    rows = (await execute(session,
        sql_select(col(StopTime.trip_id), col(StopTime.stop_id), col(StopTime.departure_secs),
               col(StopTime.stop_sequence), col(Trip.service_id))
        .join(Trip, (col(Trip.feed_id) == col(StopTime.feed_id)) & (col(Trip.trip_id) == col(StopTime.trip_id)))
        .where(col(StopTime.feed_id) == feed_id, col(StopTime.stop_id).in_([first, last]))
    )).all()
    seen: dict[str, dict[str, tuple[int, int]]] = {}
    services: dict[str, str] = {}
    for trip_id, stop_id, departure, sequence, service_id in rows:
        seen.setdefault(trip_id, {})[stop_id] = (sequence, departure)
        services[trip_id] = service_id
    result: dict[str, list[int]] = {}
    for trip_id, stops in seen.items():
        if first in stops and last in stops and stops[first][0] < stops[last][0]:
            result.setdefault(services[trip_id], []).append(stops[first][1])
    return {service: sorted(times) for service, times in result.items()}


async def create_corridor(
    session: AsyncSession, *, corridor_id: str, feed_id: str, name: str, stop_ids: Sequence[str],
    offsets_secs: Sequence[int], first_secs: int, last_secs: int, interval_secs: int,
    shape_dists: Sequence[float | None] | None = None, shape_unit: str | None = None,
    detours: Sequence[dict[str, Any]] = (), weekdays: str = "0123456",
) -> Corridor:
    if await session.get(Corridor, corridor_id) is not None:
        raise ProblemError(409, "CORRIDOR_EXISTS", "A corridor with this id exists already.", field="id")
    if await session.get(Feed, feed_id) is None:
        raise ProblemError(422, "UNKNOWN_FEED", "No feed with this id has been imported.", field="feed_id")
    if len(stop_ids) < 2 or len(set(stop_ids)) != len(stop_ids):
        raise ProblemError(422, "CORRIDOR_STOPS", "A corridor has at least two distinct stops.", field="stop_ids")
    if len(offsets_secs) != len(stop_ids) or offsets_secs[0] != 0 or any(
        b < a for a, b in zip(offsets_secs, offsets_secs[1:], strict=False)
    ):
        raise ProblemError(422, "CORRIDOR_OFFSETS", "One offset per stop, starting at 0, never decreasing.",
                           field="offsets_secs")
    for index, stop_id in enumerate(stop_ids):
        if await session.get(Stop, (feed_id, stop_id)) is None:
            raise ProblemError(422, "UNKNOWN_STOP", f"Stop {stop_id!r} is not in the feed.", field=f"stop_ids.{index}")
    for index, detour in enumerate(detours):
        if await session.get(Stop, (feed_id, detour["stop_id"])) is None or not (
            0 <= detour["after"] < len(stop_ids) - 1
        ):
            raise ProblemError(422, "UNKNOWN_STOP", "A detour names a stop of the feed and a corridor position.",
                               field=f"detours.{index}")
    if interval_secs < 300 or not 0 <= first_secs <= last_secs <= 48 * 3600:
        raise ProblemError(422, "CORRIDOR_SLOTS", "Slots: 0 <= first <= last <= 48:00:00, interval >= 5 min.",
                           field="interval_secs")
    corridor = Corridor(
        id=corridor_id, feed_id=feed_id, name=name, stop_ids=list(stop_ids), offsets_secs=list(offsets_secs),
        shape_dists=list(shape_dists) if shape_dists is not None else [None] * len(stop_ids),
        shape_unit=shape_unit, detours=[dict(d) for d in detours], first_secs=first_secs, last_secs=last_secs,
        interval_secs=interval_secs, weekdays=weekdays,
        scheduled=await scheduled_departures(session, feed_id, stop_ids[0], stop_ids[-1]),
    )
    session.add(corridor)
    await session.flush()
    return corridor


async def corridor_from_trip(session: AsyncSession, *, corridor_id: str, feed_id: str, trip_id: str, name: str,
                             first_secs: int, last_secs: int, interval_secs: int,
                             weekdays: str = "0123456") -> Corridor:
    """A corridor along a scheduled trip's stops, with its travel times and shape distances."""
    times = (await session.exec(
        select(StopTime).where(StopTime.feed_id == feed_id, StopTime.trip_id == trip_id)
        .order_by(col(StopTime.stop_sequence))
    )).all()
    if len(times) < 2:
        raise ProblemError(422, "UNKNOWN_TRIP", "No timed trip with this id in the feed.", field="trip_id")
    start = times[0].departure_secs
    dists = [t.shape_dist for t in times]
    return await create_corridor(
        session, corridor_id=corridor_id, feed_id=feed_id, name=name, stop_ids=[t.stop_id for t in times],
        offsets_secs=[t.arrival_secs - start if i else 0 for i, t in enumerate(times)],
        first_secs=first_secs, last_secs=last_secs, interval_secs=interval_secs, weekdays=weekdays,
        shape_dists=dists if all(d is not None for d in dists) else None,
        shape_unit="m" if dists[0] is not None else None,
    )


@dataclass(frozen=True)
class Slot:
    corridor_id: str
    service_date: date
    slot_secs: int
    departure_at: datetime
    gtfs_time: str
    local: str


async def corridor_slots(session: AsyncSession, corridor: Corridor, day: date) -> list[Slot]:
    """The corridor's ride slots on service date `day`: the grid less slots a scheduled bus serves."""
    if str(day.weekday()) not in corridor.weekdays:
        return []
    services = await active_services(session, corridor.feed_id, day)
    buses = [secs for service in services for secs in corridor.scheduled.get(service, [])]
    return [
        Slot(corridor.id, day, secs, gtfs_instant(day, secs), format_gtfs_time(secs),
             local_label(gtfs_instant(day, secs)))
        for secs in slot_grid(corridor.first_secs, corridor.last_secs, corridor.interval_secs)
        if not suppressed(secs, buses)
    ]
