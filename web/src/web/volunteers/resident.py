"""Residents: ways to help near me (ranked, with reasons) and signing up, ongoing commitments and material
donations (taking part, pledging), my profile with the times I usually have, my shifts, commitments and
hours with the calendar link, asking for help and offering it. Plain POST forms with a redirect
afterwards."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, Response

from gateway.browser import CsrfFormDep
from web.pages import SignedInPageDep, WebRoute, see_other
from web.problems import FormErrors
from web.volunteers.availability import grid_of, is_grid, windows_of
from web.volunteers.common import (
    EMPTY_HELP,
    HELP_FIELDS,
    SERVICE,
    fetch,
    form_problems,
    help_labels,
    help_request,
    is_staff,
    typed_number,
    villages,
)
from web.volunteers.map import help_map
from web.volunteers.texts import VolunteersTexts

router = APIRouter(route_class=WebRoute)

PROFILE_FIELDS = {"body.display_name": "display_name", "body.birth_year": "birth_year",
                  "body.home_village_id": "home_village_id", "body.radius_km": "radius_km",
                  "body.contact_email": "contact_email", "body.contact_phone": "contact_phone"}
RESPONSE_FIELDS = {"body.quantity": "quantity", "body.note": "note"}
# Commitments that still hold their share (the person can withdraw them).
ACTIVE_COMMITMENT = ("requested", "confirmed")


# The find page's filters: what kind of help (shifts, or the opportunities without shifts), and for shifts
# how far ahead (the service's `days`); the choices are the texts' (t.volunteers.filter_kinds, filter_days).
LISTED_KINDS = ("ongoing", "material")
DEFAULT_DAYS = "60"


def find_filters(t: VolunteersTexts, kind: str = "", category: str = "", days: str = "",
                 partial: str = "") -> dict[str, str]:
    """The filters as chosen (a value not offered — a URL typed or cut short — counts as not chosen)."""
    return {"kind": kind if kind in t.filter_kinds else "",
            "category": category if category in t.categories else "",
            "days": days if days in t.filter_days else DEFAULT_DAYS,
            "partial": "1" if partial else ""}


def grouped(matches: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One card per opportunity (its best match), with how many more of its shifts match: a weekly series
    would fill the page with the same visit."""
    groups: dict[str, dict[str, Any]] = {}
    for match in matches:
        group = groups.setdefault(str(match["shift"]["opportunity_id"]), {"match": match, "others": 0})
        if group["match"] is not match:
            group["others"] += 1
    return list(groups.values())


async def _find(page: SignedInPageDep, filters: dict[str, str], *, errors: FormErrors | None = None,
                status: int = 200) -> HTMLResponse:
    t = page.texts.volunteers
    profile = await fetch(page, "/me/profile", missing=None)
    kind, category = filters["kind"], filters["category"]
    params = {"days": filters["days"], **({"partial": "true"} if filters["partial"] else {}),
              **({"category": category} if category else {})}
    matches = await fetch(page, "/me/matches", params=params) if profile and kind in ("", "shifts") else []
    # Ongoing commitments and material donations have no shifts to match; they are listed beside (near
    # me once there is a profile).
    kinds = [k for k in LISTED_KINDS if kind in ("", k)]
    if profile:
        more = [item for item in await fetch(page, "/me/opportunities") if item["opportunity"]["kind"] in kinds
                and category in ("", item["opportunity"]["category"])]
    else:
        more = [{"opportunity": o, "distance_km": None} for k in kinds for o in await fetch(
            page, "/opportunities", params={"kind": k, **({"category": category} if category else {})})]
    # Where shifts are open in the whole district (not only within the radius), while shifts are asked for.
    spots = help_map(await villages(page), await fetch(page, "/map", missing=[]),
                     str(profile["home_village_id"]) if profile and profile.get("home_village_id") else None) \
        if kind in ("", "shifts") else None
    return page.render("volunteers/find.html", status=status, title=t.find_title, profile=profile,
                       matches=grouped(matches), more=more, filters=filters, help_map=spots,
                       categories={"": t.filter_categories_all, **t.categories},
                       filtered=filters != find_filters(t), errors=errors, request_key=uuid.uuid4().hex,
                       staff=is_staff(page))


@router.get("/volunteering", response_class=HTMLResponse)
async def find_page(page: SignedInPageDep, kind: str = "", category: str = "", days: str = "",
                    partial: str = "") -> HTMLResponse:
    return await _find(page, find_filters(page.texts.volunteers, kind, category, days, partial))


@router.post("/volunteering/shifts/{shift_id}/sign-up", response_class=HTMLResponse)
async def sign_up(page: SignedInPageDep, _csrf: CsrfFormDep, shift_id: uuid.UUID,
                  request_key: Annotated[str, Form(max_length=64)] = "",
                  opportunity_id: Annotated[uuid.UUID | None, Form()] = None) -> Response:
    # The form's key makes a double submit one sign-up (the service answers the same again).
    response = await page.call("POST", SERVICE, f"/shifts/{shift_id}/signups",
                               headers={"Idempotency-Key": request_key or uuid.uuid4().hex})
    if response.status_code >= 400:
        # Why not, on the page the person signed up from (an opportunity's shifts, or the matches).
        errors = form_problems(page, response)
        if opportunity_id is not None:
            return await _opportunity(page, opportunity_id, errors=errors, status=response.status_code)
        return await _find(page, find_filters(page.texts.volunteers), errors=errors, status=response.status_code)
    # What the service let through but the person should know (`travel:<shift>`, `overlap:<shift>`) goes
    # with the redirect; the page says it with the other shift's title and time.
    signup = response.json()
    warnings = [w.split(":", 1) for w in signup.get("warnings", []) if w.count(":") == 1]
    # What the person got: a place, a place the organisation still confirms, or a waitlist rank.
    done = SIGNED_UP_AS.get(signup.get("state", ""), "signed-up")
    query = urlencode([("done", done), *((kind, shift) for kind, shift in warnings if kind in WARNINGS)])
    return see_other(f"/volunteering/my-shifts?{query}")


# The sign-up's state → the notice on my shifts (texts.volunteers.mine_signed_up_as).
SIGNED_UP_AS = {"confirmed": "signed-up", "requested": "requested", "waitlisted": "waitlisted"}


# The sign-up warnings the service gives and my-shifts explains (texts.volunteers.signup_warnings).
WARNINGS = ("travel", "overlap")


def signup_warnings(t: VolunteersTexts, found: dict[str, list[str]], signups: list[dict[str, Any]]) -> list[str]:
    """One sentence per warning, naming the other shift when it is one of the person's (else without it)."""
    shifts = {str(s["shift_id"]): s for s in signups}
    sentences = []
    for kind in WARNINGS:
        for shift_id in list(dict.fromkeys(found.get(kind, [])))[:5]:  # a handful at most (the URL is typed)
            other = shifts.get(shift_id)
            sentences.append(t.signup_warnings[kind].format(
                other=t.signup_warning_other.format(title=other["title"], date=other["local_date"],
                                                    time=other["local_time"]) if other else t.signup_warning_unknown))
    return sentences


def needs_of(t: VolunteersTexts, opportunity: dict[str, Any]) -> list[str]:
    """What an opportunity asks of a volunteer (its requirement codes and minimum age), one plain line each;
    a code we have no words for is left out rather than shown as a code."""
    codes = [str(code) for code in opportunity.get("requirements") or []]
    age = int(opportunity["age_needed"])
    lines = []
    for code in codes:
        kind, *parts = code.split(":")
        text = t.needs.get(kind)
        if text is None:
            continue
        if kind == "lang" and parts:
            parts[0] = t.language_names.get(parts[0], parts[0])
        if kind == "skill" and parts:
            parts[0] = t.skill_names.get(parts[0], parts[0].replace("_", " "))
        lines.append(text.format(*parts, *([""] * 2)))
    if not lines:
        return [t.needs_none.format(age=age)]
    return [t.needs_min_age.format(age=age), *lines]


async def _opportunity(page: SignedInPageDep, opportunity_id: uuid.UUID, *, values: dict[str, Any] | None = None,
                       errors: FormErrors | None = None, status: int = 200) -> HTMLResponse:
    t = page.texts.volunteers
    opportunity = await fetch(page, f"/opportunities/{opportunity_id}")
    profile = await fetch(page, "/me/profile", missing=None)
    shifts = await fetch(page, f"/opportunities/{opportunity_id}/shifts", missing=[]) \
        if opportunity["kind"] == "shifts" else []
    mine = next((c for c in await fetch(page, "/me/commitments", missing=[])
                 if c["opportunity_id"] == str(opportunity_id) and c["state"] in ACTIVE_COMMITMENT), None)
    labels = {"quantity": t.pledge_quantity.format(unit=opportunity.get("unit") or ""), "note": t.note_label}
    return page.render("volunteers/opportunity.html", status=status, title=opportunity["title"],
                       opportunity=opportunity, profile=profile, shifts=shifts, mine=mine, labels=labels,
                       needs=needs_of(t, opportunity),
                       errors=errors, values=values or {"quantity": "1", "note": ""},
                       request_key=uuid.uuid4().hex)


@router.get("/volunteering/opportunities/{opportunity_id}", response_class=HTMLResponse)
async def opportunity_page(page: SignedInPageDep, opportunity_id: uuid.UUID) -> HTMLResponse:
    return await _opportunity(page, opportunity_id)


@router.post("/volunteering/opportunities/{opportunity_id}/respond", response_class=HTMLResponse)
async def respond(page: SignedInPageDep, _csrf: CsrfFormDep, opportunity_id: uuid.UUID,
                  quantity: Annotated[str, Form()] = "1", note: Annotated[str, Form()] = "",
                  request_key: Annotated[str, Form(max_length=64)] = "") -> Response:
    """Take part in an ongoing commitment, or pledge a quantity to a material donation."""
    t = page.texts.volunteers
    values = {"quantity": quantity.strip(), "note": note.strip()}
    errors = FormErrors()
    if not values["quantity"].isdigit() or int(values["quantity"]) < 1:
        errors.add("quantity", t.error_quantity)
    if errors:
        return await _opportunity(page, opportunity_id, values=values, errors=errors, status=422)
    response = await page.call("POST", SERVICE, f"/opportunities/{opportunity_id}/commitments",
                               json={"quantity": int(values["quantity"]), "note": values["note"] or None},
                               headers={"Idempotency-Key": request_key or uuid.uuid4().hex})
    if response.status_code >= 400:
        opportunity = await fetch(page, f"/opportunities/{opportunity_id}")
        errors = form_problems(page, response, RESPONSE_FIELDS, unit=opportunity.get("unit") or "")
        return await _opportunity(page, opportunity_id, values=values, errors=errors, status=response.status_code)
    done = "pledged" if response.json()["kind"] == "material" else "responded"
    return see_other(f"/volunteering/my-shifts?done={done}")


# What the profile form does not edit; saving carries it over (the service replaces the whole profile).
KEPT_PROFILE_FIELDS = ("languages", "skills", "licence_classes", "own_car", "first_aid", "show_name_to_co_volunteers")


def _profile_page(page: SignedInPageDep, places: list[dict[str, Any]], values: dict[str, Any],
                  windows: list[dict[str, Any]], *, errors: FormErrors | None = None,
                  status: int = 200) -> HTMLResponse:
    t = page.texts.volunteers
    labels = {"display_name": t.profile_name, "birth_year": t.profile_birth_year,
              "home_village_id": t.profile_village, "radius_km": t.profile_radius,
              "contact_email": t.profile_email, "contact_phone": t.profile_phone}
    ticked = grid_of(windows)
    # Finer times saved elsewhere (the API) stay as they are unless the grid is changed.
    kept = "" if is_grid(windows) else ", ".join(
        f"{t.weekdays[int(w['weekday'])]} {w['start']}–{w['end']}" for w in windows)
    return page.render("volunteers/profile.html", status=status, title=t.profile_title, values=values,
                       villages=places, errors=errors, labels=labels, ticked=ticked, shown=",".join(sorted(ticked)),
                       kept=kept)


@router.get("/volunteering/profile", response_class=HTMLResponse)
async def profile_page(page: SignedInPageDep) -> HTMLResponse:
    profile = await fetch(page, "/me/profile", missing=None)
    values = profile or {"display_name": (page.signed_in.name or "").split(" ")[0], "birth_year": "",
                         "home_village_id": "", "radius_km": 15, "contact_email": "", "contact_phone": "",
                         "visible_to_orgs": False, "notify_reminders": True}
    radius = values.get("radius_km")
    if isinstance(radius, float) and radius.is_integer():
        values = {**values, "radius_km": int(radius)}  # "25", not "25.0"
    return _profile_page(page, await villages(page), values, (profile or {}).get("availability", []))


@router.post("/volunteering/profile", response_class=HTMLResponse)
async def save_profile(
    page: SignedInPageDep, _csrf: CsrfFormDep,
    display_name: Annotated[str, Form()] = "", birth_year: Annotated[str, Form()] = "",
    home_village_id: Annotated[str, Form()] = "", radius_km: Annotated[str, Form()] = "15",
    contact_email: Annotated[str, Form()] = "", contact_phone: Annotated[str, Form()] = "",
    visible_to_orgs: Annotated[str, Form()] = "", notify_reminders: Annotated[str, Form()] = "",
    times: Annotated[list[str] | None, Form()] = None, times_shown: Annotated[str, Form(max_length=400)] = "",
) -> Response:
    t = page.texts
    values: dict[str, Any] = {"display_name": display_name.strip(), "birth_year": birth_year.strip(),
                              "home_village_id": home_village_id, "radius_km": radius_km.strip(),
                              "contact_email": contact_email.strip(), "contact_phone": contact_phone.strip(),
                              "visible_to_orgs": bool(visible_to_orgs), "notify_reminders": bool(notify_reminders)}
    saved = await fetch(page, "/me/profile", missing=None) or {}
    ticked = sorted(set(times or []))
    # The grid as it was shown, unchanged: keep what is saved (it may be finer than the grid).
    unchanged = ",".join(ticked) == times_shown and "availability" in saved
    windows = saved["availability"] if unchanged else windows_of(ticked)
    errors = FormErrors()
    if not values["display_name"]:
        errors.add("display_name", t.error_required)
    if not values["birth_year"].isdigit():
        errors.add("birth_year", t.volunteers.error_year)
    radius = typed_number(values["radius_km"])
    if radius is None:
        errors.add("radius_km", t.volunteers.error_number)
    if errors:
        return _profile_page(page, await villages(page), values, windows, errors=errors, status=422)
    body = {**{name: saved[name] for name in KEPT_PROFILE_FIELDS if name in saved},
            **values, "birth_year": int(values["birth_year"]), "radius_km": radius,
            "home_village_id": values["home_village_id"] or None,
            "contact_email": values["contact_email"] or None, "contact_phone": values["contact_phone"] or None,
            "availability": windows}
    response = await page.call("PUT", SERVICE, "/me/profile", json=body)
    if response.status_code >= 400:
        return _profile_page(page, await villages(page), values, windows, status=response.status_code,
                             errors=form_problems(page, response, PROFILE_FIELDS))
    return see_other("/volunteering")


async def _mine(page: SignedInPageDep, *, calendar_url: str | None = None, notice: str | None = None,
                warned: dict[str, list[str]] | None = None, errors: FormErrors | None = None,
                status: int = 200) -> HTMLResponse:
    t = page.texts.volunteers
    signups = await fetch(page, "/me/signups", missing=[])
    hours = await fetch(page, "/me/hours")
    now = datetime.now().astimezone()
    ahead = [s for s in signups if datetime.fromisoformat(s["end"]) > now]
    past = [s for s in signups if datetime.fromisoformat(s["end"]) <= now]
    commitments = await fetch(page, "/me/commitments", missing=[])
    profile = await fetch(page, "/me/profile", missing=None)
    # "Link ungültig machen" only where there is a link to revoke.
    has_calendar_link = calendar_url is not None or bool(profile and profile.get("has_calendar_link"))
    return page.render("volunteers/mine.html", status=status, title=t.mine_title, ahead=ahead, past=past,
                       hours=hours, calendar_url=calendar_url, has_calendar_link=has_calendar_link, notice=notice,
                       warnings=signup_warnings(t, warned or {}, signups), errors=errors, commitments=commitments,
                       active=ACTIVE_COMMITMENT)


@router.get("/volunteering/my-shifts", response_class=HTMLResponse)
async def my_shifts(page: SignedInPageDep, done: str = "",
                   travel: Annotated[list[str] | None, Query()] = None,
                   overlap: Annotated[list[str] | None, Query()] = None) -> HTMLResponse:
    """`travel`, `overlap`: the shifts the service warned about on the sign-up just made (see sign_up)."""
    t = page.texts.volunteers
    notices = {"signed-up": t.mine_signed_up, "requested": t.mine_requested, "waitlisted": t.mine_waitlisted,
               "cancelled": t.mine_cancelled, "revoked": t.calendar_revoked, "responded": t.mine_responded,
               "pledged": t.mine_pledged, "withdrawn": t.mine_withdrawn}
    warned = {"travel": travel or [], "overlap": overlap or []} if done in SIGNED_UP_AS.values() else {}
    return await _mine(page, notice=notices.get(done), warned=warned)


@router.post("/volunteering/signups/{signup_id}/cancel", response_class=HTMLResponse)
async def cancel(page: SignedInPageDep, _csrf: CsrfFormDep, signup_id: uuid.UUID) -> Response:
    response = await page.call("POST", SERVICE, f"/signups/{signup_id}/cancel")
    if response.status_code >= 400:
        return await _mine(page, errors=form_problems(page, response), status=response.status_code)
    return see_other("/volunteering/my-shifts?done=cancelled")


@router.post("/volunteering/commitments/{commitment_id}/cancel", response_class=HTMLResponse)
async def withdraw(page: SignedInPageDep, _csrf: CsrfFormDep, commitment_id: uuid.UUID) -> Response:
    response = await page.call("POST", SERVICE, f"/commitments/{commitment_id}/cancel")
    if response.status_code >= 400:
        return await _mine(page, errors=form_problems(page, response), status=response.status_code)
    return see_other("/volunteering/my-shifts?done=withdrawn")


@router.post("/volunteering/calendar", response_class=HTMLResponse)
async def calendar_link(page: SignedInPageDep, _csrf: CsrfFormDep, revoke: Annotated[str, Form()] = "") -> Response:
    if revoke:
        await page.call("DELETE", SERVICE, "/me/calendar-link")
        return see_other("/volunteering/my-shifts?done=revoked")
    response = await page.call("POST", SERVICE, "/me/calendar-link")
    if response.status_code >= 400:
        return await _mine(page, errors=form_problems(page, response), status=response.status_code)
    # Shown on this answer only (a secret link never goes into a URL of ours).
    link = response.json()
    url = link["url"] if link["url"].startswith("http") else str(page.request.base_url).rstrip("/") + link["path"]
    return await _mine(page, calendar_url=url)


async def _help(page: SignedInPageDep, *, values: dict[str, Any] | None = None, errors: FormErrors | None = None,
                notice: str | None = None, status: int = 200) -> HTMLResponse:
    t = page.texts.volunteers
    return page.render("volunteers/help.html", status=status, title=t.help_title,
                       mine=await fetch(page, "/help-requests/mine"), near=await fetch(page, "/help-requests"),
                       villages=await villages(page), labels=help_labels(t), notice=notice, errors=errors,
                       values=values or dict(EMPTY_HELP))


@router.get("/volunteering/help", response_class=HTMLResponse)
async def help_page(page: SignedInPageDep, done: str = "") -> HTMLResponse:
    t = page.texts.volunteers
    return await _help(page, notice={"asked": t.help_asked, "offered": t.help_offered}.get(done))


@router.post("/volunteering/help", response_class=HTMLResponse)
async def ask_for_help(
    page: SignedInPageDep, _csrf: CsrfFormDep,
    category: Annotated[str, Form()] = "", village_id: Annotated[str, Form()] = "",
    day: Annotated[str, Form()] = "", from_time: Annotated[str, Form()] = "", until: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "", address: Annotated[str, Form()] = "",
) -> Response:
    values = {"category": category, "village_id": village_id, "day": day, "from_time": from_time, "until": until,
              "description": description.strip(), "address": address.strip()}
    body, errors = help_request(page, values)
    if body is None:
        return await _help(page, values=values, errors=errors, status=422)
    response = await page.call("POST", SERVICE, "/help-requests", json=body)
    if response.status_code >= 400:
        return await _help(page, values=values, errors=form_problems(page, response, HELP_FIELDS),
                           status=response.status_code)
    return see_other("/volunteering/help?done=asked")


@router.post("/volunteering/help/{request_id}/offer", response_class=HTMLResponse)
async def offer_help(page: SignedInPageDep, _csrf: CsrfFormDep, request_id: uuid.UUID) -> Response:
    response = await page.call("POST", SERVICE, f"/help-requests/{request_id}/offer")
    if response.status_code >= 400:
        return await _help(page, errors=form_problems(page, response), status=response.status_code)
    return see_other("/volunteering/help?done=offered")
