"""Reading warnings: the public list, one warning in a reader's language, a person's own warnings."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from alerts.crud import subscriptions
from alerts.domain.language import primary_info, reading
from alerts.domain.matching import Topic, target_from_json
from alerts.domain.message import Severity, info_from_dict
from alerts.models import WarningMessage, WarningThread
from alerts.schemas import ReadingOut, WarningOut
from places import Gazetteer

# A person's list keeps an ended warning this long, so that its all-clear can be read there.
ENDED_VISIBLE = timedelta(hours=6)


async def to_out(
    session: AsyncSession, thread: WarningThread, languages: Sequence[str], my_places: Sequence[str] = ()
) -> WarningOut:
    current = await session.get(WarningMessage, thread.current_message_id) if thread.current_message_id else None
    infos = [info_from_dict(d) for d in json.loads(current.infos_json)] if current else []
    chosen = reading(infos, languages)
    original = primary_info(infos)
    return WarningOut(
        id=thread.id, source=thread.source, state=thread.state,
        msg_type=current.msg_type if current else "Alert",
        severity=Severity(thread.severity).word,
        categories=thread.categories.split(), topics=Topic(thread.topic_mask).names(),
        headline=thread.headline, event=original.event if original else "",
        reading=ReadingOut(**{k: getattr(chosen, k) for k in ReadingOut.model_fields}) if chosen else None,
        sent=thread.sent_at, expires=thread.expires_at, ended_at=thread.ended_at, public=thread.public,
        status=thread.status, scope=thread.scope, area=json.loads(thread.area_json),
        ortsteil_ids=thread.ortsteil_ids.split(), unresolved_geocodes=thread.unresolved_geocodes.split(),
        issuing_district=thread.issuing_district, version=thread.version, my_places=sorted(my_places),
    )


async def public_active(session: AsyncSession) -> list[WarningThread]:
    """The district's current public warnings: those concerning at least one of its places (a nationwide
    feed also carries warnings for other districts)."""
    return list((await session.exec(
        select(WarningThread).where(WarningThread.public == True, WarningThread.state == "active",  # noqa: E712
                                    col(WarningThread.ortsteil_ids) != "")
        .order_by(col(WarningThread.severity).desc(), col(WarningThread.sent_at).desc()).limit(500)
    )).all())


async def for_person(
    session: AsyncSession, person_id: uuid.UUID, now: datetime, gazetteer: Gazetteer
) -> list[tuple[WarningThread, list[str]]]:
    """Active public warnings covering one of the person's places, and those that ended in the last hours
    (with their all-clear); each with the person's places it concerns."""
    found = await subscriptions.get(session, person_id)
    if found is None:
        return []
    sub, places = found
    threads = (await session.exec(
        select(WarningThread).where(
            WarningThread.public == True,  # noqa: E712
            or_(WarningThread.state == "active",
                col(WarningThread.ended_at) >= now - ENDED_VISIBLE),
        ).limit(500)
    )).all()
    result: list[tuple[WarningThread, list[str]]] = []
    for thread in threads:
        if thread.severity < sub.min_severity or not thread.topic_mask & sub.topic_mask:
            continue
        target = target_from_json(json.loads(thread.area_json))
        mine = [p.label for p in places if (
            target.covers_area(p.ars, [(o.lat, o.lon) for o in gazetteer.ortsteile_in(p.ars)]) if p.kind == "area"
            else target.covers_point(p.lat, p.lon, p.radius_m, p.ars)
        )]
        if mine:
            result.append((thread, mine))
    result.sort(key=lambda t: (t[0].state != "active", -t[0].severity, -t[0].sent_at.timestamp()))
    return result

