"""The district's marketplace dashboard (role operator): merchants waiting for approval (scope admin or
verifier), the latest orders across merchants and the merchants' webhook health (scope admin)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response

from gateway.browser import CsrfFormDep
from web.marketplace.common import euro
from web.pages import SignedInPageDep, WebRoute, see_other

router = APIRouter(route_class=WebRoute)


async def _get(page: SignedInPageDep, path: str, params: dict[str, str] | None = None) -> Any:
    response = await page.call("GET", "marketplace", path, params=params)
    if response.status_code == 403:
        raise page.forbidden()
    return response.json() if response.status_code == 200 else None


@router.get("/admin/marketplace", response_class=HTMLResponse)
async def market_admin_dashboard(page: SignedInPageDep, done: str = "") -> HTMLResponse:
    session = page.require_staff_scope("verifier")
    t = page.texts.marketplace
    pending = await _get(page, "/admin/merchants", {"status": "pending"}) or []
    full = "admin" in session.scopes
    orders: list[dict[str, Any]] = []
    hooks: list[dict[str, Any]] = []
    if full:
        found = await _get(page, "/admin/orders", {"limit": "20"}) or {"items": []}
        orders = sorted(found["items"], key=lambda o: o["created_at"], reverse=True)
        for order in orders:
            order["total"] = euro(order["total_cents"])
        hooks = await _get(page, "/admin/webhooks") or []
    return page.render("marketplace/admin.html", title=t.admin_title, pending=pending, orders=orders, hooks=hooks,
                       full=full, notice=t.admin_decided if done else None)


@router.post("/admin/marketplace/merchants/{merchant_id}/decision")
async def market_admin_decide(page: SignedInPageDep, _csrf: CsrfFormDep, merchant_id: str,
                 status: Annotated[str, Form()]) -> Response:
    page.require_staff_scope("verifier")
    if status not in ("active", "suspended"):
        raise page.not_found()
    response = await page.call("POST", "marketplace", f"/admin/merchants/{merchant_id}/decision",
                               json={"status": status})
    if response.status_code == 404:
        raise page.not_found()
    if response.status_code == 403:
        raise page.forbidden()
    return see_other("/admin/marketplace?done=1")
