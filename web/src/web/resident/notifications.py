"""The live feed as a list of notifications: server-rendered (empty state), enhanced by static/js/feed.js
with `EventSource("/api/me/feed")`; and the Web Push permission button (static/js/push.js)."""

from __future__ import annotations

import os

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from web.pages import SignedInPageDep, WebRoute

router = APIRouter(route_class=WebRoute)


def push_public_key() -> str:
    """The VAPID public key for push subscriptions (issue 8 brings the sender and sets it); empty: the
    button still asks for permission, and says that messages to this device come later."""
    return os.environ.get("WEB_PUSH_PUBLIC_KEY", "")


@router.get("/notifications", response_class=HTMLResponse)
async def notifications_page(page: SignedInPageDep) -> HTMLResponse:
    return page.render("resident/notifications.html", title=page.texts.notifications_title,
                       push_public_key=push_public_key())
