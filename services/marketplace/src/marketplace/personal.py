"""The personal-data contract (platformkit.personal_data): a person's carts, holds and orders, and the
merchants they applied for.

Erasure cancels what lies ahead (open orders before handover, with their stock put back; cart and holds
dropped) and anonymises the past (orders keep their merchant, lines and totals, without the person,
name, address or note), so that merchants' books and the district's aggregates stay right. A merchant
the person applied for is a business and stays; only the link to its applicant goes."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from marketplace.crud import _sql, orders, stock
from marketplace.domain.lifecycle import RESTOCKABLE_STATES
from marketplace.models import CartLine, CustomerOrder, Merchant, MerchantOrder, OrderLine, Product, StockHold, Variant
from platformkit import audit
from platformkit.db import utcnow
from platformkit.personal_data import PersonalData


async def export(session: AsyncSession, person_id: uuid.UUID) -> dict[str, Any]:
    cart = (await session.exec(select(CartLine).where(CartLine.person_id == person_id))).all()
    holds = (await session.exec(select(StockHold).where(StockHold.person_id == person_id))).all()
    mine = (await session.exec(select(MerchantOrder).where(MerchantOrder.person_id == person_id)
                               .order_by(col(MerchantOrder.created_at)))).all()
    result_orders = []
    for order in mine:
        lines = await orders.lines_of(session, order.id)
        result_orders.append({
            "number": order.number, "merchant_id": order.merchant_id, "state": order.state,
            "created_at": order.created_at.isoformat(), "fulfilment": order.fulfilment,
            "ortsteil_id": order.ortsteil_id, "recipient_name": order.recipient_name, "address": order.address,
            "note": order.note, "payment_method": order.payment_method, "total_cents": order.total_cents,
            "lines": [{"title": ln.title, "qty": ln.qty, "line_cents": ln.line_cents} for ln in lines]})
    applied = (await session.exec(select(Merchant).where(Merchant.applicant_id == person_id)
                                  .order_by(col(Merchant.created_at)))).all()
    return {
        "merchants_applied_for": [{"merchant_id": m.id, "name": m.name, "status": m.status,
                                   "applied_at": m.created_at.isoformat()} for m in applied],
        "cart": [{"variant_id": str(c.variant_id), "qty": c.qty} for c in cart],
        "stock_holds": [{"variant_id": str(h.variant_id), "qty": h.qty, "expires_at": h.expires_at.isoformat()}
                        for h in holds],
        "orders": result_orders,
    }


async def erase(session: AsyncSession, person_id: uuid.UUID, erased_at: datetime) -> dict[str, int]:
    counts = {"orders_cancelled": 0, "orders_anonymised": 0, "cart_lines_removed": 0, "holds_released": 0,
              "merchants_unlinked": 0}
    open_ids = (await session.exec(select(MerchantOrder.id).where(
        MerchantOrder.person_id == person_id,
        col(MerchantOrder.state).in_([s.value for s in RESTOCKABLE_STATES])))).all()
    # Anonymise first, so that the cancellations' events and webhooks carry no trace of the person.
    anonymised = await _sql.execute(session,
        update(MerchantOrder).where(col(MerchantOrder.person_id) == person_id)
        .values(person_id=None, recipient_name=None, address=None, note=None).returning(col(MerchantOrder.id)))
    counts["orders_anonymised"] = len(anonymised.all())
    await _sql.execute(session, update(CustomerOrder).where(col(CustomerOrder.person_id) == person_id)
                          .values(person_id=None))
    for order_id in open_ids:
        order = await orders.get_order(session, order_id)
        assert order is not None
        # Authorizations of cancelled online orders lapse at the provider (never captured).
        await orders.cancel(session, order=order, by="erasure", reason=None, restock=True, reject=False,
                            now=erased_at)
        counts["orders_cancelled"] += 1
    counts["holds_released"] = await stock.release_holds(session, person_id=person_id)
    removed = await _sql.execute(session, delete(CartLine).where(col(CartLine.person_id) == person_id)
                                    .returning(col(CartLine.variant_id)))
    counts["cart_lines_removed"] = len(removed.all())
    unlinked = await _sql.execute(session, update(Merchant).where(col(Merchant.applicant_id) == person_id)
                                  .values(applicant_id=None).returning(col(Merchant.id)))
    counts["merchants_unlinked"] = len(unlinked.all())
    return counts


async def example(session: AsyncSession, person_id: uuid.UUID) -> list[str]:
    """A merchant they applied for, a completed order in the past, an open order for later (stock taken), a
    cart line, a hold, and the audit entry of the application."""
    now = utcnow()
    tag = person_id.hex[-6:]
    name, address, note = f"Gertrud Neumann {tag}", f"Dorfstraße {tag}, 17291 Gramzow", f"Bitte klingeln {tag}"
    merchant = Merchant(id=f"m-example-{secrets.token_hex(4)}", name="Beispielhof", kind="producer", status="active",
                        ortsteil_id="ot-gramzow-gramzow", applicant_id=person_id)
    session.add(merchant)
    await session.flush()
    product = Product(merchant_id=merchant.id, title="Eier", category="eier", is_food=True, ingredients="Eier",
                      allergens="eggs", status="published")
    session.add(product)
    await session.flush()
    variant = Variant(product_id=product.id, merchant_id=merchant.id, label="10 Stück", price_cents=320, vat_rate=7,
                      on_hand=20)
    session.add(variant)
    await session.flush()
    for state, when, qty in (("completed", now - timedelta(days=30), 1), ("placed", now, 2)):
        customer_order = CustomerOrder(person_id=person_id, ortsteil_id="ot-gramzow-gramzow", total_cents=320 * qty,
                                       created_at=when)
        session.add(customer_order)
        await session.flush()
        order = MerchantOrder(number=f"EX-{secrets.token_hex(5).upper()}", customer_order_id=customer_order.id,
                              merchant_id=merchant.id, person_id=person_id, fulfilment="delivery",
                              ortsteil_id="ot-gramzow-gramzow", recipient_name=name,
                              address=address, note=note, state=state,
                              payment_method="on_delivery", goods_cents=320 * qty, deposit_cents=0,
                              delivery_fee_cents=0, total_cents=320 * qty, created_at=when, updated_at=when)
        session.add(order)
        await session.flush()
        session.add(OrderLine(merchant_order_id=order.id, variant_id=variant.id, title="Eier, 10 Stück",
                              unit_price_cents=320, vat_rate=7, qty=qty, line_cents=320 * qty))
    await _sql.execute(session, update(Variant).where(col(Variant.id) == variant.id)
                       .values(on_hand=Variant.on_hand - 2))
    session.add(CartLine(person_id=person_id, variant_id=variant.id, qty=1))
    audit.record(session, actor=str(person_id), action="merchant.applied", subject_id=merchant.id,
                 merchant_id=merchant.id)
    await stock.hold(session, person_id=person_id, variant_id=variant.id, qty=1, expires_at=now + timedelta(hours=1))
    return [name, address, note]


personal_data = PersonalData(export=export, erase=erase, example=example)
