"""Webhook subscriptions and their outbox: a delivery row per endpoint is written in the transaction of
the change (so a webhook goes out exactly when the change commits), then sent and retried by `send_due`.

Built inside marketplace on its own outbox table because platformkit's shared outbound sender was not
there yet; the shape (endpoint, delivery, attempt log, claim by conditional UPDATE) is meant to move to
it unchanged."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from fastapi.encoders import jsonable_encoder
from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from marketplace.crud import _sql
from marketplace.domain import webhooks as signing
from marketplace.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from platformkit.db import Database

EVENTS = ("order.placed", "order.accepted", "order.cancelled", "order.packed", "order.completed",
          "stock.ran_low", "stock.ran_out")
CLAIM = timedelta(seconds=60)


async def resolve(host: str, port: int) -> list[str]:
    try:
        ipaddress.ip_address(host)
        return [host]
    except ValueError:
        pass
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        return []
    return sorted({str(info[4][0]) for info in infos})


@dataclass(frozen=True)
class TargetRules:
    allow_http: bool
    allowed: tuple[str, ...]


async def check_target(url: str, rules: TargetRules) -> tuple[str, int, list[str]]:
    """The target's host, port and addresses, or UnsafeTarget (private, loopback, link-local...)."""
    host, port = signing.check_url_shape(url, allow_http=rules.allow_http)
    addresses = await resolve(host, port)
    signing.check_addresses(host, port, addresses, allowed=rules.allowed)
    return host, port, addresses


async def create_endpoint(session: AsyncSession, *, merchant_id: str, url: str, events: list[str]) -> WebhookEndpoint:
    endpoint = WebhookEndpoint(merchant_id=merchant_id, url=url, secret=signing.new_secret(),
                               events=" ".join(sorted(set(events))))
    session.add(endpoint)
    await session.flush()
    return endpoint


async def endpoints_of(session: AsyncSession, merchant_id: str) -> list[WebhookEndpoint]:
    return list((await session.exec(select(WebhookEndpoint).where(WebhookEndpoint.merchant_id == merchant_id)
                                    .order_by(col(WebhookEndpoint.created_at)))).all())


async def enqueue(session: AsyncSession, *, merchant_id: str, event: str, data: dict[str, Any], now: datetime) -> int:
    """A delivery for every active endpoint of the merchant that wants this event."""
    endpoints = (await session.exec(select(WebhookEndpoint).where(
        WebhookEndpoint.merchant_id == merchant_id, WebhookEndpoint.status == "active"))).all()
    count = 0
    for endpoint in endpoints:
        wanted = endpoint.events.split()
        if wanted and event not in wanted:
            continue
        message_id = "msg_" + secrets.token_hex(12)
        payload = json.dumps({"type": event, "timestamp": now.isoformat(), "data": jsonable_encoder(data)},
                             separators=(",", ":"))
        session.add(WebhookDelivery(id=message_id, endpoint_id=endpoint.id, merchant_id=merchant_id, event=event,
                                    payload=payload, next_attempt_at=now, created_at=now))
        count += 1
    return count


async def _claim_due(db: Database, now: datetime, limit: int) -> list[str]:
    """Take due deliveries for this sender with a conditional UPDATE each (another replica's claim wins
    or ours does, never both)."""
    async with db.transaction() as session:
        due = (await session.exec(select(WebhookDelivery.id).where(
            WebhookDelivery.status == "pending", col(WebhookDelivery.next_attempt_at) <= now,
            col(WebhookDelivery.claimed_until).is_(None) | (col(WebhookDelivery.claimed_until) <= now))
            .order_by(col(WebhookDelivery.next_attempt_at)).limit(limit))).all()
        taken = []
        for delivery_id in due:
            result = await _sql.execute(session,
                update(WebhookDelivery).where(
                    col(WebhookDelivery.id) == delivery_id, col(WebhookDelivery.status) == "pending",
                    col(WebhookDelivery.claimed_until).is_(None) | (col(WebhookDelivery.claimed_until) <= now))
                .values(claimed_until=now + CLAIM).returning(col(WebhookDelivery.id)))
            if result.first() is not None:
                taken.append(delivery_id)
        return taken


async def send_due(db: Database, *, http: httpx.AsyncClient, rules: TargetRules, attempt_timeout: float,
                   disable_after: int, now: Callable[[], datetime], limit: int = 50) -> int:
    """Send every due delivery once; returns how many were attempted."""
    taken = await _claim_due(db, now(), limit)
    for delivery_id in taken:
        await _attempt(db, delivery_id, http=http, rules=rules, attempt_timeout=attempt_timeout,
                       disable_after=disable_after, now=now)
    return len(taken)


async def _attempt(db: Database, delivery_id: str, *, http: httpx.AsyncClient, rules: TargetRules,
                   attempt_timeout: float, disable_after: int, now: Callable[[], datetime]) -> None:
    async with db.read_sessions() as session:
        delivery = await session.get(WebhookDelivery, delivery_id)
        assert delivery is not None
        endpoint = await session.get(WebhookEndpoint, delivery.endpoint_id)
        assert endpoint is not None
    status_code: int | None = None
    error: str | None = None
    started = time.monotonic()
    if endpoint.status != "active":
        error = "endpoint disabled"
    else:
        try:
            # Checked again right before sending: the name may resolve elsewhere now (DNS rebinding).
            # The request goes to the address we checked, with the name kept for Host and TLS.
            host, _port, addresses = await check_target(endpoint.url, rules)
            body = delivery.payload.encode()
            headers = signing.headers(endpoint.secret, delivery.id, int(now().timestamp()), body)
            url = httpx.URL(endpoint.url)
            headers["host"] = url.netloc.decode()
            response = await http.post(url.copy_with(host=addresses[0]), content=body, headers=headers,
                                       timeout=attempt_timeout, follow_redirects=False,
                                       extensions={"sni_hostname": host})
            status_code = response.status_code
            if not 200 <= status_code < 300:
                error = f"answered {status_code}"
        except signing.UnsafeTarget as refused:
            error = f"refused: {refused}"
        except httpx.TimeoutException:
            error = "timed out"
        except httpx.HTTPError as failed:
            error = f"failed: {type(failed).__name__}"
    elapsed_ms = int((time.monotonic() - started) * 1000)
    at = now()
    async with db.transaction() as session:
        delivery = await session.get(WebhookDelivery, delivery_id)
        endpoint = await session.get(WebhookEndpoint, delivery.endpoint_id) if delivery else None
        assert delivery is not None and endpoint is not None
        delivery.attempts += 1
        delivery.claimed_until = None
        session.add(WebhookAttempt(delivery_id=delivery.id, attempt=delivery.attempts, at=at,
                                   status_code=status_code, error=error, duration_ms=elapsed_ms))
        if error is None:
            delivery.status = "delivered"
            delivery.delivered_at = at
            endpoint.consecutive_failures = 0
        else:
            endpoint.consecutive_failures += 1
            if endpoint.status == "active" and endpoint.consecutive_failures >= disable_after:
                endpoint.status = "disabled"
                endpoint.disabled_reason = f"{endpoint.consecutive_failures} failed deliveries in a row"
                await _alert_operators(session, endpoint, at)
            if endpoint.status != "active":
                # Kept, not dropped: replayable once the merchant fixed the receiver and re-enabled it.
                delivery.status = "held"
            else:
                delivery.next_attempt_at = at + timedelta(seconds=signing.backoff_seconds(delivery.attempts))
        session.add(delivery)
        session.add(endpoint)


async def _alert_operators(session: AsyncSession, endpoint: WebhookEndpoint, at: datetime) -> None:
    from marketplace.models import AuditEntry

    session.add(AuditEntry(actor="marketplace", merchant_id=endpoint.merchant_id, action="webhook.disabled",
                           target=str(endpoint.id), detail={"url": endpoint.url,
                                                            "failures": endpoint.consecutive_failures}, at=at))


async def reenable(session: AsyncSession, *, endpoint: WebhookEndpoint, now: datetime) -> int:
    """Turn an endpoint back on and queue its held deliveries again."""
    endpoint.status = "active"
    endpoint.consecutive_failures = 0
    endpoint.disabled_reason = None
    session.add(endpoint)
    result = await _sql.execute(session,
        update(WebhookDelivery).where(col(WebhookDelivery.endpoint_id) == endpoint.id,
                                      col(WebhookDelivery.status) == "held")
        .values(status="pending", next_attempt_at=now).returning(col(WebhookDelivery.id)))
    return len(result.all())

