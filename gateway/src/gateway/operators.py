"""`/api/gateway/upstreams`: each upstream's health for the district's operators — its own /readyz and
the gateway's circuit breaker for it. Shown, never used to fail the gateway's readiness: one service
being down must not take the whole entry out of the load balancer."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from fastapi import APIRouter, Request

from gateway.callers import OperatorDep
from gateway.runtime import GatewayRuntime, runtime_of

router = APIRouter(tags=["gateway"])
PROBE_TIMEOUT_SECONDS = 2.0


async def _probe(runtime: GatewayRuntime, name: str) -> dict[str, Any]:
    upstream = runtime.upstreams[name]
    breaker = runtime.proxy.breaker(name)
    health: dict[str, Any] = {
        "name": name,
        "url": upstream.base_url,
        "circuit": breaker.state.value,
        "consecutive_failures": breaker.failures,
        "connect_timeout_seconds": upstream.connect_timeout,
        "read_timeout_seconds": upstream.read_timeout,
    }
    try:
        response = await runtime.services.get(f"{upstream.base_url}/readyz", timeout=PROBE_TIMEOUT_SECONDS)
        health["ready"] = response.status_code == 200
        try:
            health["readyz"] = response.json()
        except ValueError:
            health["readyz"] = {"status": response.status_code}
    except httpx.HTTPError as error:
        health["ready"] = False
        health["readyz"] = {"error": type(error).__name__}
    return health


@router.get("/api/gateway/upstreams")
async def upstream_health(request: Request, _operator: OperatorDep) -> dict[str, Any]:
    """Every service behind the gateway: ready or not, and its circuit breaker (operators only)."""
    runtime = runtime_of(request.app)
    results = await asyncio.gather(*(_probe(runtime, name) for name in sorted(runtime.upstreams)))
    return {"upstreams": list(results), "nats": "ok" if runtime.bus.connected else "down"}
