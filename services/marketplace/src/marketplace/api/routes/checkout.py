"""Checkout: one request, one order per merchant. Idempotent (Idempotency-Key), never oversells, never
charges a price the customer did not see."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from fastapi.responses import Response

from marketplace.api.deps import GazetteerDep, MarketplaceSettingsDep, PaymentsDep, PersonDep
from marketplace.crud import checkout, places, stock
from marketplace.payments import PaymentDeclined, PaymentProvider, PaymentUnavailable
from marketplace.schemas import CheckoutIn, CheckoutOut, QuoteIn, QuoteOut, RoundOut
from platformkit.deps import NowDep, ReadSessionDep, SessionDep
from platformkit.idempotency import IdempotencyDep, KeyTaken
from platformkit.problems import ProblemError

router = APIRouter(prefix="/checkout", tags=["checkout"])
log = logging.getLogger("marketplace.checkout")


async def void_all(payments: PaymentProvider | None, authorizations: dict[str, str]) -> None:
    for authorization_id in authorizations.values():
        try:
            assert payments is not None
            await payments.void(authorization_id=authorization_id)
        except PaymentUnavailable:
            # The provider lets an unused authorization lapse; logged for the payments desk.
            log.warning("could not void authorization %s", authorization_id)


@router.post("/quote", response_model=QuoteOut)
async def quote(body: QuoteIn, person: PersonDep, session: ReadSessionDep, now: NowDep,
                gazetteer: GazetteerDep) -> QuoteOut:
    """The totals a checkout with these lines and choices would have now (nothing is held or written):
    what the customer is shown before confirming, and sends back as `expected_total_cents`."""
    parts = await checkout.price(session, body=CheckoutIn(**body.model_dump(), expected_total_cents=0),
                                 gazetteer=gazetteer, now=now, person_id=person)
    return QuoteOut.model_validate(checkout.totals_of(parts))


@router.post("", status_code=201, response_model=CheckoutOut,
             responses={409: {"description": "PRICE_CHANGED, OUT_OF_STOCK or CUTOFF_PASSED"}})
async def place_order(
    body: CheckoutIn, person: PersonDep, session: SessionDep, read_session: ReadSessionDep,
    idempotency: IdempotencyDep, settings: MarketplaceSettingsDep, now: NowDep, gazetteer: GazetteerDep,
    payments: PaymentsDep,
) -> Response:
    # Online payment calls the provider before the order's transaction: the key is claimed (committed)
    # first, so a twin request cannot authorize a second time. Otherwise the key is written with the order,
    # one commit in all.
    online = body.payment_method == "online"
    replay = await (idempotency.claim() if online else idempotency.claim_with_work(read_session))
    if replay is not None:
        return replay
    # Priced on a read session: the writer (SQLite's one connection) is held only for the writes. What was
    # read here is checked again by the writes themselves (price and stock in the conditional UPDATE, the
    # round in its own).
    parts = await checkout.price(read_session, body=body, gazetteer=gazetteer, now=now, person_id=person)
    totals = checkout.totals_of(parts)
    if totals["total_cents"] != body.expected_total_cents:
        raise ProblemError(409, "PRICE_CHANGED", "Prices changed since you looked; please check the new total.",
                           field="body.expected_total_cents", extra=totals)
    await checkout.load_webhook_endpoints(read_session, parts)
    await read_session.commit()
    authorizations: dict[str, str] = {}
    if online:
        if payments is None:
            raise ProblemError(422, "PAYMENT_METHOD_UNAVAILABLE", "Online payment is not offered here.",
                               field="body.payment_method")
        if not body.payment_token:
            raise ProblemError(422, "PAYMENT_TOKEN_REQUIRED", "Online payment needs the payment token.",
                               field="body.payment_token")
        try:
            for part in parts:
                authorizations[part.merchant_id] = await payments.authorize(
                    amount_cents=part.total_cents, reference=f"{person}:{part.merchant_id}", token=body.payment_token)
        except PaymentDeclined as error:
            await void_all(payments, authorizations)
            raise ProblemError(402, "PAYMENT_DECLINED", "The payment was declined.",
                               field="body.payment_token") from error
        except PaymentUnavailable as error:
            await void_all(payments, authorizations)
            raise ProblemError(503, "PAYMENT_UNAVAILABLE", "Payment is not reachable right now; try again.",
                               headers={"Retry-After": "5"}) from error
    # The orders and the answer are made before the write phase, which then only writes.
    placement = checkout.orders_for(person_id=person, body=body, parts=parts, authorizations=authorizations, now=now)
    result = CheckoutOut(customer_order_id=placement.customer_order["id"],
                         total_cents=placement.customer_order["total_cents"],
                         orders=[placed.out for placed in placement.orders])
    try:
        # First in the transaction: a twin with the same key waits here, before it writes anything.
        await idempotency.complete(201, result)
        await checkout.write(session, placement=placement, person_id=person, now=now)
        await checkout.take_stock(session, takes=placement.takes, person_id=person,
                                  threshold=settings.low_stock_threshold, now=now)
        await session.commit()
    except KeyTaken:
        return await idempotency.replay()  # not online: no authorization to void
    except stock.OutOfStock as error:
        await session.rollback()
        await void_all(payments, authorizations)
        index = next(i for i, line in enumerate(body.lines) if line.variant_id == error.variant_id)
        raise ProblemError(409, "OUT_OF_STOCK", "Not enough of this item is left.", field=f"body.lines[{index}].qty",
                           extra={"variant_id": str(error.variant_id)}) from error
    except stock.PriceMoved as error:
        await session.rollback()
        await void_all(payments, authorizations)
        read_session.expire_all()  # the rows priced before are stale now
        fresh = checkout.totals_of(await checkout.price(read_session, body=body, gazetteer=gazetteer, now=now,
                                                        person_id=person))
        raise ProblemError(409, "PRICE_CHANGED", "Prices changed since you looked; please check the new total.",
                           field="body.expected_total_cents", extra=fresh) from error
    except checkout.CutoffPassed as error:
        await session.rollback()
        await void_all(payments, authorizations)
        upcoming = await places.open_rounds(session, merchant_id=error.merchant_id, now=now)
        raise ProblemError(409, "CUTOFF_PASSED", f"The order deadline for {error.merchant_name} has passed.",
                           field=f"body.choices[{body.choices.index(error.choice)}].round_id",
                           extra={"next_round": RoundOut.model_validate(upcoming[0]).model_dump(mode="json")
                                  if upcoming else None}) from error
    return idempotency.stored_response()
