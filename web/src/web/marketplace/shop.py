"""Residents: search goods across the district's producers and shops from their village (Grundpreis, Pfand
and allergens shown), the cart, checkout with a review of the totals, their orders, and who delivers to
their village. Plain forms with Post/Redirect/Get; works without JavaScript."""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from gateway.browser import CsrfFormDep
from web.marketplace.common import euro, fetch, safe_back, village_options
from web.pages import PageDep, SignedInPageDep, WebRoute, return_path, see_other

router = APIRouter(route_class=WebRoute)

PROBLEM_TEXTS = {
    "PRICE_CHANGED": "price_changed", "OUT_OF_STOCK": "out_of_stock", "CUTOFF_PASSED": "cutoff_passed",
    "NOT_IN_DELIVERY_AREA": "not_in_area", "BELOW_MINIMUM_ORDER": "below_minimum",
}


@router.get("/shop", response_class=HTMLResponse)
async def shop_search(page: PageDep, q: str = "", village: str = "", category: str = "", label: str = "",
                      delivers: str = "", cursor: str = "", added: str = "") -> HTMLResponse:
    t = page.texts.marketplace
    params = {key: value for key, value in (("q", q[:100]), ("village", village), ("category", category),
                                            ("label", label), ("cursor", cursor[:2000])) if value}
    if delivers and village:
        params["delivers"] = "true"
    response = await page.call("GET", "marketplace", "/products", params={**params, "limit": "20"})
    results = response.json() if response.status_code == 200 else {
        "items": [], "facets": {}, "next_cursor": None, "total": 0, "total_capped": False}
    for item in results["items"]:
        for variant in item["variants"]:
            variant["price"] = euro(variant["price_cents"])
    count = f"{results['total']:,}".replace(",", ".")  # German digit grouping: 1.000
    heading = (t.results_many if results["total_capped"] else t.results_count).format(count=count)
    query = {"q": q, "village": village, "category": category, "label": label, "delivers": delivers}
    chosen = {key: value for key, value in query.items() if value}
    more_link = f"/shop?{urlencode({**chosen, 'cursor': results['next_cursor']})}" if results["next_cursor"] else None
    return page.render("marketplace/shop.html", title=t.shop_title, results=results, query=query, heading=heading,
                       more_link=more_link, village_options=await village_options(page),
                       notice=t.added if added else None, back=return_path(page.request))


@router.get("/shop/products/{product_id}", response_class=HTMLResponse)
async def shop_product(page: PageDep, product_id: uuid.UUID, village: str = "") -> HTMLResponse:
    item = await fetch(page, f"/products/{product_id}")
    for variant in item["variants"]:
        variant["price"] = euro(variant["price_cents"])
    return page.render("marketplace/product.html", title=item["title"], item=item, village=village,
                       back=f"/shop/products/{product_id}")


@router.post("/shop/cart")
async def shop_add_to_cart(page: SignedInPageDep, _csrf: CsrfFormDep, variant_id: Annotated[str, Form()],
                      qty: Annotated[str, Form()] = "1", back: Annotated[str, Form()] = "/shop") -> Response:
    """Put an item in the cart (quantities add up); back to where the person was."""
    amount = int(qty) if qty.strip().isdigit() else 1
    cart = await fetch(page, "/cart")
    current = next((line["qty"] for line in cart["lines"] if line["variant_id"] == variant_id), 0)
    response = await page.call("PUT", "marketplace", f"/cart/lines/{variant_id}",
                               json={"qty": min(999, current + max(1, amount))})
    if response.status_code == 404:
        raise page.not_found()
    target = safe_back(back, "/shop")
    return see_other(target + ("&" if "?" in target else "?") + "added=1")


async def _cart_page(page: SignedInPageDep, *, errors: list[str] | None = None, values: dict[str, Any] | None = None,
                     status: int = 200) -> HTMLResponse:
    t = page.texts.marketplace
    cart = await fetch(page, "/cart")
    merchants: dict[str, dict[str, Any]] = {}
    for line in cart["lines"]:
        line["price"] = euro(line["line_cents"])
        entry = merchants.setdefault(line["merchant_id"], {"name": line["merchant_name"], "lines": []})
        entry["lines"].append(line)
    chosen = values or {}
    village = chosen.get("village", "")
    for merchant_id, entry in merchants.items():
        params = {"merchant_id": merchant_id, **({"village": village} if village else {})}
        points = await fetch(page, "/pickup-points", params)
        entry["point_options"] = [(p["id"], p["name"]) for p in points]
    return page.render("marketplace/cart.html", status=status, title=t.cart_title, cart=cart, merchants=merchants,
                       goods=euro(cart["goods_cents"]), deposit=euro(cart["deposit_cents"]),
                       village_options=await village_options(page), values=chosen, errors=errors or [])


@router.get("/shop/cart", response_class=HTMLResponse)
async def shop_cart(page: SignedInPageDep, village: str = "") -> HTMLResponse:
    return await _cart_page(page, values={"village": village})


@router.post("/shop/cart/lines/{variant_id}")
async def shop_change_line(page: SignedInPageDep, _csrf: CsrfFormDep, variant_id: uuid.UUID,
                      qty: Annotated[str, Form()] = "0") -> Response:
    amount = int(qty) if qty.strip().isdigit() else 0
    response = await page.call("PUT", "marketplace", f"/cart/lines/{variant_id}", json={"qty": min(amount, 999)})
    if response.status_code == 404:
        raise page.not_found()
    return see_other("/shop/cart")


def _checkout_body(form: dict[str, str], cart: dict[str, Any]) -> dict[str, Any]:
    merchants = sorted({line["merchant_id"] for line in cart["lines"]})
    choices = []
    for merchant_id in merchants:
        how = form.get(f"how-{merchant_id}", "pickup")
        choice: dict[str, Any] = {"merchant_id": merchant_id,
                                  "fulfilment": "delivery" if how == "delivery" else "pickup"}
        if choice["fulfilment"] == "pickup" and form.get(f"point-{merchant_id}"):
            choice["pickup_point_id"] = form[f"point-{merchant_id}"]
        choices.append(choice)
    return {"lines": [{"variant_id": line["variant_id"], "qty": line["qty"]} for line in cart["lines"]],
            "ortsteil_id": form.get("village", ""), "choices": choices,
            "payment_method": form.get("payment", "on_pickup"),
            "recipient_name": form.get("recipient") or None, "address": form.get("address") or None}


def _problem_message(page: SignedInPageDep, response: Any) -> str:
    t = page.texts.marketplace
    try:
        code = response.json().get("code", "")
    except ValueError:
        code = ""
    name = PROBLEM_TEXTS.get(code)
    return str(getattr(t, name)) if name else t.checkout_failed


@router.post("/shop/checkout/review", response_class=HTMLResponse)
async def shop_review(page: SignedInPageDep, _csrf: CsrfFormDep, request: Request) -> HTMLResponse:
    """The totals as they are now, to confirm (a quote: nothing is held yet)."""
    t = page.texts.marketplace
    form = {key: str(value) for key, value in (await request.form()).items()}
    cart = await fetch(page, "/cart")
    if not cart["lines"]:
        return await _cart_page(page, values=form)
    body = _checkout_body(form, cart)
    quote_body = {key: body[key] for key in ("lines", "ortsteil_id", "choices", "payment_method")}
    response = await page.call("POST", "marketplace", "/checkout/quote", json=quote_body)
    if response.status_code != 200:
        return await _cart_page(page, errors=[_problem_message(page, response)], values=form, status=422)
    quote = response.json()
    names = {line["merchant_id"]: line["merchant_name"] for line in cart["lines"]}
    orders = [{**order, "name": names.get(order["merchant_id"], ""), "goods": euro(order["goods_cents"]),
               "deposit": euro(order["deposit_cents"]), "fee": euro(order["delivery_fee_cents"]),
               "total": euro(order["total_cents"]),
               "vat": [{"rate": g["vat_rate"], "amount": euro(g["vat_cents"])} for g in order["vat"]]}
              for order in quote["orders"]]
    return page.render("marketplace/review.html", title=t.review_title, orders=orders, form=form,
                       total=euro(quote["total_cents"]), total_cents=quote["total_cents"],
                       # One key per review: pressing "order" twice places one order.
                       idempotency_key=uuid.uuid4().hex)


@router.post("/shop/checkout", response_class=HTMLResponse)
async def shop_place(page: SignedInPageDep, _csrf: CsrfFormDep, request: Request) -> Response:
    form = {key: str(value) for key, value in (await request.form()).items()}
    cart = await fetch(page, "/cart")
    if not cart["lines"]:
        return see_other("/shop/orders")
    body = _checkout_body(form, cart)
    expected = form.get("expected_total_cents", "")
    body["expected_total_cents"] = int(expected) if expected.isdigit() else 0
    key = form.get("idempotency_key", "") or uuid.uuid4().hex
    response = await page.call("POST", "marketplace", "/checkout", json=body, headers={"Idempotency-Key": key[:64]})
    if response.status_code != 201:
        return await _cart_page(page, errors=[_problem_message(page, response)], values=form, status=409)
    return see_other("/shop/orders?done=placed")


@router.get("/shop/orders", response_class=HTMLResponse)
async def shop_orders(page: SignedInPageDep, done: str = "") -> HTMLResponse:
    t = page.texts.marketplace
    found = await fetch(page, "/orders", {"limit": "50"})
    items = sorted(found["items"], key=lambda order: order["created_at"], reverse=True)
    for order in items:
        order["total"] = euro(order["total_cents"])
    notice = {"placed": t.orders_placed, "cancelled": t.order_cancelled}.get(done)
    return page.render("marketplace/orders.html", title=t.orders_title, orders=items, notice=notice)


@router.post("/shop/orders/{order_id}/cancel")
async def shop_cancel(page: SignedInPageDep, _csrf: CsrfFormDep, order_id: uuid.UUID) -> Response:
    response = await page.call("POST", "marketplace", f"/orders/{order_id}/cancel", json={})
    if response.status_code == 404:
        raise page.not_found()
    if response.status_code != 200:
        raise page.problem(409, page.texts.marketplace.orders_title, _problem_message(page, response))
    return see_other("/shop/orders?done=cancelled")


@router.get("/shop/delivery-services", response_class=HTMLResponse)
async def shop_delivery_services(page: PageDep, village: str = "", weekday: str = "", what: str = "") -> HTMLResponse:
    t = page.texts.marketplace
    found: list[dict[str, Any]] = []
    if village:
        params = {"village": village, **({"weekday": weekday} if weekday in t.weekdays else {}),
                  **({"category": what} if what else {})}
        response = await page.call("GET", "marketplace", "/delivery-services", params=params)
        found = response.json() if response.status_code == 200 else []
    return page.render("marketplace/delivery_services.html", title=t.services_title, services=found,
                       village_options=await village_options(page),
                       query={"village": village, "weekday": weekday, "what": what})
