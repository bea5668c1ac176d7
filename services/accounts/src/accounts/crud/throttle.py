"""Brute-force counters in the database, so that every replica sees the same ones (rules in
accounts.domain.throttle). Each counter changes with one atomic upsert, safe under concurrency on
PostgreSQL (row lock of ON CONFLICT) and SQLite (BEGIN IMMEDIATE)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from accounts.crud._sql import execute
from accounts.domain.throttle import ThrottleRules, address_blocked_until, lockout_seconds
from accounts.models import LoginThrottle

table = LoginThrottle.__table__  # type: ignore[attr-defined]


async def _insert(session: AsyncSession) -> Any:
    dialect = (await session.connection()).dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


async def account_attempt(
    *, session: AsyncSession, key: str, rules: ThrottleRules, now: datetime
) -> datetime | None:
    """Count one login attempt for an account before its password is checked. Returns the end of
    the lock when the attempt must be refused (nothing counted then), else None."""
    insert = await _insert(session)
    statement = insert(table).values(key=key, failures=1, window_started_at=now, updated_at=now)
    locked = table.c.locked_until > now
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={
            "failures": case((locked, table.c.failures), else_=table.c.failures + 1),
            "updated_at": now,
        },
    ).returning(table.c.failures, table.c.locked_until)
    row = (await execute(session, statement)).one()
    if row.locked_until is not None and row.locked_until > now:
        return row.locked_until  # type: ignore[no-any-return]
    seconds = lockout_seconds(row.failures, rules)
    if seconds:
        # This attempt goes ahead; every other one waits until the lock ends.
        await execute(
            session,
            table.update().where(table.c.key == key).values(locked_until=now + timedelta(seconds=seconds)),
        )
    return None


async def clear(*, session: AsyncSession, key: str) -> None:
    await execute(session, delete(table).where(table.c.key == key))


async def address_blocked(
    *, session: AsyncSession, key: str, rules: ThrottleRules, now: datetime
) -> datetime | None:
    row = (
        await execute(session, select(table.c.failures, table.c.window_started_at).where(table.c.key == key))
    ).one_or_none()
    if row is None:
        return None
    return address_blocked_until(row.failures, row.window_started_at, now, rules)


async def count_in_window(*, session: AsyncSession, key: str, window: timedelta, now: datetime) -> int:
    """Add one event to a windowed counter (a new window starts when the old one is over); returns
    the count in the current window, this event included."""
    insert = await _insert(session)
    expired = table.c.window_started_at <= now - window
    statement = insert(table).values(key=key, failures=1, window_started_at=now, updated_at=now)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={
            "failures": case((expired, 1), else_=table.c.failures + 1),
            "window_started_at": case((expired, now), else_=table.c.window_started_at),
            "updated_at": now,
        },
    ).returning(table.c.failures)
    return int((await execute(session, statement)).scalar_one())


async def prune(*, session: AsyncSession, older_than: datetime) -> int:
    """Drop counters untouched since `older_than` whose lock is over."""
    result = await execute(
        session,
        delete(table)
        .where(col(LoginThrottle.updated_at) < older_than)
        .where((table.c.locked_until.is_(None)) | (table.c.locked_until < older_than)),
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
