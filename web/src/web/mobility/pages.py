"""Residents: find a ride or the guaranteed taxi from their stop, book it, see and cancel their bookings.
The Mobilitätszentrale (staff scope `mobility-desk`): today's bookings and taxi orders, acknowledging orders,
booking for a caller without a smartphone. Plain GET/POST forms, a redirect after every post."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, Response

from gateway.browser import ActingRefused, CsrfFormDep
from web.pages import PageContext, SignedInPageDep, WebRoute, see_other

router = APIRouter(route_class=WebRoute)
SERVICE = "mobility"
BERLIN = ZoneInfo("Europe/Berlin")
NEEDS = ("wheelchair", "pram", "bike", "female_driver_only")


def clock(iso: str) -> str:
    """An offset-qualified time from the service as the local date and time people read."""
    moment = datetime.fromisoformat(iso).astimezone(BERLIN)
    return f"{moment:%d.%m.%Y, %H:%M}"


async def fetch(page: PageContext, path: str, params: dict[str, str] | None = None) -> Any:
    """GET from mobility (`PageContext.read`: a refusal becomes the plain page for it)."""
    return await page.read(SERVICE, path, params=params)


async def stops(page: PageContext) -> list[dict[str, str]]:
    """The stops of every corridor, by name (a stop on several corridors once)."""
    found: dict[str, str] = {}
    for corridor in await fetch(page, "/network/corridors"):
        for stop in corridor["stops"]:
            found.setdefault(stop["stop_id"], stop["name"])
    return [{"id": stop_id, "name": name} for stop_id, name in sorted(found.items(), key=lambda item: item[1])]


def problem_text(page: PageContext, response: Any) -> str:
    t = page.texts.mobility
    try:
        code = response.json().get("code", "")
    except ValueError:
        code = ""
    return t.problems.get(code, t.problem_other)


async def _search_page(page: PageContext, *, template: str, title: str, from_stop: str, to_stop: str, day: str,
                       party: int, needs: list[str], person_id: str = "", error: str | None = None,
                       notice: str | None = None, status: int = 200, **more: Any) -> HTMLResponse:
    results: list[dict[str, Any]] = []
    if from_stop and to_stop and day:
        found = await page.call("GET", SERVICE, "/rides", params={"from_stop": from_stop, "to_stop": to_stop,
                                                                  "day": day})
        if found.status_code == 200:
            results = found.json()
            for corridor in results:
                for slot in corridor["slots"]:
                    slot["departs"] = clock(slot["departure_local"])
                    slot["arrives"] = clock(slot["arrival_local"])
        elif error is None:
            error = problem_text(page, found)
    return page.render(
        template, status=status, title=title, stops=await stops(page), results=results, error=error,
        notice=notice, values={"from_stop": from_stop, "to_stop": to_stop, "day": day, "party": party,
                               "needs": needs, "person_id": person_id},
        request_key=uuid.uuid4().hex, **more,
    )


@router.get("/rides", response_class=HTMLResponse)
async def find(page: SignedInPageDep, from_stop: Annotated[str, Query(max_length=128)] = "",
               to_stop: Annotated[str, Query(max_length=128)] = "", day: Annotated[str, Query(max_length=10)] = "",
               party: Annotated[int, Query(ge=1, le=3)] = 1,
               needs: Annotated[list[str] | None, Query()] = None) -> HTMLResponse:
    return await _search_page(
        page, template="mobility/find.html", title=page.texts.mobility.find_title, from_stop=from_stop,
        to_stop=to_stop, day=day or date.today().isoformat(), party=party,
        needs=[n for n in needs or [] if n in NEEDS],
    )


async def _book(page: PageContext, *, corridor_id: str, day: str, slot: str, from_stop: str, to_stop: str,
                party: int, needs: list[str], request_key: str, person_id: str | None = None) -> Any:
    body: dict[str, Any] = {"corridor_id": corridor_id, "service_date": day, "slot": slot, "origin_stop": from_stop,
                            "destination_stop": to_stop, "party": party,
                            **{need: need in needs for need in NEEDS}}
    # The form's key makes a double submit one booking (the service answers the same again). The desk books
    # as the person, with a token exchanged at accounts that names the staff member as `act` (RFC 8693):
    # mobility checks the desk's authority in it and audits both.
    return await page.call("POST", SERVICE, "/bookings", json=body,
                           headers={"Idempotency-Key": request_key or uuid.uuid4().hex},
                           on_behalf_of=person_id or None)


@router.post("/rides/book", response_class=HTMLResponse)
async def book(page: SignedInPageDep, _csrf: CsrfFormDep, corridor_id: Annotated[str, Form(max_length=64)],
               day: Annotated[str, Form(max_length=10)], slot: Annotated[str, Form(max_length=8)],
               from_stop: Annotated[str, Form(max_length=128)], to_stop: Annotated[str, Form(max_length=128)],
               party: Annotated[int, Form(ge=1, le=3)] = 1, needs: Annotated[list[str] | None, Form()] = None,
               request_key: Annotated[str, Form(max_length=64)] = "") -> Response:
    chosen = [n for n in needs or [] if n in NEEDS]
    response = await _book(page, corridor_id=corridor_id, day=day, slot=slot, from_stop=from_stop, to_stop=to_stop,
                           party=party, needs=chosen, request_key=request_key)
    if response.status_code >= 400:
        return await _search_page(
            page, template="mobility/find.html", title=page.texts.mobility.find_title, from_stop=from_stop,
            to_stop=to_stop, day=day, party=party, needs=chosen, error=problem_text(page, response),
            status=response.status_code,
        )
    return see_other(f"/rides/bookings/{response.json()['id']}?done=booked")


def _with_times(booking: dict[str, Any]) -> dict[str, Any]:
    booking["departs"] = clock(booking["departure_local"])
    booking["confirm_by_local"] = clock(booking["confirm_by"])
    return booking


LIVE = {"matched_private", "fallback_planned", "confirmed_private", "fallback_dispatched", "confirmed_fallback",
        "escalated"}


@router.get("/rides/bookings", response_class=HTMLResponse)
async def mine(page: SignedInPageDep, done: str = "") -> HTMLResponse:
    t = page.texts.mobility
    bookings = [_with_times(b) for b in await fetch(page, "/bookings")]
    names = {s["id"]: s["name"] for s in await stops(page)}
    return page.render("mobility/mine.html", title=t.mine_title, bookings=bookings, names=names, live=LIVE,
                       notice=t.done.get(done))


@router.get("/rides/bookings/{booking_id}", response_class=HTMLResponse)
async def booking(page: SignedInPageDep, booking_id: uuid.UUID, done: str = "") -> HTMLResponse:
    t = page.texts.mobility
    found = _with_times(await fetch(page, f"/bookings/{booking_id}"))
    names = {s["id"]: s["name"] for s in await stops(page)}
    return page.render("mobility/booking.html", title=t.booking_title, booking=found, names=names, live=LIVE,
                       notice=t.done.get(done))


@router.post("/rides/bookings/{booking_id}/cancel", response_class=HTMLResponse)
async def cancel(page: SignedInPageDep, _csrf: CsrfFormDep, booking_id: uuid.UUID) -> Response:
    response = await page.call("POST", SERVICE, f"/bookings/{booking_id}/cancel")
    if response.status_code == 404:
        raise page.not_found()
    if response.status_code >= 400:
        raise page.problem(response.status_code, page.texts.mobility.booking_title, problem_text(page, response))
    return see_other("/rides/bookings?done=cancelled")


# --- the Mobilitätszentrale -------------------------------------------------------------------------------


async def _desk(page: PageContext, *, from_stop: str = "", to_stop: str = "", day: str = "", party: int = 1,
                needs: list[str] | None = None, person_id: str = "", error: str | None = None,
                notice: str | None = None, status: int = 200) -> HTMLResponse:
    page.require_staff_scope("mobility-desk")
    today = day or date.today().isoformat()
    overview = await fetch(page, f"/desk/days/{today}")
    for item in overview["bookings"]:
        _with_times(item)
    for order in overview["orders"]:
        order["departs"] = clock(order["departure_local"])
        order["deadline"] = clock(order["ack_deadline"])
    return await _search_page(
        page, template="mobility/desk.html", title=page.texts.mobility.desk_title, from_stop=from_stop,
        to_stop=to_stop, day=today, party=party, needs=needs or [], person_id=person_id, error=error,
        notice=notice, status=status, overview=overview,
    )


@router.get("/admin/mobility", response_class=HTMLResponse)
async def desk(page: SignedInPageDep, from_stop: Annotated[str, Query(max_length=128)] = "",
               to_stop: Annotated[str, Query(max_length=128)] = "", day: Annotated[str, Query(max_length=10)] = "",
               person_id: Annotated[str, Query(max_length=64)] = "", party: Annotated[int, Query(ge=1, le=3)] = 1,
               needs: Annotated[list[str] | None, Query()] = None, done: str = "") -> HTMLResponse:
    return await _desk(page, from_stop=from_stop, to_stop=to_stop, day=day, party=party,
                       needs=[n for n in needs or [] if n in NEEDS], person_id=person_id.strip(),
                       notice=page.texts.mobility.done.get(done))


@router.post("/admin/mobility/book", response_class=HTMLResponse)
async def desk_book(page: SignedInPageDep, _csrf: CsrfFormDep, corridor_id: Annotated[str, Form(max_length=64)],
                    day: Annotated[str, Form(max_length=10)], slot: Annotated[str, Form(max_length=8)],
                    from_stop: Annotated[str, Form(max_length=128)], to_stop: Annotated[str, Form(max_length=128)],
                    person_id: Annotated[str, Form(max_length=64)], party: Annotated[int, Form(ge=1, le=3)] = 1,
                    needs: Annotated[list[str] | None, Form()] = None,
                    request_key: Annotated[str, Form(max_length=64)] = "") -> Response:
    page.require_staff_scope("mobility-desk")
    chosen = [n for n in needs or [] if n in NEEDS]
    try:
        response = await _book(page, corridor_id=corridor_id, day=day, slot=slot, from_stop=from_stop,
                               to_stop=to_stop, party=party, needs=chosen, request_key=request_key,
                               person_id=person_id.strip())
    except ActingRefused:  # no such person, or one the desk may not act for
        return await _desk(page, from_stop=from_stop, to_stop=to_stop, day=day, party=party, needs=chosen,
                           person_id=person_id, error=page.texts.mobility.desk_person_refused, status=422)
    if response.status_code >= 400:
        return await _desk(page, from_stop=from_stop, to_stop=to_stop, day=day, party=party, needs=chosen,
                           person_id=person_id, error=problem_text(page, response), status=response.status_code)
    return see_other(f"/admin/mobility?day={day}&done=desk-booked")


@router.post("/admin/mobility/orders/{order_id}/acknowledge", response_class=HTMLResponse)
async def acknowledge(page: SignedInPageDep, _csrf: CsrfFormDep, order_id: uuid.UUID,
                      day: Annotated[str, Form(max_length=10)] = "") -> Response:
    page.require_staff_scope("mobility-desk")
    response = await page.call("POST", SERVICE, f"/desk/orders/{order_id}/acknowledge")
    if response.status_code == 404:
        raise page.not_found()
    if response.status_code >= 400:
        raise page.problem(response.status_code, page.texts.mobility.desk_title, problem_text(page, response))
    return see_other(f"/admin/mobility?day={day}&done=acknowledged")
