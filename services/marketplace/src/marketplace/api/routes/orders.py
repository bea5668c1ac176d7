"""A resident's own orders: follow them, change quantities until the cut-off, cancel before packing ends.
Another person's order answers 404."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from marketplace.api.actions import cancel_order
from marketplace.api.deps import MarketplaceSettingsDep, PaymentsDep, PersonDep
from marketplace.api.views import orders_out
from marketplace.crud import orders, stock
from marketplace.schemas import CancelIn, EditIn, MerchantOrderOut, OrderPage
from platformkit.deps import NowDep, SessionDep
from platformkit.pagination import PageDep
from platformkit.problems import ProblemError

router = APIRouter(prefix="/orders", tags=["orders"])


def _not_found() -> ProblemError:
    return ProblemError(404, "ORDER_NOT_FOUND", "No such order.")


@router.get("", response_model=OrderPage)
async def my_orders(person: PersonDep, session: SessionDep, page: PageDep) -> OrderPage:
    rows, cursor = await orders.list_orders(session, params=page, person_id=person)
    return OrderPage(items=await orders_out(session, rows), next_cursor=cursor)


@router.get("/{order_id}", response_model=MerchantOrderOut)
async def my_order(order_id: uuid.UUID, person: PersonDep, session: SessionDep) -> MerchantOrderOut:
    order = await orders.get_order(session, order_id, person_id=person)
    if order is None:
        raise _not_found()
    return (await orders_out(session, [order]))[0]


@router.post("/{order_id}/cancel", response_model=MerchantOrderOut)
async def cancel_my_order(order_id: uuid.UUID, body: CancelIn, person: PersonDep, session: SessionDep,
                          payments: PaymentsDep, now: NowDep) -> MerchantOrderOut:
    """Cancel before the goods are handed over; stock goes back. Repeating it changes nothing."""
    order = await orders.get_order(session, order_id, person_id=person)
    if order is None:
        raise _not_found()
    return await cancel_order(session, order=order, by="customer", reason=body.reason, restock=True, reject=False,
                              payments=payments, now=now)


@router.patch("/{order_id}/lines", response_model=MerchantOrderOut)
async def change_my_order(order_id: uuid.UUID, body: EditIn, person: PersonDep, session: SessionDep,
                          settings: MarketplaceSettingsDep, now: NowDep) -> MerchantOrderOut:
    """Change quantities while the merchant has not accepted and the round's cut-off has not passed."""
    order = await orders.get_order(session, order_id, person_id=person)
    if order is None:
        raise _not_found()
    try:
        order, _ = await orders.edit(session, order=order, body=body, threshold=settings.low_stock_threshold, now=now)
    except stock.OutOfStock as error:
        await session.rollback()
        raise ProblemError(409, "OUT_OF_STOCK", "Not enough of this item is left.", field="body.lines",
                           extra={"variant_id": str(error.variant_id)}) from error
    await session.commit()
    return (await orders_out(session, [order]))[0]
