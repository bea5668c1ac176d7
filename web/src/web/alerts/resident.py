"""Residents' pages of warnings: the current warnings for their places and the district (list and map, with
new messages arriving live), one warning in their language, choosing places and topics."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response

from gateway.browser import CsrfFormDep
from web.alerts.map import district_map
from web.pages import PageDep, SignedInPageDep, WebRoute, see_other
from web.problems import FormErrors, form_errors

router = APIRouter(route_class=WebRoute)

SEVERITIES = ("Minor", "Moderate", "Severe", "Extreme")
# The API's fields of the places-and-topics choice, on the form's (the subscription and the device page).
CHOICE_FIELDS = {"places.0": "place", "places.0.ortsteil_id": "place", "places.1": "second_place",
                 "places.1.ortsteil_id": "second_place", "topics": "topics"}
FIELDS = {**CHOICE_FIELDS, "min_severity": "min_severity", "languages": "language"}


def chosen_places_and_topics(place: str, second_place: str, topics: list[str] | None,
                             topic_names: Mapping[str, str]) -> dict[str, list[Any]]:
    """The form's village or two and topics as the API takes them (a second place equal to the first once)."""
    chosen = [place] + ([second_place] if second_place and second_place != place else [])
    return {"places": [{"ortsteil_id": p} for p in chosen], "topics": [x for x in topics or [] if x in topic_names]}


def is_author(page: PageDep | SignedInPageDep) -> bool:
    session = page.session
    return session is not None and "operator" in session.roles and (
        "alert-author" in session.scopes or "admin" in session.scopes)


@router.get("/alerts", response_class=HTMLResponse)
async def warnings_page(page: PageDep, done: str = "") -> HTMLResponse:
    t = page.texts.alerts
    district = (await page.read("alerts", "/warnings"))["items"]
    mine = subscription = None
    if page.session is not None:
        mine = (await page.read("alerts", "/me/warnings"))["items"]
        subscription = await page.read("alerts", "/me/subscription", missing=None)
    notice = {"saved": t.saved, "deleted": t.subscription_deleted}.get(done)
    return page.render("alerts/list.html", title=t.title, district=district, mine=mine, subscription=subscription,
                       map=district_map(await page.read("alerts", "/places"), district), notice=notice,
                       author=is_author(page))


@router.get("/alerts/warnings/{warning_id}", response_class=HTMLResponse)
async def warning_page(page: PageDep, warning_id: str) -> HTMLResponse:
    languages = "de"
    if page.session is not None:
        subscription = await page.read("alerts", "/me/subscription", missing=None)
        if subscription:
            languages = ",".join(subscription["languages"])
    response = await page.call("GET", "alerts", f"/warnings/{warning_id}", params={"lang": languages})
    if response.status_code in (404, 422):  # 422: not a warning's id at all
        raise page.not_found()
    if not response.is_success:
        raise page.failed(response)
    warning = response.json()
    return page.render("alerts/warning.html", title=warning["headline"] or page.texts.alerts.title,
                       warning=warning, map=district_map(await page.read("alerts", "/places"), [warning]))


def _form(page: SignedInPageDep, places: list[dict[str, Any]], values: dict[str, Any],
          errors: FormErrors | None = None, status: int = 200) -> HTMLResponse:
    t = page.texts.alerts
    return page.render("alerts/subscription.html", status=status, title=t.subscription_title, places=places,
                       values=values, errors=errors, severities=SEVERITIES,
                       labels={"place": t.place_first, "second_place": t.place_second, "topics": t.topics,
                               "min_severity": t.min_severity, "language": t.language})


@router.get("/alerts/subscription", response_class=HTMLResponse)
async def subscription_page(page: SignedInPageDep) -> HTMLResponse:
    current = await page.read("alerts", "/me/subscription", missing=None)
    villages = [p["place_ref"] for p in (current or {}).get("places", []) if p["kind"] == "ortsteil"]
    values = {
        "place": villages[0] if villages else "", "second_place": villages[1] if len(villages) > 1 else "",
        "topics": [] if not current or len(current["topics"]) == len(page.texts.alerts.topic_names)
        else current["topics"],
        "min_severity": current["min_severity"] if current else "Minor",
        "language": current["languages"][0] if current else "de",
    }
    return _form(page, await page.read("alerts", "/places"), values)


@router.post("/alerts/subscription", response_class=HTMLResponse)
async def save_subscription(
    page: SignedInPageDep, _csrf: CsrfFormDep,
    place: Annotated[str, Form()] = "", second_place: Annotated[str, Form()] = "",
    topics: Annotated[list[str] | None, Form()] = None, min_severity: Annotated[str, Form()] = "Minor",
    language: Annotated[str, Form()] = "de",
) -> Response:
    t = page.texts.alerts
    values = {"place": place, "second_place": second_place, "topics": topics or [], "min_severity": min_severity,
              "language": language}
    places = await page.read("alerts", "/places")
    if not place:
        errors = FormErrors()
        errors.add("place", page.texts.error_required)
        return _form(page, places, values, errors, 422)
    body = {**chosen_places_and_topics(place, second_place, topics, t.topic_names),
            "min_severity": min_severity if min_severity in SEVERITIES else "Minor",
            "languages": [language if language in t.language_names else "de"]}
    response = await page.call("PUT", "alerts", "/me/subscription", json=body)
    if response.status_code >= 400:
        return _form(page, places, values, form_errors(response, FIELDS, page.texts), response.status_code)
    return see_other("/alerts?done=saved")


@router.post("/alerts/subscription/delete", response_class=HTMLResponse)
async def delete_subscription(page: SignedInPageDep, _csrf: CsrfFormDep) -> Response:
    await page.call("DELETE", "alerts", "/me/subscription")
    return see_other("/alerts?done=deleted")
