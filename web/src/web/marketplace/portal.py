"""The merchant portal's marketplace pages (role `merchant`, the merchant's own orders and goods through the
merchant API /v1 as the signed-in staff member): orders to accept, pack and hand over; goods with stock."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response

from gateway.browser import CsrfFormDep
from web.marketplace.common import euro
from web.pages import SignedInPageDep, WebRoute, see_other

router = APIRouter(route_class=WebRoute)

OPEN_STATES = ("placed", "accepted", "packing", "ready_for_pickup", "out_for_delivery")
# Form action -> (merchant API step, request body)
ACTIONS: dict[str, tuple[str, dict[str, Any] | None]] = {
    "accept": ("accept", None), "pack": ("pack", {"lines": []}), "hand-over": ("hand-over", None),
    "reject": ("reject", {}),
}


async def _v1(page: SignedInPageDep, path: str, params: dict[str, str] | None = None) -> Any:
    response = await page.call("GET", "marketplace", path, params=params)
    if response.status_code == 404:
        t = page.texts.marketplace
        raise page.problem(404, t.portal_orders_title, t.portal_not_registered)
    if not response.is_success:
        raise page.failed(response)
    return response.json()


@router.get("/merchant/orders", response_class=HTMLResponse)
async def portal_orders(page: SignedInPageDep, done: str = "") -> HTMLResponse:
    page.require_role("merchant")
    t = page.texts.marketplace
    merchant = await _v1(page, "/v1/merchant")
    found = await _v1(page, "/v1/orders", {"limit": "100"})
    open_orders = sorted((o for o in found["items"] if o["state"] in OPEN_STATES), key=lambda o: o["created_at"])
    for order in open_orders:
        order["total"] = euro(order["total_cents"])
    return page.render("marketplace/portal_orders.html", title=t.portal_orders_title, merchant=merchant,
                       orders=open_orders, notice=t.portal_done if done else None)


@router.post("/merchant/orders/{order_id}/{action}")
async def portal_order_action(page: SignedInPageDep, _csrf: CsrfFormDep, order_id: uuid.UUID, action: str,
                       idempotency_key: Annotated[str, Form()] = "") -> Response:
    page.require_role("merchant")
    if action not in ACTIONS:
        raise page.not_found()
    step, body = ACTIONS[action]
    response = await page.call("POST", "marketplace", f"/v1/orders/{order_id}/{step}", json=body,
                               headers={"Idempotency-Key": (idempotency_key or uuid.uuid4().hex)[:64]})
    if response.status_code == 404:
        raise page.not_found()
    if response.status_code >= 400:
        raise page.problem(response.status_code, page.texts.marketplace.portal_orders_title,
                           str(response.json().get("detail", "")))
    return see_other("/merchant/orders?done=1")


@router.get("/merchant/products", response_class=HTMLResponse)
async def portal_products(page: SignedInPageDep, done: str = "") -> HTMLResponse:
    page.require_role("merchant")
    t = page.texts.marketplace
    merchant = await _v1(page, "/v1/merchant")
    found = await _v1(page, "/v1/products", {"limit": "100"})
    items = sorted(found["items"], key=lambda p: p["title"])
    return page.render("marketplace/portal_products.html", title=t.portal_products_title, merchant=merchant,
                       products=items, notice=t.portal_done if done else None)


@router.post("/merchant/products/stock")
async def portal_change_stock(page: SignedInPageDep, _csrf: CsrfFormDep, variant_id: Annotated[str, Form()],
                       delta: Annotated[str, Form()] = "", idempotency_key: Annotated[str, Form()] = "") -> Response:
    page.require_role("merchant")
    text = delta.strip()
    if not text.lstrip("-").isdigit():
        return see_other("/merchant/products")
    response = await page.call("POST", "marketplace", "/v1/stock",
                               json={"adjust": [{"variant_id": variant_id, "delta": int(text)}]},
                               headers={"Idempotency-Key": (idempotency_key or uuid.uuid4().hex)[:64]})
    if response.status_code == 404:
        raise page.not_found()
    if response.status_code >= 400:
        raise page.problem(response.status_code, page.texts.marketplace.portal_products_title,
                           str(response.json().get("detail", "")))
    return see_other("/merchant/products?done=1")
