"""The live feed as a list of notifications: server-rendered (empty state), enhanced by static/js/feed.js
with `EventSource("/api/me/feed")`; the person's channels besides the feed (accounts
`/me/notification-channels`, a plain form); and the Web Push permission button (static/js/push.js, which
posts the browser's subscription to accounts `/me/push-subscriptions`)."""

from __future__ import annotations

import os
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response

from gateway.browser import CsrfFormDep
from web.pages import SignedInPageDep, WebRoute, see_other
from web.problems import FormErrors, form_errors

router = APIRouter(route_class=WebRoute)

FIELDS = {"body.channels": "channels"}


def push_public_key() -> str:
    """The VAPID public key for push subscriptions (the launcher sets it from accounts' key); empty: the
    button still asks for permission, and says that messages to this device come later."""
    return os.environ.get("WEB_PUSH_PUBLIC_KEY", "")


async def _channels(page: SignedInPageDep) -> dict[str, Any] | None:
    """The person's channel choice, or None while accounts cannot say (the feed works without it)."""
    response = await page.call("GET", "accounts", "/me/notification-channels")
    if response.status_code != 200:
        return None
    channels: dict[str, Any] = response.json()
    return channels


def _page(
    page: SignedInPageDep, channels: dict[str, Any] | None, *, selected: list[str] | None = None,
    errors: FormErrors | None = None, notice: str | None = None, status: int = 200,
) -> HTMLResponse:
    names = page.texts.channel_names
    options = {key: names[key] for key in (channels or {}).get("available", []) if key in names}
    chosen = selected if selected is not None else (channels or {}).get("channels", [])
    return page.render("resident/notifications.html", status=status, title=page.texts.notifications_title,
                       push_public_key=push_public_key(), channel_options=options, chosen=chosen,
                       errors=errors, notice=notice)


@router.get("/notifications", response_class=HTMLResponse)
async def notifications_page(page: SignedInPageDep, done: str = "") -> HTMLResponse:
    notice = page.texts.channels_saved if done == "channels" else None
    return _page(page, await _channels(page), notice=notice)


@router.post("/notifications/channels", response_class=HTMLResponse)
async def choose_channels(
    page: SignedInPageDep, _csrf: CsrfFormDep, channels: Annotated[list[str] | None, Form()] = None
) -> Response:
    selected = list(channels or [])
    response = await page.call("PUT", "accounts", "/me/notification-channels", json={"channels": selected})
    if response.status_code >= 400:
        errors = form_errors(response, FIELDS, page.texts)
        return _page(page, await _channels(page), selected=selected, errors=errors, status=response.status_code)
    return see_other("/notifications?done=channels#channels-title")
