"""A person's subscription: places, topics, minimum severity, languages (one per person; PUT replaces)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from alerts.crud._sql import execute
from alerts.domain.geometry import cell_of
from alerts.domain.matching import Topic
from alerts.domain.message import Severity
from alerts.models import Subscription, SubscriptionPlace
from alerts.schemas import PlaceIn, SubscriptionIn
from places import Gazetteer
from platformkit.problems import ProblemError

NEAR_VILLAGE_M = 8_000.0


def _place(index: int, place: PlaceIn, gazetteer: Gazetteer, max_radius_m: float) -> SubscriptionPlace:
    field = f"places.{index}"
    if place.radius_m > max_radius_m:
        raise ProblemError(422, "RADIUS_TOO_LARGE", f"A radius is at most {max_radius_m:.0f} m.",
                           field=f"{field}.radius_m")
    given = [place.ortsteil_id is not None, place.ars is not None, place.lat is not None or place.lon is not None]
    if sum(given) != 1:
        raise ProblemError(422, "PLACE_AMBIGUOUS", "Give a village, a Gemeinde/district key, or a point.", field=field)
    if place.ortsteil_id is not None:
        ortsteil = gazetteer.get_ortsteil(place.ortsteil_id)
        if ortsteil is None:
            raise ProblemError(422, "UNKNOWN_PLACE", f"No village {place.ortsteil_id!r} in the district.",
                               field=f"{field}.ortsteil_id")
        return SubscriptionPlace(kind="ortsteil", place_ref=ortsteil.id, label=place.label or ortsteil.name,
                                 lat=ortsteil.lat, lon=ortsteil.lon, radius_m=place.radius_m, ars=ortsteil.ars,
                                 subscription_id=uuid.UUID(int=0), person_id=uuid.UUID(int=0), topic_mask=0)
    if place.ars is not None:
        gemeinden = gazetteer.gemeinden_in(place.ars)
        if place.ars == gazetteer.landkreis.ars:
            label = gazetteer.landkreis.name
        elif len(gemeinden) == 1 and gemeinden[0].ars == place.ars:
            label = gemeinden[0].name
        else:
            label = place.label or place.ars
        return SubscriptionPlace(kind="area", place_ref=place.ars, label=place.label or label, lat=0.0, lon=0.0,
                                 ars=place.ars, subscription_id=uuid.UUID(int=0), person_id=uuid.UUID(int=0),
                                 topic_mask=0)
    if place.lat is None or place.lon is None:
        raise ProblemError(422, "PLACE_AMBIGUOUS", "A point needs both lat and lon.", field=field)
    # A point is kept to about 100 m (enough for a warning, less revealing than a doorstep).
    lat, lon = round(place.lat, 3), round(place.lon, 3)
    # Warnings by Gemeinde (warn cells, ARS) reach a point through the village it lies in; a point farther
    # than NEAR_VILLAGE_M from every village of the district belongs to none and is matched by shapes only.
    nearest = gazetteer.nearest(lat, lon)
    in_district = nearest.metres <= NEAR_VILLAGE_M
    label = place.label or (f"Nähe {nearest.ortsteil.name}" if in_district else f"{lat:.3f}, {lon:.3f}")
    return SubscriptionPlace(kind="point", place_ref="", label=label,
                             lat=lat, lon=lon, radius_m=place.radius_m, ars=nearest.ortsteil.ars if in_district else "",
                             subscription_id=uuid.UUID(int=0), person_id=uuid.UUID(int=0), topic_mask=0)


async def get(session: AsyncSession, person_id: uuid.UUID) -> tuple[Subscription, list[SubscriptionPlace]] | None:
    sub = (await session.exec(select(Subscription).where(Subscription.person_id == person_id))).first()
    if sub is None:
        return None
    places = (await session.exec(
        select(SubscriptionPlace).where(SubscriptionPlace.subscription_id == sub.id)
        .order_by(col(SubscriptionPlace.label))
    )).all()
    return sub, list(places)


async def replace(
    session: AsyncSession, person_id: uuid.UUID, body: SubscriptionIn, gazetteer: Gazetteer, *,
    max_radius_m: float, now: datetime,
) -> tuple[Subscription, list[SubscriptionPlace]]:
    try:
        topics = Topic.parse_many(body.topics) if body.topics else Topic.all()
    except KeyError as exc:
        raise ProblemError(422, "UNKNOWN_TOPIC", f"Unknown topic {exc.args[0]!r}; known: "
                           + ", ".join(t.name.lower() for t in Topic if t.name), field="topics") from None
    places = [_place(i, p, gazetteer, max_radius_m) for i, p in enumerate(body.places)]
    existing = await get(session, person_id)
    if existing is None:
        sub = Subscription(person_id=person_id, topic_mask=int(topics))
    else:
        sub = existing[0]
        await execute(session, delete(SubscriptionPlace).where(col(SubscriptionPlace.subscription_id) == sub.id))
    sub.topic_mask = int(topics)
    sub.min_severity = int(Severity.parse(body.min_severity))
    sub.languages = " ".join(lang.lower() for lang in body.languages)
    sub.updated_at = now
    session.add(sub)
    await session.flush()
    for place in places:
        place.subscription_id, place.person_id = sub.id, person_id
        place.cell = 0 if place.kind == "area" else cell_of(place.lat, place.lon)
        place.topic_mask, place.min_severity, place.languages = sub.topic_mask, sub.min_severity, sub.languages
        session.add(place)
    await session.flush()
    return sub, places


async def remove(session: AsyncSession, person_id: uuid.UUID) -> bool:
    existing = await get(session, person_id)
    if existing is None:
        return False
    await execute(session, delete(SubscriptionPlace).where(col(SubscriptionPlace.person_id) == person_id))
    await session.delete(existing[0])
    return True
