"""Telling people about their shifts (platformkit notify: in the change's transaction, deduplicated)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from platformkit.events import notify
from platformkit.events.notify import Severity
from volunteers.domain.organisations import MemberRole
from volunteers.domain.timing import format_span, local
from volunteers.models import OrgMember


class Timed(Protocol):
    """A Shift, or a result row with its times (crud.signups reads a shift's columns, not the entity)."""

    @property
    def start_at(self) -> datetime: ...
    @property
    def end_at(self) -> datetime: ...
    @property
    def zone(self) -> str: ...


def when(shift: Timed) -> str:
    return f"{local(shift.start_at, shift.zone):%d.%m.%Y}, {format_span(shift.start_at, shift.end_at, shift.zone)}"


async def tell(
    session: AsyncSession,
    person_id: uuid.UUID,
    *,
    what: str,
    title: str,
    body: str,
    key: str,
    link: str | None = None,
    severity: Severity = "info",
    new_key: bool = False,
) -> None:
    """`new_key`: `key` names a record made in this transaction (see platformkit's notify)."""
    await notify(
        session,
        person_id=person_id,
        kind=f"volunteers.{what}",
        title=title[:200],
        body=body[:2000],
        link=link,
        severity=severity,
        dedupe_key=key,
        new_key=new_key,
    )


async def coordinators(session: AsyncSession, organisation_id: uuid.UUID) -> list[uuid.UUID]:
    rows = await session.exec(
        select(OrgMember.person_id).where(
            col(OrgMember.organisation_id) == organisation_id,
            col(OrgMember.role).in_([MemberRole.ADMIN.value, MemberRole.COORDINATOR.value]),
        )
    )
    return list(rows.all())


async def tell_coordinators(
    session: AsyncSession,
    organisation_id: uuid.UUID,
    *,
    what: str,
    title: str,
    body: str,
    key: str,
    severity: Severity = "info",
    people: Sequence[uuid.UUID] | None = None,
) -> None:
    """`people`: the organisation's coordinators when the caller has read them already (`coordinators`)."""
    for person_id in await coordinators(session, organisation_id) if people is None else people:
        await tell(session, person_id, what=what, title=title, body=body, key=key, severity=severity,
                   link="/volunteering/organisations")
