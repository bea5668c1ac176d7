"""Core statements (UPDATE/DELETE, column selects) in the session's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Result
from sqlmodel.ext.asyncio.session import AsyncSession


async def execute(session: AsyncSession, statement: Any) -> Result[Any]:
    # Through the session's connection: same transaction, without SQLModel's session.execute warning.
    result: Result[Any] = await (await session.connection()).execute(statement)
    return result
