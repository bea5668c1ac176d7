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
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, bindparam, case, delete, exists, insert, select
from sqlmodel import col
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
from marketplace.schemas import CheckoutIn, MerchantChoice, MerchantOrderOut, OrderLineOut
from marketplace.views import placed_order_out
from places import Gazetteer
from platformkit.events import publish, write_published
from platformkit.problems import ProblemError

# Delivery is a service of its own here, taxed at the standard rate.
DELIVERY_FEE_VAT_RATE = 19
# The pricing query's flags per variant (see price).
IN_CART, HELD, HAS_ROUNDS, HAS_WEBHOOKS = 1, 2, 4, 8

# The checkout's statements are built once (every request only binds its values): building and
# cache-keying a statement of this size costs more Python than executing it. Rows are read and written
# with Core, not as ORM entities: a checkout needs a few columns and writes rows it never changes again.
# One row per variant (a person has at most one cart line and one hold of each) with flags that spare the
# checkout further statements: the person's cart line and hold of it, whether its merchant has upcoming
# rounds and webhook endpoints.
_PRICING = (
    select(col(Variant.id), col(Variant.label), col(Variant.price_cents), col(Variant.deposit_cents),
           col(Variant.vat_rate), col(Variant.variable_weight), col(Variant.price_per_kg_cents),
           col(Variant.estimated_weight_g), col(Variant.merchant_id), col(Product.title), col(Product.allergens),
           col(Product.status).label("product_status"), col(Merchant.name).label("merchant_name"),
           col(Merchant.status).label("merchant_status"),
           (case((col(CartLine.qty).is_not(None), IN_CART), else_=0)
            + case((col(StockHold.qty).is_not(None), HELD), else_=0)
            + case((exists().where(col(DeliveryRound.merchant_id) == Variant.merchant_id,
                                   col(DeliveryRound.delivery_date) >= bindparam("today")), HAS_ROUNDS), else_=0)
            + case((exists().where(col(WebhookEndpoint.merchant_id) == Variant.merchant_id,
                                   col(WebhookEndpoint.status).in_(webhooks.SENDING)), HAS_WEBHOOKS), else_=0)
            ).label("flags"))
    .join(Product, col(Product.id) == Variant.product_id)
    .join(Merchant, col(Merchant.id) == Variant.merchant_id)
    .outerjoin(CartLine, and_(col(CartLine.variant_id) == Variant.id,
                              col(CartLine.person_id) == bindparam("person_id")))
    .outerjoin(StockHold, and_(col(StockHold.variant_id) == Variant.id,
                               col(StockHold.person_id) == bindparam("person_id"),
                               col(StockHold.expires_at) > bindparam("now")))
    .where(col(Variant.id).in_(bindparam("variant_ids", expanding=True))))
# The point's owner only (None: a district point open to everyone).
_POINT_OWNER = select(col(PickupPoint.merchant_id)).where(col(PickupPoint.id) == bindparam("point_id"))
_INSERT_CUSTOMER_ORDER = insert(CustomerOrder)
_INSERT_ORDERS = insert(MerchantOrder)
_INSERT_LINES = insert(OrderLine)


@dataclass
class PricedLine:
    """One variant of the checkout as priced now (the pricing query's columns)."""

    variant_id: uuid.UUID
    # What the order line is called: "<product>, <variant>".
    title: str
    price_cents: int
    deposit_cents: int
    vat_rate: int
    allergens: str | None
    variable_weight: bool
    price_per_kg_cents: int | None
    estimated_weight_g: int | None
    qty: int
    # Read with the prices, for the person checking out: whether the write phase has a cart line to remove
    # and a hold to consume.
    in_cart: bool = False
    held: bool = False

    @property
    def goods_cents(self) -> int:
        return self.price_cents * self.qty

    @property
    def deposit_total_cents(self) -> int:
        return self.deposit_cents * self.qty


@dataclass
class MerchantPart:
    merchant_id: str
    merchant_name: str
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
        return sum(line.deposit_total_cents for line in self.lines)

    @property
    def total_cents(self) -> int:
        return self.goods_cents + self.deposit_cents + self.fee_cents

    def vat(self) -> list[dict[str, int]]:
        amounts = [TaxableAmount(line.goods_cents + line.deposit_total_cents, line.vat_rate) for line in self.lines]
        if self.fee_cents:
            amounts.append(TaxableAmount(self.fee_cents, DELIVERY_FEE_VAT_RATE))
        return [{"vat_rate": g.vat_rate, "gross_cents": g.gross_cents, "vat_cents": g.vat_cents,
                 "net_cents": g.net_cents} for g in vat_by_rate(amounts)]


def totals_of(parts: list[MerchantPart]) -> dict[str, object]:
    return {"total_cents": sum(p.total_cents for p in parts),
            "orders": [{"merchant_id": p.merchant_id, "goods_cents": p.goods_cents, "deposit_cents": p.deposit_cents,
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
    rows = (await (await session.connection()).execute(_PRICING, {
        "variant_ids": list(quantities), "person_id": person_id, "now": now, "today": now.date()})).all()
    found = {row.id: row for row in rows}
    choices = {c.merchant_id: c for c in body.choices}
    parts: dict[str, MerchantPart] = {}
    for index, line in enumerate(body.lines):
        row = found.get(line.variant_id)
        if row is None or row.product_status != "published" or row.merchant_status != "active":
            raise ProblemError(422, "NOT_ORDERABLE", "This item cannot be ordered (anymore).",
                               field=f"body.lines[{index}].variant_id")
        part = parts.get(row.merchant_id)
        if part is None:
            choice = choices.get(row.merchant_id)
            if choice is None:
                raise ProblemError(422, "CHOICE_MISSING", f"Say how the goods of {row.merchant_name} reach you "
                                   "(delivery or pickup).", field="body.choices")
            part = parts[row.merchant_id] = MerchantPart(
                merchant_id=row.merchant_id, merchant_name=row.merchant_name, choice=choice,
                has_rounds=bool(row.flags & HAS_ROUNDS), has_webhooks=bool(row.flags & HAS_WEBHOOKS))
        if all(pl.variant_id != row.id for pl in part.lines):
            part.lines.append(PricedLine(
                variant_id=row.id, title=f"{row.title}, {row.label}", price_cents=row.price_cents,
                deposit_cents=row.deposit_cents, vat_rate=row.vat_rate, allergens=row.allergens,
                variable_weight=row.variable_weight, price_per_kg_cents=row.price_per_kg_cents,
                estimated_weight_g=row.estimated_weight_g, qty=quantities[row.id],
                in_cart=bool(row.flags & IN_CART), held=bool(row.flags & HELD)))
    for index, choice in enumerate(body.choices):
        if choice.merchant_id not in parts:
            raise ProblemError(422, "CHOICE_WITHOUT_GOODS", "No goods of this merchant are in the order.",
                               field=f"body.choices[{index}].merchant_id")
    for part in parts.values():
        await _fulfilment(session, part=part, body=body, now=now)
    return sorted(parts.values(), key=lambda p: p.merchant_id)


async def _fulfilment(session: AsyncSession, *, part: MerchantPart, body: CheckoutIn, now: datetime) -> None:
    choice = part.choice
    field_prefix = f"body.choices[{body.choices.index(choice)}]"
    if choice.fulfilment == "delivery":
        village = await places.delivery_village(session, merchant_id=part.merchant_id, ortsteil_id=body.ortsteil_id)
        if village is None:
            raise ProblemError(422, "NOT_IN_DELIVERY_AREA", f"{part.merchant_name} does not deliver to this "
                               "village; choose pickup.", field=f"{field_prefix}.fulfilment")
        if part.goods_cents < village.min_order_cents:
            raise ProblemError(422, "BELOW_MINIMUM_ORDER", f"{part.merchant_name} delivers from "
                               f"{village.min_order_cents} cents of goods.", field=f"{field_prefix}.fulfilment",
                               extra={"min_order_cents": village.min_order_cents})
        part.fee_cents = village.fee_cents
        if body.payment_method == "on_pickup":
            raise ProblemError(422, "PAYMENT_METHOD_MISMATCH", "Payment on pickup needs pickup.",
                               field="body.payment_method")
    else:
        point = (await (await session.connection()).execute(_POINT_OWNER, {"point_id": choice.pickup_point_id})
                 ).first() if choice.pickup_point_id else None
        if point is None or point.merchant_id not in (None, part.merchant_id):
            raise ProblemError(422, "UNKNOWN_PICKUP_POINT", "Choose one of the merchant's pickup points.",
                               field=f"{field_prefix}.pickup_point_id")
        if body.payment_method == "on_delivery":
            raise ProblemError(422, "PAYMENT_METHOD_MISMATCH", "Payment on delivery needs delivery.",
                               field="body.payment_method")
    if choice.round_id is not None:
        round_ = await session.get(DeliveryRound, choice.round_id)
        if round_ is None or round_.merchant_id != part.merchant_id:
            raise ProblemError(422, "UNKNOWN_ROUND", "This is not one of the merchant's rounds.",
                               field=f"{field_prefix}.round_id")
        part.round = round_
        return
    if not part.has_rounds:
        return  # a shop without rounds: orders any time
    upcoming = await places.open_rounds(session, merchant_id=part.merchant_id, now=now)
    if not upcoming:
        raise ProblemError(409, "NO_OPEN_ROUND", f"{part.merchant_name} takes no orders right now.",
                           field=f"{field_prefix}.round_id")
    part.round = upcoming[0]


def order_number(now: datetime) -> str:
    """Readable on the phone ("261125-3F9A0C71B2"): the day and 40 random bits, so that two of a
    thousand orders in one day share a number with a chance of about 1 in 2 million (the unique index
    refuses it)."""
    return f"{now:%y%m%d}-{secrets.token_hex(5).upper()}"


async def load_webhook_endpoints(session: AsyncSession, parts: list[MerchantPart]) -> None:
    """The merchants' webhook endpoints, read before the write phase (which then only writes)."""
    with_webhooks = [part.merchant_id for part in parts if part.has_webhooks]
    if not with_webhooks:
        return
    for endpoint in await webhooks.endpoints_of_merchants(session, with_webhooks):
        next(part for part in parts if part.merchant_id == endpoint.merchant_id).endpoints.append(endpoint)


@dataclass
class PlacedOrder:
    """One merchant's order as the checkout writes it: its rows (column values, inserted with Core) and
    what the customer is answered."""

    part: MerchantPart
    row: dict[str, Any]
    lines: list[dict[str, Any]]
    out: MerchantOrderOut


@dataclass
class Placement:
    """A checkout's orders as they will be written (built in memory; ids and numbers chosen here)."""

    customer_order: dict[str, Any]
    orders: list[PlacedOrder]
    takes: list[stock.Take]


def orders_for(*, person_id: uuid.UUID, body: CheckoutIn, parts: list[MerchantPart], authorizations: dict[str, str],
               now: datetime) -> Placement:
    """The customer order, one order per merchant with its lines, and the stock to take (no I/O)."""
    customer_order: dict[str, Any] = {
        "id": uuid.uuid4(), "person_id": person_id, "ortsteil_id": body.ortsteil_id,
        "total_cents": sum(p.total_cents for p in parts), "created_at": now}
    orders: list[PlacedOrder] = []
    takes: list[stock.Take] = []
    for part in parts:
        authorized = part.merchant_id in authorizations
        order: dict[str, Any] = {
            "id": uuid.uuid4(), "number": order_number(now), "customer_order_id": customer_order["id"],
            "merchant_id": part.merchant_id, "person_id": person_id, "round_id": part.round.id if part.round else None,
            "fulfilment": part.choice.fulfilment,
            "pickup_point_id": part.choice.pickup_point_id if part.choice.fulfilment == "pickup" else None,
            "ortsteil_id": body.ortsteil_id, "recipient_name": body.recipient_name, "address": body.address,
            "note": body.note, "state": "placed", "payment_method": body.payment_method,
            "payment_state": "authorized" if authorized else "none",
            "payment_ref": authorizations.get(part.merchant_id),
            "authorized_cents": part.total_cents if authorized else 0, "captured_cents": 0,
            "goods_cents": part.goods_cents, "deposit_cents": part.deposit_cents, "delivery_fee_cents": part.fee_cents,
            "total_cents": part.total_cents, "vat": part.vat(), "partially_fulfilled": False, "cancel_reason": None,
            "created_at": now, "updated_at": now, "version": 1}
        lines: list[dict[str, Any]] = [{
            "id": uuid.uuid4(), "merchant_order_id": order["id"], "variant_id": pl.variant_id, "title": pl.title,
            "unit_price_cents": pl.price_cents, "vat_rate": pl.vat_rate, "deposit_cents": pl.deposit_cents,
            "allergens": pl.allergens, "qty": pl.qty, "qty_fulfilled": None, "qty_cancelled": 0,
            "variable_weight": pl.variable_weight, "price_per_kg_cents": pl.price_per_kg_cents,
            "estimated_weight_g": pl.estimated_weight_g, "actual_weight_g": None, "line_cents": pl.goods_cents}
            for pl in part.lines]
        takes += [stock.Take(pl.variant_id, pl.qty, pl.price_cents, pl.deposit_cents, order["number"],
                             merchant_id=part.merchant_id, maybe_held=pl.held) for pl in part.lines]
        delivery_date: date | None = part.round.delivery_date if part.round else None
        orders.append(PlacedOrder(part, order, lines, placed_order_out(
            order, lines, merchant_name=part.merchant_name, delivery_date=delivery_date)))
    return Placement(customer_order, orders, takes)


async def write(session: AsyncSession, *, placement: Placement, person_id: uuid.UUID, now: datetime) -> None:
    """Write the orders, their events and webhooks; the caller then commits the stock (`take_stock`) last,
    so that the hot rows are locked (PostgreSQL) only for the end of the transaction. Raises CutoffPassed
    (the caller rolls back)."""
    for placed in placement.orders:
        part = placed.part
        if part.round is not None and not await places.join_round(
                session, round_id=part.round.id, merchant_id=part.merchant_id, now=now):
            raise CutoffPassed(part)
    for placed in placement.orders:
        order = placed.row
        await publish(session, OrderPlacedV1(
            order_id=order["id"], order_number=order["number"], merchant_id=order["merchant_id"],
            customer_order_id=placement.customer_order["id"], person_id=person_id, at=now,
            total_cents=order["total_cents"], fulfilment=order["fulfilment"], ortsteil_id=order["ortsteil_id"],
            round_id=order["round_id"]))
        if placed.part.endpoints:
            await webhooks.enqueue(session, merchant_id=order["merchant_id"], event="order.placed",
                                   data=webhook_order(placed.out, placed.out.lines), now=now,
                                   endpoints=placed.part.endpoints)
    await write_published(session)
    # One statement per table (the orders and lines of every merchant together).
    connection = await session.connection()
    await connection.execute(_INSERT_CUSTOMER_ORDER, placement.customer_order)
    await connection.execute(_INSERT_ORDERS, [placed.row for placed in placement.orders])
    await connection.execute(_INSERT_LINES, [line for placed in placement.orders for line in placed.lines])
    carted = [pl.variant_id for placed in placement.orders for pl in placed.part.lines if pl.in_cart]
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
        self.merchant_id = part.merchant_id
        self.merchant_name = part.merchant_name
        self.choice = part.choice


def webhook_order(order: MerchantOrder | MerchantOrderOut,
                  lines: Sequence[OrderLine] | Sequence[OrderLineOut]) -> dict[str, object]:
    """What a merchant's system learns about an order (the recipient only for delivery): from the order's
    rows, or from the answer a checkout gives (which carries every field named here)."""
    return {"id": order.id, "number": order.number, "state": order.state, "fulfilment": order.fulfilment,
            "ortsteil_id": order.ortsteil_id, "round_id": order.round_id, "total_cents": order.total_cents,
            "payment_method": order.payment_method, "partially_fulfilled": order.partially_fulfilled,
            "lines": [{"id": ln.id, "variant_id": ln.variant_id, "title": ln.title, "qty": ln.qty,
                       "qty_fulfilled": ln.qty_fulfilled, "line_cents": ln.line_cents} for ln in lines]}
