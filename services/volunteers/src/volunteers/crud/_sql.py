"""Core statements (conditional UPDATEs with RETURNING) in the session's transaction."""

from __future__ import annotations

import uuid
from collections.abc import Set
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import CursorResult
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession


async def execute(session: AsyncSession, statement: Any,
                  params: dict[str, Any] | list[dict[str, Any]] | None = None) -> CursorResult[Any]:
    # Through the session's connection: same transaction, without SQLModel's session.execute warning.
    # `params` bind a statement built once (see crud.seats).
    result: CursorResult[Any] = await (await session.connection()).execute(statement, params)
    return result


async def move_state(session: AsyncSession, model: Any, row_id: uuid.UUID, from_states: Set[str], to: Enum,
                     now: datetime, **values: Any) -> bool:
    """The one way a sign-up or commitment (`model`) changes state: only if it is still in one of
    `from_states`, so that of two racing changes exactly one happens."""
    result = await execute(
        session,
        update(model)
        .where(col(model.id) == row_id, col(model.state).in_(sorted(from_states)))
        .values(state=to.value, state_changed_at=now, **values)
        .returning(col(model.id)),
    )
    return result.first() is not None
