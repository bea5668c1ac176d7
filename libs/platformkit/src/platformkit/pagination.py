"""Opaque cursor pagination (keyset): stable under inserts, cheap at any depth.

A cursor is the sort key of the last row seen, base64url-encoded JSON. It is opaque to clients, and a
tampered or foreign cursor is a 400 with the field named, never a 500."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel
from sqlalchemy import and_, or_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from platformkit.problems import ProblemError

T = TypeVar("T")
MAX_PAGE_SIZE = 100


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


class PageParams(BaseModel):
    limit: int
    cursor: str | None


async def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Items per page")] = 20,
    cursor: Annotated[str | None, Query(max_length=512, description="From the previous page")] = None,
) -> PageParams:
    return PageParams(limit=limit, cursor=cursor)


PageDep = Annotated[PageParams, Depends(page_params)]


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)  # UUIDs and other scalar ids


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"t"}:
        return datetime.fromisoformat(value["t"])
    return value


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps([_encode_value(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(cursor: str, width: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(values, list) or len(values) != width:
            raise ValueError("wrong shape")
        return [_decode_value(v) for v in values]
    except (ValueError, binascii.Error, TypeError) as error:
        raise ProblemError(
            400, "INVALID_CURSOR", "The cursor is not one this list handed out.", field="query.cursor"
        ) from error


def _typed(column: Any, value: Any) -> Any:
    """A cursor value as its column's Python type: UUIDs travel as strings in the cursor (a UUID column
    would not bind a str)."""
    try:
        python_type = column.type.python_type
    except (AttributeError, NotImplementedError):
        return value
    if python_type is uuid.UUID and isinstance(value, str):
        try:
            return uuid.UUID(value)
        except ValueError as error:
            raise ProblemError(
                400, "INVALID_CURSOR", "The cursor is not one this list handed out.", field="query.cursor"
            ) from error
    return value


def after(columns: Sequence[Any], values: Sequence[Any], *, descending: bool = False) -> ColumnElement[bool]:
    """Rows strictly after `values` in ascending (c1, c2, ...) order (or descending), without row-value
    syntax (SQLite)."""
    values = [_typed(column, value) for column, value in zip(columns, values, strict=True)]
    clauses = []
    for index, column in enumerate(columns):
        equal_prefix = [columns[i] == values[i] for i in range(index)]
        clauses.append(and_(*equal_prefix, column < values[index] if descending else column > values[index]))
    return or_(*clauses)


async def paginate(
    session: AsyncSession,
    statement: SelectOfScalar[T],
    *,
    order_by: Sequence[Any],
    params: PageParams,
    descending: bool = False,
) -> tuple[list[T], str | None]:
    """One page of `statement` ordered by `order_by` (ascending, or all columns descending; the last
    column must be unique). Returns the rows and the cursor of the next page (None on the last page)."""
    if params.cursor is not None:
        statement = statement.where(
            after(order_by, decode_cursor(params.cursor, len(order_by)), descending=descending)
        )
    statement = statement.order_by(*(column.desc() if descending else column for column in order_by))
    statement = statement.limit(params.limit + 1)
    rows = list((await session.exec(statement)).all())
    if len(rows) <= params.limit:
        return rows, None
    rows = rows[: params.limit]
    last = rows[-1]
    return rows, encode_cursor([getattr(last, column.key) for column in order_by])
