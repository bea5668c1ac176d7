"""The audit log: who did what, for whom, to which record. One table shape (`audit_entry`, a platform
table: every service's metadata holds it, each in its own database, created by the service's own
migrations), one writer and one paged query for the staff routes.

- `actor`: who acted — the staff member when staff act for someone (token exchange: the token's `act`),
  else the caller's `sub` (a person or a client), or `system` for the service's own steps.
- `on_behalf_of`: the person the staff member acted for (the token's `sub` then).
- `person_id`: the person the entry concerns (a booking's rider, a role's holder), when there is one.
- `subject_kind`/`subject_id`: the record acted on; `details`: ids, states and counts, never personal data
  (names, addresses, free texts).
- `request_id`: the request that did it (platformkit.context), to find its log lines.

Erasure (`accounts.person.erased.v1`): platformkit's erasure (platformkit.personal_data) runs
`forget_person` for every service: the person's id becomes a stable pseudonym wherever it stands in the
log (`pseudonym`, the same one for the same person everywhere), `person_id` is emptied (an entry without
another subject gets the person's pseudonym as subject); the entries stay (what staff did remains
accountable, and `page(person_id=...)` still finds them)."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Column, and_, case, insert, or_, update
from sqlalchemy.orm import registry
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import JSON, Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from platformkit.context import request_id
from platformkit.db import UtcDateTime, utcnow
from platformkit.pagination import PageParams, paginate
from platformkit.tables import platform_metadata

if TYPE_CHECKING:
    from platformkit.auth import Principal

SYSTEM = "system"
# The subject kind of an entry about a person as such (e.g. an erasure); erasure uses it too, see forget_person.
PERSON = "person"
ACTOR_LENGTH = 80


class _PlatformModel(SQLModel, registry=registry(metadata=platform_metadata)):
    pass


class AuditEntry(_PlatformModel, table=True):
    __tablename__ = "audit_entry"
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime, index=True)
    actor: str = Field(max_length=ACTOR_LENGTH, index=True)
    on_behalf_of: str | None = Field(default=None, max_length=ACTOR_LENGTH)
    person_id: uuid.UUID | None = Field(default=None, index=True)
    action: str = Field(max_length=64)
    subject_kind: str | None = Field(default=None, max_length=30)
    subject_id: str | None = Field(default=None, max_length=80, index=True)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    request_id: str | None = Field(default=None, max_length=128)


def actor_of(principal: Principal | None) -> tuple[str, str | None]:
    """(actor, on_behalf_of) of a caller: staff acting for a person are the actor, the person beside them."""
    if principal is None:
        return SYSTEM, None
    if principal.actor is not None:
        return principal.actor[:ACTOR_LENGTH], principal.sub[:ACTOR_LENGTH]
    return principal.sub[:ACTOR_LENGTH], None


def record(
    session: AsyncSession,
    *,
    action: str,
    by: Principal | None = None,
    actor: str | None = None,
    on_behalf_of: str | None = None,
    person_id: uuid.UUID | None = None,
    subject_kind: str | None = None,
    subject_id: object = None,
    details: Mapping[str, Any] | None = None,
    at: datetime | None = None,
    **detail: Any,
) -> AuditEntry:
    """Adds an entry to the caller's transaction. Who acted: the caller's principal (`by`), or `actor` as
    a name (a client, "system"; with `on_behalf_of` when known otherwise); neither means the service
    itself. The details are `details` and any further keyword arguments."""
    entry = AuditEntry(**entry_values(
        action=action, by=by, actor=actor, on_behalf_of=on_behalf_of, person_id=person_id,
        subject_kind=subject_kind, subject_id=subject_id, details=details, at=at, **detail))
    session.add(entry)
    return entry


async def write(session: AsyncSession, entry: Mapping[str, Any]) -> None:
    """An entry (`entry_values`, which takes `record`'s arguments) written at once by one prebuilt INSERT
    instead of an ORM object flushed at commit: for a hot path that writes its rows with Core anyway (the
    ORM's unit of work costs more Python than the INSERT itself)."""
    await (await session.connection()).execute(_INSERT, dict(entry))


_INSERT = insert(AuditEntry)


def entry_values(
    *,
    action: str,
    by: Principal | None = None,
    actor: str | None = None,
    on_behalf_of: str | None = None,
    person_id: uuid.UUID | None = None,
    subject_kind: str | None = None,
    subject_id: object = None,
    details: Mapping[str, Any] | None = None,
    at: datetime | None = None,
    **detail: Any,
) -> dict[str, Any]:
    """An entry's column values (see record)."""
    if by is not None and (actor is not None or on_behalf_of is not None):
        raise ValueError("audit.record takes the principal or an actor's name, not both")
    if actor is None:
        who, on_behalf_of = actor_of(by)
    else:
        who, on_behalf_of = actor[:ACTOR_LENGTH], on_behalf_of and on_behalf_of[:ACTOR_LENGTH]
    return {
        "id": uuid.uuid4(),
        # The caller's clock when given (tests move time).
        "at": at if at is not None else utcnow(),
        "actor": who,
        "on_behalf_of": on_behalf_of,
        "person_id": person_id,
        "action": action,
        "subject_kind": subject_kind,
        "subject_id": None if subject_id is None else str(subject_id),
        # JSON-ready: UUIDs, dates and enums as their strings.
        "details": json.loads(json.dumps({**(details or {}), **detail}, default=str)),
        "request_id": request_id.get(),
    }


async def page(
    session: AsyncSession,
    params: PageParams,
    *,
    actor: str | None = None,
    person_id: uuid.UUID | None = None,
    subject_kind: str | None = None,
    subject_id: str | None = None,
    details: Mapping[str, str] | None = None,
    newest_first: bool = False,
) -> tuple[list[AuditEntry], str | None]:
    """One page of the log for the staff routes, in time order (or newest first), filtered by who acted,
    whom it concerned (an erased person's entries are found under their pseudonym), the record, or
    values in `details` (e.g. {"merchant_id": ...})."""
    conditions: list[ColumnElement[bool]] = []
    if actor is not None:
        conditions.append(col(AuditEntry.actor) == actor)
    if person_id is not None:  # after their erasure: the entries about them under their pseudonym
        conditions.append(or_(col(AuditEntry.person_id) == person_id, and_(
            col(AuditEntry.subject_kind) == PERSON, col(AuditEntry.subject_id) == pseudonym(person_id))))
    if subject_kind is not None:
        conditions.append(col(AuditEntry.subject_kind) == subject_kind)
    if subject_id is not None:
        conditions.append(col(AuditEntry.subject_id) == subject_id)
    details_column: Any = AuditEntry.__table__.c.details  # type: ignore[attr-defined]
    for key, value in (details or {}).items():
        conditions.append(details_column[key].as_string() == value)
    return await paginate(
        session, select(AuditEntry).where(*conditions), order_by=[col(AuditEntry.at), col(AuditEntry.id)],
        params=params, descending=newest_first,
    )


async def entries_of(session: AsyncSession, person_id: uuid.UUID) -> Sequence[AuditEntry]:
    """Every entry by or about the person (their data export)."""
    plain = str(person_id)
    return (await session.exec(
        select(AuditEntry).where(or_(col(AuditEntry.person_id) == person_id, col(AuditEntry.actor) == plain,
                                     col(AuditEntry.on_behalf_of) == plain, col(AuditEntry.subject_id) == plain))
        .order_by(col(AuditEntry.at), col(AuditEntry.id))
    )).all()


def pseudonym(person_id: uuid.UUID) -> str:
    """What an erased person's id becomes where a record of who did something stays: stable (the same
    person's entries still belong together), not the id."""
    return "erased:" + hashlib.sha256(str(person_id).encode()).hexdigest()[:16]


async def forget_person(session: AsyncSession, person_id: uuid.UUID) -> int:
    """The audit log's part of erasing a person; returns the number of entries touched. Idempotent."""
    await session.flush()  # entries added in this transaction are pseudonymised too
    table: Any = AuditEntry.__table__  # type: ignore[attr-defined]
    plain, alias = str(person_id), pseudonym(person_id)

    def replaced(column: Any) -> Any:
        return case((column == plain, alias), else_=column)

    # An entry about the person without a subject of its own gets the person's pseudonym as its subject,
    # so that staff still find what was done for them (`page(person_id=...)`). SET sees the old values.
    about_only_them = and_(table.c.person_id == person_id, table.c.subject_id.is_(None))
    result = await (await session.connection()).execute(
        update(table)
        .where(or_(table.c.actor == plain, table.c.on_behalf_of == plain, table.c.subject_id == plain,
                   table.c.person_id == person_id))
        .values(actor=replaced(table.c.actor), on_behalf_of=replaced(table.c.on_behalf_of),
                subject_kind=case((about_only_them, PERSON), else_=table.c.subject_kind),
                subject_id=case((about_only_them, alias), else_=replaced(table.c.subject_id)),
                person_id=case((table.c.person_id == person_id, None), else_=table.c.person_id))
    )
    return int(result.rowcount)
