"""A probe service for the scale-out proof, built on platformkit like every service (outbox, inbox,
scheduler), with effects a test can count: `POST /tickets` stores a ticket and its event in one
transaction (a retry with the same ref changes nothing); its own consumer applies each event by
appending a row; a step every second appends a row per run. Neither append is made idempotent here, so
a double delivery or a double run would show as a second row.

Started by tests/deploy/test_scale_out.py as `python -m launcher.serve scale_probe:service`."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Annotated, ClassVar

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import BigInteger, Column, Integer, String, Table
from sqlalchemy.dialects.postgresql import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from platformkit.config import ServiceSettings
from platformkit.db import UtcDateTime, new_metadata
from platformkit.deps import SessionDep
from platformkit.events import Consumer, Event, current_envelope, publish
from platformkit.scheduler import Schedule, StepRun
from platformkit.service import ServiceSpec
from platformkit.tables import copy_platform_tables

NAME = "scaleprobe"
metadata = new_metadata()
copy_platform_tables(metadata)
ticket = Table("ticket", metadata, Column("ref", String(64), primary_key=True), Column("pid", Integer, nullable=False))
applied = Table(
    "applied", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False),
    Column("ref", String(64), nullable=False),
    Column("pid", Integer, nullable=False),
)
step_run = Table(
    "step_run", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("due", UtcDateTime, nullable=False),
    Column("pid", Integer, nullable=False),
)


class TicketPlacedV1(Event):
    type: ClassVar[str] = f"{NAME}.ticket.placed.v1"
    subject_field: ClassVar[str | None] = "ref"

    ref: str


class TicketIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ref: Annotated[str, Field(min_length=1, max_length=64)]


router = APIRouter(tags=["tickets"])


@router.post("/tickets", status_code=201)
async def place_ticket(body: TicketIn, session: SessionDep, response: Response) -> dict[str, str]:
    connection = await session.connection()
    stored = await connection.execute(
        insert(ticket).values(ref=body.ref, pid=os.getpid()).on_conflict_do_nothing().returning(ticket.c.ref)
    )
    if stored.scalar_one_or_none() is None:
        response.status_code = 200  # a retry of an acknowledged or committed request
    else:
        await publish(session, TicketPlacedV1(ref=body.ref))
    await session.commit()
    return {"ref": body.ref}


async def apply_ticket(event: TicketPlacedV1, session: AsyncSession) -> None:
    envelope = current_envelope.get()
    assert envelope is not None
    connection = await session.connection()
    await connection.execute(applied.insert().values(event_id=envelope.id, ref=event.ref, pid=os.getpid()))


async def tick(run: StepRun) -> None:
    async with run.db.engine.begin() as connection:
        await connection.execute(step_run.insert().values(due=run.due, pid=os.getpid()))


class ProbeSettings(ServiceSettings):
    service_name: str = NAME
    oidc_audience: str = NAME


service = ServiceSpec(
    name=NAME,
    settings=ProbeSettings,
    routers=[router],
    consumers=[Consumer(name="apply-ticket", event=TicketPlacedV1, handler=apply_ticket, ack_wait=5.0)],
    metadata=metadata,
    schedules=[Schedule("tick", every=timedelta(seconds=1), lease=timedelta(seconds=3), step=tick)],
)
