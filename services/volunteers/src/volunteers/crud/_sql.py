"""Core statements (conditional UPDATEs with RETURNING) in the session's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import CursorResult
from sqlmodel.ext.asyncio.session import AsyncSession


async def execute(session: AsyncSession, statement: Any) -> CursorResult[Any]:
    # Through the session's connection: same transaction, without SQLModel's session.execute warning.
    result: CursorResult[Any] = await (await session.connection()).execute(statement)
    return result
