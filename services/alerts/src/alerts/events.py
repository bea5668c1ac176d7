"""Events alerts publishes (through the transactional outbox, in the caller's transaction) — and, with each,
the webhooks to displays. The contracts live in eventcontracts.alerts."""

from __future__ import annotations

import json
from typing import Any, Literal

from sqlmodel.ext.asyncio.session import AsyncSession

from alerts.crud import channels
from alerts.crud.context import Ingest
from alerts.domain.matching import Topic, target_from_json
from alerts.domain.message import Severity
from alerts.models import WarningThread
from eventcontracts.alerts import WarningArea, WarningCancelledV1, WarningIssuedV1, WarningUpdatedV1
from platformkit.events import Consumer, publish

SeverityWord = Literal["Extreme", "Severe", "Moderate", "Minor", "Unknown"]


def _area(thread: WarningThread) -> WarningArea:
    target = target_from_json(json.loads(thread.area_json))
    box = target.bbox
    return WarningArea(
        ortsteil_ids=thread.ortsteil_ids.split(),
        ars=[*target.area_prefixes, *target.district_prefixes],
        bbox=None if box is None else [box.min_lat, box.min_lon, box.max_lat, box.max_lon],
    )


def _fields(thread: WarningThread) -> dict[str, Any]:
    word: SeverityWord = Severity(thread.severity).word  # type: ignore[assignment]
    return {
        "thread_id": thread.id,
        "source": thread.source,
        "severity": word,
        "categories": thread.categories.split(),
        "topics": Topic(thread.topic_mask).names(),
        "headline": thread.headline,
        "area": _area(thread),
        "expires": thread.expires_at,
        "sent": thread.sent_at,
    }


async def warning_issued(session: AsyncSession, thread: WarningThread, ctx: Ingest) -> None:
    await publish(session, WarningIssuedV1(**_fields(thread)))
    await channels.announce(session, thread, "issued", ctx.settings, ctx.gazetteer)


async def warning_updated(session: AsyncSession, thread: WarningThread, ctx: Ingest) -> None:
    await publish(session, WarningUpdatedV1(**_fields(thread)))
    await channels.announce(session, thread, "updated", ctx.settings, ctx.gazetteer)


async def warning_ended(
    session: AsyncSession, thread: WarningThread, reason: Literal["cancelled", "expired", "ended"], ctx: Ingest
) -> None:
    await publish(session, WarningCancelledV1(thread_id=thread.id, reason=reason, ended_at=ctx.now))
    await channels.announce(session, thread, "cancelled", ctx.settings, ctx.gazetteer)


# A person's erasure is consumed by platformkit for every service with personal data (crud/personal.py).
consumers: list[Consumer[Any]] = []
