"""Checkout: one request, split into one order per merchant, placed in one transaction.

Read phase (prices, delivery areas, rounds, totals, the person's cart lines and holds, the merchants'
webhook endpoints) → 409 PRICE_CHANGED when the total differs from what the customer saw → online
payment authorized per merchant order (outside the database transaction) → the orders built in memory
(`orders_for`, no I/O) → write phase (`write`, then `take_stock` last): each round joined by a
conditional UPDATE, orders, events, webhooks and ledger rows written, stock committed by conditional
UPDATEs in variant-id order as the last statements; any failure rolls everything back and voids the
authorizations. The write phase holds SQLite's one writer and, on PostgreSQL, the hot stock row's lock:
it does no reads and no work that could be done before it."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, case, delete, exists
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from eventcontracts.marketplace import OrderPlacedV1
from marketplace.crud import _sql, places, stock, webhooks
from marketplace.domain.money import TaxableAmount, vat_by_rate
from marketplace.models import (
    CartLine,
    CustomerOrder,
    DeliveryRound,
    Merchant,
    MerchantOrder,
    OrderLine,
    PickupPoint,
    Product,
    StockHold,
    Variant,
    WebhookEndpoint,
)
from marketplace.schemas import CheckoutIn, MerchantChoice
from places import Gazetteer
from platformkit.events import publish, write_published
from platformkit.problems import ProblemError

# Delivery is a service of its own here, taxed at the standard rate.
DELIVERY_FEE_VAT_RATE = 19
# The pricing query's flags per variant (see price).
IN_CART, HELD, HAS_ROUNDS, HAS_WEBHOOKS = 1, 2, 4, 8


@dataclass
class PricedLine:
    variant: Variant
    product: Product
    qty: int
    # Read with the prices, for the person checking out: whether the write phase has a cart line to remove
    # and a hold to consume.
    in_cart: bool = False
    held: bool = False

    @property
    def goods_cents(self) -> int:
        return self.variant.price_cents * self.qty

    @property
    def deposit_cents(self) -> int:
        return self.variant.deposit_cents * self.qty


@dataclass
class MerchantPart:
    merchant: Merchant
    choice: MerchantChoice
    lines: list[PricedLine] = field(default_factory=list)
    fee_cents: int = 0
    round: DeliveryRound | None = None
    # Whether the merchant has rounds from today on, and webhook endpoints (from the pricing query).
    has_rounds: bool = False
    has_webhooks: bool = False
    # The merchant's webhook endpoints (load_webhook_endpoints), read before the write phase.
    endpoints: list[WebhookEndpoint] = field(default_factory=list)

    @property
    def goods_cents(self) -> int:
        return sum(line.goods_cents for line in self.lines)

    @property
    def deposit_cents(self) -> int:
        return sum(line.deposit_cents for line in self.lines)

    @property
    def total_cents(self) -> int:
        return self.goods_cents + self.deposit_cents + self.fee_cents

    def vat(self) -> list[dict[str, int]]:
        amounts = [TaxableAmount(line.goods_cents + line.deposit_cents, line.variant.vat_rate) for line in self.lines]
        if self.fee_cents:
            amounts.append(TaxableAmount(self.fee_cents, DELIVERY_FEE_VAT_RATE))
        return [{"vat_rate": g.vat_rate, "gross_cents": g.gross_cents, "vat_cents": g.vat_cents,
                 "net_cents": g.net_cents} for g in vat_by_rate(amounts)]


def totals_of(parts: list[MerchantPart]) -> dict[str, object]:
    return {"total_cents": sum(p.total_cents for p in parts),
            "orders": [{"merchant_id": p.merchant.id, "goods_cents": p.goods_cents, "deposit_cents": p.deposit_cents,
                        "delivery_fee_cents": p.fee_cents, "total_cents": p.total_cents, "vat": p.vat()}
                       for p in parts]}


async def price(session: AsyncSession, *, body: CheckoutIn, gazetteer: Gazetteer, now: datetime,
                person_id: uuid.UUID) -> list[MerchantPart]:
    """Validate the checkout against the catalogue and the places, and price it (no writes). The same
    query finds the person's cart lines and unexpired holds of these goods (for the write phase)."""
    places.check_villages(gazetteer, [body.ortsteil_id], "body.ortsteil_id")
    quantities: dict[uuid.UUID, int] = {}
    for line in body.lines:
        quantities[line.variant_id] = quantities.get(line.variant_id, 0) + line.qty
    # One row per variant (a person has at most one cart line and one hold of each) with flags that spare
    # the checkout further statements: the person's cart line and hold of it, whether its merchant has
    # upcoming rounds and webhook endpoints.
    flags = (case((col(CartLine.qty).is_not(None), IN_CART), else_=0)
             + case((col(StockHold.qty).is_not(None), HELD), else_=0)
             + case((exists().where(col(DeliveryRound.merchant_id) == Variant.merchant_id,
                                    col(DeliveryRound.delivery_date) >= now.date()), HAS_ROUNDS), else_=0)
             + case((exists().where(col(WebhookEndpoint.merchant_id) == Variant.merchant_id,
                                    col(WebhookEndpoint.status).in_(webhooks.SENDING)), HAS_WEBHOOKS), else_=0))
    rows = (await session.exec(
        select(Variant, Product, Merchant, flags)
        .join(Product, col(Product.id) == Variant.product_id)
        .join(Merchant, col(Merchant.id) == Variant.merchant_id)
        .outerjoin(CartLine, and_(col(CartLine.variant_id) == Variant.id, col(CartLine.person_id) == person_id))
        .outerjoin(StockHold, and_(col(StockHold.variant_id) == Variant.id, col(StockHold.person_id) == person_id,
                                   col(StockHold.expires_at) > now))
        .where(col(Variant.id).in_(list(quantities))))).all()
    found = {variant.id: (variant, product, merchant, flag) for variant, product, merchant, flag in rows}
    choices = {c.merchant_id: c for c in body.choices}
    parts: dict[str, MerchantPart] = {}
    for index, line in enumerate(body.lines):
        hit = found.get(line.variant_id)
        if hit is None or hit[1].status != "published" or hit[2].status != "active":
            raise ProblemError(422, "NOT_ORDERABLE", "This item cannot be ordered (anymore).",
                               field=f"body.lines[{index}].variant_id")
        variant, product, merchant, flag = hit
        if merchant.id not in parts:
            choice = choices.get(merchant.id)
            if choice is None:
                raise ProblemError(422, "CHOICE_MISSING", f"Say how the goods of {merchant.name} reach you "
                                   "(delivery or pickup).", field="body.choices")
            parts[merchant.id] = MerchantPart(merchant=merchant, choice=choice, has_rounds=bool(flag & HAS_ROUNDS),
                                              has_webhooks=bool(flag & HAS_WEBHOOKS))
        if all(pl.variant.id != variant.id for pl in parts[merchant.id].lines):
            parts[merchant.id].lines.append(PricedLine(variant, product, quantities[variant.id],
                                                       in_cart=bool(flag & IN_CART), held=bool(flag & HELD)))
    for index, choice in enumerate(body.choices):
        if choice.merchant_id not in parts:
            raise ProblemError(422, "CHOICE_WITHOUT_GOODS", "No goods of this merchant are in the order.",
                               field=f"body.choices[{index}].merchant_id")
    for part in parts.values():
        await _fulfilment(session, part=part, body=body, now=now)
    return sorted(parts.values(), key=lambda p: p.merchant.id)


async def _fulfilment(session: AsyncSession, *, part: MerchantPart, body: CheckoutIn, now: datetime) -> None:
    choice = part.choice
    field_prefix = f"body.choices[{body.choices.index(choice)}]"
    if choice.fulfilment == "delivery":
        village = await places.delivery_village(session, merchant_id=part.merchant.id, ortsteil_id=body.ortsteil_id)
        if village is None:
            raise ProblemError(422, "NOT_IN_DELIVERY_AREA", f"{part.merchant.name} does not deliver to this "
                               "village; choose pickup.", field=f"{field_prefix}.fulfilment")
        if part.goods_cents < village.min_order_cents:
            raise ProblemError(422, "BELOW_MINIMUM_ORDER", f"{part.merchant.name} delivers from "
                               f"{village.min_order_cents} cents of goods.", field=f"{field_prefix}.fulfilment",
                               extra={"min_order_cents": village.min_order_cents})
        part.fee_cents = village.fee_cents
        if body.payment_method == "on_pickup":
            raise ProblemError(422, "PAYMENT_METHOD_MISMATCH", "Payment on pickup needs pickup.",
                               field="body.payment_method")
    else:
        # The point's owner only, not the entity (its merchant_id None: a district point open to everyone).
        point = (await session.exec(select(PickupPoint.id, PickupPoint.merchant_id).where(
            PickupPoint.id == choice.pickup_point_id))).first() if choice.pickup_point_id else None
        if point is None or point[1] not in (None, part.merchant.id):
            raise ProblemError(422, "UNKNOWN_PICKUP_POINT", "Choose one of the merchant's pickup points.",
                               field=f"{field_prefix}.pickup_point_id")
        if body.payment_method == "on_delivery":
            raise ProblemError(422, "PAYMENT_METHOD_MISMATCH", "Payment on delivery needs delivery.",
                               field="body.payment_method")
    if choice.round_id is not None:
        round_ = await session.get(DeliveryRound, choice.round_id)
        if round_ is None or round_.merchant_id != part.merchant.id:
            raise ProblemError(422, "UNKNOWN_ROUND", "This is not one of the merchant's rounds.",
                               field=f"{field_prefix}.round_id")
        part.round = round_
        return
    if not part.has_rounds:
        return  # a shop without rounds: orders any time
    upcoming = await places.open_rounds(session, merchant_id=part.merchant.id, now=now)
    if not upcoming:
        raise ProblemError(409, "NO_OPEN_ROUND", f"{part.merchant.name} takes no orders right now.",
                           field=f"{field_prefix}.round_id")
    part.round = upcoming[0]


def order_number(now: datetime) -> str:
    """Readable on the phone ("261125-3F9A0C71B2"): the day and 40 random bits, so that two of a
    thousand orders in one day share a number with a chance of about 1 in 2 million (the unique index
    refuses it)."""
    return f"{now:%y%m%d}-{secrets.token_hex(5).upper()}"


async def load_webhook_endpoints(session: AsyncSession, parts: list[MerchantPart]) -> None:
    """The merchants' webhook endpoints, read before the write phase (which then only writes)."""
    with_webhooks = [part.merchant.id for part in parts if part.has_webhooks]
    if not with_webhooks:
        return
    for endpoint in await webhooks.endpoints_of_merchants(session, with_webhooks):
        next(part for part in parts if part.merchant.id == endpoint.merchant_id).endpoints.append(endpoint)


@dataclass
class Placement:
    """A checkout's orders as they will be written (built in memory; ids and numbers chosen here)."""

    customer_order: CustomerOrder
    orders: list[tuple[MerchantPart, MerchantOrder, list[OrderLine]]]
    takes: list[stock.Take]


def orders_for(*, person_id: uuid.UUID, body: CheckoutIn, parts: list[MerchantPart], authorizations: dict[str, str],
               now: datetime) -> Placement:
    """The customer order, one order per merchant with its lines, and the stock to take (no I/O)."""
    customer_order = CustomerOrder(person_id=person_id, ortsteil_id=body.ortsteil_id,
                                   total_cents=sum(p.total_cents for p in parts), created_at=now)
    orders: list[tuple[MerchantPart, MerchantOrder, list[OrderLine]]] = []
    takes: list[stock.Take] = []
    for part in parts:
        order = MerchantOrder(
            number=order_number(now), customer_order_id=customer_order.id, merchant_id=part.merchant.id,
            person_id=person_id, round_id=part.round.id if part.round else None, fulfilment=part.choice.fulfilment,
            pickup_point_id=part.choice.pickup_point_id if part.choice.fulfilment == "pickup" else None,
            ortsteil_id=body.ortsteil_id, recipient_name=body.recipient_name, address=body.address, note=body.note,
            payment_method=body.payment_method,
            payment_state="authorized" if part.merchant.id in authorizations else "none",
            payment_ref=authorizations.get(part.merchant.id),
            authorized_cents=part.total_cents if part.merchant.id in authorizations else 0,
            goods_cents=part.goods_cents, deposit_cents=part.deposit_cents, delivery_fee_cents=part.fee_cents,
            total_cents=part.total_cents, vat=part.vat(), created_at=now, updated_at=now)
        lines = [OrderLine(
            merchant_order_id=order.id, variant_id=pl.variant.id, title=f"{pl.product.title}, {pl.variant.label}",
            unit_price_cents=pl.variant.price_cents, vat_rate=pl.variant.vat_rate,
            deposit_cents=pl.variant.deposit_cents, allergens=pl.product.allergens, qty=pl.qty,
            variable_weight=pl.variant.variable_weight, price_per_kg_cents=pl.variant.price_per_kg_cents,
            estimated_weight_g=pl.variant.estimated_weight_g, line_cents=pl.goods_cents) for pl in part.lines]
        takes += [stock.Take(pl.variant.id, pl.qty, pl.variant.price_cents, pl.variant.deposit_cents, order.number,
                             merchant_id=part.merchant.id, maybe_held=pl.held) for pl in part.lines]
        orders.append((part, order, lines))
    return Placement(customer_order, orders, takes)


async def write(session: AsyncSession, *, placement: Placement, person_id: uuid.UUID, now: datetime) -> None:
    """Write the orders, their events and webhooks; the caller then commits the stock (`take_stock`) last,
    so that the hot rows are locked (PostgreSQL) only for the end of the transaction. Raises CutoffPassed
    (the caller rolls back)."""
    for part, _order, _lines in placement.orders:
        if part.round is not None and not await places.join_round(
                session, round_id=part.round.id, merchant_id=part.merchant.id, now=now):
            raise CutoffPassed(part)
    # Added, not flushed: the stock UPDATE flushes them all at once (one INSERT per table).
    session.add(placement.customer_order)
    for part, order, lines in placement.orders:
        session.add(order)
        session.add_all(lines)
        await publish(session, OrderPlacedV1(
            order_id=order.id, order_number=order.number, merchant_id=order.merchant_id,
            customer_order_id=placement.customer_order.id, person_id=person_id, at=now,
            total_cents=order.total_cents, fulfilment=order.fulfilment, ortsteil_id=order.ortsteil_id,
            round_id=order.round_id))
        if part.endpoints:
            await webhooks.enqueue(session, merchant_id=order.merchant_id, event="order.placed",
                                   data=webhook_order(order, lines), now=now, endpoints=part.endpoints)
    await write_published(session)
    carted = [pl.variant.id for part, _order, _lines in placement.orders for pl in part.lines if pl.in_cart]
    if carted:
        await _sql.execute(session, delete(CartLine).where(col(CartLine.person_id) == person_id,
                                                           col(CartLine.variant_id).in_(carted)))


async def take_stock(session: AsyncSession, *, takes: list[stock.Take], person_id: uuid.UUID, threshold: int,
                     now: datetime) -> None:
    """The checkout's stock, in one pass in variant-id order. Raises stock.OutOfStock or stock.PriceMoved."""
    await stock.take(session, takes=takes, person_id=person_id, threshold=threshold, now=now)


class CutoffPassed(Exception):
    """The round closed before the order joined it. Carries plain values: the caller rolls back, which
    expires the rows."""

    def __init__(self, part: MerchantPart) -> None:
        super().__init__("round closed")
        self.merchant_id = part.merchant.id
        self.merchant_name = part.merchant.name
        self.choice = part.choice


def webhook_order(order: MerchantOrder, lines: list[OrderLine]) -> dict[str, object]:
    """What a merchant's system learns about an order (the recipient only for delivery)."""
    return {"id": order.id, "number": order.number, "state": order.state, "fulfilment": order.fulfilment,
            "ortsteil_id": order.ortsteil_id, "round_id": order.round_id, "total_cents": order.total_cents,
            "payment_method": order.payment_method, "partially_fulfilled": order.partially_fulfilled,
            "lines": [{"id": ln.id, "variant_id": ln.variant_id, "title": ln.title, "qty": ln.qty,
                       "qty_fulfilled": ln.qty_fulfilled, "line_cents": ln.line_cents} for ln in lines]}
