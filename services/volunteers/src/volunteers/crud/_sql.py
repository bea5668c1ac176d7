"""Core statements (conditional UPDATEs with RETURNING) in the session's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import CursorResult
from sqlmodel.ext.asyncio.session import AsyncSession


async def execute(session: AsyncSession, statement: Any, *, cache: bool = True) -> CursorResult[Any]:
    """`cache=False`: not compiled into the engine's cache (for a statement whose shape is rarely the same)."""
    # Through the session's connection: same transaction, without SQLModel's session.execute warning.
    options = {} if cache else {"compiled_cache": None}
    result: CursorResult[Any] = await (await session.connection()).execute(statement, execution_options=options)
    return result
