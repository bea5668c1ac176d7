"""People for district staff: find a person by number, create an account for someone without e-mail or
smartphone (accounts `POST /admin/people`, scope people-desk), view a person, grant and revoke roles
(scope admin). Every one of these is audited by accounts with the staff member's id."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response

from gateway.browser import CsrfFormDep
from web.admin.dashboard import ADMIN, PEOPLE_DESK, admin_areas
from web.pages import SignedInPageDep, WebRoute, see_other
from web.problems import FormErrors, form_errors

router = APIRouter(route_class=WebRoute)

CREATE_FIELDS = {"body.name": "name", "body.phone": "phone", "body.home_place": "home_place"}
GRANT_FIELDS = {"body.role": "role", "body.merchant_id": "merchant_id", "body.organisation_id": "organisation_id",
                "body.scopes": "scopes"}
NOTICES = ("created", "granted", "revoked")


def _people_page(page: SignedInPageDep, *, find_value: str = "", values: dict[str, str] | None = None,
                 find_errors: FormErrors | None = None, errors: FormErrors | None = None,
                 status: int = 200) -> HTMLResponse:
    t = page.texts
    return page.render(
        "admin/people.html", status=status, title=t.people_title, find_value=find_value,
        values=values or {"name": "", "phone": "", "home_place": ""}, find_errors=find_errors, errors=errors,
        labels={"name": t.people_new_name, "phone": t.field_phone, "home_place": t.people_new_village},
        find_labels={"person_id": t.people_find_label},
        areas=admin_areas(page.signed_in.scopes, t),
    )


@router.get("/admin/people", response_class=HTMLResponse)
async def people_page(page: SignedInPageDep, person_id: str = "") -> Response:
    page.require_staff_scope(PEOPLE_DESK)
    if person_id:
        try:
            found = uuid.UUID(person_id.strip())
        except ValueError:
            errors = FormErrors()
            errors.add("person_id", page.texts.people_find_bad_id)
            return _people_page(page, find_value=person_id, find_errors=errors, status=422)
        return see_other(f"/admin/people/{found}")
    return _people_page(page)


@router.post("/admin/people", response_class=HTMLResponse)
async def create_phone_only_person(
    page: SignedInPageDep,
    _csrf: CsrfFormDep,
    name: Annotated[str, Form()] = "",
    phone: Annotated[str, Form()] = "",
    home_place: Annotated[str, Form()] = "",
) -> Response:
    page.require_staff_scope(PEOPLE_DESK)
    values = {"name": name.strip(), "phone": phone.strip(), "home_place": home_place.strip()}
    errors = FormErrors()
    for field_name in ("name", "phone"):
        if not values[field_name]:
            errors.add(field_name, page.texts.error_required)
    if errors:
        return _people_page(page, values=values, errors=errors, status=422)
    body = {key: value for key, value in values.items() if value}
    response = await page.call("POST", "accounts", "/admin/people", json=body)
    if response.status_code >= 400:
        return _people_page(page, values=values, errors=form_errors(response, CREATE_FIELDS, page.texts),
                            status=response.status_code)
    return see_other(f"/admin/people/{response.json()['id']}?done=created")


async def _person(page: SignedInPageDep, person_id: uuid.UUID) -> dict[str, Any]:
    person: dict[str, Any] = await page.read("accounts", f"/admin/people/{person_id}")
    return person


def _person_page(page: SignedInPageDep, person: dict[str, Any], *, notice: str | None = None,
                 values: dict[str, Any] | None = None, errors: FormErrors | None = None,
                 status: int = 200) -> HTMLResponse:
    t = page.texts
    session = page.signed_in
    return page.render(
        "admin/person.html", status=status, title=f"{t.person_title}: {person['name']}", person=person,
        notice=notice, can_manage_roles=ADMIN in session.scopes,
        values=values or {"role": "", "merchant_id": "", "organisation_id": "", "scopes": []}, errors=errors,
        labels={"role": t.person_grant_role, "merchant_id": t.person_grant_merchant,
                "organisation_id": t.person_grant_organisation, "scopes": t.person_grant_scopes},
        grantable_roles=[role for role in t.role_names if role != "resident"],
        areas=admin_areas(session.scopes, t),
    )


def _notice(page: SignedInPageDep, done: str) -> str | None:
    t = page.texts
    return {"created": t.people_created, "granted": t.person_granted, "revoked": t.person_role_revoked}.get(done)


@router.get("/admin/people/{person_id}", response_class=HTMLResponse)
async def person_page(page: SignedInPageDep, person_id: uuid.UUID, done: str = "") -> HTMLResponse:
    page.require_staff_scope(PEOPLE_DESK)
    return _person_page(page, await _person(page, person_id), notice=_notice(page, done))


@router.post("/admin/people/{person_id}/roles", response_class=HTMLResponse)
async def grant_role(
    page: SignedInPageDep,
    _csrf: CsrfFormDep,
    person_id: uuid.UUID,
    role: Annotated[str, Form()] = "",
    merchant_id: Annotated[str, Form()] = "",
    organisation_id: Annotated[str, Form()] = "",
    scopes: Annotated[list[str] | None, Form()] = None,
) -> Response:
    page.require_staff_scope(ADMIN)
    values: dict[str, Any] = {"role": role, "merchant_id": merchant_id.strip(),
                              "organisation_id": organisation_id.strip(), "scopes": scopes or []}
    if not role:
        errors = FormErrors()
        errors.add("role", page.texts.error_required)
        return _person_page(page, await _person(page, person_id), values=values, errors=errors, status=422)
    body: dict[str, Any] = {"role": role, "scopes": values["scopes"]}
    for key in ("merchant_id", "organisation_id"):
        if values[key]:
            body[key] = values[key]
    response = await page.call("POST", "accounts", f"/admin/people/{person_id}/roles", json=body)
    if response.status_code >= 400:
        return _person_page(page, await _person(page, person_id), values=values,
                            errors=form_errors(response, GRANT_FIELDS, page.texts), status=response.status_code)
    return see_other(f"/admin/people/{person_id}?done=granted")


@router.post("/admin/people/{person_id}/roles/{grant_id}/revoke", response_class=HTMLResponse)
async def revoke_role(
    page: SignedInPageDep, _csrf: CsrfFormDep, person_id: uuid.UUID, grant_id: uuid.UUID
) -> Response:
    page.require_staff_scope(ADMIN)
    response = await page.call("DELETE", "accounts", f"/admin/people/{person_id}/roles/{grant_id}")
    if response.status_code == 404:
        raise page.not_found()
    if response.status_code >= 400:
        return _person_page(page, await _person(page, person_id), errors=form_errors(response, {}, page.texts),
                            status=response.status_code)
    return see_other(f"/admin/people/{person_id}?done=revoked")
