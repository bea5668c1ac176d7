"""`/livez` (the process answers), `/readyz` (its database and NATS answer) and Prometheus `/metrics`.

Readiness does not include other services: one slow neighbour must not take every service out of
the load balancer."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

health_router = APIRouter(tags=["health"], include_in_schema=False)


@health_router.get("/livez")
async def livez() -> dict[str, str]:
    return {"status": "ok"}


@health_router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    checks: dict[str, str] = {}
    db = request.app.state.db
    if db is not None:
        try:
            await db.ping()
            checks["database"] = "ok"
        except Exception as error:  # any failure means not ready; the reason is shown to operators
            checks["database"] = f"down: {type(error).__name__}"
    events = request.app.state.events
    if events is not None:
        checks["nats"] = "ok" if events.connected else "down"
    ready = all(value == "ok" for value in checks.values())
    return JSONResponse({"status": "ok" if ready else "unavailable", "checks": checks},
                        status_code=200 if ready else 503)


@health_router.get("/metrics")
async def metrics(request: Request) -> Response:
    return Response(generate_latest(request.app.state.metrics_registry), media_type=CONTENT_TYPE_LATEST)
