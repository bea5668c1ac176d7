"""The order lifecycle per merchant order: every state change is one conditional UPDATE on the state it
leaves (so concurrent or repeated requests change it once), with its stock, round, event and webhook in
the same transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from eventcontracts.marketplace import (
    DeliveryRequestedV1,
    OrderAcceptedV1,
    OrderCancelledV1,
    OrderCompletedV1,
    OrderReadyV1,
)
from marketplace.crud import _sql, places, stock, webhooks
from marketplace.crud.checkout import DELIVERY_FEE_VAT_RATE, webhook_order
from marketplace.domain.lifecycle import (
    InvalidTransition,
    OrderState,
    Transition,
    next_state,
    sources,
)
from marketplace.domain.money import TaxableAmount, round_half_up, variable_weight_cents, vat_by_rate
from marketplace.models import DeliveryRound, Merchant, MerchantOrder, OrderLine, Refund
from marketplace.schemas import EditIn, PackIn
from platformkit.events import publish
from platformkit.pagination import PageParams, paginate
from platformkit.problems import ProblemError


async def lines_of(session: AsyncSession, order_id: uuid.UUID) -> list[OrderLine]:
    return list((await session.exec(select(OrderLine).where(OrderLine.merchant_order_id == order_id)
                                    .order_by(col(OrderLine.title), col(OrderLine.id)))).all())


async def refunded_cents(session: AsyncSession, order_id: uuid.UUID) -> int:
    total = (await session.exec(select(func.coalesce(func.sum(Refund.cents), 0))
                                .where(Refund.merchant_order_id == order_id))).one()
    return int(total)


async def get_order(session: AsyncSession, order_id: uuid.UUID, *, merchant_id: str | None = None,
                    person_id: uuid.UUID | None = None) -> MerchantOrder | None:
    """An order as its merchant, its customer or staff (neither id) may see it; others get None (404)."""
    order = await session.get(MerchantOrder, order_id, populate_existing=True)
    if order is None:
        return None
    if merchant_id is not None and order.merchant_id != merchant_id:
        return None
    if person_id is not None and order.person_id != person_id:
        return None
    return order


async def list_orders(session: AsyncSession, *, params: PageParams, merchant_id: str | None = None,
                      person_id: uuid.UUID | None = None, state: str | None = None,
                      updated_since: datetime | None = None,
                      number: str | None = None) -> tuple[list[MerchantOrder], str | None]:
    statement = select(MerchantOrder)
    if merchant_id is not None:
        statement = statement.where(col(MerchantOrder.merchant_id) == merchant_id)
    if person_id is not None:
        statement = statement.where(col(MerchantOrder.person_id) == person_id)
    if state is not None:
        statement = statement.where(col(MerchantOrder.state) == state)
    if number is not None:
        statement = statement.where(col(MerchantOrder.number) == number)
    if updated_since is not None:
        statement = statement.where(col(MerchantOrder.updated_at) >= updated_since)
    return await paginate(session, statement, order_by=[col(MerchantOrder.updated_at), col(MerchantOrder.id)],
                          params=params)


def _event_base(order: MerchantOrder, now: datetime) -> dict[str, object]:
    return {"order_id": order.id, "order_number": order.number, "merchant_id": order.merchant_id,
            "customer_order_id": order.customer_order_id, "person_id": order.person_id, "at": now}


async def _move(session: AsyncSession, order: MerchantOrder, transition: Transition, target: OrderState,
                now: datetime, **values: object) -> bool:
    """Leave one of the transition's source states for `target`; False when someone else moved it first."""
    row = (await _sql.execute(session,
        update(MerchantOrder).where(col(MerchantOrder.id) == order.id,
                                    col(MerchantOrder.state).in_([s.value for s in sources(transition)]))
        .values(state=target.value, updated_at=now, version=col(MerchantOrder.version) + 1, **values)
        .returning(col(MerchantOrder.id)))).first()
    if row is not None:
        await session.refresh(order)
    return row is not None


def _invalid(order: MerchantOrder, transition: Transition) -> ProblemError:
    return ProblemError(409, "INVALID_TRANSITION", f"An order that is {order.state} cannot be "
                        f"{transition.value.replace('_', ' ')}ed.", extra={"state": order.state})


async def accept(session: AsyncSession, *, order: MerchantOrder, now: datetime) -> MerchantOrder:
    if order.state == OrderState.ACCEPTED:
        return order  # a repeated accept changes nothing
    try:
        target = next_state(OrderState(order.state), Transition.ACCEPT)
    except InvalidTransition as error:
        raise _invalid(order, Transition.ACCEPT) from error
    if not await _move(session, order, Transition.ACCEPT, target, now):
        raise _invalid(order, Transition.ACCEPT)
    await publish(session, OrderAcceptedV1(**_event_base(order, now)))
    await webhooks.enqueue(session, merchant_id=order.merchant_id, event="order.accepted",
                           data=webhook_order(order, await lines_of(session, order.id)), now=now)
    return order


async def start_packing(session: AsyncSession, *, order: MerchantOrder, now: datetime) -> MerchantOrder:
    if order.state == OrderState.PACKING:
        return order
    try:
        target = next_state(OrderState(order.state), Transition.START_PACKING)
    except InvalidTransition as error:
        raise _invalid(order, Transition.START_PACKING) from error
    if not await _move(session, order, Transition.START_PACKING, target, now):
        raise _invalid(order, Transition.START_PACKING)
    return order


async def cancel(
    session: AsyncSession, *, order: MerchantOrder, by: str, reason: str | None, restock: bool, reject: bool,
    now: datetime,
) -> tuple[MerchantOrder, str | None]:
    """Cancel (or reject) before handover: stock back (unless `restock` is False), round left, event and
    webhook once. Cancelling a cancelled order returns it unchanged. Returns the order and the payment
    authorization the caller must void after commit, if any."""
    transition = Transition.REJECT if reject else Transition.CANCEL
    done = OrderState.REJECTED if reject else OrderState.CANCELLED
    if order.state == done:
        return order, None
    if order.state not in {s.value for s in sources(transition)}:
        raise _invalid(order, transition)
    payment_state = "voided" if order.payment_state == "authorized" else order.payment_state
    if not await _move(session, order, transition, done, now, cancel_reason=reason, payment_state=payment_state):
        await session.refresh(order)
        if order.state == done:
            return order, None
        raise _invalid(order, transition)
    lines = await lines_of(session, order.id)
    if restock:
        # What is still on the shelf goes back: the ordered quantity less what the merchant had already
        # reported missing.
        await stock.put_back(session, takes=[stock.Take(ln.variant_id, ln.qty - ln.qty_cancelled) for ln in lines],
                             reason="cancel_restock", ref=order.number, now=now)
    if order.round_id is not None:
        await places.leave_round(session, round_id=order.round_id)
    await publish(session, OrderCancelledV1(**_event_base(order, now), by=by, reason=reason,
                                            rejected=reject, restocked=restock))
    await webhooks.enqueue(session, merchant_id=order.merchant_id, event="order.cancelled",
                           data={**webhook_order(order, lines), "restocked": restock}, now=now)
    return order, order.payment_ref if payment_state == "voided" else None


def _repriced(order: MerchantOrder, lines: Sequence[OrderLine]) -> None:
    goods = sum(ln.line_cents for ln in lines)
    deposit = sum(ln.deposit_cents * (ln.qty_fulfilled if ln.qty_fulfilled is not None else ln.qty) for ln in lines)
    amounts = [TaxableAmount(ln.line_cents + ln.deposit_cents * (ln.qty_fulfilled if ln.qty_fulfilled is not None
                                                                else ln.qty), ln.vat_rate) for ln in lines]
    if order.delivery_fee_cents:
        amounts.append(TaxableAmount(order.delivery_fee_cents, DELIVERY_FEE_VAT_RATE))
    order.goods_cents = goods
    order.deposit_cents = deposit
    order.total_cents = goods + deposit + order.delivery_fee_cents
    order.vat = [{"vat_rate": g.vat_rate, "gross_cents": g.gross_cents, "vat_cents": g.vat_cents,
                  "net_cents": g.net_cents} for g in vat_by_rate(amounts)]


async def pack(
    session: AsyncSession, *, order: MerchantOrder, body: PackIn, tolerance_percent: int, now: datetime,
) -> tuple[MerchantOrder, list[OrderLine]]:
    """Record what was packed: quantities (a shortage is cancelled on its line, without restock: the book
    stock was wrong and the merchant corrects it through the stock API) and actual weights. Variable
    weight above the tolerance is charged at the tolerance cap. Ends ready_for_pickup or
    out_for_delivery. The caller captures `order.total_cents` (never more than authorized)."""
    try:
        target = next_state(OrderState(order.state), Transition.PACK, fulfilment=order.fulfilment)
    except InvalidTransition as error:
        raise _invalid(order, Transition.PACK) from error
    lines = await lines_of(session, order.id)
    by_id = {ln.id: ln for ln in lines}
    packed = {p.line_id: p for p in body.lines}
    for index, given in enumerate(body.lines):
        line = by_id.get(given.line_id)
        if line is None:
            raise ProblemError(422, "UNKNOWN_LINE", "This line is not part of the order.",
                               field=f"body.lines[{index}].line_id")
        if given.qty_fulfilled > line.qty:
            raise ProblemError(422, "TOO_MANY", "More than ordered cannot be packed.",
                               field=f"body.lines[{index}].qty_fulfilled")
    for index, line in enumerate(lines):
        entry = packed.get(line.id)
        qty = entry.qty_fulfilled if entry else line.qty
        line.qty_fulfilled = qty
        line.qty_cancelled = line.qty - qty
        if line.variable_weight and qty > 0:
            weight = entry.actual_weight_g if entry else None
            if weight is None:
                raise ProblemError(422, "WEIGHT_REQUIRED", "Weigh variable-weight goods when packing.",
                                   field=f"body.lines[{index}].actual_weight_g")
            line.actual_weight_g = weight
            assert line.price_per_kg_cents is not None and line.estimated_weight_g is not None
            cap = round_half_up(Decimal(line.unit_price_cents * qty) * (100 + tolerance_percent) / 100)
            line.line_cents = min(variable_weight_cents(line.price_per_kg_cents, weight), cap)
        else:
            line.line_cents = line.unit_price_cents * qty
        session.add(line)
    _repriced(order, lines)
    partially = any(ln.qty_cancelled for ln in lines)
    total = order.total_cents if order.authorized_cents == 0 else min(order.total_cents, order.authorized_cents)
    order.total_cents = total
    if not await _move(session, order, Transition.PACK, target, now, goods_cents=order.goods_cents,
                       deposit_cents=order.deposit_cents, total_cents=total, vat=order.vat,
                       partially_fulfilled=partially):
        raise _invalid(order, Transition.PACK)
    await publish(session, OrderReadyV1(**_event_base(order, now), state=order.state,
                                        total_cents=total, partially_fulfilled=partially))
    await webhooks.enqueue(session, merchant_id=order.merchant_id, event="order.packed",
                           data=webhook_order(order, lines), now=now)
    if order.fulfilment == "delivery":
        await _request_delivery(session, order, now)
    return order, lines


async def _request_delivery(session: AsyncSession, order: MerchantOrder, now: datetime) -> None:
    merchant = await session.get(Merchant, order.merchant_id)
    round_ = await session.get(DeliveryRound, order.round_id) if order.round_id else None
    assert merchant is not None
    await publish(session, DeliveryRequestedV1(order_id=order.id, merchant_id=order.merchant_id,
                                               from_ortsteil_id=merchant.ortsteil_id, to_ortsteil_id=order.ortsteil_id,
                                               delivery_date=round_.delivery_date if round_ else None, at=now))


async def mark_captured(session: AsyncSession, *, order: MerchantOrder, cents: int) -> None:
    order.payment_state = "captured"
    order.captured_cents = cents
    session.add(order)


async def hand_over(session: AsyncSession, *, order: MerchantOrder, now: datetime) -> MerchantOrder:
    if order.state == OrderState.COMPLETED:
        return order
    try:
        target = next_state(OrderState(order.state), Transition.HAND_OVER)
    except InvalidTransition as error:
        raise _invalid(order, Transition.HAND_OVER) from error
    if not await _move(session, order, Transition.HAND_OVER, target, now):
        raise _invalid(order, Transition.HAND_OVER)
    await publish(session, OrderCompletedV1(**_event_base(order, now)))
    await webhooks.enqueue(session, merchant_id=order.merchant_id, event="order.completed",
                           data=webhook_order(order, await lines_of(session, order.id)), now=now)
    return order


async def edit(session: AsyncSession, *, order: MerchantOrder, body: EditIn, threshold: int,
               now: datetime) -> tuple[MerchantOrder, list[OrderLine]]:
    """The customer changes quantities while the order is placed and its round's cut-off has not passed."""
    if order.state != OrderState.PLACED:
        raise ProblemError(409, "NOT_EDITABLE", "Only orders the merchant has not accepted yet can be changed.")
    if order.round_id is not None:
        round_ = await session.get(DeliveryRound, order.round_id, populate_existing=True)
        if round_ is None or round_.status != "open" or round_.cutoff_at <= now:
            raise ProblemError(409, "CUTOFF_PASSED", "The order deadline of this round has passed.")
    lines = await lines_of(session, order.id)
    by_id = {ln.id: ln for ln in lines}
    more: list[stock.Take] = []
    less: list[stock.Take] = []
    for index, entry in enumerate(body.lines):
        line = by_id.get(entry.line_id)
        if line is None:
            raise ProblemError(422, "UNKNOWN_LINE", "This line is not part of the order.",
                               field=f"body.lines[{index}].line_id")
        if entry.qty > line.qty:
            more.append(stock.Take(line.variant_id, entry.qty - line.qty))
        elif entry.qty < line.qty:
            less.append(stock.Take(line.variant_id, line.qty - entry.qty))
        line.qty = entry.qty
        line.line_cents = line.unit_price_cents * entry.qty
        session.add(line)
    if all(ln.qty == 0 for ln in lines):
        raise ProblemError(422, "EMPTY_ORDER", "To remove everything, cancel the order.", field="body.lines")
    await stock.take(session, takes=more, person_id=None, ref=order.number, threshold=threshold, now=now)
    await stock.put_back(session, takes=less, reason="edit", ref=order.number, now=now)
    _repriced(order, lines)
    if order.authorized_cents and order.total_cents > order.authorized_cents:
        raise ProblemError(409, "REAUTHORIZATION_NEEDED", "The new total is above the amount authorized; "
                           "cancel and order again.")
    # Still placed at commit time: a merchant accepting meanwhile wins and the edit is refused.
    row = (await _sql.execute(session,
        update(MerchantOrder).where(col(MerchantOrder.id) == order.id, col(MerchantOrder.state) == OrderState.PLACED)
        .values(goods_cents=order.goods_cents, deposit_cents=order.deposit_cents, total_cents=order.total_cents,
                vat=order.vat, updated_at=now, version=col(MerchantOrder.version) + 1)
        .returning(col(MerchantOrder.id)))).first()
    if row is None:
        raise ProblemError(409, "NOT_EDITABLE", "The merchant accepted the order meanwhile.")
    await session.refresh(order)
    return order, lines


async def refund(session: AsyncSession, *, order: MerchantOrder, cents: int, reason: str, by: str,
                 now: datetime) -> Refund:
    paid = order.captured_cents or (order.total_cents if order.payment_method != "online" else 0)
    already = await refunded_cents(session, order.id)
    if cents > paid - already:
        raise ProblemError(422, "REFUND_TOO_HIGH", f"At most {paid - already} cents can still be refunded.",
                           field="body.cents", extra={"refundable_cents": paid - already})
    entry = Refund(merchant_order_id=order.id, cents=cents, reason=reason, created_by=by[:64], created_at=now)
    session.add(entry)
    order.payment_state = "refunded" if already + cents == paid else "partially_refunded"
    order.updated_at = now
    session.add(order)
    await session.flush()
    return entry


async def delivery_dates(session: AsyncSession, round_ids: list[uuid.UUID]) -> dict[uuid.UUID, date]:
    if not round_ids:
        return {}
    rows = (await session.exec(select(DeliveryRound).where(col(DeliveryRound.id).in_(round_ids)))).all()
    return {r.id: r.delivery_date for r in rows}


async def merchant_names(session: AsyncSession, ids: list[str]) -> dict[str, str]:
    if not ids:
        return {}
    rows = (await session.exec(select(Merchant).where(col(Merchant.id).in_(ids)))).all()
    return {m.id: m.name for m in rows}
