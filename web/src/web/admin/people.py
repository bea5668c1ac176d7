"""People for district staff: find a phone-only person by name, phone number or person number (accounts
`GET /admin/people?q=`), create an account for someone without e-mail or
smartphone (accounts `POST /admin/people`, scope people-desk), view a person, grant and revoke roles
(scope admin). Every one of these is audited by accounts with the staff member's id."""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, Response

from gateway.browser import CsrfFormDep
from web.admin.dashboard import ADMIN, PEOPLE_DESK, VERIFIER, admin_areas
from web.pages import SignedInPageDep, WebRoute, see_other
from web.problems import FormErrors, form_errors
from web.volunteers import staff as volunteers_staff

router = APIRouter(route_class=WebRoute)

CREATE_FIELDS = {"body.name": "name", "body.phone": "phone", "body.home_place": "home_place"}
GRANT_FIELDS = {"body.role": "role", "body.merchant_id": "merchant_id", "body.organisation_id": "organisation_id",
                "body.scopes": "scopes"}
NOTICES = ("created", "granted", "revoked")


def _people_page(page: SignedInPageDep, *, find_value: str = "", found: dict[str, Any] | None = None,
                 values: dict[str, str] | None = None, find_errors: FormErrors | None = None,
                 errors: FormErrors | None = None, status: int = 200) -> HTMLResponse:
    t = page.texts
    more = None
    if found and found.get("next_cursor"):
        more = f"/admin/people?{urlencode({'q': find_value, 'cursor': found['next_cursor']})}"
    return page.render(
        "admin/people.html", status=status, title=t.people_title, find_value=find_value,
        found=found["items"] if found is not None else None, more=more,
        values=values or {"name": "", "phone": "", "home_place": ""}, find_errors=find_errors, errors=errors,
        labels={"name": t.people_new_name, "phone": t.field_phone, "home_place": t.people_new_village},
        find_labels={"q": t.people_find_label},
        areas=admin_areas(page.signed_in.scopes, t),
    )


@router.get("/admin/people", response_class=HTMLResponse)
async def people_page(page: SignedInPageDep, q: Annotated[str, Query(max_length=100)] = "",
                      cursor: Annotated[str, Query(max_length=512)] = "") -> Response:
    """The desk on the phone: the caller's name or number finds them; their person number opens their page."""
    page.require_staff_scope(PEOPLE_DESK)
    query = q.strip()
    if not query:
        return _people_page(page)
    try:
        return see_other(f"/admin/people/{uuid.UUID(query)}")
    except ValueError:
        pass  # a name or a phone number
    if len(query) < 2:
        errors = FormErrors()
        errors.add("q", page.texts.people_find_short)
        return _people_page(page, find_value=q, find_errors=errors, status=422)
    params = {"q": query, **({"cursor": cursor} if cursor else {})}
    found = await page.read("accounts", "/admin/people", params=params)
    return _people_page(page, find_value=query, found=found)


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
        help_request_href=_help_request_href(session.scopes, person),
        notice=notice, can_manage_roles=ADMIN in session.scopes,
        values=values or {"role": "", "merchant_id": "", "organisation_id": "", "scopes": []}, errors=errors,
        labels={"role": t.person_grant_role, "merchant_id": t.person_grant_merchant,
                "organisation_id": t.person_grant_organisation, "scopes": t.person_grant_scopes},
        grantable_roles=[role for role in t.role_names if role != "resident"],
        areas=admin_areas(session.scopes, t),
    )


def _help_request_href(scopes: frozenset[str], person: dict[str, Any]) -> str | None:
    """Where the desk enters a request for help as this person (the volunteers staff page with the person
    filled in), for staff who may (scope `verifier` besides `people-desk`); staff are not acted for."""
    if not ({VERIFIER, ADMIN} & scopes) or any(grant["role"] == "operator" for grant in person["roles"]):
        return None
    staff_page = volunteers_staff.router.url_path_for("staff_page")
    return f"{staff_page}?{urlencode({'person_id': person['id']})}#enter-title"


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
