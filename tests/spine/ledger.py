"""The consumer: books every stored crate once, in its own database. A crate labelled "poison" always
fails (it must end as a dead letter). With SPINE_CRASH_MARKER set, the process dies once right after
a batch committed and before it was acked (reliability.md (c)3).
Run: `python tests/spine/ledger.py <port>`."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import APIRouter, Request
from spine_common import CrateStoredV1, ledger_metadata, settings
from sqlalchemy import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from platformkit.config import ServiceSettings
from platformkit.events import FAULTS, Consumer, current_envelope
from platformkit.service import ServiceSpec

metadata, booking = ledger_metadata()
router = APIRouter(tags=["ledger"])


async def on_crate_stored(event: CrateStoredV1, session: AsyncSession) -> None:
    if event.label == "poison":
        raise ValueError(f"crate {event.crate_id} cannot be booked")
    envelope = current_envelope.get()
    assert envelope is not None
    connection = await session.connection()
    await connection.execute(
        insert(booking).values(event_id=envelope.id, crate_id=event.crate_id, pid=os.getpid())
    )


@router.get("/events/stats")
async def event_stats(request: Request) -> dict[str, Any]:
    return (await request.app.state.events.stats()).model_dump(mode="json")


def crash_once_after_commit(marker: Path) -> None:
    def hook(consumer: str, event_ids: Sequence[str]) -> None:
        if event_ids and not marker.exists():
            marker.write_text(f"{consumer}: crashed after committing {len(event_ids)} events\n")
            os._exit(17)  # no ack, no cleanup: as if the process had been killed

    FAULTS.after_commit = hook


consumer = Consumer(
    name="crate-stored",
    event=CrateStoredV1,
    handler=on_crate_stored,
    max_deliver=3,
    backoff=(0.2, 0.5),
    ack_wait=float(os.environ.get("SPINE_ACK_WAIT", "30")),
)
spec = ServiceSpec(
    name="ledger",
    settings=ServiceSettings,
    routers=[router],
    metadata=metadata,
    consumers=[consumer],
    produces=False,
)

if __name__ == "__main__":
    if os.environ.get("SPINE_CRASH_MARKER"):
        crash_once_after_commit(Path(os.environ["SPINE_CRASH_MARKER"]))
    app = spec.create_app(settings("ledger"))
    # Keep idle connections longer than the test client does, so they never race a reuse.
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=int(sys.argv[1]),
        log_level="warning",
        access_log=False,
        timeout_keep_alive=30,
    )
