"""What main.py puts together: the gateway's own routers, the web app's pages when the `web` package is
installed (its router at `/`, its files at `/static/`), and a plain start page when it is not."""

from __future__ import annotations

import importlib
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from gateway import docs, feed, health, operators, signin

fallback = APIRouter(include_in_schema=False)


@fallback.get("/")
async def start_page() -> HTMLResponse:
    return HTMLResponse(
        "<!doctype html><html lang=\"de\"><meta charset=\"utf-8\"><title>Dorfmarktplatz</title>"
        "<main><h1>Dorfmarktplatz</h1><p><a href=\"/auth/login\">Anmelden</a> · "
        "<a href=\"/api/docs\">API</a></p></main></html>"
    )


def web_app() -> tuple[APIRouter, Path | None]:
    """The web app's router and static folder; the start page and no folder without `web`."""
    try:
        # By name: the gateway does not depend on `web` (web's pages import gateway.browser).
        web = importlib.import_module("web")
    except ModuleNotFoundError as missing:
        if missing.name != "web":
            raise  # the web app is there but broken: say so rather than hide it
        return fallback, None
    router: APIRouter = web.create_web_router()
    return router, Path(web.STATIC_DIR)


def own_routers(pages: APIRouter) -> list[APIRouter]:
    # health first: its /readyz replaces the platform's (which would ask for a database).
    return [health.router, signin.router, feed.router, docs.router, operators.router, pages]
