"""The personal-data contract: a person's subscriptions (places) and what they were told (delivery records).
Erasure deletes the subscription and the per-thread memory, and keeps the notices only as counts."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from alerts.crud import subscriptions
from alerts.crud._sql import execute
from alerts.models import Delivery, DeliveryRecord, Subscription, SubscriptionPlace
from platformkit.db import utcnow
from platformkit.personal_data import PersonalData


async def export(session: AsyncSession, person_id: uuid.UUID) -> dict[str, Any]:
    found = await subscriptions.get(session, person_id)
    notices = (await session.exec(
        select(DeliveryRecord).where(DeliveryRecord.person_id == person_id).order_by(col(DeliveryRecord.sent_at))
    )).all()
    deliveries = (await session.exec(select(Delivery).where(Delivery.person_id == person_id))).all()
    return {
        "subscription": None if found is None else {
            "topic_mask": found[0].topic_mask, "min_severity": found[0].min_severity,
            "languages": found[0].languages.split(),
            "places": [{"kind": p.kind, "place": p.place_ref, "label": p.label, "lat": p.lat, "lon": p.lon,
                        "radius_m": p.radius_m, "ars": p.ars} for p in found[1]],
        },
        "notices": [{"thread_id": str(n.thread_id), "notice": n.notice, "channel": n.channel,
                     "sent_at": n.sent_at.isoformat()} for n in notices],
        "warnings_told": [{"thread_id": str(d.thread_id), "places": d.places.split("\n") if d.places else [],
                           "affected": d.affected} for d in deliveries],
    }


async def erase(session: AsyncSession, person_id: uuid.UUID, _erased_at: datetime) -> dict[str, int]:
    """Idempotent: a second run finds nothing left. Nothing here lies in the future, so the time is unused."""
    async def rows(statement: Any) -> int:
        return int((await execute(session, statement)).rowcount)  # type: ignore[attr-defined]

    places = await rows(delete(SubscriptionPlace).where(col(SubscriptionPlace.person_id) == person_id))
    subs = await rows(delete(Subscription).where(col(Subscription.person_id) == person_id))
    told = await rows(delete(Delivery).where(col(Delivery.person_id) == person_id))
    notices = await rows(
        update(DeliveryRecord).where(col(DeliveryRecord.person_id) == person_id).values(person_id=None)
    )
    return {"subscriptions_deleted": subs, "places_deleted": places, "deliveries_deleted": told,
            "notices_anonymised": notices}


async def example(session: AsyncSession, person_id: uuid.UUID) -> list[str]:
    """A subscription with an Ortsteil, a point and the district; a delivery and a notice about a thread.
    Returns the identifying values written: the places' own labels."""
    from alerts.schemas import PlaceIn, SubscriptionIn
    from places import demo

    gazetteer = demo()
    labels = [f"Zuhause {person_id.hex[:8]}", f"Garten {person_id.hex[8:16]}"]
    body = SubscriptionIn(places=[PlaceIn(ortsteil_id=gazetteer.ortsteile[0].id, label=labels[0]),
                                  PlaceIn(lat=53.31, lon=13.86, radius_m=500, label=labels[1]),
                                  PlaceIn(ars=gazetteer.landkreis.ars)], languages=["de", "en"])
    await subscriptions.replace(session, person_id, body, gazetteer, max_radius_m=20_000, now=utcnow())
    thread_id = uuid.uuid4()
    session.add(Delivery(thread_id=thread_id, person_id=person_id, told_severity=2, places="\n".join(labels)))
    session.add(DeliveryRecord(thread_id=thread_id, message_id=uuid.uuid4(), person_id=person_id, notice="new",
                               dedupe_key=f"{thread_id}:new"))
    await session.flush()
    return labels


personal_data = PersonalData(export=export, erase=erase, example=example)
