"""The network: GTFS import (desk), stops, corridors and their slots, fallback contracts."""

from __future__ import annotations

import logging
import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlmodel import col, select

from mobility.api.deps import DeskPrincipal
from mobility.crud import network
from mobility.domain.gtfs import GtfsFeedError
from mobility.domain.gtfstime import parse_gtfs_time
from mobility.models import Corridor, FallbackContract, Feed, Stop
from mobility.schemas import (
    ContractIn,
    ContractOut,
    CorridorIn,
    CorridorOut,
    CorridorStop,
    FeedOut,
    ServiceDayOut,
    SlotOut,
    StopOut,
    TripRunOut,
    slot_text,
)
from platformkit.deps import ReadSessionDep, SessionDep
from platformkit.problems import ProblemError

router = APIRouter(prefix="/network", tags=["network"])
log = logging.getLogger("mobility.gtfs")
FeedId = Annotated[str, Query(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]


@router.post("/feeds", status_code=201, response_model=FeedOut)
async def import_feed(request: Request, principal: DeskPrincipal, session: SessionDep, feed_id: FeedId,
                      name: Annotated[str, Query(min_length=1, max_length=200)]) -> FeedOut:
    """Import (or replace) a GTFS feed sent as the zip file itself (`Content-Type: application/zip`).
    The answer's report lists counts, skipped rows and notes; a broken feed is refused with the place."""
    body = await request.body()
    if not body.startswith(b"PK"):
        raise ProblemError(415, "NOT_A_ZIP", "Send the GTFS feed as a zip file.", field="body")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "feed.zip"
        path.write_bytes(body)
        try:
            feed = await network.import_feed(
                session, feed_id=feed_id, name=name, path=path, actor=principal.sub,
                progress=lambda file, rows: log.info("gtfs import %s: %s %s", feed_id, file,
                                                     "done" if rows < 0 else f"{rows} rows"),
            )
        except GtfsFeedError as error:
            raise ProblemError(422, "GTFS_INVALID", error.message, field=f"{error.where}"
                               + (f".{error.column}" if error.column else "")) from error
        except Exception as error:  # a zip that is not one, or not UTF-8 inside
            if isinstance(error, ProblemError):
                raise
            raise ProblemError(422, "GTFS_INVALID", "The file could not be read as a GTFS feed "
                               f"({type(error).__name__}).", field="body") from error
    await session.commit()
    return FeedOut.model_validate(feed, from_attributes=True)


@router.get("/feeds/{feed_id}", response_model=FeedOut)
async def get_feed(feed_id: str, session: ReadSessionDep) -> FeedOut:
    feed = await session.get(Feed, feed_id)
    if feed is None:
        raise ProblemError(404, "FEED_NOT_FOUND", "No such feed.")
    return FeedOut.model_validate(feed, from_attributes=True)


@router.get("/feeds/{feed_id}/service-days/{day}", response_model=ServiceDayOut)
async def service_day(feed_id: str, day: date, session: ReadSessionDep) -> ServiceDayOut:
    """The feed's calendar expanded for one service date: the running services and every trip departure."""
    feed = await session.get(Feed, feed_id)
    if feed is None:
        raise ProblemError(404, "FEED_NOT_FOUND", "No such feed.")
    runs = await network.expand(session, feed, day)
    return ServiceDayOut(
        feed_id=feed_id, service_date=day, services=sorted(await network.active_services(session, feed_id, day)),
        trips=[TripRunOut(trip_id=r.trip_id, route_id=r.route_id, service_id=r.service_id,
                          departure=slot_text(r.departure_secs), departure_at=r.departure_at, local=r.local)
               for r in runs],
    )


@router.get("/stops", response_model=list[StopOut])
async def find_stops(session: ReadSessionDep, q: Annotated[str, Query(min_length=2, max_length=100)],
                     feed_id: str | None = None) -> list[StopOut]:
    query = select(Stop).where(col(Stop.name).ilike(f"%{q}%"), Stop.location_type == 0)
    if feed_id:
        query = query.where(Stop.feed_id == feed_id)
    stops = (await session.exec(query.order_by(col(Stop.name)).limit(30))).all()
    return [StopOut.model_validate(s, from_attributes=True) for s in stops]


async def corridor_out(session: ReadSessionDep, corridor: Corridor) -> CorridorOut:
    stops = []
    for stop_id, offset in zip(corridor.stop_ids, corridor.offsets_secs, strict=True):
        stop = await session.get(Stop, (corridor.feed_id, stop_id))
        assert stop is not None
        stops.append(CorridorStop(stop_id=stop_id, name=stop.name, offset_minutes=offset / 60,
                                  wheelchair=stop.wheelchair, ortsteil_id=stop.ortsteil_id))
    return CorridorOut(
        id=corridor.id, feed_id=corridor.feed_id, name=corridor.name, stops=stops, detours=corridor.detours,
        first_slot=slot_text(corridor.first_secs), last_slot=slot_text(corridor.last_secs),
        interval_minutes=corridor.interval_secs // 60, weekdays=[int(d) for d in corridor.weekdays],
    )


@router.post("/corridors", status_code=201, response_model=CorridorOut)
async def create_corridor(body: CorridorIn, _staff: DeskPrincipal, session: SessionDep) -> CorridorOut:
    first, last = parse_gtfs_time(body.first_slot), parse_gtfs_time(body.last_slot)
    weekdays = "".join(str(d) for d in sorted(set(body.weekdays)))
    if body.trip_id is not None:
        corridor = await network.corridor_from_trip(
            session, corridor_id=body.id, feed_id=body.feed_id, trip_id=body.trip_id, name=body.name,
            first_secs=first, last_secs=last, interval_secs=body.interval_minutes * 60, weekdays=weekdays,
        )
        if body.detours:
            corridor.detours = [d.model_dump() for d in body.detours]
    else:
        corridor = await network.create_corridor(
            session, corridor_id=body.id, feed_id=body.feed_id, name=body.name, stop_ids=body.stop_ids,
            offsets_secs=body.offsets_secs, first_secs=first, last_secs=last, interval_secs=body.interval_minutes * 60,
            detours=[d.model_dump() for d in body.detours], weekdays=weekdays,
        )
    await session.commit()
    return await corridor_out(session, corridor)


@router.get("/corridors", response_model=list[CorridorOut])
async def list_corridors(session: ReadSessionDep) -> list[CorridorOut]:
    corridors = (await session.exec(select(Corridor).order_by(col(Corridor.name)))).all()
    return [await corridor_out(session, c) for c in corridors]


@router.get("/corridors/{corridor_id}", response_model=CorridorOut)
async def get_corridor(corridor_id: str, session: ReadSessionDep) -> CorridorOut:
    corridor = await session.get(Corridor, corridor_id)
    if corridor is None:
        raise ProblemError(404, "CORRIDOR_NOT_FOUND", "No such corridor.")
    return await corridor_out(session, corridor)


@router.get("/corridors/{corridor_id}/slots/{day}", response_model=list[SlotOut])
async def slots(corridor_id: str, day: date, session: ReadSessionDep) -> list[SlotOut]:
    corridor = await session.get(Corridor, corridor_id)
    if corridor is None:
        raise ProblemError(404, "CORRIDOR_NOT_FOUND", "No such corridor.")
    return [SlotOut(corridor_id=s.corridor_id, service_date=s.service_date, slot=s.gtfs_time,
                    departure_at=s.departure_at, local=s.local)
            for s in await network.corridor_slots(session, corridor, day)]


@router.post("/corridors/{corridor_id}/fallback-contracts", status_code=201, response_model=ContractOut)
async def add_contract(corridor_id: str, body: ContractIn, _staff: DeskPrincipal, session: SessionDep) -> ContractOut:
    if await session.get(Corridor, corridor_id) is None:
        raise ProblemError(404, "CORRIDOR_NOT_FOUND", "No such corridor.")
    band_from, band_to = parse_gtfs_time(body.band_from), parse_gtfs_time(body.band_to)
    if band_from > band_to:
        raise ProblemError(422, "BAND_ORDER", "The band ends before it starts.", field="band_to")
    contract = FallbackContract(
        corridor_id=corridor_id, operator=body.operator, band_from_secs=band_from, band_to_secs=band_to,
        seats_per_slot=body.seats_per_slot, wheelchair_places_per_slot=body.wheelchair_places_per_slot,
        vehicle_seats=body.vehicle_seats, wheelchair_vehicle_seats=body.wheelchair_vehicle_seats,
        notice_minutes=body.notice_minutes, ack_minutes=body.ack_minutes,
    )
    session.add(contract)
    await session.commit()
    return contract_out(contract)


def contract_out(contract: FallbackContract) -> ContractOut:
    return ContractOut(
        id=contract.id, corridor_id=contract.corridor_id, operator=contract.operator,
        band_from=slot_text(contract.band_from_secs), band_to=slot_text(contract.band_to_secs),
        seats_per_slot=contract.seats_per_slot, wheelchair_places_per_slot=contract.wheelchair_places_per_slot,
    )
