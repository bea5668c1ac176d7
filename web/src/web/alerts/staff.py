"""District staff with the alert-author scope: issue a local warning (choose Gemeinden or give the corners
of the area), preview whom it reaches, update, cancel, approve one beyond the district; feed health."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response

from gateway.browser import CsrfFormDep
from web.alerts.map import district_map
from web.alerts.resident import SEVERITIES
from web.pages import SignedInPageDep, WebRoute, see_other
from web.problems import FormErrors, form_errors

router = APIRouter(route_class=WebRoute)

HOURS = (1, 2, 3, 6, 12, 24, 48)
FIELDS = {"headline": "headline", "event": "event", "description": "description", "instruction": "instruction",
          "expires": "hours", "area": "gemeinden", "area.ars.0": "gemeinden", "area.polygons.0": "polygon",
          "area.description": "area_description"}
DONE = {"issued", "updated", "cancelled", "approved"}


def _author(page: SignedInPageDep) -> None:
    page.require_staff_scope("alert-author")


def _empty() -> dict[str, Any]:
    return {"headline": "", "event": "", "category": "Safety", "severity": "Severe", "description": "",
            "instruction": "", "hours": "6", "gemeinden": [], "polygon": "", "area_description": "",
            "key": secrets.token_urlsafe(16)}


def _values_of(warning: dict[str, Any]) -> dict[str, Any]:
    """The form, filled from a warning (its German text and its area)."""
    reading = warning.get("reading") or {}
    area = warning.get("area") or {}
    polygons = area.get("polygons") or []
    corners = "\n".join(f"{lat}, {lon}" for lat, lon in (polygons[0][0][:-1] if polygons else []))
    return {"headline": warning["headline"], "event": warning.get("event", ""),
            "category": (warning.get("categories") or ["Safety"])[0], "severity": warning["severity"],
            "description": reading.get("description", ""), "instruction": reading.get("instruction", ""),
            "hours": "6", "gemeinden": list(area.get("area_prefixes") or []), "polygon": corners,
            "area_description": "", "key": secrets.token_urlsafe(16)}


def _corners(text: str) -> list[list[float]] | None:
    corners: list[list[float]] = []
    for line in text.replace(";", "\n").splitlines():
        if not line.strip():
            continue
        parts = line.replace(",", " ").split()
        try:
            corners.append([float(parts[0]), float(parts[1])])
        except (IndexError, ValueError):
            return None
    return corners if len(corners) >= 3 else None


def _request(
    form: dict[str, Any], gemeinden: dict[str, str], page: SignedInPageDep
) -> tuple[dict[str, Any], FormErrors]:
    t = page.texts
    errors = FormErrors()
    for name in ("headline", "event"):
        if not form[name].strip():
            errors.add(name, t.error_required)
    polygon = None
    if form["polygon"].strip():
        polygon = _corners(form["polygon"])
        if polygon is None:
            errors.add("polygon", t.alerts.error_polygon)
    chosen = [a for a in form["gemeinden"] if a in gemeinden]
    if not chosen and not form["polygon"].strip():
        errors.add("gemeinden", t.alerts.gemeinden_hint)
    hours = int(form["hours"]) if form["hours"].isdigit() and int(form["hours"]) in HOURS else 6
    description = form["area_description"].strip() or ", ".join(gemeinden[a] for a in chosen) or form["headline"]
    body = {
        "category": form["category"] if form["category"] in t.alerts.category_names else "Other",
        "event": form["event"].strip()[:100],
        "severity": form["severity"] if form["severity"] in SEVERITIES else "Severe",
        "headline": form["headline"].strip()[:200], "description": form["description"].strip()[:4000],
        "instruction": form["instruction"].strip()[:2000],
        "expires": (datetime.now(UTC) + timedelta(hours=hours)).isoformat(),
        "area": {"description": description[:300], "ars": chosen, "polygons": [polygon] if polygon else []},
    }
    return body, errors


async def _render(page: SignedInPageDep, *, values: dict[str, Any], warning: dict[str, Any] | None = None,
                  errors: FormErrors | None = None, preview: dict[str, Any] | None = None, notice: str | None = None,
                  status: int = 200) -> HTMLResponse:
    t = page.texts.alerts
    district = await page.read("alerts", "/district")
    own = (await page.read("alerts", "/local"))["items"] if warning is None else []
    places = await page.read("alerts", "/places")
    labels = {"headline": t.field_headline, "event": t.field_event, "hours": t.field_hours,
              "gemeinden": t.field_gemeinden, "polygon": t.field_polygon, "area_description": t.field_area_description,
              "description": t.field_description, "instruction": t.field_instruction}
    title = t.staff_title if warning is None else warning["headline"]
    return page.render("alerts/staff.html", status=status, title=title,
                       own=own, warning=warning, values=values, errors=errors, preview=preview, notice=notice,
                       gemeinden={g["ars"]: g["name"] for g in district["gemeinden"]}, hours=HOURS,
                       severities=SEVERITIES, labels=labels,
                       map=district_map(places, [warning] if warning else own))


@router.get("/admin/alerts", response_class=HTMLResponse)
async def staff_page(page: SignedInPageDep) -> HTMLResponse:
    _author(page)
    return await _render(page, values=_empty())


def _form(headline: str, event: str, category: str, severity: str, description: str, instruction: str, hours: str,
          gemeinden: list[str] | None, polygon: str, area_description: str, key: str) -> dict[str, Any]:
    return {"headline": headline, "event": event, "category": category, "severity": severity,
            "description": description, "instruction": instruction, "hours": hours, "gemeinden": gemeinden or [],
            "polygon": polygon, "area_description": area_description, "key": key or secrets.token_urlsafe(16)}


Text = Annotated[str, Form()]


@router.post("/admin/alerts", response_class=HTMLResponse)
async def issue_or_preview(
    page: SignedInPageDep, _csrf: CsrfFormDep, headline: Text = "", event: Text = "", category: Text = "Safety",
    severity: Text = "Severe", description: Text = "", instruction: Text = "", hours: Text = "6",
    gemeinden: Annotated[list[str] | None, Form()] = None, polygon: Text = "", area_description: Text = "",
    key: Text = "", action: Text = "issue",
) -> Response:
    _author(page)
    values = _form(headline, event, category, severity, description, instruction, hours, gemeinden, polygon,
                   area_description, key)
    district = await page.read("alerts", "/district")
    body, errors = _request(values, {g["ars"]: g["name"] for g in district["gemeinden"]}, page)
    if errors:
        return await _render(page, values=values, errors=errors, status=422)
    if action == "preview":
        response = await page.call("POST", "alerts", "/local/preview", json=body)
        if response.status_code >= 400:
            return await _render(page, values=values, errors=form_errors(response, FIELDS, page.texts),
                                 status=response.status_code)
        return await _render(page, values=values, preview=response.json())
    # The form's key makes a double click (or a reload of the answer) one warning, not two.
    response = await page.call("POST", "alerts", "/local", json=body, headers={"Idempotency-Key": values["key"]})
    if response.status_code >= 400:
        return await _render(page, values=values, errors=form_errors(response, FIELDS, page.texts),
                             status=response.status_code)
    return see_other(f"/admin/alerts/{response.json()['id']}?done=issued")


@router.get("/admin/alerts/feeds", response_class=HTMLResponse)
async def feeds_page(page: SignedInPageDep) -> HTMLResponse:
    _author(page)
    return page.render("alerts/feeds.html", title=page.texts.alerts.feeds_title,
                       feeds=await page.read("alerts", "/feeds"),
                       quarantine=(await page.read("alerts", "/feeds/quarantine"))[:20])


@router.get("/admin/alerts/{warning_id}", response_class=HTMLResponse)
async def staff_warning(page: SignedInPageDep, warning_id: str, done: str = "") -> HTMLResponse:
    _author(page)
    warning = await page.read("alerts", f"/warnings/{warning_id}")
    notice = getattr(page.texts.alerts, f"{done}_done") if done in DONE else None
    return await _render(page, values=_values_of(warning), warning=warning, notice=notice)


@router.post("/admin/alerts/{warning_id}/update", response_class=HTMLResponse)
async def update_warning(
    page: SignedInPageDep, _csrf: CsrfFormDep, warning_id: str, headline: Text = "", event: Text = "",
    category: Text = "Safety", severity: Text = "Severe", description: Text = "", instruction: Text = "",
    hours: Text = "6", gemeinden: Annotated[list[str] | None, Form()] = None, polygon: Text = "",
    area_description: Text = "", key: Text = "", version: Text = "",
) -> Response:
    _author(page)
    warning = await page.read("alerts", f"/warnings/{warning_id}")
    values = _form(headline, event, category, severity, description, instruction, hours, gemeinden, polygon,
                   area_description, key)
    district = await page.read("alerts", "/district")
    body, errors = _request(values, {g["ars"]: g["name"] for g in district["gemeinden"]}, page)
    if errors:
        return await _render(page, values=values, warning=warning, errors=errors, status=422)
    response = await page.call("PUT", "alerts", f"/local/{warning_id}", json=body,
                               headers={"If-Match": version} if version.isdigit() else None)
    if response.status_code == 404:
        raise page.not_found()
    if response.status_code >= 400:
        return await _render(page, values=values, warning=warning,
                             errors=form_errors(response, FIELDS, page.texts), status=response.status_code)
    return see_other(f"/admin/alerts/{warning_id}?done=updated")


@router.post("/admin/alerts/{warning_id}/cancel", response_class=HTMLResponse)
async def cancel_warning(page: SignedInPageDep, _csrf: CsrfFormDep, warning_id: str, note: Text = "") -> Response:
    _author(page)
    response = await page.call("POST", "alerts", f"/local/{warning_id}/cancel", json={"note": note.strip()[:500]})
    if response.status_code == 404:
        raise page.not_found()
    return see_other(f"/admin/alerts/{warning_id}?done=cancelled")


@router.post("/admin/alerts/{warning_id}/approve", response_class=HTMLResponse)
async def approve_warning(page: SignedInPageDep, _csrf: CsrfFormDep, warning_id: str) -> Response:
    _author(page)
    response = await page.call("POST", "alerts", f"/local/{warning_id}/approve")
    if response.status_code == 404:
        raise page.not_found()
    if response.status_code >= 400:
        warning = await page.read("alerts", f"/warnings/{warning_id}")
        return await _render(page, values=_values_of(warning), warning=warning,
                             errors=form_errors(response, {}, page.texts), status=response.status_code)
    return see_other(f"/admin/alerts/{warning_id}?done=approved")
