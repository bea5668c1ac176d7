"""A resident's cart (kept on the server, so phone and computer see the same) and stock holds."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Body
from sqlalchemy import delete
from sqlmodel import col, select

from marketplace.api.deps import MarketplaceSettingsDep, PersonDep
from marketplace.crud import _sql, stock
from marketplace.models import CartLine, Merchant, Product, Variant
from marketplace.schemas import CartLineOut, CartOut, HoldIn, HoldOut
from platformkit.deps import NowDep, SessionDep
from platformkit.problems import ProblemError

router = APIRouter(prefix="/cart", tags=["cart"])
MAX_CART_LINES = 50


async def _cart(session: SessionDep, person: uuid.UUID) -> CartOut:
    rows = (await session.exec(
        select(CartLine, Variant, Product, Merchant).join(Variant, col(Variant.id) == CartLine.variant_id)
        .join(Product, col(Product.id) == Variant.product_id).join(Merchant, col(Merchant.id) == Variant.merchant_id)
        .where(CartLine.person_id == person).order_by(col(Merchant.name), col(Product.title)))).all()
    lines = [CartLineOut(variant_id=v.id, product_id=p.id, merchant_id=m.id, merchant_name=m.name,
                         title=f"{p.title}, {v.label}", qty=c.qty, price_cents=v.price_cents,
                         deposit_cents=v.deposit_cents, line_cents=v.price_cents * c.qty,
                         available=v.on_hand - v.reserved) for c, v, p, m in rows]
    return CartOut(lines=lines, goods_cents=sum(ln.line_cents for ln in lines),
                   deposit_cents=sum(ln.deposit_cents * ln.qty for ln in lines))


@router.get("", response_model=CartOut)
async def read_cart(person: PersonDep, session: SessionDep) -> CartOut:
    return await _cart(session, person)


@router.put("/lines/{variant_id}", response_model=CartOut)
async def set_cart_line(variant_id: uuid.UUID, person: PersonDep, session: SessionDep, now: NowDep,
                        qty: Annotated[int, Body(embed=True, ge=0, le=999)]) -> CartOut:
    """Set a line's quantity (0 removes it). Putting something in the cart holds no stock."""
    variant = await session.get(Variant, variant_id)
    product = await session.get(Product, variant.product_id) if variant else None
    if variant is None or product is None or product.status != "published":
        raise ProblemError(404, "PRODUCT_NOT_FOUND", "No such item.")
    line = await session.get(CartLine, (person, variant_id))
    if qty == 0:
        if line is not None:
            await session.delete(line)
    elif line is None:
        count = len((await session.exec(select(CartLine.variant_id).where(CartLine.person_id == person))).all())
        if count >= MAX_CART_LINES:
            raise ProblemError(422, "CART_FULL", f"A cart holds at most {MAX_CART_LINES} items.", field="body.qty")
        session.add(CartLine(person_id=person, variant_id=variant_id, qty=qty, added_at=now))
    else:
        line.qty = qty
        session.add(line)
    await session.commit()
    return await _cart(session, person)


@router.delete("", response_model=CartOut)
async def empty_cart(person: PersonDep, session: SessionDep) -> CartOut:
    await _sql.execute(session, delete(CartLine).where(col(CartLine.person_id) == person))
    await session.commit()
    return await _cart(session, person)


@router.post("/holds", response_model=HoldOut, status_code=201)
async def hold_stock(body: HoldIn, person: PersonDep, session: SessionDep, settings: MarketplaceSettingsDep,
                     now: NowDep) -> HoldOut:
    """Hold units while the customer pays (optional; they expire after HOLD_TTL_SECONDS). Holding again
    replaces the earlier hold, so a retry is harmless. All lines or none."""
    expires = now + timedelta(seconds=settings.hold_ttl_seconds)
    for index, line in enumerate(sorted(body.lines, key=lambda ln: ln.variant_id)):
        if await session.get(Variant, line.variant_id) is None:
            raise ProblemError(404, "PRODUCT_NOT_FOUND", "No such item.", field=f"body.lines[{index}].variant_id")
        if not await stock.hold(session, person_id=person, variant_id=line.variant_id, qty=line.qty,
                                expires_at=expires):
            await session.rollback()
            raise ProblemError(409, "OUT_OF_STOCK", "Not enough of this item is left.",
                               field=f"body.lines[{body.lines.index(line)}].qty",
                               extra={"variant_id": str(line.variant_id)})
    await session.commit()
    return HoldOut(expires_at=expires, lines=body.lines)


@router.delete("/holds", status_code=204)
async def release_holds(person: PersonDep, session: SessionDep) -> None:
    await stock.release_holds(session, person_id=person)
    await session.commit()
