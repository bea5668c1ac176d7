"""Erasure reports: which service has erased whom, when, and what (counts), for staff to check that an
erasure is complete."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from accounts.crud._sql import execute
from accounts.models import ErasureReport, Person
from eventcontracts.personal_data import PersonalDataErased
from platformkit.pagination import PageParams, paginate


async def record_report(*, session: AsyncSession, event: PersonalDataErased) -> None:
    connection = await session.connection()
    insert = postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert
    await execute(
        session,
        insert(ErasureReport)
        .values(
            person_id=event.person_id, service=event.service_name, erased_at=event.erased_at,
            completed_at=event.completed_at, counts=dict(event.counts),
        )
        .on_conflict_do_nothing(index_elements=["person_id", "service"]),
    )


@dataclass(frozen=True)
class Erasure:
    person_id: uuid.UUID
    erased_at: datetime | None
    reports: list[ErasureReport]
    waiting_for: list[str]


async def erasures(
    *, session: AsyncSession, params: PageParams, expected: Sequence[str], person_id: uuid.UUID | None = None
) -> tuple[list[Erasure], str | None]:
    """Erased people in the order of their erasure, each with the services' reports and the services still awaited."""
    statement = select(Person).where(col(Person.status) == "erased")
    if person_id is not None:
        statement = statement.where(col(Person.id) == person_id)
    people, cursor = await paginate(session, statement, order_by=[Person.erased_at, Person.id], params=params)
    ids = [person.id for person in people]
    reports = (await session.exec(select(ErasureReport).where(col(ErasureReport.person_id).in_(ids)))).all()
    by_person: dict[uuid.UUID, list[ErasureReport]] = {}
    for report in reports:
        by_person.setdefault(report.person_id, []).append(report)
    found = []
    for person in people:
        mine = sorted(by_person.get(person.id, []), key=lambda report: report.service)
        answered = {report.service for report in mine}
        found.append(
            Erasure(
                person_id=person.id, erased_at=person.erased_at, reports=mine,
                waiting_for=[name for name in expected if name not in answered],
            )
        )
    return found, cursor
