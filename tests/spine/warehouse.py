"""The producer: `POST /crates` stores a crate and its event in one transaction (201 only after commit).
NATS may be down meanwhile; the outbox holds the events. Run: `python tests/spine/warehouse.py <port>`."""

from __future__ import annotations

import sys
from typing import Any

import uvicorn
from fastapi import APIRouter, Request
from pydantic import BaseModel
from spine_common import CrateStoredV1, settings, warehouse_metadata
from sqlalchemy import insert

from platformkit.config import ServiceSettings
from platformkit.deps import SessionDep
from platformkit.events import publish
from platformkit.service import ServiceSpec

metadata, crate = warehouse_metadata()
router = APIRouter(tags=["crates"])


class CrateIn(BaseModel):
    crate_id: str
    label: str = ""


@router.post("/crates", status_code=201)
async def store_crate(body: CrateIn, session: SessionDep) -> dict[str, str]:
    connection = await session.connection()
    await connection.execute(insert(crate).values(id=body.crate_id, label=body.label))
    event_id = await publish(session, CrateStoredV1(crate_id=body.crate_id, label=body.label))
    await session.commit()
    return {"crate_id": body.crate_id, "event_id": event_id}


@router.get("/events/stats")
async def event_stats(request: Request) -> dict[str, Any]:
    return (await request.app.state.events.stats()).model_dump(mode="json")


spec = ServiceSpec(
    name="warehouse", settings=ServiceSettings, routers=[router], metadata=metadata, produces=True
)

if __name__ == "__main__":
    app = spec.create_app(settings("warehouse"))
    # Keep idle connections longer than the test client does, so they never race a reuse.
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=int(sys.argv[1]),
        log_level="warning",
        access_log=False,
        timeout_keep_alive=30,
    )
