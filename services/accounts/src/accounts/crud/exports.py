"""Data downloads (DSGVO Art. 15/20) as jobs: the person asks, a scheduled step gathers every service's
part, the person fetches the result while it is kept."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from accounts.crud._sql import execute
from accounts.models import DataExport
from platformkit.db import utcnow

PENDING, READY = "pending", "ready"


async def request(*, session: AsyncSession, person_id: uuid.UUID) -> DataExport:
    """A new download job, or the person's one still being gathered (asking twice gathers once; the
    unique index on pending jobs settles two requests at the same moment)."""
    job = DataExport(person_id=person_id)
    try:
        async with session.begin_nested():
            session.add(job)
            await session.flush()
    except IntegrityError:
        waiting = (
            await session.exec(
                select(DataExport).where(col(DataExport.person_id) == person_id, col(DataExport.status) == PENDING)
            )
        ).one()
        return waiting
    return job


async def get_own(*, session: AsyncSession, job_id: uuid.UUID, person_id: uuid.UUID) -> DataExport | None:
    job = await session.get(DataExport, job_id, populate_existing=True)
    if job is None or job.person_id != person_id or (job.expires_at is not None and job.expires_at <= utcnow()):
        return None
    return job


async def claim_due(
    *, session: AsyncSession, now: datetime, lease: timedelta, limit: int = 10
) -> list[tuple[uuid.UUID, uuid.UUID, int]]:
    """Take pending jobs nobody holds (a conditional UPDATE: one run wins each job); returns
    (job id, person id, attempt)."""
    due = (
        select(DataExport.id)
        .where(
            col(DataExport.status) == PENDING,
            or_(col(DataExport.claimed_until).is_(None), col(DataExport.claimed_until) < now),
        )
        .order_by(col(DataExport.requested_at))
        .limit(limit)
        # PostgreSQL: a racing run skips the jobs another is taking instead of coming back empty (SQLite
        # has no row locks; its write transactions run one at a time).
        .with_for_update(skip_locked=True)
    )
    result = await execute(
        session,
        update(DataExport)
        .where(col(DataExport.id).in_(due.scalar_subquery()), col(DataExport.status) == PENDING)
        .where(or_(col(DataExport.claimed_until).is_(None), col(DataExport.claimed_until) < now))
        .values(claimed_until=now + lease, attempts=DataExport.attempts + 1)
        .returning(col(DataExport.id), col(DataExport.person_id), col(DataExport.attempts)),
    )
    rows: list[Any] = list(result.all())
    return [(row[0], row[1], int(row[2])) for row in rows]


async def finish(
    *, session: AsyncSession, job_id: uuid.UUID, content: str, parts: dict[str, Any], keep: timedelta
) -> None:
    now = utcnow()
    await execute(
        session,
        update(DataExport)
        .where(col(DataExport.id) == job_id, col(DataExport.status) == PENDING)
        .values(status=READY, content=content, parts=parts, finished_at=now, expires_at=now + keep, claimed_until=None),
    )


async def retry_later(*, session: AsyncSession, job_id: uuid.UUID, parts: dict[str, Any], at: datetime) -> None:
    """Some service did not answer: keep the job pending and hold it until `at`."""
    await execute(
        session,
        update(DataExport).where(col(DataExport.id) == job_id, col(DataExport.status) == PENDING)
        .values(parts=parts, claimed_until=at),
    )


async def prune_expired(*, session: AsyncSession, now: datetime) -> int:
    result = await execute(session, delete(DataExport).where(col(DataExport.expires_at) < now))
    return int(result.rowcount)  # type: ignore[attr-defined]
