"""Stock: only ever changed by conditional UPDATEs in the transaction that records why, so two checkouts
can never both take the last unit (on SQLite and PostgreSQL alike; row locks carry no invariant here).
Several variants are always updated in variant-id order, so concurrent carts with the same variants in
opposite order cannot deadlock on PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from eventcontracts.marketplace import StockRanLowV1, StockRanOutV1
from marketplace.crud import _sql, webhooks
from marketplace.models import StockHold, StockMovement, Variant
from platformkit.db import UtcDateTime
from platformkit.events import publish


@dataclass(frozen=True)
class Take:
    variant_id: uuid.UUID
    qty: int
    # The price the customer agreed to: the sale only goes through at exactly these prices.
    price_cents: int | None = None
    deposit_cents: int | None = None
    # The ledger's reference (the order number); defaults to the caller's `ref`.
    ref: str | None = None
    # Known to the caller (a checkout): the ledger row is written before the UPDATE, so that the UPDATE is the
    # transaction's last statement and PostgreSQL holds the row's lock only for it and the commit.
    merchant_id: str | None = None
    # False when the caller read that the person holds none of it (no statement to consume a hold).
    maybe_held: bool = True


# A sale's conditional UPDATE, built once (a checkout's hot path binds only its values): enough available
# beyond everyone's holds, counting the person's own hold that the sale consumes (`released`).
_TAKE = (
    update(Variant)
    .where(col(Variant.id) == bindparam("variant_id"),
           col(Variant.on_hand) - col(Variant.reserved) + bindparam("released") >= bindparam("qty"))
    .values(on_hand=col(Variant.on_hand) - bindparam("qty"), reserved=col(Variant.reserved) - bindparam("released"),
            updated_at=bindparam("now", type_=UtcDateTime()))
    .returning(col(Variant.on_hand), col(Variant.reserved), col(Variant.product_id), col(Variant.merchant_id)))
# ... and only at the prices the customer agreed to.
_TAKE_AT_PRICES = _TAKE.where(col(Variant.price_cents) == bindparam("agreed_price_cents"),
                              col(Variant.deposit_cents) == bindparam("agreed_deposit_cents"))
_INSERT_MOVEMENTS = insert(StockMovement)


class OutOfStock(Exception):
    def __init__(self, variant_id: uuid.UUID) -> None:
        super().__init__(f"not enough stock of {variant_id}")
        self.variant_id = variant_id


class PriceMoved(Exception):
    """The price changed between pricing and the stock commit (a merchant's update in between)."""


async def _after_change(
    session: AsyncSession, *, variant_id: uuid.UUID, product_id: uuid.UUID, merchant_id: str,
    before: int, after: int, threshold: int, now: datetime,
) -> None:
    """Tell the platform when available stock crosses the low or the empty line (not on every change)."""
    event: type[StockRanLowV1] | type[StockRanOutV1] | None = None
    if after <= 0 < before:
        event = StockRanOutV1
    elif 0 < after <= threshold < before:
        event = StockRanLowV1
    if event is not None:
        await publish(session, event(variant_id=variant_id, product_id=product_id, merchant_id=merchant_id,
                                     available=after, at=now))
        await webhooks.enqueue(session, merchant_id=merchant_id,
                               event="stock.ran_out" if event is StockRanOutV1 else "stock.ran_low",
                               data={"variant_id": variant_id, "product_id": product_id, "available": after},
                               now=now)


async def take(
    session: AsyncSession, *, takes: Iterable[Take], person_id: uuid.UUID | None, threshold: int,
    now: datetime, ref: str | None = None,
) -> None:
    """Commit stock for a sale. The person's own unexpired hold on a variant is consumed first (their
    hold never blocks them); the rest must be available beyond everyone's holds. Raises OutOfStock or
    PriceMoved, and the caller's transaction must roll back (everything taken before, and ledger rows
    written ahead)."""
    ordered = sorted(takes, key=lambda t: t.variant_id)
    known = [_sale(item, item.merchant_id, ref, now) for item in ordered if item.merchant_id is not None]
    if known:
        await _sql.execute(session, _INSERT_MOVEMENTS, known)
    for item in ordered:
        if person_id is not None and item.maybe_held:
            # Consume the hold with a conditional DELETE: the sweeper or a twin request gets it or we do.
            row = (await _sql.execute(session,
                delete(StockHold)
                .where(col(StockHold.person_id) == person_id, col(StockHold.variant_id) == item.variant_id,
                       col(StockHold.expires_at) > now)
                .returning(col(StockHold.qty))
            )).first()
            released = row[0] if row else 0
        else:
            released = 0
        # Stock changes never touch `version` (it guards the merchant's edits of the record, If-Match).
        values = {"variant_id": item.variant_id, "qty": item.qty, "released": released, "now": now}
        if item.price_cents is None:
            result = (await _sql.execute(session, _TAKE, values)).first()
        else:
            result = (await _sql.execute(session, _TAKE_AT_PRICES, {
                **values, "agreed_price_cents": item.price_cents, "agreed_deposit_cents": item.deposit_cents})).first()
        if result is None:
            current = await _fresh(session, item.variant_id)
            if item.price_cents is not None and current is not None and (
                    current.price_cents, current.deposit_cents) != (item.price_cents, item.deposit_cents):
                raise PriceMoved()
            raise OutOfStock(item.variant_id)
        on_hand, reserved, product_id, merchant_id = tuple(result)
        if item.merchant_id is None:
            await _sql.execute(session, _INSERT_MOVEMENTS, _sale(item, merchant_id, ref, now))
        after = on_hand - reserved
        await _after_change(session, variant_id=item.variant_id, product_id=product_id, merchant_id=merchant_id,
                            before=after + item.qty - released, after=after, threshold=threshold, now=now)


def _sale(item: Take, merchant_id: str, ref: str | None, now: datetime) -> dict[str, Any]:
    """The ledger row of a sale (Core: the checkout writes no ORM objects)."""
    return {"id": uuid.uuid4(), "variant_id": item.variant_id, "merchant_id": merchant_id, "delta": -item.qty,
            "reason": "sale", "ref": item.ref or ref, "created_at": now}


async def put_back(
    session: AsyncSession, *, takes: Iterable[Take], reason: str, ref: str, now: datetime
) -> None:
    for item in sorted(takes, key=lambda t: t.variant_id):
        if item.qty <= 0:
            continue
        merchant_id = (await _sql.execute(session,
            update(Variant).where(col(Variant.id) == item.variant_id)
            .values(on_hand=col(Variant.on_hand) + item.qty, updated_at=now)
            .returning(col(Variant.merchant_id))
        )).scalar_one()
        session.add(StockMovement(variant_id=item.variant_id, merchant_id=merchant_id, delta=item.qty,
                                  reason=reason, ref=ref, created_at=now))


async def adjust(
    session: AsyncSession, *, variant_id: uuid.UUID, merchant_id: str, delta: int, ref: str | None,
    threshold: int, now: datetime,
) -> Variant | None:
    """on_hand += delta, refused (None) where it would drop below what is held for checkouts."""
    row = (await _sql.execute(session,
        update(Variant)
        .where(col(Variant.id) == variant_id, col(Variant.merchant_id) == merchant_id,
               col(Variant.on_hand) + delta >= col(Variant.reserved))
        .values(on_hand=col(Variant.on_hand) + delta, updated_at=now)
        .returning(col(Variant.id))
    )).first()
    if row is None:
        return None
    session.add(StockMovement(variant_id=variant_id, merchant_id=merchant_id, delta=delta, reason="adjust",
                              ref=ref, created_at=now))
    variant = await _fresh(session, variant_id)
    after = variant.on_hand - variant.reserved
    await _after_change(session, variant_id=variant_id, product_id=variant.product_id, merchant_id=merchant_id,
                        before=after - delta, after=after, threshold=threshold, now=now)
    return variant


async def compare_and_set(
    session: AsyncSession, *, variant_id: uuid.UUID, merchant_id: str, expected: int, on_hand: int,
    ref: str | None, threshold: int, now: datetime,
) -> Variant | None:
    """on_hand := on_hand only if it still is `expected` (the caller is the source of truth)."""
    row = (await _sql.execute(session,
        update(Variant)
        .where(col(Variant.id) == variant_id, col(Variant.merchant_id) == merchant_id,
               col(Variant.on_hand) == expected, col(Variant.reserved) <= on_hand)
        .values(on_hand=on_hand, updated_at=now)
        .returning(col(Variant.id))
    )).first()
    if row is None:
        return None
    session.add(StockMovement(variant_id=variant_id, merchant_id=merchant_id, delta=on_hand - expected,
                              reason="set", ref=ref, created_at=now))
    variant = await _fresh(session, variant_id)
    after = variant.on_hand - variant.reserved
    await _after_change(session, variant_id=variant_id, product_id=variant.product_id, merchant_id=merchant_id,
                        before=after - (on_hand - expected), after=after, threshold=threshold, now=now)
    return variant


async def _fresh(session: AsyncSession, variant_id: uuid.UUID) -> Variant:
    variant = await session.get(Variant, variant_id, populate_existing=True)
    assert variant is not None
    return variant


async def hold(
    session: AsyncSession, *, person_id: uuid.UUID, variant_id: uuid.UUID, qty: int, expires_at: datetime,
) -> bool:
    """Hold `qty` units for the person until `expires_at` (replacing their earlier hold on the variant,
    so a repeated hold is idempotent and extends it). False when not enough is available."""
    previous = (await _sql.execute(session,
        delete(StockHold).where(col(StockHold.person_id) == person_id, col(StockHold.variant_id) == variant_id)
        .returning(col(StockHold.qty), col(StockHold.expires_at))
    )).first()
    # An expired hold the sweeper has not reached yet still counts in `reserved`: give it back too.
    released = previous[0] if previous else 0
    row = (await _sql.execute(session,
        update(Variant)
        .where(col(Variant.id) == variant_id,
               col(Variant.on_hand) - col(Variant.reserved) + released >= qty)
        .values(reserved=col(Variant.reserved) - released + qty)
        .returning(col(Variant.id))
    )).first()
    if row is None:
        if released:
            await _sql.execute(session, update(Variant).where(col(Variant.id) == variant_id)
                                  .values(reserved=col(Variant.reserved) - released))
        return False
    session.add(StockHold(person_id=person_id, variant_id=variant_id, qty=qty, expires_at=expires_at))
    return True


async def release_holds(session: AsyncSession, *, person_id: uuid.UUID | None = None,
                        expired_before: datetime | None = None) -> int:
    """Release holds (a person's, or every hold expired before a time): each hold row is deleted with
    RETURNING, so a hold is given back exactly once even with a checkout consuming it concurrently."""
    statement = delete(StockHold)
    if person_id is not None:
        statement = statement.where(col(StockHold.person_id) == person_id)
    if expired_before is not None:
        statement = statement.where(col(StockHold.expires_at) <= expired_before)
    rows = (await _sql.execute(session, statement.returning(col(StockHold.variant_id), col(StockHold.qty)))).all()
    totals: dict[uuid.UUID, int] = {}
    for variant_id, qty in map(tuple, rows):
        totals[variant_id] = totals.get(variant_id, 0) + qty
    for variant_id in sorted(totals):
        await _sql.execute(session, update(Variant).where(col(Variant.id) == variant_id)
                              .values(reserved=col(Variant.reserved) - totals[variant_id]))
    return len(rows)
