"""The channels beside the live feed, through platformkit.outbound: signed webhooks to displays and other
systems, and Web Push to anonymous subscriptions (people without an account)."""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from typing import Any, Literal

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from alerts.config import AlertsSettings
from alerts.domain.matching import target_from_json
from alerts.domain.message import Severity
from alerts.models import Display, Subscription, WarningThread
from places import Gazetteer, area_prefix
from platformkit import outbound

Change = Literal["issued", "updated", "cancelled"]
# A display whose webhooks failed (after all retries) this many times in a row is switched off.
DISPLAY_FAILURES_BEFORE_DISABLING = 5


def _concerns(display: Display, thread: WarningThread, gazetteer: Gazetteer) -> bool:
    """Whether the warning concerns the display's area (none given: the whole district)."""
    if not display.ars:
        return True
    prefix = area_prefix(display.ars)
    for ortsteil_id in thread.ortsteil_ids.split():
        place = gazetteer.get_ortsteil(ortsteil_id)
        if place is not None and place.ars.startswith(prefix):
            return True
    target = target_from_json(json.loads(thread.area_json))
    return any(k.startswith(prefix) or prefix.startswith(k) for k in (*target.area_prefixes, *target.district_prefixes))


async def announce(
    session: AsyncSession, thread: WarningThread, change: Change, settings: AlertsSettings, gazetteer: Gazetteer
) -> int:
    """A webhook to every display the warning concerns; one per display, thread version and change."""
    displays = (await session.exec(select(Display).where(col(Display.enabled) == True))).all()  # noqa: E712
    base = settings.public_url.rstrip("/")
    payload: dict[str, Any] = {
        "type": f"alerts.warning.{change}",
        "data": {
            "thread_id": str(thread.id), "state": thread.state, "severity": Severity(thread.severity).word,
            "headline": thread.headline, "categories": thread.categories.split(),
            "sent": thread.sent_at.isoformat(), "expires": thread.expires_at.isoformat() if thread.expires_at else None,
            "ortsteil_ids": thread.ortsteil_ids.split(), "link": f"{base}/alerts/warnings/{thread.id}",
        },
    }
    sent = 0
    for display in displays:
        if not _concerns(display, thread, gazetteer):
            continue
        await outbound.enqueue(
            session, channel="webhook", target=display.url, payload=payload, params={"secret": display.secret},
            dedupe_key=f"display:{display.id}:{thread.id}:{thread.version}:{change}",
            reference=f"display:{display.id}",
        )
        sent += 1
    return sent


async def on_outcome(session: AsyncSession, outcome: outbound.Outcome) -> None:
    """A display that keeps failing is switched off (its queued messages dropped); a push subscription the
    push service says is gone (404/410) is deleted."""
    if outcome.reference is None:
        return
    kind, _, ident = outcome.reference.partition(":")
    if kind == "display" and outcome.channel == "webhook":
        display = await session.get(Display, uuid.UUID(ident))
        if display is None:
            return
        if outcome.status == "sent":
            display.consecutive_failures = 0
        elif outcome.final:
            display.consecutive_failures += 1
            if display.consecutive_failures >= DISPLAY_FAILURES_BEFORE_DISABLING:
                display.enabled = False
                await outbound.cancel(session, reference=outcome.reference)
        session.add(display)
    elif kind == "subscription" and outcome.channel == "webpush" and outcome.status_code in (404, 410):
        from alerts.crud import subscriptions

        sub = await session.get(Subscription, uuid.UUID(ident))
        if sub is not None:
            await subscriptions.remove(session, sub.person_id)


def new_token() -> tuple[str, str]:
    """A token for the holder of an anonymous subscription, and its hash to store."""
    token = secrets.token_urlsafe(32)
    return token, hashlib.sha256(token.encode()).hexdigest()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def anonymous_targets(session: AsyncSession, people: list[uuid.UUID]) -> dict[uuid.UUID, tuple[uuid.UUID, str]]:
    """Of these recipients, the anonymous ones: their subscription id and push target."""
    found: dict[uuid.UUID, tuple[uuid.UUID, str]] = {}
    for start in range(0, len(people), 500):
        rows = (await session.exec(select(Subscription).where(
            col(Subscription.person_id).in_(people[start:start + 500]), col(Subscription.push_target).is_not(None)
        ))).all()
        for sub in rows:
            assert sub.push_target is not None
            found[sub.person_id] = (sub.id, sub.push_target)
    return found
