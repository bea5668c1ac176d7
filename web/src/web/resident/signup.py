"""Sign-up: a plain form posted to this server, which calls accounts `POST /people`; then "check your
mail". accounts answers the same for a known and a new address, and so do we (no enumeration)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response

from web.pages import PageDep, WebRoute, login_url, see_other
from web.problems import FormErrors, form_errors

router = APIRouter(route_class=WebRoute)

FIELDS = {"body.name": "name", "body.email": "email", "body.password": "password", "body.home_place": "home_place"}
AFTER_SIGNUP = "/notifications"


def _labels(page: PageDep) -> dict[str, str]:
    t = page.texts
    return {"name": t.field_name, "email": t.field_email, "password": t.field_password, "home_place": t.field_village}


def _form(page: PageDep, values: dict[str, str], errors: FormErrors | None, status: int = 200) -> HTMLResponse:
    return page.render("resident/signup.html", status=status, title=page.texts.signup_title, values=values,
                       errors=errors, labels=_labels(page), login_url_after_signup=login_url(AFTER_SIGNUP))


@router.get("/signup", response_class=HTMLResponse)
async def signup_form(page: PageDep) -> Response:
    if page.session is not None:
        return see_other("/account")
    return _form(page, {"name": "", "email": "", "home_place": ""}, None)


@router.post("/signup", response_class=HTMLResponse)
async def sign_up(
    page: PageDep,
    name: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    home_place: Annotated[str, Form()] = "",
) -> Response:
    # No CSRF token here: nobody is signed in yet, and signing someone up gains an attacker nothing.
    values = {"name": name.strip(), "email": email.strip(), "home_place": home_place.strip()}
    errors = FormErrors()
    for field_name in ("name", "email"):
        if not values[field_name]:
            errors.add(field_name, page.texts.error_required)
    if not password:
        errors.add("password", page.texts.error_required)
    if errors:
        return _form(page, values, errors, status=422)
    body: dict[str, str] = {"name": values["name"], "email": values["email"], "password": password}
    if values["home_place"]:
        body["home_place"] = values["home_place"]
    response = await page.call("POST", "accounts", "/people", json=body)
    if response.status_code >= 400:
        return _form(page, values, form_errors(response, FIELDS, page.texts), status=response.status_code)
    return see_other("/signup/sent")


@router.get("/signup/sent", response_class=HTMLResponse)
async def check_your_mail(page: PageDep) -> HTMLResponse:
    return page.render("resident/signup_sent.html", title=page.texts.signup_sent_title,
                       login_url_after_signup=login_url(AFTER_SIGNUP))
