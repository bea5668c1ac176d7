"""A stand-in for the marketplace merchant API in the gateway's process tests (`DORF_SERVICES`): it checks
tokens like every service (audience `marketplace`), counts every request that reaches it, and has a
route that hangs and one that takes uploads. Published by the gateway as /api/marketplace/...."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Receive, Scope, Send

from platformkit.auth import PrincipalDep
from platformkit.config import ServiceSettings
from platformkit.service import ServiceSpec

SEEN: list[str] = []
NOT_COUNTED = frozenset({"/probe/seen", "/livez", "/readyz", "/openapi.json"})


class CountRequests:
    """Outermost: every request that reaches this process, before any check of its own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] not in NOT_COUNTED:
            SEEN.append(f"{scope['method']} {scope['path']}")
        await self.app(scope, receive, send)


router = APIRouter(prefix="/probe")


@router.get("/seen")
async def seen() -> dict[str, Any]:
    return {"count": len(SEEN), "requests": SEEN[-20:]}


@router.get("/whoami")
async def whoami(principal: PrincipalDep) -> dict[str, Any]:
    return {"sub": principal.sub, "merchant_id": principal.merchant_id, "roles": sorted(principal.roles)}


@router.get("/ping")
async def ping() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/hang")
async def hang() -> dict[str, str]:
    await asyncio.sleep(120)
    return {"status": "late"}


@router.post("/upload")
async def upload(request: Request) -> dict[str, int]:
    return {"bytes": len(await request.body())}


class StandinSettings(ServiceSettings):
    service_name: str = "marketplace"


service = ServiceSpec(
    name="marketplace", settings=StandinSettings, routers=[router], metadata=None, produces=False,
    outer_middleware=[Middleware(CountRequests)], max_body_bytes=100 * 1024 * 1024,
)
