"""Who a warning reaches: its area against the subscribed places, in two steps that scale to a million
subscriptions — the distinct spots (lat, lon, radius) inside the area's bounding box or ARS prefixes come
from one indexed scan and are tested once each (most subscriptions share an Ortsteil's centroid), then the
people at the matching spots are read. Area subscriptions (a Gemeinde, the district) are few and tested
with their places' centroids."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, or_, select, tuple_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from alerts.crud._sql import execute
from alerts.domain.matching import Target
from alerts.models import SubscriptionPlace
from places import Gazetteer

_CHUNK = 400


@dataclass(slots=True)
class Recipient:
    person_id: uuid.UUID
    places: set[str] = field(default_factory=set)
    languages: str = "de"


def _filters(severity: int, topic_mask: int) -> list[ColumnElement[bool]]:
    return [
        col(SubscriptionPlace.min_severity) <= severity,
        col(SubscriptionPlace.topic_mask).op("&")(topic_mask) != 0,
    ]


async def matching_spots(
    session: AsyncSession, target: Target, *, severity: int, topic_mask: int, max_radius_m: float
) -> list[tuple[float, float, float]]:
    """The distinct (lat, lon, radius) of point and Ortsteil subscriptions that the area covers."""
    place = SubscriptionPlace
    where: list[ColumnElement[bool]] = []
    box = target.bbox
    if box is not None:
        grown = box.grow(max_radius_m)
        where.append(and_(col(place.lat).between(grown.min_lat, grown.max_lat),
                          col(place.lon).between(grown.min_lon, grown.max_lon)))
    prefixes = list(target.area_prefixes) + ([] if target.shapes else list(target.district_prefixes))
    where.extend(col(place.ars).startswith(p) for p in prefixes)
    if not where:
        return []
    statement = (
        select(col(place.lat), col(place.lon), col(place.radius_m), col(place.ars))
        .where(col(place.kind) != "area", or_(*where), *_filters(severity, topic_mask))
        .distinct()
    )
    rows: Sequence[Any] = (await execute(session, statement)).all()
    found: dict[tuple[float, float, float], None] = {}
    for lat, lon, radius, ars in rows:
        if target.covers_point(lat, lon, radius, ars):
            found[(lat, lon, radius)] = None
    return list(found)


async def recipients(
    session: AsyncSession,
    target: Target,
    gazetteer: Gazetteer,
    *,
    severity: int,
    topic_mask: int,
    max_radius_m: float,
) -> dict[uuid.UUID, Recipient]:
    """Everyone the area concerns, once per person, with the labels of their places that match."""
    found: dict[uuid.UUID, Recipient] = {}

    def add(rows: Iterable[Sequence[object]]) -> None:
        for person_id, label, languages in rows:
            assert isinstance(person_id, uuid.UUID)
            recipient = found.setdefault(person_id, Recipient(person_id, languages=str(languages)))
            recipient.places.add(str(label))

    place = SubscriptionPlace
    spots = await matching_spots(session, target, severity=severity, topic_mask=topic_mask, max_radius_m=max_radius_m)
    for start in range(0, len(spots), _CHUNK):
        chunk = spots[start:start + _CHUNK]
        statement = select(col(place.person_id), col(place.label), col(place.languages)).where(
            col(place.kind) != "area",
            tuple_(col(place.lat), col(place.lon), col(place.radius_m)).in_(chunk),
            *_filters(severity, topic_mask),
        )
        add((await execute(session, statement)).all())
    areas: Sequence[Any] = (await execute(
        session,
        select(col(place.person_id), col(place.label), col(place.languages), col(place.ars))
        .where(col(place.kind) == "area", *_filters(severity, topic_mask)),
    )).all()
    centroids: dict[str, list[tuple[float, float]]] = {}
    for person_id, label, languages, ars in areas:
        points = centroids.setdefault(ars, [(o.lat, o.lon) for o in gazetteer.ortsteile_in(ars)])
        if target.covers_area(ars, points):
            add([(person_id, label, languages)])
    return found
