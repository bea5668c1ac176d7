"""The gateway's own `/readyz`: ready once started. Neither the upstreams nor NATS decide it — a service
or the broker being down must not take every gateway replica out of the load balancer (the API keeps
working without NATS; only sign-in and the feed need it). Both are reported, for operators."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

router = APIRouter(include_in_schema=False)


@router.get("/readyz")
async def readyz(request: Request) -> dict[str, Any]:
    runtime = getattr(request.app.state, "gateway", None)
    nats = "ok" if runtime is not None and runtime.bus.connected else "down"
    return {"status": "ok", "checks": {"nats": nats}}
