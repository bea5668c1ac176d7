"""Every service's own audit table moved into platformkit.audit's shape without losing a row: an entry
written in the old shape (the revision before) reads back in the common one after `upgrade head` (who
acted for whom, the subject, the details), and `downgrade` gives the old row back — SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

from platformkit.audit import AuditEntry
from platformkit.db import UtcDateTime, sync_url
from platformkit.migrations import alembic_config, upgrade
from platformkit.service import ServiceSpec

AT = datetime(2026, 11, 20, 8, 30, tzinfo=UTC)
PERSON = uuid.UUID("0b6c1c52-5b0e-4b8e-9d53-1f2a3b4c5d6e")
THREAD = uuid.UUID("7d3f0a10-2c44-4e55-8a66-9b7c8d9e0f1a")
ENTRY = uuid.UUID("c2a1e0f3-1111-4222-8333-944455566677")


@dataclass(frozen=True)
class Case:
    service: str
    before: str  # the revision before the move
    table: str
    old: dict[str, Any]
    types: dict[str, Any]
    common: dict[str, Any]  # what the entry reads as afterwards (the other columns are empty)


CASES = [
    Case("accounts", "0174faee7248", "audit_log",
         {"actor_id": "staff-1", "person_id": PERSON, "action": "role.granted", "details": {"role": "driver"}},
         {"person_id": sa.Uuid(), "details": sa.JSON()},
         {"actor": "staff-1", "person_id": PERSON, "action": "role.granted", "details": {"role": "driver"}}),
    Case("marketplace", "79ee72e89971", "audit_entry",
         {"actor": str(PERSON), "acting_staff": "staff-2", "merchant_id": "m-hof", "action": "product.created",
          "target": "p-1", "detail": {"title": "Eier"}},
         {"detail": sa.JSON()},
         {"actor": "staff-2", "on_behalf_of": str(PERSON), "action": "product.created", "subject_id": "p-1",
          "details": {"title": "Eier", "merchant_id": "m-hof"}}),
    Case("mobility", "7a352833a1c1", "audit_entry",
         {"actor": "desk-1", "person_id": PERSON, "action": "driver_verified", "subject_id": "d-1",
          "detail": "until 2027-11-20"},
         {"person_id": sa.Uuid()},
         {"actor": "desk-1", "person_id": PERSON, "action": "driver_verified", "subject_kind": "driver",
          "subject_id": "d-1", "details": {"note": "until 2027-11-20"}}),
    Case("volunteers", "73653204d7c7", "audit_entry",
         {"actor": "staff-3", "on_behalf_of": str(PERSON), "action": "help.requested",
          "subject_kind": "help_request", "subject_id": "h-1", "detail": {"late": True}},
         {"detail": sa.JSON()},
         {"actor": "staff-3", "on_behalf_of": str(PERSON), "action": "help.requested",
          "subject_kind": "help_request", "subject_id": "h-1", "details": {"late": True}}),
    Case("alerts", "93f1fa4f8acd", "audit_entry",
         {"actor": "op-1", "on_behalf_of": None, "district": "12073", "action": "local.issued", "thread_id": THREAD,
          "detail": "Sturmwarnung"},
         {"thread_id": sa.Uuid()},
         {"actor": "op-1", "action": "local.issued", "subject_kind": "warning_thread", "subject_id": str(THREAD),
          "details": {"district": "12073", "note": "Sturmwarnung"}}),
]


def _spec(name: str) -> ServiceSpec:
    module = __import__(f"{name}.main", fromlist=["service"])
    spec: ServiceSpec = module.service
    return spec


def _old_table(case: Case) -> sa.TableClause:
    columns = [sa.column("id", sa.Uuid()), sa.column("at", UtcDateTime(timezone=True))]
    columns += [sa.column(name, case.types.get(name, sa.String())) for name in case.old]
    return sa.table(case.table, *columns)


@pytest.mark.parametrize("case", CASES, ids=[case.service for case in CASES])
def test_the_old_audit_rows_survive_the_move_and_the_way_back(case: Case, database_url: str) -> None:
    spec = _spec(case.service)
    upgrade(spec, database_url, case.before)
    engine = sa.create_engine(sync_url(database_url))
    old = _old_table(case)
    try:
        with engine.begin() as connection:
            connection.execute(sa.insert(old).values(id=ENTRY, at=AT, **case.old))
        upgrade(spec, database_url)
        with engine.connect() as connection:
            [row] = connection.execute(sa.select(AuditEntry.__table__)).mappings().all()  # type: ignore[attr-defined]
        expected = {"id": ENTRY, "at": AT, "on_behalf_of": None, "person_id": None, "subject_kind": None,
                    "subject_id": None, "details": {}, "request_id": None, **case.common}
        assert dict(row) == expected
        command.downgrade(alembic_config(spec, database_url), case.before)
        with engine.connect() as connection:
            [back] = connection.execute(sa.select(old)).mappings().all()
        assert dict(back) == {"id": ENTRY, "at": AT, **case.old}
    finally:
        engine.dispose()
