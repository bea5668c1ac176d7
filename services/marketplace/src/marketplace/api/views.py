"""Helpers that load what a response shows (names, variants, dates) for a list of rows at once."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel.ext.asyncio.session import AsyncSession

from marketplace.crud import catalogue, orders
from marketplace.models import MerchantOrder, Product, WebhookEndpoint
from marketplace.schemas import AuditOut, MerchantOrderOut, ProductOut, WebhookOut
from marketplace.views import order_out, product_out
from platformkit.audit import AuditEntry


async def products_out(session: AsyncSession, products: Sequence[Product]) -> list[ProductOut]:
    variants = await catalogue.variants_of(session, [p.id for p in products])
    names = await orders.merchant_names(session, sorted({p.merchant_id for p in products}))
    return [product_out(p, variants[p.id], merchant_name=names.get(p.merchant_id)) for p in products]


async def orders_out(session: AsyncSession, rows: Sequence[MerchantOrder]) -> list[MerchantOrderOut]:
    names = await orders.merchant_names(session, sorted({o.merchant_id for o in rows}))
    dates = await orders.delivery_dates(session, [o.round_id for o in rows if o.round_id])
    result = []
    for order in rows:
        result.append(order_out(order, await orders.lines_of(session, order.id),
                                merchant_name=names.get(order.merchant_id),
                                delivery_date=dates.get(order.round_id) if order.round_id else None,
                                refunds_cents=await orders.refunded_cents(session, order.id)))
    return result


def webhook_out(endpoint: WebhookEndpoint) -> WebhookOut:
    return WebhookOut(id=endpoint.id, merchant_id=endpoint.merchant_id, url=endpoint.url,
                      events=endpoint.events.split(), status=endpoint.status,
                      consecutive_failures=endpoint.consecutive_failures, disabled_reason=endpoint.disabled_reason,
                      created_at=endpoint.created_at)


def audit_out(entry: AuditEntry) -> AuditOut:
    """An entry as the admin list has always shown it: `actor` is the person in the token, `acting_staff`
    the staff member acting for them; the merchant comes from the details."""
    details = dict(entry.details)
    merchant_id = details.pop("merchant_id", None)
    return AuditOut(
        id=entry.id, at=entry.at, actor=entry.on_behalf_of or entry.actor,
        acting_staff=entry.actor if entry.on_behalf_of else None,
        merchant_id=None if merchant_id is None else str(merchant_id), action=entry.action,
        target=entry.subject_id or "", detail=details,
    )
