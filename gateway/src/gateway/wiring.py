"""What main.py puts together: the gateway's own routers, the web app's pages when the `web` package is
installed (its router at `/`, its files at `/static/`, its not-found page for a browser's address no route
has), and a plain start page when it is not."""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from gateway import docs, feed, health, operators, signin
from platformkit.problems import on_http_exception

fallback = APIRouter(include_in_schema=False)


@fallback.get("/")
async def start_page() -> HTMLResponse:
    return HTMLResponse(
        "<!doctype html><html lang=\"de\"><meta charset=\"utf-8\"><title>Dorfmarktplatz</title>"
        "<main><h1>Dorfmarktplatz</h1><p><a href=\"/auth/login\">Anmelden</a> · "
        "<a href=\"/api/docs\">API</a></p></main></html>"
    )


NotFoundPage = Callable[[Request], Awaitable[Response]]


def web_app() -> tuple[APIRouter, Path | None, NotFoundPage | None]:
    """The web app's router, static folder and not-found page; the start page and neither without `web`."""
    try:
        # By name: the gateway does not depend on `web` (web's pages import gateway.browser).
        web = importlib.import_module("web")
    except ModuleNotFoundError as missing:
        if missing.name != "web":
            raise  # the web app is there but broken: say so rather than hide it
        return fallback, None, None
    router: APIRouter = web.create_web_router()
    not_found_page: NotFoundPage = importlib.import_module("web.pages").not_found_page
    return router, Path(web.STATIC_DIR), not_found_page


def wants_a_page(request: Request) -> bool:
    """A browser opening an address (not a client of the API): GET or HEAD, outside /api/, HTML accepted."""
    return (request.method in ("GET", "HEAD") and not request.url.path.startswith("/api/")
            and "text/html" in request.headers.get("accept", ""))


def not_found_handler(page: NotFoundPage | None) -> Callable[[Request, Exception], Awaitable[Response]]:
    """404 for an address no route has: a browser gets the web app's German page with the menu, anyone
    else (and everything under /api/) the problem+json every service answers."""
    async def on_not_found(request: Request, error: Exception) -> Response:
        if page is not None and wants_a_page(request):
            return await page(request)
        return await on_http_exception(request, error)

    return on_not_found


def own_routers(pages: APIRouter) -> list[APIRouter]:
    # health first: its /readyz replaces the platform's (which would ask for a database).
    return [health.router, signin.router, feed.router, docs.router, operators.router, pages]
