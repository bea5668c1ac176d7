"""`/api/openapi.json` (every service's API merged, as the public sees it) and `/api/docs` (Swagger UI).

No CDN: Swagger UI's files come from the `fastapi-offline` package (only its static folder is used) and
are served from here; the page starts it with a script file of ours, so the Content-Security-Policy can
forbid inline scripts. Swagger UI sets inline styles, hence `style-src 'unsafe-inline'` on this page only."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse

from gateway.runtime import runtime_of
from platformkit.problems import ProblemError

router = APIRouter(include_in_schema=False)

SWAGGER_DIR = Path(fastapi_offline.__file__).parent / "static"
OWN_STATIC = Path(str(files("gateway"))) / "static"
ASSETS = {
    "swagger-ui-bundle.js": (SWAGGER_DIR / "swagger-ui-bundle.js", "text/javascript"),
    "swagger-ui.css": (SWAGGER_DIR / "swagger-ui.css", "text/css"),
    "favicon.png": (SWAGGER_DIR / "favicon.png", "image/png"),
    "swagger-init.js": (OWN_STATIC / "swagger-init.js", "text/javascript"),
}
DOCS_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Dorfmarktplatz API</title>
<link rel="stylesheet" href="/api/docs/swagger-ui.css"><link rel="icon" href="/api/docs/favicon.png">
</head><body><div id="swagger-ui"></div>
<script src="/api/docs/swagger-ui-bundle.js"></script><script src="/api/docs/swagger-init.js"></script>
</body></html>"""


@router.get("/api/openapi.json")
async def merged_openapi(request: Request) -> JSONResponse:
    own: dict[str, Any] = request.app.openapi()
    document = await runtime_of(request.app).openapi.document(own)
    return JSONResponse(document, headers={"Cache-Control": "no-cache"})


@router.get("/api/docs")
async def docs_page() -> HTMLResponse:
    return HTMLResponse(DOCS_PAGE, headers={"Content-Security-Policy": DOCS_POLICY, "Cache-Control": "no-cache"})


@router.get("/api/docs/{asset}")
async def docs_asset(asset: str) -> FileResponse:
    found = ASSETS.get(asset)
    if found is None:
        raise ProblemError(404, "NOT_FOUND", "No such file.")
    path, media_type = found
    return FileResponse(path, media_type=media_type, headers={"Cache-Control": "public, max-age=86400"})
