"""FastAPI dependencies every service uses, as Annotated aliases.

Every dependency is `async def`, also those that do not await: FastAPI runs a plain `def` dependency in
a worker thread, a hand-off to a thread and back for every request that costs more than the work."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel.ext.asyncio.session import AsyncSession

from platformkit.config import ServiceSettings
from platformkit.db import Database
from platformkit.scheduler import Clock, SystemClock


def database_of(request: Request) -> Database:
    database: Database = request.app.state.db
    return database


def clock_of(request: Request) -> Clock:
    """The app's clock: the scheduler's too, and a ManualClock that tests set on app.state.clock."""
    clock: Clock | None = getattr(request.app.state, "clock", None)
    return clock if clock is not None else SystemClock()


async def get_database(request: Request) -> Database:
    return database_of(request)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with database_of(request).sessions() as session:
        yield session


async def get_read_session(request: Request) -> AsyncIterator[AsyncSession]:
    """For routes that only read: never waits for a writer (SQLite) and cannot write by mistake."""
    async with database_of(request).read_sessions() as session:
        yield session


async def get_settings(request: Request) -> ServiceSettings:
    settings: ServiceSettings = request.app.state.settings
    return settings


async def get_clock(request: Request) -> Clock:
    return clock_of(request)


async def get_now(request: Request) -> datetime:
    return clock_of(request).now()


DatabaseDep = Annotated[Database, Depends(get_database)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]
ReadSessionDep = Annotated[AsyncSession, Depends(get_read_session)]
SettingsDep = Annotated[ServiceSettings, Depends(get_settings)]
ClockDep = Annotated[Clock, Depends(get_clock)]
NowDep = Annotated[datetime, Depends(get_now)]
