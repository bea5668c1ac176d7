"""Order actions shared by the merchant API, the resident's routes and the staff routes: the crud work
plus the payment-provider calls that go with it, in one transaction (a provider that is down rolls the
change back with 503, and the idempotent action can simply be retried)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from marketplace.api.views import orders_out
from marketplace.config import MarketplaceSettings
from marketplace.crud import orders
from marketplace.models import MerchantOrder
from marketplace.payments import PaymentProvider, PaymentUnavailable
from marketplace.schemas import MerchantOrderOut, PackIn
from platformkit.problems import ProblemError

# Stores the answer with an Idempotency-Key, in the transaction of the work (IdempotencyDep.complete).
Complete = Callable[[int, Any], Awaitable[None]]


async def _payment_call(session: AsyncSession, call: Awaitable[None]) -> None:
    try:
        await call
    except PaymentUnavailable as error:
        await session.rollback()
        raise ProblemError(503, "PAYMENT_UNAVAILABLE", "Payment is not reachable right now; try again.",
                           headers={"Retry-After": "5"}) from error


async def _finish(session: AsyncSession, order: MerchantOrder, complete: Complete | None) -> MerchantOrderOut:
    result = (await orders_out(session, [order]))[0]
    if complete is not None:
        await complete(200, result)
    await session.commit()
    return result


async def cancel_order(session: AsyncSession, *, order: MerchantOrder, by: str, reason: str | None, restock: bool,
                       reject: bool, payments: PaymentProvider | None, now: datetime,
                       complete: Complete | None = None) -> MerchantOrderOut:
    order, to_void = await orders.cancel(session, order=order, by=by, reason=reason, restock=restock,
                                         reject=reject, now=now)
    if to_void is not None and payments is not None:
        await _payment_call(session, payments.void(authorization_id=to_void))
    return await _finish(session, order, complete)


async def pack_order(session: AsyncSession, *, order: MerchantOrder, body: PackIn, settings: MarketplaceSettings,
                     payments: PaymentProvider | None, now: datetime,
                     complete: Complete | None = None) -> MerchantOrderOut:
    order, _lines = await orders.pack(session, order=order, body=body,
                                      tolerance_percent=settings.weight_tolerance_percent, now=now)
    if order.payment_state == "authorized" and order.payment_ref and payments is not None:
        amount = min(order.total_cents, order.authorized_cents)
        await _payment_call(session, payments.capture(authorization_id=order.payment_ref, amount_cents=amount))
        await orders.mark_captured(session, order=order, cents=amount)
    return await _finish(session, order, complete)
