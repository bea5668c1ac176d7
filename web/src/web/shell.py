"""What makes the app installable: the web app manifest, the service worker (served from the root so that
its scope is the whole app) and the offline page it keeps."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, JSONResponse, Response

from web.pages import PageDep, WebRoute
from web.templating import STATIC_DIR, render_template, static_url

router = APIRouter(route_class=WebRoute)

THEME_COLOUR = "#1d5e2f"
BACKGROUND_COLOUR = "#f6f4ef"


@router.get("/manifest.webmanifest")
async def manifest(page: PageDep) -> Response:
    t = page.texts
    body: dict[str, Any] = {
        "name": t.platform,
        "short_name": t.platform,
        "description": t.tagline,
        "lang": t.lang,
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": [
            {"src": static_url("icons/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
            {"src": static_url("icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static_url("icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {"src": static_url("icons/icon-maskable-512.png"), "sizes": "512x512", "type": "image/png",
             "purpose": "maskable"},
        ],
    }
    return JSONResponse(body, media_type="application/manifest+json", headers={"Cache-Control": "no-cache"})


def _offline_assets() -> list[str]:
    return ["/offline", static_url("css/app.css"), static_url("icons/icon.svg")]


@router.get("/sw.js")
async def service_worker(page: PageDep) -> Response:
    # What to keep offline is filled in here, so a new stylesheet means a new worker and a new cache.
    assets = _offline_assets()
    cache_name = "dorf-offline-" + hashlib.sha256("|".join(assets).encode()).hexdigest()[:12]
    source = (STATIC_DIR / "js" / "sw.js").read_text(encoding="utf-8")
    script = (source.replace("__OFFLINE_ASSETS__", json.dumps(assets))
              .replace("__CACHE_NAME__", json.dumps(cache_name))
              .replace("__PLATFORM__", json.dumps(page.texts.platform)))
    return Response(script, media_type="text/javascript",
                    headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"})


@router.get("/offline", response_class=HTMLResponse)
async def offline_page(page: PageDep) -> HTMLResponse:
    # Rendered without the session on purpose: the service worker keeps this page, and it must hold nothing
    # personal (no name, no CSRF token).
    html = render_template("shared/offline.html", {
        "t": page.texts, "session": None, "csrf_token": "", "navigation": [], "path": "/offline",
        "login_url": "/auth/login?next=/", "title": page.texts.offline_title, "offline": True,
    })
    return HTMLResponse(html, headers={"Cache-Control": "no-cache"})
