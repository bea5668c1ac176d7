"""Webhook subscriptions of merchants, delivered by platformkit.outbound (the platform's one sender:
written in the transaction of the change, Standard Webhooks signature, retries with backoff, delivery log,
SSRF guard at registration and at every send).

What marketplace adds: which endpoints want which events, and the endpoint's health — after
`webhook_disable_after_failures` failed attempts in a row the endpoint is disabled, the district is told
(audit entry, webhook health view), and its messages are held instead of dropped; turning it back on
sends them (to its current URL)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from fastapi.encoders import jsonable_encoder
from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from marketplace.crud import _sql
from marketplace.models import WebhookEndpoint
from platformkit import audit, outbound
from platformkit.context import service_settings
from platformkit.db import utcnow
from platformkit.tables import outbound_message

EVENTS = ("order.placed", "order.accepted", "order.cancelled", "order.packed", "order.completed",
          "stock.ran_low", "stock.ran_out")
REFERENCE = "webhook_endpoint:"
# Endpoints that get messages: active ones send them, disabled ones hold them.
SENDING = ("active", "disabled")
# Messages held while an endpoint is disabled get a fresh retry horizon when it is turned back on.
REPLAY_HORIZON = timedelta(hours=24)


def reference(endpoint_id: uuid.UUID) -> str:
    return f"{REFERENCE}{endpoint_id}"


async def check_target(url: str, allowed_networks: tuple[str, ...]) -> str:
    """The URL if it may be called (public address, https; see platformkit.outbound.guard)."""
    return str(await outbound.check_public_url(url, allowed_networks=outbound.parse_networks(allowed_networks)))


async def create_endpoint(session: AsyncSession, *, merchant_id: str, url: str, events: list[str]) -> WebhookEndpoint:
    endpoint = WebhookEndpoint(merchant_id=merchant_id, url=url, secret=outbound.new_webhook_secret(),
                               events=" ".join(sorted(set(events))))
    session.add(endpoint)
    await session.flush()
    return endpoint


async def endpoints_of(session: AsyncSession, merchant_id: str) -> list[WebhookEndpoint]:
    return list((await session.exec(select(WebhookEndpoint).where(WebhookEndpoint.merchant_id == merchant_id)
                                    .order_by(col(WebhookEndpoint.created_at)))).all())


async def endpoints_of_merchants(session: AsyncSession, merchant_ids: list[str]) -> list[WebhookEndpoint]:
    """The endpoints that get messages (active ones; disabled ones hold theirs) of these merchants."""
    return list((await session.exec(select(WebhookEndpoint).where(
        col(WebhookEndpoint.merchant_id).in_(merchant_ids),
        col(WebhookEndpoint.status).in_(SENDING)))).all())


async def enqueue(session: AsyncSession, *, merchant_id: str, event: str, data: dict[str, Any], now: datetime,
                  endpoints: Sequence[WebhookEndpoint] | None = None) -> int:
    """A message for every endpoint of the merchant that wants this event: sent when active, held (kept
    for later) while the endpoint is disabled after failures. `endpoints`: the merchant's, read before
    (endpoints_of_merchants) by a caller that keeps reads out of its transaction."""
    if endpoints is None:
        endpoints = await endpoints_of_merchants(session, [merchant_id])
    if not endpoints:
        return 0
    payload = {"type": event, "timestamp": now.isoformat(), "data": jsonable_encoder(data)}
    occurrence = uuid.uuid4()
    count = 0
    for endpoint in endpoints:
        wanted = endpoint.events.split()
        if wanted and event not in wanted:
            continue
        await outbound.enqueue(session, channel="webhook", target=endpoint.url, payload=payload,
                               dedupe_key=f"marketplace-webhook:{occurrence}:{endpoint.id}",
                               params={"secret": endpoint.secret}, reference=reference(endpoint.id),
                               hold=endpoint.status != "active")
        count += 1
    return count


async def on_outcome(session: AsyncSession, outcome: outbound.Outcome) -> None:
    """The sender's hook after every webhook attempt (in its transaction): keep the endpoint's health."""
    if outcome.channel != "webhook" or not (outcome.reference or "").startswith(REFERENCE):
        return
    endpoint = await session.get(WebhookEndpoint, uuid.UUID(str(outcome.reference)[len(REFERENCE):]))
    if endpoint is None:
        return
    if outcome.status == "sent":
        endpoint.consecutive_failures = 0
    else:
        endpoint.consecutive_failures += 1
        # The running service's settings (the hook is given only the session and the outcome).
        limit = int(getattr(service_settings.get(), "webhook_disable_after_failures", 8))
        if endpoint.status == "active" and endpoint.consecutive_failures >= limit:
            await disable(session, endpoint=endpoint, reason=f"{endpoint.consecutive_failures} failed attempts in "
                          "a row", now=utcnow())
    session.add(endpoint)


async def disable(session: AsyncSession, *, endpoint: WebhookEndpoint, reason: str, now: datetime) -> None:
    """Stop sending: queued messages are held (not dropped), the district sees it in the audit log and
    the webhook health view."""
    endpoint.status = "disabled"
    endpoint.disabled_reason = reason
    session.add(endpoint)
    await _sql.execute(session, update(outbound_message)
                       .where(outbound_message.c.reference == reference(endpoint.id),
                              outbound_message.c.status == "pending")
                       .values(status="held", claimed_until=None))
    audit.record(session, actor="marketplace", merchant_id=endpoint.merchant_id, action="webhook.disabled",
                 subject_id=endpoint.id, details={"url": endpoint.url, "reason": reason}, at=now)


async def reenable(session: AsyncSession, *, endpoint: WebhookEndpoint, now: datetime) -> int:
    """Turn an endpoint back on: its held and failed messages go out again, to its current URL."""
    endpoint.status = "active"
    endpoint.consecutive_failures = 0
    endpoint.disabled_reason = None
    session.add(endpoint)
    result = await _sql.execute(session, update(outbound_message)
                                .where(outbound_message.c.reference == reference(endpoint.id),
                                       outbound_message.c.status.in_(("held", "failed")))
                                .values(status="pending", target=endpoint.url, next_attempt_at=now,
                                        give_up_at=now + REPLAY_HORIZON, finished_at=None, claimed_until=None)
                                .returning(outbound_message.c.id))
    return len(result.all())


async def remove(session: AsyncSession, *, endpoint: WebhookEndpoint) -> int:
    """The merchant removed the endpoint: nothing more is sent to it (its log stays)."""
    endpoint.status = "removed"
    endpoint.disabled_reason = "removed by the merchant"
    session.add(endpoint)
    return await outbound.cancel(session, reference=reference(endpoint.id))


async def deliveries(session: AsyncSession, *, endpoint: WebhookEndpoint, limit: int,
                     before: datetime | None) -> list[dict[str, Any]]:
    """The endpoint's messages, newest first, each with its attempts (the delivery log)."""
    statement = outbound_message.select().where(outbound_message.c.reference == reference(endpoint.id))
    if before is not None:
        statement = statement.where(outbound_message.c.created_at < before)
    rows = (await _sql.execute(session, statement.order_by(outbound_message.c.created_at.desc(),
                                                            outbound_message.c.id).limit(limit))).mappings().all()
    result = []
    for row in rows:
        result.append({"id": row["id"], "event": _event_of(row["payload"]), "status": row["status"],
                       "attempts": row["attempts"], "next_attempt_at": row["next_attempt_at"],
                       "created_at": row["created_at"], "finished_at": row["finished_at"],
                       "log": list(await outbound.delivery_log(session, row["id"]))})
    return result


def _event_of(payload: str) -> str:
    import json

    try:
        return str(json.loads(payload).get("type", ""))
    except ValueError:
        return ""


async def health(session: AsyncSession) -> dict[tuple[str, str], int]:
    """Messages per endpoint reference and status."""
    rows = (await _sql.execute(session, select(outbound_message.c.reference, outbound_message.c.status, func.count())
                               .where(outbound_message.c.reference.like(f"{REFERENCE}%"))
                               .group_by(outbound_message.c.reference, outbound_message.c.status))).all()
    return {(str(ref), str(status)): int(count) for ref, status, count in map(tuple, rows)}
