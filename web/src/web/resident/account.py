"""The person's own account: see and change name, phone and village (accounts `PATCH /me` with If-Match),
download everything the platform holds about them (accounts gathers every service's part as a job:
`POST /me/exports`, then its state and the file), and erase the account after a clear confirmation (`DELETE /me`),
which ends in being signed out."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gateway.browser import CsrfFormDep
from web.pages import PageDep, SignedInPageDep, WebRoute, see_other
from web.problems import FormErrors, form_errors

router = APIRouter(route_class=WebRoute)

FIELDS = {"body.name": "name", "body.phone": "phone", "body.home_place": "home_place"}
NOTICES = {"saved"}
DELETED_PAGE = "/account/deleted"


def _labels(page: SignedInPageDep) -> dict[str, str]:
    t = page.texts
    return {"name": t.field_name, "phone": t.field_phone, "home_place": t.field_village}


async def _me(page: SignedInPageDep) -> dict[str, Any]:
    person: dict[str, Any] = await page.read("accounts", "/me")
    return person


def _account_page(
    page: SignedInPageDep, person: dict[str, Any], *, values: dict[str, str] | None = None,
    errors: FormErrors | None = None, notice: str | None = None, status: int = 200,
) -> HTMLResponse:
    role_names = [page.texts.role_names.get(grant["role"], grant["role"]) for grant in person.get("roles", [])]
    shown = values or {key: person.get(key) or "" for key in ("name", "phone", "home_place")}
    return page.render("resident/account.html", status=status, title=page.texts.account_title, person=person,
                       values=shown, errors=errors, labels=_labels(page), notice=notice, role_names=role_names)


@router.get("/account", response_class=HTMLResponse)
async def account_page(page: SignedInPageDep, done: str = "") -> HTMLResponse:
    notice = page.texts.account_saved if done in NOTICES else None
    return _account_page(page, await _me(page), notice=notice)


@router.post("/account", response_class=HTMLResponse)
async def change_account(
    page: SignedInPageDep,
    _csrf: CsrfFormDep,
    version: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    phone: Annotated[str, Form()] = "",
    home_place: Annotated[str, Form()] = "",
) -> Response:
    values = {"name": name.strip(), "phone": phone.strip(), "home_place": home_place.strip()}
    if not values["name"]:
        errors = FormErrors()
        errors.add("name", page.texts.error_required)
        return _account_page(page, await _me(page), values=values, errors=errors, status=422)
    # Empty optional fields clear the value; the version the form was built from guards lost updates.
    changes = {"name": values["name"], "phone": values["phone"] or None, "home_place": values["home_place"] or None}
    response = await page.call("PATCH", "accounts", "/me", json=changes,
                               headers={"If-Match": f'"{version.strip()}"'})
    if response.status_code in (412, 428):
        # Someone (another device) changed the data meanwhile: show the new data, say so, keep nothing stale.
        errors = FormErrors(general=page.texts.error_version)
        return _account_page(page, await _me(page), errors=errors, status=409)
    if response.status_code >= 400:
        errors = form_errors(response, FIELDS, page.texts)
        return _account_page(page, await _me(page), values=values, errors=errors, status=response.status_code)
    return see_other("/account?done=saved")


def _export_page(page: SignedInPageDep, job: dict[str, Any] | None = None, *, gone: bool = False) -> HTMLResponse:
    """The download's one page in its three states: nothing asked yet (or the file is gone), being
    gathered (reload, or let the script look again), ready with the file."""
    t = page.texts
    title = t.export_title
    included: list[str] = []
    missing: list[str] = []
    if job is not None:
        title = t.export_pending_title if job["status"] == "pending" else t.export_ready_title
        for service, outcome in job.get("parts", {}).items():
            (included if outcome == "ok" else missing).append(t.service_area_names.get(service, service))
    return page.render("resident/account_export.html", status=404 if gone else 200, title=title, job=job,
                       gone=gone, included=", ".join(included), missing=", ".join(missing))


@router.get("/account/export", response_class=HTMLResponse)
async def download_my_data(page: SignedInPageDep) -> HTMLResponse:
    return _export_page(page)


@router.post("/account/export")
async def request_my_data(page: SignedInPageDep, _csrf: CsrfFormDep) -> Response:
    # accounts gathers every service's part in the background; asking again while it does gives the same job.
    response = await page.call("POST", "accounts", "/me/exports")
    if response.status_code != 202:
        raise page.failed(response)
    return see_other(f"/account/export/{response.json()['id']}")


@router.get("/account/export/{export_id}", response_class=HTMLResponse)
async def my_data_download_state(page: SignedInPageDep, export_id: uuid.UUID) -> HTMLResponse:
    job: dict[str, Any] | None = await page.read("accounts", f"/me/exports/{export_id}", missing=None)
    if job is None:  # expired, or not this person's
        return _export_page(page, gone=True)
    return _export_page(page, job)


@router.get("/account/export/{export_id}/file")
async def my_data_file(page: SignedInPageDep, export_id: uuid.UUID) -> Response:
    response = await page.call("GET", "accounts", f"/me/exports/{export_id}/download")
    if response.status_code in (404, 409):  # gone, or not ready yet: the state page says which
        return see_other(f"/account/export/{export_id}")
    if response.status_code != 200:
        raise page.failed(response)
    return Response(
        response.content,
        media_type="application/json",
        headers={
            "Content-Disposition": 'attachment; filename="dorfmarktplatz-meine-daten.json"',
            "Cache-Control": "no-store",
        },
    )


def _confirm_page(page: SignedInPageDep, errors: FormErrors | None = None, status: int = 200) -> HTMLResponse:
    return page.render("resident/account_delete.html", status=status, title=page.texts.account_delete_confirm_title,
                       errors=errors, labels={"confirm": page.texts.account_delete_title})


@router.get("/account/delete", response_class=HTMLResponse)
async def confirm_deletion(page: SignedInPageDep) -> HTMLResponse:
    return _confirm_page(page)


@router.post("/account/delete", response_class=HTMLResponse)
async def delete_account(
    page: SignedInPageDep, _csrf: CsrfFormDep, confirm: Annotated[str, Form()] = ""
) -> Response:
    if confirm != "yes":
        errors = FormErrors()
        errors.add("confirm", page.texts.account_delete_must_confirm)
        return _confirm_page(page, errors, status=422)
    response = await page.call("DELETE", "accounts", "/me")
    if response.status_code >= 400:
        return _confirm_page(page, form_errors(response, {}, page.texts), status=response.status_code)
    # Signed out at once: 307 keeps the method and the form body, so the browser posts this very form
    # (its csrf_token) on to the gateway's logout, which ends the session and comes back to DELETED_PAGE.
    return RedirectResponse(f"/auth/logout?next={DELETED_PAGE}", status_code=307)


@router.get(DELETED_PAGE, response_class=HTMLResponse)
async def account_deleted(page: PageDep) -> HTMLResponse:
    return page.render("resident/account_deleted.html", title=page.texts.account_deleted_title)
