"""Core statements (conditional UPDATE/DELETE with RETURNING, the hand-made search table) in the session's
transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Result
from sqlmodel.ext.asyncio.session import AsyncSession


async def execute(session: AsyncSession, statement: Any,
                  params: dict[str, Any] | list[dict[str, Any]] | None = None) -> Result[Any]:
    """Like session.execute (pending ORM changes are flushed first, so the statement sees them), through
    the session's connection: same transaction, without SQLModel's warning about session.execute."""
    await session.flush()
    result: Result[Any] = await (await session.connection()).execute(statement, params)
    return result
