"""The audit log (platformkit.audit), on SQLite and PostgreSQL: who acted for whom, the request id, pages
in either order with filters on details, and the erasure rule — the person's id becomes one stable
pseudonym wherever it stands, nobody else's entries change, twice is once."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from platformkit import audit
from platformkit.audit import AuditEntry, pseudonym
from platformkit.auth import Principal
from platformkit.context import request_id
from platformkit.db import Database, new_metadata
from platformkit.pagination import PageParams
from platformkit.tables import copy_platform_tables

metadata = new_metadata()
copy_platform_tables(metadata)
START = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    await database.create_all(metadata)
    try:
        yield database
    finally:
        await database.dispose()


async def test_staff_acting_for_a_person_are_the_actor_with_the_person_beside_them(db: Database) -> None:
    person, staff = str(uuid.uuid4()), "staff-7"
    token = request_id.set("req-42")
    try:
        async with db.transaction() as session:
            audit.record(session, by=Principal(sub=person, actor=staff), action="booking.created",
                         subject_kind="booking", subject_id=uuid.UUID(int=5), seats=2, at=START)
            audit.record(session, by=Principal(sub=person), action="booking.cancelled",
                         at=START + timedelta(minutes=1))
            audit.record(session, action="booking.expired", when=START)  # at: now
    finally:
        request_id.reset(token)
    async with db.session() as session:
        entries, cursor = await audit.page(session, PageParams(limit=10, cursor=None))
    assert cursor is None
    assert [(e.actor, e.on_behalf_of, e.action) for e in entries] == [
        (staff, person, "booking.created"), (person, None, "booking.cancelled"), ("system", None, "booking.expired"),
    ]
    assert entries[0].subject_id == str(uuid.UUID(int=5)) and entries[0].details == {"seats": 2}
    assert entries[0].request_id == "req-42" and entries[2].details == {"when": START.isoformat(" ")}
    with pytest.raises(ValueError):
        async with db.session() as session:
            audit.record(session, by=Principal(sub=person), actor="system", action="x")


async def test_an_entry_written_at_once_is_the_entry_record_adds(db: Database) -> None:
    person, staff = str(uuid.uuid4()), "staff-7"
    token = request_id.set("req-43")
    try:
        async with db.transaction() as session:
            await audit.write(session, audit.entry_values(
                by=Principal(sub=person, actor=staff), action="signup.confirmed", subject_kind="signup",
                subject_id=uuid.UUID(int=6), shift_id=uuid.UUID(int=7), at=START))
            # at: now, the service itself
            await audit.write(session, audit.entry_values(action="signup.expired"))
    finally:
        request_id.reset(token)
    async with db.session() as session:
        entries, _ = await audit.page(session, PageParams(limit=10, cursor=None))
    assert [(e.actor, e.on_behalf_of, e.action, e.at) for e in entries][:1] == [
        (staff, person, "signup.confirmed", START)]
    assert entries[0].subject_id == str(uuid.UUID(int=6)) and entries[0].details == {"shift_id": str(uuid.UUID(int=7))}
    assert entries[0].request_id == "req-43" and entries[1].actor == "system" and entries[1].at > START


async def test_pages_newest_first_filtered_by_a_detail(db: Database) -> None:
    async with db.transaction() as session:
        for minute in range(5):
            audit.record(session, actor="op", action=f"a{minute}", at=START + timedelta(minutes=minute),
                         merchant_id="m-1" if minute % 2 == 0 else "m-2")
    seen: list[str] = []
    cursor = None
    async with db.session() as session:
        while True:
            entries, cursor = await audit.page(session, PageParams(limit=2, cursor=cursor),
                                               details={"merchant_id": "m-1"}, newest_first=True)
            seen += [entry.action for entry in entries]
            if cursor is None:
                break
        oldest_first, _ = await audit.page(session, PageParams(limit=10, cursor=None), actor="op")
    assert seen == ["a4", "a2", "a0"]
    assert [entry.action for entry in oldest_first] == ["a0", "a1", "a2", "a3", "a4"]


async def test_erasure_leaves_a_stable_pseudonym_and_nobody_else_changes(db: Database) -> None:
    person, other = uuid.uuid4(), uuid.uuid4()
    async with db.transaction() as session:
        audit.record(session, by=Principal(sub=str(person)), action="own", person_id=person)
        audit.record(session, by=Principal(sub=str(person), actor="staff-1"), action="for", person_id=person)
        audit.record(session, actor=str(person), action="as-staff", subject_kind="person", subject_id=other,
                     person_id=other)
        audit.record(session, actor="staff-1", action="about", subject_kind="person", subject_id=person)
        audit.record(session, actor=str(other), action="unrelated", person_id=other)
    async with db.transaction() as session:
        assert await audit.forget_person(session, person) == 4
    async with db.transaction() as session:
        assert await audit.forget_person(session, person) == 0
    async with db.session() as session:
        entries = {e.action: e for e in (await audit.page(session, PageParams(limit=10, cursor=None)))[0]}
        assert await audit.entries_of(session, person) == []
        still_found, _ = await audit.page(session, PageParams(limit=10, cursor=None), person_id=person)
        assert {e.action for e in await audit.entries_of(session, other)} == {"as-staff", "unrelated"}
    alias = pseudonym(person)
    assert alias.startswith("erased:") and alias == pseudonym(person) != pseudonym(other)
    assert {entry.action for entry in still_found} == {"own", "for", "about"}  # staff still see what was done
    assert (entries["own"].actor, entries["own"].person_id, entries["own"].subject_id) == (alias, None, alias)
    assert (entries["for"].actor, entries["for"].on_behalf_of, entries["for"].person_id) == ("staff-1", alias, None)
    assert (entries["as-staff"].actor, entries["as-staff"].person_id) == (alias, other)
    assert entries["about"].subject_id == alias
    assert (entries["unrelated"].actor, entries["unrelated"].person_id) == (str(other), other)
    assert all(str(person) not in repr(entry.model_dump()) for entry in entries.values())


def test_the_audit_table_is_a_platform_table() -> None:
    assert metadata.tables["audit_entry"].c.keys() == list(AuditEntry.model_fields)
