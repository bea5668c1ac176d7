"""Drivers (role `driver`): register, enter documents and vehicles, offer rides, see who rides. District staff
with scope `verifier`: check drivers' documents. Plain POST forms with a redirect afterwards."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response

from gateway.browser import CsrfFormDep
from web.mobility.pages import SERVICE, clock, fetch, problem_text
from web.pages import PageContext, SignedInPageDep, WebRoute, see_other

router = APIRouter(route_class=WebRoute)


async def _driver_page(page: PageContext, *, error: str | None = None, notice: str | None = None,
                       status: int = 200) -> HTMLResponse:
    page.require_role("driver")
    t = page.texts.mobility
    driver = await page.read(SERVICE, "/drivers/me", missing=None)
    if driver is None:  # not registered yet: the page offers it
        return page.render("mobility/driver.html", status=status, title=t.driver_title, driver=None, error=error,
                           notice=notice)
    corridors = await fetch(page, "/network/corridors")
    rides: list[dict[str, Any]] = await fetch(page, "/drivers/me/rides")
    for ride in rides[:10]:
        ride["when"] = clock(ride["local"])
        ride["riders"] = [{**r, "when": clock(r["pickup_local"])}
                          for r in await fetch(page, f"/drivers/me/rides/{ride['id']}/riders")]
    names = {s["stop_id"]: s["name"] for c in corridors for s in c["stops"]}
    return page.render(
        "mobility/driver.html", status=status, title=t.driver_title, driver=driver, error=error, notice=notice,
        vehicles=await fetch(page, "/drivers/me/vehicles"), offers=await fetch(page, "/drivers/me/offers"),
        corridors=corridors, rides=rides[:10], names=names,
    )


@router.get("/rides/driver", response_class=HTMLResponse)
async def driver_home(page: SignedInPageDep, done: str = "") -> HTMLResponse:
    return await _driver_page(page, notice=page.texts.mobility.done.get(done))


async def _post(page: PageContext, path: str, body: dict[str, Any], done: str) -> Response:
    page.require_role("driver")
    response = await page.call("POST", SERVICE, path, json=body)
    if response.status_code >= 400:
        return await _driver_page(page, error=problem_text(page, response), status=response.status_code)
    return see_other(f"/rides/driver?done={done}")


@router.post("/rides/driver", response_class=HTMLResponse)
async def register(page: SignedInPageDep, _csrf: CsrfFormDep, display_name: Annotated[str, Form(max_length=100)] = "",
                   female_opt_in: Annotated[str, Form(max_length=8)] = "") -> Response:
    return await _post(page, "/drivers/me", {"display_name": display_name.strip() or "-",
                                             "female_opt_in": bool(female_opt_in)}, "registered")


@router.post("/rides/driver/documents", response_class=HTMLResponse)
async def add_document(page: SignedInPageDep, _csrf: CsrfFormDep, kind: Annotated[str, Form(max_length=16)],
                       reference: Annotated[str, Form(max_length=40)],
                       expires_on: Annotated[str, Form(max_length=10)]) -> Response:
    return await _post(page, "/drivers/me/documents",
                       {"kind": kind, "reference": reference.strip(), "expires_on": expires_on}, "document")


@router.post("/rides/driver/vehicles", response_class=HTMLResponse)
async def add_vehicle(page: SignedInPageDep, _csrf: CsrfFormDep, label: Annotated[str, Form(max_length=100)],
                      seats: Annotated[int, Form(ge=0, le=8)] = 3,
                      wheelchair_places: Annotated[int, Form(ge=0, le=2)] = 0) -> Response:
    return await _post(page, "/drivers/me/vehicles",
                       {"label": label.strip() or "-", "seats": seats, "wheelchair_places": wheelchair_places},
                       "vehicle")


@router.post("/rides/driver/offers", response_class=HTMLResponse)
async def add_offer(page: SignedInPageDep, _csrf: CsrfFormDep, vehicle_id: Annotated[str, Form(max_length=64)],
                    corridor_id: Annotated[str, Form(max_length=64)], departure: Annotated[str, Form(max_length=5)],
                    one_off: Annotated[str, Form(max_length=10)] = "",
                    weekdays: Annotated[list[int] | None, Form()] = None) -> Response:
    corridors = {c["id"]: c for c in await fetch(page, "/network/corridors")}
    corridor = corridors.get(corridor_id)
    if corridor is None:
        return await _driver_page(page, error=page.texts.mobility.problem_other, status=422)
    body: dict[str, Any] = {"vehicle_id": vehicle_id, "corridor_id": corridor_id,
                            "from_stop": corridor["stops"][0]["stop_id"], "to_stop": corridor["stops"][-1]["stop_id"],
                            "departure": departure, "weekdays": weekdays or []}
    if one_off:
        body["one_off"] = one_off
    return await _post(page, "/drivers/me/offers", body, "offered")


@router.post("/rides/driver/offers/{offer_id}/withdraw", response_class=HTMLResponse)
async def withdraw(page: SignedInPageDep, _csrf: CsrfFormDep, offer_id: str) -> Response:
    return await _post(page, f"/drivers/me/offers/{offer_id}/withdraw", {}, "withdrawn")


# --- staff: document checks --------------------------------------------------------------------------------


@router.get("/admin/mobility/drivers", response_class=HTMLResponse)
async def pending_drivers(page: SignedInPageDep, done: str = "") -> HTMLResponse:
    page.require_staff_scope("verifier")
    t = page.texts.mobility
    drivers = await fetch(page, "/drivers", params={"status": "pending"})
    return page.render("mobility/verify.html", title=t.verify_title, drivers=drivers, notice=t.done.get(done))


@router.post("/admin/mobility/drivers/{driver_id}/verify", response_class=HTMLResponse)
async def verify(page: SignedInPageDep, _csrf: CsrfFormDep, driver_id: str,
                 valid_until: Annotated[str, Form(max_length=10)]) -> Response:
    page.require_staff_scope("verifier")
    response = await page.call("POST", SERVICE, f"/drivers/{driver_id}/verification",
                               json={"action": "verify", "valid_until": valid_until})
    if response.status_code == 404:
        raise page.not_found()
    if response.status_code >= 400:
        raise page.problem(response.status_code, page.texts.mobility.verify_title, problem_text(page, response))
    return see_other("/admin/mobility/drivers?done=verified")
