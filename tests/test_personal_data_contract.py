"""The personal-data contract (platformkit.personal_data), over every service present: each service found
in the entry point group `dorfmarktplatz.services` whose spec declares `personal_data` gets, on a fresh
migrated database (SQLite and PostgreSQL), its `example` written for a person and for a bystander; the
person is erased (as the erasure consumer does it, twice: the event can arrive twice); then nothing of
the person may remain — neither the identifying values the example wrote nor the person's id — in any
column of any table, except the bare id in the columns the service names in `keeps_id_in` and in event
rows of the outbox (events carry ids only); the bystander's data must all remain. A new service is covered
as soon as its entry point and `personal_data` exist."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import entry_points
from typing import Any

import pytest
from sqlalchemy import text

from platformkit.db import Database
from platformkit.migrations import upgrade
from platformkit.personal_data import PersonalData, erase_person
from platformkit.service import ServiceSpec

ENTRY_POINT_GROUP = "dorfmarktplatz.services"


def _load(target: str) -> ServiceSpec | str:
    try:
        module_name, _, attribute = target.partition(":")
        spec = getattr(__import__(module_name, fromlist=[attribute]), attribute)
    except Exception as error:  # a broken service fails its own case, not the whole module
        return f"{type(error).__name__}: {error}"
    return spec if isinstance(spec, ServiceSpec) else f"{target} is not a ServiceSpec"


SERVICES = {point.name: _load(point.value) for point in entry_points(group=ENTRY_POINT_GROUP)}
HOLDERS = sorted(
    name for name, spec in SERVICES.items() if not isinstance(spec, ServiceSpec) or spec.personal_data is not None
)


@dataclass(frozen=True)
class Cell:
    table: str
    column: str
    text: str
    row: dict[str, str]


def as_text(value: Any) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


async def every_cell(db: Database, spec: ServiceSpec) -> list[Cell]:
    """Every non-null value of every row of every table of the service, as text."""
    assert spec.metadata is not None
    cells: list[Cell] = []
    async with db.session() as session:
        connection = await session.connection()
        for table in spec.metadata.sorted_tables:
            rows = (await connection.execute(text(f'SELECT * FROM "{table.name}"'))).mappings().all()  # noqa: S608
            for row in rows:
                textual = {column: as_text(value) for column, value in row.items() if value is not None}
                cells += [Cell(table.name, column, value, textual) for column, value in textual.items()]
    return cells


def mentions(cell: Cell, values: list[str]) -> bool:
    return any(value in cell.text for value in values)


def id_forms(person: uuid.UUID) -> list[str]:
    return [str(person), person.hex]  # SQLite keeps UUIDs as 32 hex digits


def may_keep_id(cell: Cell, personal_data: PersonalData) -> bool:
    if f"{cell.table}.{cell.column}" in personal_data.keeps_id_in:
        return True
    # Events (ids only) stay in the outbox until pruned; notifications (texts) must go.
    return cell.table == "outbox" and ".notify." not in cell.row.get("subject", ".notify.")


@pytest.mark.parametrize("name", HOLDERS)
async def test_erasure_leaves_nothing_of_the_person_and_everything_of_the_bystander(
    name: str, database_url: str
) -> None:
    spec = SERVICES[name]
    assert isinstance(spec, ServiceSpec), f"{name} cannot be loaded: {spec}"
    personal_data = spec.personal_data
    assert personal_data is not None and spec.metadata is not None
    upgrade(spec, database_url)
    db = Database(database_url)
    person, bystander = uuid.uuid4(), uuid.uuid4()
    try:
        async with db.transaction() as session:
            theirs = list(await personal_data.example(session, bystander) or ())
        async with db.transaction() as session:
            mine = list(await personal_data.example(session, person) or ())
        assert mine, f"{name}: example() must return the identifying values it wrote (platformkit.personal_data)"
        assert not set(mine) & set(theirs), f"{name}: example() must derive its values from the person id"
        before = await every_cell(db, spec)
        for value in [*mine, *theirs]:
            assert any(value in cell.text for cell in before), f"{name}: example() did not write {value!r}"
        async with db.read_sessions() as session:
            exported = json.dumps(await personal_data.export(session, person), ensure_ascii=False, default=str)
        missing_from_export = [value for value in mine if value not in exported]
        assert not missing_from_export, f"{name}: export() leaves out {missing_from_export}"

        erased_at = datetime.now(UTC)
        for _ in range(2):  # the erasure event can arrive twice
            async with db.transaction() as session:
                await erase_person(
                    session, service=name, personal_data=personal_data, person_id=person, erased_at=erased_at
                )

        after = await every_cell(db, spec)
        values_left = sorted({f"{c.table}.{c.column}" for c in after if mentions(c, mine)})
        assert not values_left, f"{name}: the erased person's data remains in {values_left}"
        ids_left = sorted(
            {
                f"{c.table}.{c.column}"
                for c in after
                if mentions(c, id_forms(person)) and not may_keep_id(c, personal_data)
            }
        )
        assert not ids_left, f"{name}: the erased person's id remains in {ids_left} (not in keeps_id_in)"
        for value in theirs:
            assert any(value in cell.text for cell in after), f"{name}: the bystander's {value!r} was erased too"
        assert any(mentions(cell, id_forms(bystander)) for cell in after), f"{name}: the bystander is gone"
        async with db.read_sessions() as session:
            exported = json.dumps(await personal_data.export(session, person), ensure_ascii=False, default=str)
            kept = json.dumps(await personal_data.export(session, bystander), ensure_ascii=False, default=str)
        assert not [value for value in mine if value in exported], f"{name}: export() still shows the person"
        assert all(value in kept for value in theirs), f"{name}: the bystander's export lost data"
    finally:
        await db.dispose()


def test_the_contract_covers_accounts() -> None:
    """At least accounts holds personal data; a service that cannot be loaded is a failing case above."""
    assert "accounts" in HOLDERS
