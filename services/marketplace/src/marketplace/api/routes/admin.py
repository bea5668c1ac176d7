"""District staff (role operator): merchant approval (scope admin or verifier), and with scope admin the
gazetteer's pickup points, rounds, the delivery-service directory, orders across merchants, webhook
health and the audit log."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from sqlmodel import col, select

from marketplace.api.actions import cancel_order
from marketplace.api.deps import ApproverDep, GazetteerDep, PaymentsDep, StaffDep
from marketplace.api.views import audit_out, orders_out, webhook_out
from marketplace.crud import catalogue, orders, places, webhooks
from marketplace.models import Merchant, WebhookEndpoint
from marketplace.schemas import (
    AuditOut,
    CancelIn,
    DeliveryServiceIn,
    MerchantCreate,
    MerchantDecision,
    MerchantOrderOut,
    MerchantPublic,
    OrderPage,
    PickupPointIn,
    PickupPointOut,
    RoundIn,
    RoundOut,
)
from platformkit import audit
from platformkit.deps import NowDep, SessionDep
from platformkit.pagination import Page, PageDep
from platformkit.problems import ProblemError

router = APIRouter(prefix="/admin", tags=["admin"])


@router.get("/merchants", response_model=list[MerchantPublic])
async def list_merchants(_staff: ApproverDep, session: SessionDep,
                         status: Annotated[str | None, Query(pattern="^(pending|active|suspended)$")] = None
                         ) -> list[MerchantPublic]:
    statement = select(Merchant).order_by(col(Merchant.created_at))
    if status is not None:
        statement = statement.where(Merchant.status == status)
    return [MerchantPublic.model_validate(m) for m in (await session.exec(statement)).all()]


@router.post("/merchants", status_code=201, response_model=MerchantPublic)
async def create_merchant(body: MerchantCreate, staff: StaffDep, session: SessionDep, gazetteer: GazetteerDep,
                          now: NowDep) -> MerchantPublic:
    """Register a merchant on its behalf (e.g. a farm without internet); it starts pending like any other."""
    places.check_villages(gazetteer, [body.ortsteil_id], "body.ortsteil_id")
    merchant = await catalogue.create_merchant(session, body=body, now=now)
    audit.record(session, by=staff, action="merchant.created", subject_id=merchant.id, merchant_id=merchant.id)
    await session.commit()
    return MerchantPublic.model_validate(merchant)


@router.post("/merchants/{merchant_id}/decision", response_model=MerchantPublic)
async def decide(merchant_id: str, body: MerchantDecision, staff: ApproverDep, session: SessionDep,
                 now: NowDep) -> MerchantPublic:
    """Approve (active) or suspend a merchant; a suspended merchant's goods leave the search at once.
    An approval announces `marketplace.merchant.approved.v1`, on which accounts binds the applicant's
    `merchant` role to this merchant; a suspension `marketplace.merchant.suspended.v1` (the role stays)."""
    merchant = await catalogue.get_merchant(session, merchant_id)
    if merchant is None:
        raise ProblemError(404, "MERCHANT_NOT_FOUND", "No such merchant.")
    before = merchant.status
    merchant = await catalogue.decide_merchant(session, merchant=merchant, status=body.status, by=staff.sub,
                                           reason=body.reason, now=now)
    audit.record(session, by=staff, action=f"merchant.{body.status}", subject_id=merchant.id,
                 merchant_id=merchant.id, details={"before": before, "reason": body.reason})
    await session.commit()
    return MerchantPublic.model_validate(merchant)


@router.post("/pickup-points", status_code=201, response_model=PickupPointOut)
async def create_pickup_point(body: PickupPointIn, staff: StaffDep, session: SessionDep,
                              gazetteer: GazetteerDep) -> PickupPointOut:
    places.check_villages(gazetteer, [body.ortsteil_id], "body.ortsteil_id")
    if body.merchant_id is not None and await catalogue.get_merchant(session, body.merchant_id) is None:
        raise ProblemError(422, "UNKNOWN_MERCHANT", "No such merchant.", field="body.merchant_id")
    point = await places.create_pickup_point(session, body=body)
    audit.record(session, by=staff, action="pickup_point.created", subject_id=str(point.id))
    await session.commit()
    return PickupPointOut.model_validate(point, from_attributes=True)


@router.post("/rounds", status_code=201, response_model=RoundOut)
async def create_round(body: RoundIn, staff: StaffDep, session: SessionDep) -> RoundOut:
    if await catalogue.get_merchant(session, body.merchant_id) is None:
        raise ProblemError(422, "UNKNOWN_MERCHANT", "No such merchant.", field="body.merchant_id")
    round_ = await places.create_round(session, body=body)
    audit.record(session, by=staff, action="round.created", subject_id=str(round_.id),
                 merchant_id=body.merchant_id)
    await session.commit()
    return RoundOut.model_validate(round_)


@router.post("/delivery-services", status_code=201)
async def create_delivery_service(body: DeliveryServiceIn, staff: StaffDep, session: SessionDep,
                                  gazetteer: GazetteerDep) -> dict[str, str]:
    places.check_villages(gazetteer, [s.ortsteil_id for s in body.stops], "body.stops")
    service = await places.create_delivery_service(session, body=body)
    audit.record(session, by=staff, action="delivery_service.created", subject_id=str(service.id))
    await session.commit()
    return {"id": str(service.id)}


@router.get("/orders", response_model=OrderPage)
async def search_orders(_staff: StaffDep, session: SessionDep, page: PageDep,
                        merchant_id: Annotated[str | None, Query(max_length=64)] = None,
                        state: Annotated[str | None, Query(max_length=20)] = None,
                        number: Annotated[str | None, Query(max_length=24)] = None) -> OrderPage:
    """Orders across merchants (by merchant, state or number)."""
    rows, cursor = await orders.list_orders(session, params=page, merchant_id=merchant_id, state=state, number=number)
    return OrderPage(items=await orders_out(session, rows), next_cursor=cursor)


@router.post("/orders/{order_id}/cancel", response_model=MerchantOrderOut)
async def cancel(order_id: uuid.UUID, body: CancelIn, staff: StaffDep, session: SessionDep, payments: PaymentsDep,
                 now: NowDep) -> MerchantOrderOut:
    """Cancel for a customer or merchant; `restock: false` when the goods cannot be sold (spoiled food)."""
    order = await orders.get_order(session, order_id)
    if order is None:
        raise ProblemError(404, "ORDER_NOT_FOUND", "No such order.")
    audit.record(session, by=staff, action="order.cancelled", subject_id=str(order.id),
                 merchant_id=order.merchant_id, details={"restock": body.restock, "reason": body.reason})
    return await cancel_order(session, order=order, by="staff", reason=body.reason, restock=body.restock,
                              reject=False, payments=payments, now=now)


@router.get("/webhooks")
async def webhook_health(_staff: StaffDep, session: SessionDep) -> list[dict[str, object]]:
    """Every endpoint with its state, failures in a row and deliveries waiting or held."""
    endpoints = (await session.exec(select(WebhookEndpoint).order_by(col(WebhookEndpoint.merchant_id)))).all()
    counts = await webhooks.health(session)
    return [{**webhook_out(e).model_dump(mode="json"),
             **{status: counts.get((webhooks.reference(e.id), status), 0)
                for status in ("pending", "held", "sent", "failed")}} for e in endpoints]


@router.get("/audit", response_model=Page[AuditOut])
async def audit_log(_staff: StaffDep, session: SessionDep, page: PageDep,
                    merchant_id: Annotated[str | None, Query(max_length=64)] = None) -> Page[AuditOut]:
    rows, cursor = await audit.page(session, page,
                                    details=None if merchant_id is None else {"merchant_id": merchant_id})
    return Page(items=[audit_out(r) for r in rows], next_cursor=cursor)
