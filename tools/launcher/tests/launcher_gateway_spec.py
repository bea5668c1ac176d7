"""A stand-in gateway for the launcher's tests (`DORF_SERVICES`): no database, and one route that
shows the upstream addresses the launcher gave it."""

import os

from fastapi import APIRouter

from platformkit.config import ServiceSettings
from platformkit.service import ServiceSpec

router = APIRouter()


@router.get("/upstreams")
async def upstreams() -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if name.startswith("UPSTREAM_")}


class GatewaySettings(ServiceSettings):
    service_name: str = "gateway"


service = ServiceSpec(
    name="gateway", settings=GatewaySettings, routers=[router], metadata=None, produces=False
)
