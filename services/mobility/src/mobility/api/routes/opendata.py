"""Open data: the ride slots as a GTFS feed with GTFS-Flex booking rules, so that any trip planner can show
them beside the buses. Every slot is guaranteed (a private ride or the fallback taxi), so every slot is a
trip; riders must book (pickup/drop-off type 2, booking rule: same day, the notice in minutes). Nothing
about drivers is exported."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from datetime import timedelta

from fastapi import APIRouter, Response
from sqlmodel import col, select

from mobility.api.deps import MobilitySettingsDep
from mobility.crud import network, rides
from mobility.domain.gtfstime import format_gtfs_time
from mobility.models import Corridor, Stop
from platformkit.deps import NowDep, ReadSessionDep

router = APIRouter(prefix="/opendata", tags=["open data"])
EXPORT_DAYS = 7
ROUTE_TYPE_DEMAND_RESPONSE_BUS = 715


def _csv(rows: Sequence[Sequence[object]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode()


@router.get("/gtfs-flex.zip", response_class=Response)
async def gtfs_flex(session: ReadSessionDep, now: NowDep, settings: MobilitySettingsDep) -> Response:
    corridors = (await session.exec(select(Corridor).order_by(col(Corridor.id)))).all()
    stops: dict[str, Stop] = {}
    routes: list[list[object]] = [["route_id", "agency_id", "route_short_name", "route_long_name", "route_type"]]
    trips: list[list[object]] = [["route_id", "service_id", "trip_id"]]
    stop_times: list[list[object]] = [["trip_id", "stop_sequence", "stop_id", "arrival_time", "departure_time",
                                       "pickup_type", "drop_off_type", "pickup_booking_rule_id",
                                       "drop_off_booking_rule_id"]]
    calendar_dates: list[list[object]] = [["service_id", "date", "exception_type"]]
    days = [now.date() + timedelta(days=k) for k in range(EXPORT_DAYS)]
    for day in days:
        calendar_dates.append([f"d{day:%Y%m%d}", f"{day:%Y%m%d}", 1])
    for corridor in corridors:
        if await rides.contract_for(session, corridor.id, corridor.first_secs) is None:
            continue  # only guaranteed corridors are published
        routes.append([corridor.id, "dorf", corridor.id, f"Mitfahren oder Rufbus-Taxi: {corridor.name}",
                       ROUTE_TYPE_DEMAND_RESPONSE_BUS])
        for stop_id in corridor.stop_ids:
            stop = await session.get(Stop, (corridor.feed_id, stop_id))
            if stop is not None:
                stops[stop_id] = stop
        for day in days:
            for slot in await network.corridor_slots(session, corridor, day):
                trip_id = f"{corridor.id}-{day:%Y%m%d}-{slot.slot_secs}"
                trips.append([corridor.id, f"d{day:%Y%m%d}", trip_id])
                for sequence, (stop_id, offset) in enumerate(zip(corridor.stop_ids, corridor.offsets_secs,
                                                                  strict=True)):
                    at = format_gtfs_time(slot.slot_secs + offset)
                    stop_times.append([trip_id, sequence, stop_id, at, at, 2, 2, "notice", "notice"])
    files = {
        "agency.txt": _csv([["agency_id", "agency_name", "agency_url", "agency_timezone", "agency_lang"],
                            ["dorf", "Mobilitätszentrale Dorfmarktplatz", "https://dorfmarktplatz.de",
                             "Europe/Berlin", "de"]]),
        "stops.txt": _csv([["stop_id", "stop_name", "stop_lat", "stop_lon", "wheelchair_boarding"]] + [
            [s.stop_id, s.name, s.lat, s.lon, {"yes": 1, "no": 2}.get(s.wheelchair, 0)] for s in stops.values()
        ]),
        "routes.txt": _csv(routes),
        "trips.txt": _csv(trips),
        "stop_times.txt": _csv(stop_times),
        "calendar_dates.txt": _csv(calendar_dates),
        "booking_rules.txt": _csv([
            ["booking_rule_id", "booking_type", "prior_notice_duration_min", "message"],
            ["notice", 1, settings.booking_notice_minutes,
             f"Bitte mindestens {settings.booking_notice_minutes} Minuten vorher buchen (App oder Telefon)."],
        ]),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return Response(buffer.getvalue(), media_type="application/zip",
                    headers={"Content-Disposition": 'attachment; filename="mobility-gtfs-flex.zip"'})
