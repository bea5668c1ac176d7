"""The merchant API, version 1: a merchant's staff and integrations (API keys, client credentials) manage
products, variants, stock, orders, delivery area, rounds and webhooks. Every query is scoped to the
caller's merchant_id: another merchant's id answers 404 exactly like a missing one. POSTs take an
Idempotency-Key; updates take If-Match (the version); lists are cursor-paged with `updated_since`."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse
from sqlmodel import col, select

from marketplace.api.actions import cancel_order, pack_order
from marketplace.api.deps import (
    GazetteerDep,
    IfMatchDep,
    MarketplaceSettingsDep,
    MerchantDep,
    PaymentsDep,
    SellingMerchantDep,
)
from marketplace.api.views import orders_out, products_out, webhook_out
from marketplace.crud import catalogue, orders, places, stock, webhooks
from marketplace.models import Product, Variant, WebhookEndpoint
from marketplace.schemas import (
    CancelIn,
    DeliveryAreaIn,
    DeliveryVillageOut,
    MerchantOrderOut,
    MerchantPublic,
    OrderPage,
    PackIn,
    ProductIn,
    ProductOut,
    ProductPatch,
    RefundIn,
    RoundIn,
    RoundOut,
    StockBatch,
    StockLevel,
    VariantIn,
    VariantOut,
    VariantPatch,
    WebhookCreated,
    WebhookDeliveryOut,
    WebhookIn,
    WebhookOut,
)
from marketplace.views import variant_out
from platformkit import audit, outbound
from platformkit.deps import NowDep, SessionDep
from platformkit.idempotency import IdempotencyDep
from platformkit.pagination import Page, PageDep, paginate
from platformkit.problems import ProblemError

router = APIRouter(prefix="/v1", tags=["merchant-api"])
UpdatedSince = Annotated[datetime | None, Query(description="only records changed at or after this time")]


def _etag(response: Response, version: int) -> None:
    response.headers["ETag"] = f'"{version}"'


def _product_not_found() -> ProblemError:
    return ProblemError(404, "PRODUCT_NOT_FOUND", "No such product.")


def _variant_not_found(field: str | None = None) -> ProblemError:
    return ProblemError(404, "VARIANT_NOT_FOUND", "No such variant.", field=field)


def _order_not_found() -> ProblemError:
    return ProblemError(404, "ORDER_NOT_FOUND", "No such order.")


@router.get("/merchant", response_model=MerchantPublic)
async def my_merchant(caller: MerchantDep, session: SessionDep) -> MerchantPublic:
    merchant = await catalogue.get_merchant(session, caller.merchant_id)
    if merchant is None:
        raise ProblemError(404, "MERCHANT_NOT_FOUND", "This merchant is not registered in the marketplace.")
    return MerchantPublic.model_validate(merchant)


# --- products and variants --------------------------------------------------------------------------

@router.get("/products", response_model=Page[ProductOut])
async def list_products(caller: MerchantDep, session: SessionDep, page: PageDep,
                        updated_since: UpdatedSince = None) -> Page[ProductOut]:
    caller.require("products:read")
    statement = select(Product).where(Product.merchant_id == caller.merchant_id)
    if updated_since is not None:
        statement = statement.where(col(Product.updated_at) >= updated_since)
    rows, cursor = await paginate(session, statement, order_by=[col(Product.updated_at), col(Product.id)], params=page)
    return Page(items=await products_out(session, rows), next_cursor=cursor)


@router.post("/products", status_code=201, response_model=ProductOut)
async def create_product(body: ProductIn, caller: SellingMerchantDep, session: SessionDep, idempotency: IdempotencyDep,
                         now: NowDep) -> ProductOut | JSONResponse:
    """A new product (draft) with its variants; publish it when its food information is complete."""
    caller.require("products:write")
    replay = await idempotency.claim()
    if replay is not None:
        return replay
    if await catalogue.get_merchant(session, caller.merchant_id) is None:
        raise ProblemError(404, "MERCHANT_NOT_FOUND", "This merchant is not registered in the marketplace.")
    product, _ = await catalogue.create_product(session, merchant_id=caller.merchant_id, body=body, now=now)
    audit.record(session, by=caller.principal, action="product.created", subject_id=str(product.id),
                 merchant_id=caller.merchant_id)
    result = (await products_out(session, [product]))[0]
    await idempotency.complete(201, result)
    await session.commit()
    return result


async def _own_product(session: SessionDep, caller: MerchantDep, product_id: uuid.UUID) -> Product:
    product = await catalogue.merchant_product(session, merchant_id=caller.merchant_id, product_id=product_id)
    if product is None:
        raise _product_not_found()
    return product


@router.get("/products/{product_id}", response_model=ProductOut)
async def read_product(product_id: uuid.UUID, caller: MerchantDep, session: SessionDep,
                       response: Response) -> ProductOut:
    caller.require("products:read")
    product = await _own_product(session, caller, product_id)
    _etag(response, product.version)
    return (await products_out(session, [product]))[0]


@router.patch("/products/{product_id}", response_model=ProductOut)
async def update_product(product_id: uuid.UUID, body: ProductPatch, caller: SellingMerchantDep, session: SessionDep,
                         version: IfMatchDep, now: NowDep, response: Response) -> ProductOut:
    caller.require("products:write")
    product = await _own_product(session, caller, product_id)
    product = await catalogue.update_product(session, product=product, body=body, if_match=version, now=now)
    audit.record(session, by=caller.principal, action="product.updated", subject_id=str(product.id),
                 merchant_id=caller.merchant_id, details=body.model_dump(mode="json", exclude_unset=True))
    await session.commit()
    _etag(response, product.version)
    return (await products_out(session, [product]))[0]


@router.post("/products/{product_id}/publish", response_model=ProductOut)
async def publish_product(product_id: uuid.UUID, caller: SellingMerchantDep, session: SessionDep,
                          idempotency: IdempotencyDep, now: NowDep) -> ProductOut | JSONResponse:
    """Offer the product. Food needs its ingredients and allergens first (422 LMIV_INCOMPLETE)."""
    caller.require("products:write")
    replay = await idempotency.claim()
    if replay is not None:
        return replay
    product = await catalogue.publish_product(session, product=await _own_product(session, caller, product_id), now=now)
    audit.record(session, by=caller.principal, action="product.published", subject_id=str(product.id),
                 merchant_id=caller.merchant_id)
    result = (await products_out(session, [product]))[0]
    await idempotency.complete(200, result)
    await session.commit()
    return result


@router.post("/products/{product_id}/archive", response_model=ProductOut)
async def archive_product(product_id: uuid.UUID, caller: MerchantDep, session: SessionDep,
                          idempotency: IdempotencyDep, now: NowDep) -> ProductOut | JSONResponse:
    caller.require("products:write")
    replay = await idempotency.claim()
    if replay is not None:
        return replay
    product = await catalogue.archive_product(session, product=await _own_product(session, caller, product_id), now=now)
    audit.record(session, by=caller.principal, action="product.archived", subject_id=str(product.id),
                 merchant_id=caller.merchant_id)
    result = (await products_out(session, [product]))[0]
    await idempotency.complete(200, result)
    await session.commit()
    return result


@router.post("/products/{product_id}/variants", status_code=201, response_model=VariantOut)
async def add_variant(product_id: uuid.UUID, body: VariantIn, caller: SellingMerchantDep, session: SessionDep,
                      idempotency: IdempotencyDep, now: NowDep) -> VariantOut | JSONResponse:
    caller.require("products:write")
    replay = await idempotency.claim()
    if replay is not None:
        return replay
    variant = await catalogue.add_variant(session, product=await _own_product(session, caller, product_id), body=body,
                                          now=now)
    result = variant_out(variant)
    await idempotency.complete(201, result)
    await session.commit()
    return result


@router.get("/variants/{variant_id}", response_model=VariantOut)
async def read_variant(variant_id: uuid.UUID, caller: MerchantDep, session: SessionDep,
                       response: Response) -> VariantOut:
    caller.require("products:read")
    variant = await catalogue.merchant_variant(session, merchant_id=caller.merchant_id, variant_id=variant_id)
    if variant is None:
        raise _variant_not_found()
    _etag(response, variant.version)
    return variant_out(variant)


@router.patch("/variants/{variant_id}", response_model=VariantOut)
async def update_variant(variant_id: uuid.UUID, body: VariantPatch, caller: SellingMerchantDep, session: SessionDep,
                         version: IfMatchDep, now: NowDep, response: Response) -> VariantOut:
    """Change price, VAT rate, Pfand... (If-Match: the version read). Placed orders keep their prices."""
    caller.require("products:write")
    variant = await catalogue.merchant_variant(session, merchant_id=caller.merchant_id, variant_id=variant_id)
    if variant is None:
        audit.record(session, by=caller.principal, action="variant.not_found", subject_id=str(variant_id),
                     merchant_id=caller.merchant_id)
        await session.commit()
        raise _variant_not_found()
    variant = await catalogue.update_variant(session, variant=variant, body=body, if_match=version, now=now)
    audit.record(session, by=caller.principal, action="variant.updated", subject_id=str(variant.id),
                 merchant_id=caller.merchant_id, details=body.model_dump(mode="json", exclude_unset=True))
    await session.commit()
    _etag(response, variant.version)
    return variant_out(variant)


# --- stock ------------------------------------------------------------------------------------------

@router.get("/stock", response_model=Page[StockLevel])
async def list_stock(caller: MerchantDep, session: SessionDep, page: PageDep,
                     updated_since: UpdatedSince = None) -> Page[StockLevel]:
    caller.require("products:read")
    statement = select(Variant).where(Variant.merchant_id == caller.merchant_id)
    if updated_since is not None:
        statement = statement.where(col(Variant.updated_at) >= updated_since)
    rows, cursor = await paginate(session, statement, order_by=[col(Variant.updated_at), col(Variant.id)], params=page)
    return Page(items=[StockLevel(variant_id=v.id, on_hand=v.on_hand, reserved=v.reserved,
                                  available=v.on_hand - v.reserved, version=v.version) for v in rows],
                next_cursor=cursor)


@router.post("/stock", response_model=list[StockLevel])
async def change_stock(body: StockBatch, caller: SellingMerchantDep, session: SessionDep, idempotency: IdempotencyDep,
                       settings: MarketplaceSettingsDep, now: NowDep) -> list[StockLevel] | JSONResponse:
    """Adjust (delta) and compare-and-set (`expected_on_hand`) in one transaction: all or nothing. A variant
    of another merchant is 404 and nothing is applied."""
    caller.require("stock:write")
    replay = await idempotency.claim()
    if replay is not None:
        return replay
    changed: dict[uuid.UUID, Variant] = {}
    for index, item in enumerate(body.adjust):
        variant = await stock.adjust(session, variant_id=item.variant_id, merchant_id=caller.merchant_id,
                                     delta=item.delta, ref=body.note, threshold=settings.low_stock_threshold, now=now)
        if variant is None:
            await _refuse_stock(session, caller, item.variant_id, f"body.adjust[{index}]")
        assert variant is not None
        changed[variant.id] = variant
    for index, entry in enumerate(body.set):
        variant = await stock.compare_and_set(session, variant_id=entry.variant_id, merchant_id=caller.merchant_id,
                                              expected=entry.expected_on_hand, on_hand=entry.on_hand, ref=body.note,
                                              threshold=settings.low_stock_threshold, now=now)
        if variant is None:
            await _refuse_stock(session, caller, entry.variant_id, f"body.set[{index}]")
        assert variant is not None
        changed[variant.id] = variant
    result = [StockLevel(variant_id=v.id, on_hand=v.on_hand, reserved=v.reserved, available=v.on_hand - v.reserved,
                         version=v.version) for v in changed.values()]
    audit.record(session, by=caller.principal, action="stock.changed", subject_id=caller.merchant_id,
                 merchant_id=caller.merchant_id, details={"variants": [str(v) for v in changed]})
    await idempotency.complete(200, result)
    await session.commit()
    return result


async def _refuse_stock(session: SessionDep, caller: MerchantDep, variant_id: uuid.UUID, field: str) -> None:
    """Nothing of the batch applies; say why (404 for a variant that is not the caller's)."""
    await session.rollback()
    variant = await catalogue.merchant_variant(session, merchant_id=caller.merchant_id, variant_id=variant_id)
    if variant is None:
        audit.record(session, by=caller.principal, action="stock.refused", subject_id=str(variant_id),
                     merchant_id=caller.merchant_id, details={"reason": "not found"})
        await session.commit()
        raise _variant_not_found(field=f"{field}.variant_id")
    raise ProblemError(409, "STOCK_CONFLICT", "The stock is not what you expected (or would fall below what is "
                       "held for checkouts); read it again.", field=field,
                       extra={"on_hand": variant.on_hand, "reserved": variant.reserved})


# --- orders -----------------------------------------------------------------------------------------

@router.get("/orders", response_model=OrderPage)
async def list_orders(caller: MerchantDep, session: SessionDep, page: PageDep, updated_since: UpdatedSince = None,
                      state: Annotated[str | None, Query(max_length=20)] = None) -> OrderPage:
    caller.require("orders:read")
    rows, cursor = await orders.list_orders(session, params=page, merchant_id=caller.merchant_id, state=state,
                                            updated_since=updated_since)
    return OrderPage(items=await orders_out(session, rows), next_cursor=cursor)


async def _own_order(session: SessionDep, caller: MerchantDep, order_id: uuid.UUID):  # type: ignore[no-untyped-def]
    order = await orders.get_order(session, order_id, merchant_id=caller.merchant_id)
    if order is None:
        raise _order_not_found()
    return order


@router.get("/orders/{order_id}", response_model=MerchantOrderOut)
async def read_order(order_id: uuid.UUID, caller: MerchantDep, session: SessionDep) -> MerchantOrderOut:
    caller.require("orders:read")
    return (await orders_out(session, [await _own_order(session, caller, order_id)]))[0]


@router.post("/orders/{order_id}/accept", response_model=MerchantOrderOut)
async def accept_order(order_id: uuid.UUID, caller: MerchantDep, session: SessionDep, idempotency: IdempotencyDep,
                       now: NowDep) -> MerchantOrderOut | JSONResponse:
    caller.require("orders:write")
    replay = await idempotency.claim()
    if replay is not None:
        return replay
    order = await orders.accept(session, order=await _own_order(session, caller, order_id), now=now)
    result = (await orders_out(session, [order]))[0]
    await idempotency.complete(200, result)
    await session.commit()
    return result


@router.post("/orders/{order_id}/start-packing", response_model=MerchantOrderOut)
async def start_packing(order_id: uuid.UUID, caller: MerchantDep, session: SessionDep, idempotency: IdempotencyDep,
                        now: NowDep) -> MerchantOrderOut | JSONResponse:
    caller.require("orders:write")
    replay = await idempotency.claim()
    if replay is not None:
        return replay
    order = await orders.start_packing(session, order=await _own_order(session, caller, order_id), now=now)
    result = (await orders_out(session, [order]))[0]
    await idempotency.complete(200, result)
    await session.commit()
    return result


@router.post("/orders/{order_id}/pack", response_model=MerchantOrderOut)
async def pack(order_id: uuid.UUID, body: PackIn, caller: MerchantDep, session: SessionDep,
               idempotency: IdempotencyDep, settings: MarketplaceSettingsDep, payments: PaymentsDep,
               now: NowDep) -> MerchantOrderOut | JSONResponse:
    """Packed: quantities (shortages), actual weights; online payments are captured (never above the
    authorization). Ends ready_for_pickup or out_for_delivery."""
    caller.require("orders:write")
    replay = await idempotency.claim()
    if replay is not None:
        return replay
    result = await pack_order(session, order=await _own_order(session, caller, order_id), body=body,
                              settings=settings, payments=payments, now=now, complete=idempotency.complete)
    return result


@router.post("/orders/{order_id}/hand-over", response_model=MerchantOrderOut)
async def hand_over(order_id: uuid.UUID, caller: MerchantDep, session: SessionDep, idempotency: IdempotencyDep,
                    now: NowDep) -> MerchantOrderOut | JSONResponse:
    caller.require("orders:write")
    replay = await idempotency.claim()
    if replay is not None:
        return replay
    order = await orders.hand_over(session, order=await _own_order(session, caller, order_id), now=now)
    result = (await orders_out(session, [order]))[0]
    await idempotency.complete(200, result)
    await session.commit()
    return result


@router.post("/orders/{order_id}/reject", response_model=MerchantOrderOut)
async def reject_order(order_id: uuid.UUID, body: CancelIn, caller: MerchantDep, session: SessionDep,
                       idempotency: IdempotencyDep, payments: PaymentsDep,
                       now: NowDep) -> MerchantOrderOut | JSONResponse:
    caller.require("orders:write")
    replay = await idempotency.claim()
    if replay is not None:
        return replay
    return await cancel_order(session, order=await _own_order(session, caller, order_id), by="merchant",
                              reason=body.reason, restock=True, reject=True, payments=payments, now=now,
                              complete=idempotency.complete)


@router.post("/orders/{order_id}/cancel", response_model=MerchantOrderOut)
async def cancel(order_id: uuid.UUID, body: CancelIn, caller: MerchantDep, session: SessionDep,
                 idempotency: IdempotencyDep, payments: PaymentsDep, now: NowDep) -> MerchantOrderOut | JSONResponse:
    """Cancel before handover; the stock goes back (only staff may choose restock=false)."""
    caller.require("orders:write")
    replay = await idempotency.claim()
    if replay is not None:
        return replay
    if not body.restock:
        raise ProblemError(403, "RESTOCK_STAFF_ONLY", "Only district staff cancel without restocking.",
                           field="body.restock")
    return await cancel_order(session, order=await _own_order(session, caller, order_id), by="merchant",
                              reason=body.reason, restock=True, reject=False, payments=payments, now=now,
                              complete=idempotency.complete)


@router.post("/orders/{order_id}/refunds", status_code=201, response_model=MerchantOrderOut)
async def refund(order_id: uuid.UUID, body: RefundIn, caller: MerchantDep, session: SessionDep,
                 idempotency: IdempotencyDep, now: NowDep) -> MerchantOrderOut | JSONResponse:
    """Record a refund (after handover: complaints, returns); never more than was paid."""
    caller.require("orders:write")
    replay = await idempotency.claim()
    if replay is not None:
        return replay
    order = await _own_order(session, caller, order_id)
    await orders.refund(session, order=order, cents=body.cents, reason=body.reason, by=caller.principal.sub, now=now)
    audit.record(session, by=caller.principal, action="order.refunded", subject_id=str(order.id),
                 merchant_id=caller.merchant_id, details={"cents": body.cents})
    result = (await orders_out(session, [order]))[0]
    await idempotency.complete(201, result)
    await session.commit()
    return result


# --- delivery area and rounds -----------------------------------------------------------------------

@router.get("/delivery-area", response_model=list[DeliveryVillageOut])
async def read_delivery_area(caller: MerchantDep, session: SessionDep) -> list[DeliveryVillageOut]:
    caller.require("products:read")
    return [DeliveryVillageOut.model_validate(v) for v in await places.delivery_area(session, caller.merchant_id)]


@router.put("/delivery-area", response_model=list[DeliveryVillageOut])
async def set_delivery_area(body: DeliveryAreaIn, caller: SellingMerchantDep, session: SessionDep,
                            gazetteer: GazetteerDep) -> list[DeliveryVillageOut]:
    """The villages (Ortsteile) delivered to, each with its fee and minimum order; replaces the area."""
    caller.require("products:write")
    places.check_villages(gazetteer, [v.ortsteil_id for v in body.villages], "body.villages")
    rows = await places.set_delivery_area(session, merchant_id=caller.merchant_id, villages=body.villages)
    audit.record(session, by=caller.principal, action="delivery_area.set", subject_id=caller.merchant_id,
                 merchant_id=caller.merchant_id, details={"villages": [v.ortsteil_id for v in body.villages]})
    await session.commit()
    return [DeliveryVillageOut.model_validate(v) for v in rows]


@router.post("/rounds", status_code=201, response_model=RoundOut)
async def create_round(body: RoundIn, caller: SellingMerchantDep, session: SessionDep,
                       idempotency: IdempotencyDep) -> RoundOut | JSONResponse:
    """A delivery or pickup date with its cut-off in Berlin wall time."""
    caller.require("products:write")
    replay = await idempotency.claim()
    if replay is not None:
        return replay
    if body.merchant_id != caller.merchant_id:
        raise ProblemError(404, "MERCHANT_NOT_FOUND", "No such merchant.", field="body.merchant_id")
    result = RoundOut.model_validate(await places.create_round(session, body=body))
    await idempotency.complete(201, result)
    await session.commit()
    return result


# --- webhooks ---------------------------------------------------------------------------------------

@router.get("/webhooks", response_model=list[WebhookOut])
async def list_webhooks(caller: MerchantDep, session: SessionDep) -> list[WebhookOut]:
    caller.require("webhooks:manage")
    return [webhook_out(e) for e in await webhooks.endpoints_of(session, caller.merchant_id)]


@router.post("/webhooks", status_code=201, response_model=WebhookCreated)
async def create_webhook(body: WebhookIn, caller: SellingMerchantDep, session: SessionDep, idempotency: IdempotencyDep,
                         settings: MarketplaceSettingsDep) -> WebhookCreated | JSONResponse:
    """Register a receiver. Its URL must be public https (private, loopback and link-local addresses are
    refused now and again at every send). The signing secret is in this answer only."""
    caller.require("webhooks:manage")
    replay = await idempotency.claim()
    if replay is not None:
        return replay
    unknown = [e for e in body.events if e not in webhooks.EVENTS]
    if unknown:
        raise ProblemError(422, "UNKNOWN_EVENT", f"Unknown events: {', '.join(unknown)}.", field="body.events")
    try:
        await webhooks.check_target(body.url, tuple(settings.outbound_allowed_networks))
    except outbound.UnsafeUrl as error:
        raise ProblemError(422, "UNSAFE_WEBHOOK_URL", error.reason, field="body.url",
                           extra={"reason_code": error.code}) from error
    endpoint = await webhooks.create_endpoint(session, merchant_id=caller.merchant_id, url=body.url, events=body.events)
    audit.record(session, by=caller.principal, action="webhook.created", subject_id=str(endpoint.id),
                 merchant_id=caller.merchant_id, details={"url": body.url})
    result = WebhookCreated(**webhook_out(endpoint).model_dump(), secret=endpoint.secret)
    await idempotency.complete(201, result)
    await session.commit()
    return result


async def _own_endpoint(session: SessionDep, caller: MerchantDep, endpoint_id: uuid.UUID) -> WebhookEndpoint:
    endpoint = await session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.merchant_id != caller.merchant_id:
        raise ProblemError(404, "WEBHOOK_NOT_FOUND", "No such webhook.")
    return endpoint


@router.delete("/webhooks/{endpoint_id}", status_code=204)
async def delete_webhook(endpoint_id: uuid.UUID, caller: MerchantDep, session: SessionDep) -> None:
    """Stop sending to this receiver (its delivery log stays; the endpoint is disabled, not removed)."""
    caller.require("webhooks:manage")
    endpoint = await _own_endpoint(session, caller, endpoint_id)
    await webhooks.remove(session, endpoint=endpoint)
    audit.record(session, by=caller.principal, action="webhook.removed", subject_id=str(endpoint.id),
                 merchant_id=caller.merchant_id)
    await session.commit()


@router.post("/webhooks/{endpoint_id}/enable", response_model=WebhookOut)
async def enable_webhook(endpoint_id: uuid.UUID, caller: SellingMerchantDep, session: SessionDep,
                         idempotency: IdempotencyDep, now: NowDep) -> WebhookOut | JSONResponse:
    """Turn a disabled receiver back on; the messages held meanwhile are sent again."""
    caller.require("webhooks:manage")
    replay = await idempotency.claim()
    if replay is not None:
        return replay
    endpoint = await _own_endpoint(session, caller, endpoint_id)
    await webhooks.reenable(session, endpoint=endpoint, now=now)
    result = webhook_out(endpoint)
    await idempotency.complete(200, result)
    await session.commit()
    return result


@router.get("/webhooks/{endpoint_id}/deliveries", response_model=list[WebhookDeliveryOut])
async def webhook_deliveries(endpoint_id: uuid.UUID, caller: MerchantDep, session: SessionDep,
                             limit: Annotated[int, Query(ge=1, le=100)] = 20,
                             before: Annotated[datetime | None, Query(description="created before")] = None,
                             ) -> list[WebhookDeliveryOut]:
    """The delivery log: the endpoint's messages, newest first, each with its attempts."""
    caller.require("webhooks:manage")
    endpoint = await _own_endpoint(session, caller, endpoint_id)
    return [WebhookDeliveryOut.model_validate(row)
            for row in await webhooks.deliveries(session, endpoint=endpoint, limit=limit, before=before)]
