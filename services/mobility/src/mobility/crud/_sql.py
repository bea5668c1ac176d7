"""Statements that are not SELECTs of models (conditional UPDATEs with RETURNING, aggregates), run through
SQLAlchemy's own session.execute: in the session's transaction, with the identity map kept in step (ORM
UPDATEs synchronise loaded rows), without SQLModel's warning that steers towards exec() for SELECTs."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Result
from sqlalchemy.ext.asyncio import AsyncSession as SqlAlchemySession
from sqlmodel.ext.asyncio.session import AsyncSession


async def execute(session: AsyncSession, statement: Any, parameters: Any = None) -> Any:
    """The statement's Result (typed Any: its rows' shapes depend on the statement)."""
    result: Result[Any] = await SqlAlchemySession.execute(session, statement, parameters)
    return result
