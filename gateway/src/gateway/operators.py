"""`/api/gateway/upstreams`: each upstream's health for the district's operators — its own /readyz and
the gateway's circuit breaker for it. Shown, never used to fail the gateway's readiness: one service
being down must not take the whole entry out of the load balancer.

`/api/gateway/events`: each upstream's event plumbing (its `/ops/events`: outbox lag, relay and consumer
counters, open dead letters), asked as the caller (operator with scope admin; the services check that
again). A service that does not answer is shown as unreachable; one without events as such."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from fastapi import APIRouter, Request

from gateway.browser import ServiceCalls, service_calls
from gateway.callers import OperatorDep
from gateway.runtime import GatewayRuntime, runtime_of
from platformkit.problems import ProblemError

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


async def _upstream_events(calls: ServiceCalls, name: str) -> dict[str, Any]:
    """One service's `/ops/events` as {"name", "status", "events"}; status is "ok", "unreachable",
    "no_events" (the service runs no event runtime) or "refused" (the service said no: 401/403)."""
    try:
        response = await calls.request("GET", name, "/ops/events")
    except httpx.HTTPError as error:
        return {"name": name, "status": "unreachable", "error": type(error).__name__, "events": None}
    if response.status_code == 200:
        return {"name": name, "status": "ok", "events": response.json()}
    if response.status_code in (401, 403):
        return {"name": name, "status": "refused", "error": str(response.status_code), "events": None}
    if response.status_code == 404:
        return {"name": name, "status": "no_events", "events": None}
    return {"name": name, "status": "unreachable", "error": str(response.status_code), "events": None}


async def gather_event_stats(calls: ServiceCalls, names: list[str]) -> list[dict[str, Any]]:
    """Every named service's event plumbing, asked in parallel (also used by the admin dashboard)."""
    return list(await asyncio.gather(*(_upstream_events(calls, name) for name in names)))


async def _calls_as_caller(request: Request) -> ServiceCalls:
    header = request.headers.get("authorization")
    if header is not None:  # checked by OperatorDep already
        return ServiceCalls(runtime_of(request.app), request, header.strip().partition(" ")[2].strip())
    return await service_calls(request)


@router.get("/api/gateway/events")
async def upstream_events(request: Request, operator: OperatorDep) -> dict[str, Any]:
    """Every service's outbox lag, consumer lag and open dead letters (operators with scope admin)."""
    if "admin" not in operator.scopes:
        raise ProblemError(403, "FORBIDDEN", "This needs the staff scope admin.")
    runtime = runtime_of(request.app)
    calls = await _calls_as_caller(request)
    return {"upstreams": await gather_event_stats(calls, sorted(runtime.upstreams))}
