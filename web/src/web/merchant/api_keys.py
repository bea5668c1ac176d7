"""The merchant portal (role `merchant`): the merchant's API keys at accounts `/api-keys` — list, create
(the secret is shown once, on the answer page, never in a URL), revoke."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response

from gateway.browser import CsrfFormDep
from web.pages import SignedInPageDep, WebRoute, see_other
from web.problems import FormErrors, form_errors

router = APIRouter(route_class=WebRoute)

FIELDS = {"body.name": "name", "body.scopes": "scopes"}
NOTICES = {"revoked"}


async def _keys(page: SignedInPageDep) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = (await page.read("accounts", "/api-keys", params={"limit": "100"}))["items"]
    return items


def _portal(page: SignedInPageDep, keys: list[dict[str, Any]], *, values: dict[str, Any] | None = None,
            errors: FormErrors | None = None, notice: str | None = None, status: int = 200) -> HTMLResponse:
    t = page.texts
    return page.render("merchant/api_keys.html", status=status, title=t.merchant_title, keys=keys,
                       values=values or {"name": "", "scopes": []}, errors=errors, notice=notice,
                       labels={"name": t.keys_new_name, "scopes": t.keys_new_scopes})


@router.get("/merchant", response_class=HTMLResponse)
async def merchant_portal(page: SignedInPageDep, done: str = "") -> HTMLResponse:
    page.require_role("merchant")
    notice = page.texts.keys_revoked_done if done in NOTICES else None
    return _portal(page, await _keys(page), notice=notice)


@router.post("/merchant/api-keys", response_class=HTMLResponse)
async def create_api_key(
    page: SignedInPageDep,
    _csrf: CsrfFormDep,
    name: Annotated[str, Form()] = "",
    scopes: Annotated[list[str] | None, Form()] = None,
) -> Response:
    page.require_role("merchant")
    chosen = [scope for scope in scopes or [] if scope in page.texts.merchant_scope_names]
    values = {"name": name.strip(), "scopes": chosen}
    errors = FormErrors()
    if not values["name"]:
        errors.add("name", page.texts.error_required)
    if not chosen:
        errors.add("scopes", page.texts.keys_new_scopes_hint)
    if errors:
        return _portal(page, await _keys(page), values=values, errors=errors, status=422)
    response = await page.call("POST", "accounts", "/api-keys", json={"name": values["name"], "scopes": chosen})
    if response.status_code >= 400:
        return _portal(page, await _keys(page), values=values, errors=form_errors(response, FIELDS, page.texts),
                       status=response.status_code)
    # Rendered directly (not redirected): the secret exists only in this answer.
    return page.render("merchant/api_key_created.html", status=201, title=page.texts.keys_secret_title,
                       key=response.json())


@router.post("/merchant/api-keys/{key_id}/revoke", response_class=HTMLResponse)
async def revoke_api_key(page: SignedInPageDep, _csrf: CsrfFormDep, key_id: str) -> Response:
    page.require_role("merchant")
    response = await page.call("DELETE", "accounts", f"/api-keys/{key_id}")
    if response.status_code == 404:
        raise page.not_found()
    if response.status_code >= 400:
        return _portal(page, await _keys(page), errors=form_errors(response, {}, page.texts),
                       status=response.status_code)
    return see_other("/merchant?done=revoked")
