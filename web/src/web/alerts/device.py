"""Warnings on this device, for people without an account: they choose places and topics, the browser
subscribes to Web Push (static/js/push.js, with the platform's VAPID public key) and posts the form with
the push subscription in hidden fields; the page passes it on to alerts' anonymous
`POST /push/subscriptions`. The answer's id and token (the only way to delete it) stay on this device in
an HttpOnly cookie, so the same device can stop the warnings again (`DELETE /push/subscriptions/{id}`).

The forms carry no CSRF token (there is no session to bind one to): the cookie is SameSite=Strict, so a
post from another site does not carry it and cannot stop someone's warnings; a foreign post can only add
a subscription for a push endpoint of its own, which the API allows anyone anyway."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response

from gateway.runtime import runtime_of
from web.alerts.resident import CHOICE_FIELDS, SEVERITIES, chosen_places_and_topics
from web.pages import PageContext, PageDep, WebRoute, see_other
from web.problems import FormErrors, form_errors
from web.resident.notifications import push_public_key

router = APIRouter(route_class=WebRoute)

DEVICE_COOKIE = "dorf_alert_device"
COOKIE_PATH = "/alerts/device"
COOKIE_MAX_AGE = 2 * 365 * 24 * 3600  # warnings are for years; the cookie is only the key to stop them
FIELDS = {**CHOICE_FIELDS, "push": "push", "push.endpoint": "push", "push.keys": "push", "push.keys.p256dh": "push",
          "push.keys.auth": "push"}


def _device(page: PageContext) -> tuple[str, str] | None:
    """(subscription id, token) of this device's subscription, from its cookie."""
    subscription_id, _, token = page.request.cookies.get(DEVICE_COOKIE, "").partition(".")
    return (subscription_id, token) if subscription_id and token else None


async def _stop(page: PageContext, device: tuple[str, str]) -> None:
    """Deletes the device's subscription at alerts; one already gone (404) is as good."""
    response = await page.call("DELETE", "alerts", f"/push/subscriptions/{device[0]}",
                               headers={"Subscription-Token": device[1]})
    if response.status_code not in (204, 404, 422):  # 422: the cookie holds no id at all
        raise page.failed(response)


def _form(page: PageContext, places: list[dict[str, Any]], values: dict[str, Any],
          errors: FormErrors | None = None, notice: str | None = None, status: int = 200) -> HTMLResponse:
    t = page.texts.alerts
    return page.render("alerts/device.html", status=status, title=t.device_title, places=places, values=values,
                       errors=errors, notice=notice, active=_device(page) is not None,
                       push_public_key=push_public_key(),
                       labels={"place": t.place_first, "second_place": t.place_second, "topics": t.topics,
                               "push": t.device_button})


@router.get("/alerts/device", response_class=HTMLResponse)
async def device_page(page: PageDep, done: str = "") -> HTMLResponse:
    t = page.texts.alerts
    notice = {"saved": t.device_saved, "stopped": t.device_stopped}.get(done)
    values = {"place": "", "second_place": "", "topics": []}
    return _form(page, await page.read("alerts", "/places"), values, notice=notice)


@router.post("/alerts/device", response_class=HTMLResponse)
async def subscribe_device(
    page: PageDep,
    place: Annotated[str, Form()] = "", second_place: Annotated[str, Form()] = "",
    topics: Annotated[list[str] | None, Form()] = None,
    push_endpoint: Annotated[str, Form()] = "", push_p256dh: Annotated[str, Form()] = "",
    push_auth: Annotated[str, Form()] = "",
) -> Response:
    t = page.texts.alerts
    values = {"place": place, "second_place": second_place, "topics": topics or []}
    places = await page.read("alerts", "/places")
    errors = FormErrors()
    if not place:  # (the script lets the form go without asking for push, so only this is said)
        errors.add("place", page.texts.error_required)
    elif not push_endpoint:  # no script, or a browser without push: nothing to send the warnings to
        errors.add("push", t.device_unsupported)
    if errors:
        return _form(page, places, values, errors, status=422)
    body = {**chosen_places_and_topics(place, second_place, topics, t.topic_names),
            "min_severity": SEVERITIES[0], "languages": ["de"],
            "push": {"endpoint": push_endpoint, "keys": {"p256dh": push_p256dh, "auth": push_auth}}}
    response = await page.call("POST", "alerts", "/push/subscriptions", json=body)
    if response.status_code == 404:  # PUSH_NOT_CONFIGURED: this platform has no VAPID key
        errors.add("push", t.device_not_ready)
        return _form(page, places, values, errors, status=404)
    if response.status_code >= 400:
        return _form(page, places, values, form_errors(response, FIELDS, page.texts), status=response.status_code)
    previous = _device(page)
    if previous is not None:  # choosing again replaces this device's earlier choice
        await _stop(page, previous)
    created = response.json()
    redirect = see_other("/alerts/device?done=saved")
    redirect.set_cookie(DEVICE_COOKIE, f"{created['id']}.{created['token']}", max_age=COOKIE_MAX_AGE,
                        path=COOKIE_PATH, httponly=True, samesite="strict",
                        secure=runtime_of(page.request.app).settings.https)
    return redirect


@router.post("/alerts/device/stop", response_class=HTMLResponse)
async def stop_device(page: PageDep) -> Response:
    device = _device(page)
    if device is not None:
        await _stop(page, device)
    redirect = see_other("/alerts/device?done=stopped")
    redirect.delete_cookie(DEVICE_COOKIE, path=COOKIE_PATH, httponly=True, samesite="strict",
                           secure=runtime_of(page.request.app).settings.https)
    return redirect
