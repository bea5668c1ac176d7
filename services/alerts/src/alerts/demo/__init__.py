"""Current demo warnings for the district, replayed from real public messages (see README.md here).

Each message goes through the ordinary ingest path as an Alert with a fixed demo identifier, its times moved
so that it was sent at the first seeding and runs for a day, and its area replaced by one in the district:
the DWD thunderstorm by a square over the middle of the district, the BIWAPP message by a
circle around its outermost village. A demo thread that exists already is left alone (seeding twice
changes nothing)."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timedelta
from importlib import resources

from sqlmodel import select

from alerts.config import AlertsSettings
from alerts.crud.context import Ingest
from alerts.crud.threads import ingest
from alerts.district import gazetteer
from alerts.domain.cap import parse_cap
from alerts.domain.geometry import Circle, Polygon, make_ring
from alerts.domain.message import Area, Message, normalise_identifier
from alerts.domain.nina import parse_warning
from alerts.models import ThreadKey
from places import Gazetteer
from platformkit.config import ServiceSettings
from platformkit.db import Database, utcnow

DWD_ID = "2.49.0.0.276.0.DWD.PVW.DEMO.uckermark-gewitter.MUL"
BIWAPP_ID = "biw.BIWAPP-DEMO-uckermark"


def _read(name: str) -> bytes:
    return resources.files("alerts.demo").joinpath(name).read_bytes()


def _square(lat: float, lon: float, half_deg: float) -> Polygon:
    ring = make_ring([(lat - half_deg, lon - half_deg * 1.6), (lat - half_deg, lon + half_deg * 1.6),
                      (lat + half_deg, lon + half_deg * 1.6), (lat + half_deg, lon - half_deg * 1.6)])
    assert ring is not None
    return Polygon(ring)


def _now_and_for_a_day(message: Message, identifier: str, now: datetime, area: Area) -> Message:
    infos = tuple(
        dataclasses.replace(
            info,
            effective=now, onset=now, expires=now + timedelta(days=1),
            areas=(area,),
        )
        for info in message.infos
    )
    return dataclasses.replace(message, identifier=identifier, sent=now.replace(microsecond=0), msg_type="Alert",
                               references=(), infos=infos, extra_shapes=())


def demo_messages(district: Gazetteer, now: datetime) -> list[Message]:
    towns = district.ortsteile
    lat = sum(o.lat for o in towns) / len(towns)
    lon = sum(o.lon for o in towns) / len(towns)
    middle = min(towns, key=lambda o: (o.lat - lat) ** 2 + (o.lon - lon) ** 2)
    other = max(towns, key=lambda o: (o.lat - lat) ** 2 + (o.lon - lon) ** 2)
    dwd = parse_cap(_read("dwd-gewitter.xml"))
    storm_area = Area(f"Gewittergebiet um {middle.name}", (_square(lat, lon, 0.25),))
    biwapp = parse_warning(json.loads(_read("biwapp-warning.json")))
    zone = Area(f"Überwachungszone um {other.name}", (Circle(other.lat, other.lon, 10.0),))
    return [_now_and_for_a_day(dwd, DWD_ID, now, storm_area), _now_and_for_a_day(biwapp, BIWAPP_ID, now, zone)]


async def seed(db: Database, settings: ServiceSettings) -> None:
    assert isinstance(settings, AlertsSettings)
    district = gazetteer(settings)
    now = utcnow()
    ctx = Ingest(settings, district, now)
    for message in demo_messages(district, now):
        async with db.transaction() as session:
            known = (await session.exec(
                select(ThreadKey).where(ThreadKey.key == normalise_identifier(message.identifier)))).first()
            if known is None:
                await ingest(session, message, ctx, source="demo")
