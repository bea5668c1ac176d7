"""Test events, tables and helpers shared by the platformkit.events tests (imported by path)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

from sqlalchemy import Column, Integer, String, Table, func, insert, select
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from platformkit.db import Database, new_metadata, service_registry
from platformkit.events import Event, current_envelope
from platformkit.tables import copy_platform_tables

SERVICE = "depot"
STREAM = "DEPOT"


class ParcelRegisteredV1(Event):
    type: ClassVar[str] = "depot.parcel.registered.v1"
    subject_field: ClassVar[str | None] = "parcel_id"

    parcel_id: str
    label: str = ""


metadata = new_metadata()
copy_platform_tables(metadata)
parcel = Table(
    "parcel",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("label", String(64), nullable=False),
)
effect = Table(
    "effect",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False),
    Column("parcel_id", String(64), nullable=False),
    Column("request_id", String(64), nullable=True),
)


class TestModel(SQLModel, registry=service_registry()):
    pass


class Stamp(TestModel, table=True):
    """An ORM table: its inserts are flushed at the batch's commit, not inside the handler."""

    parcel_id: str = Field(primary_key=True)
    event_id: str


async def new_database(url: str) -> Database:
    db = Database(url)
    await db.create_all(metadata)
    await db.create_all(TestModel.metadata)
    return db


async def record_effect(event: ParcelRegisteredV1, session: AsyncSession) -> None:
    envelope = current_envelope.get()
    assert envelope is not None
    connection = await session.connection()
    await connection.execute(
        insert(effect).values(event_id=envelope.id, parcel_id=event.parcel_id, request_id=envelope.request_id)
    )


def poisoned_by(
    label: str,
    handler: Callable[[ParcelRegisteredV1, AsyncSession], Awaitable[None]] = record_effect,
) -> Callable[[ParcelRegisteredV1, AsyncSession], Awaitable[None]]:
    async def handle(event: ParcelRegisteredV1, session: AsyncSession) -> None:
        if event.label == label:
            raise RuntimeError(f"cannot handle a {label} parcel")
        await handler(event, session)

    return handle


async def count(db: Database, table: Table, *where: Any) -> int:
    async with db.engine.connect() as connection:
        return int(
            (await connection.execute(select(func.count()).select_from(table).where(*where))).scalar_one()
        )


async def effects(db: Database) -> list[tuple[str, str]]:
    async with db.engine.connect() as connection:
        rows = await connection.execute(select(effect.c.event_id, effect.c.parcel_id))
        return [(row.event_id, row.parcel_id) for row in rows]


async def eventually(check: Callable[[], Awaitable[bool]], *, within: float = 30.0, what: str = "") -> None:
    """Poll `check` until it holds; generous timeouts, never a tight timing assertion."""
    deadline = time.monotonic() + within
    while True:
        if await check():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {within}s: {what}")
        await asyncio.sleep(0.05)
