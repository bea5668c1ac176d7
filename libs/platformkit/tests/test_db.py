"""Database rules that SQLite and PostgreSQL must share (docs/architecture.md, "Databases")."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from platformkit.db import SQLITE_BUSY_TIMEOUT_MS, Database


@pytest.fixture
async def db(database_url: str):  # type: ignore[no-untyped-def]
    database = Database(database_url)
    async with database.transaction() as session:
        await session.exec(text("CREATE TABLE stock (id INTEGER PRIMARY KEY, available INTEGER NOT NULL)"))  # type: ignore[call-overload]
        await session.exec(text("INSERT INTO stock (id, available) VALUES (1, 3)"))  # type: ignore[call-overload]
    yield database
    await database.dispose()


async def take_one(db: Database) -> bool:
    """The capacity rule: a conditional UPDATE ... RETURNING, never a row lock."""
    async with db.transaction() as session:
        taken = await session.exec(  # type: ignore[call-overload]
            text("UPDATE stock SET available = available - 1 WHERE id = 1 AND available >= 1 RETURNING available")
        )
        return taken.first() is not None


async def test_concurrent_takers_never_oversell(db: Database) -> None:
    results = await asyncio.gather(*[take_one(db) for _ in range(20)])
    assert sum(results) == 3
    async with db.read_sessions() as session:
        left = (await session.exec(text("SELECT available FROM stock"))).one()  # type: ignore[call-overload]
    assert left[0] == 0


async def test_readers_do_not_wait_for_a_writer(db: Database) -> None:
    writer_holds = asyncio.Event()
    release = asyncio.Event()

    async def long_writer() -> None:
        async with db.transaction() as session:
            await session.exec(text("UPDATE stock SET available = 2 WHERE id = 1"))  # type: ignore[call-overload]
            writer_holds.set()
            await release.wait()

    writer = asyncio.create_task(long_writer())
    await writer_holds.wait()
    try:
        async with db.read_sessions() as session:
            # Sees the last committed state, while the writer's transaction is still open.
            row = await asyncio.wait_for(
                session.exec(text("SELECT available FROM stock")), timeout=SQLITE_BUSY_TIMEOUT_MS / 2000  # type: ignore[call-overload]
            )
            assert row.one()[0] == 3
    finally:
        release.set()
        await writer


async def test_read_sessions_refuse_writes_on_sqlite(sqlite_database_url: str) -> None:
    database = Database(sqlite_database_url)
    try:
        async with database.transaction() as session:
            await session.exec(text("CREATE TABLE t (x INTEGER)"))  # type: ignore[call-overload]
        with pytest.raises(OperationalError, match="readonly"):
            async with database.read_sessions() as session, session.begin():
                await session.exec(text("INSERT INTO t VALUES (1)"))  # type: ignore[call-overload]
    finally:
        await database.dispose()


async def test_times_come_back_as_aware_utc(database_url: str) -> None:
    from datetime import datetime, timedelta, timezone

    from sqlalchemy import Column, Integer, MetaData, Table, insert, select

    from platformkit.db import UtcDateTime

    metadata = MetaData()
    moments = Table("moments", metadata, Column("id", Integer, primary_key=True), Column("at", UtcDateTime))
    database = Database(database_url)
    try:
        await database.create_all(metadata)
        berlin_summer = datetime(2026, 7, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
        async with database.transaction() as session:
            await (await session.connection()).execute(insert(moments).values(id=1, at=berlin_summer))
        async with database.read_sessions() as session:
            stored = (await (await session.connection()).execute(select(moments.c.at))).scalar_one()
        assert stored == berlin_summer and stored.tzinfo is not None and stored.utcoffset() == timedelta(0)
        with pytest.raises(Exception, match="naive datetime"):
            async with database.transaction() as session:
                await (await session.connection()).execute(insert(moments).values(id=2, at=datetime(2026, 1, 1)))
    finally:
        await database.dispose()


@pytest.mark.postgres
async def test_postgres_reads_run_without_a_transaction_and_writes_still_roll_back() -> None:
    """Read sessions save BEGIN and COMMIT (autocommit); the pool's connection they used is a transaction
    again for the next writer, so a rollback still undoes its work."""
    from psycopg.pq import TransactionStatus

    from platformkit.testing.databases import postgres_schema_url
    from platformkit.testing.plugin import require_postgres

    require_postgres()
    with postgres_schema_url() as url:
        database = Database(url, pool_size=1)
        try:
            async with database.transaction() as session:
                await session.exec(text("CREATE TABLE t (x INTEGER)"))  # type: ignore[call-overload]
            async with database.read_sessions() as session:
                connection = await session.connection()
                await connection.execute(text("SELECT count(*) FROM t"))
                raw = await connection.get_raw_connection()
                assert raw.driver_connection.info.transaction_status == TransactionStatus.IDLE
            async with database.sessions() as session:
                await session.exec(text("INSERT INTO t VALUES (1)"))  # type: ignore[call-overload]
                await session.rollback()
            async with database.read_sessions() as session:
                assert (await session.exec(text("SELECT count(*) FROM t"))).one()[0] == 0  # type: ignore[call-overload]
        finally:
            await database.dispose()


@pytest.mark.postgres
async def test_postgres_connection_dropped_while_idle_is_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    """A pooled connection the server ended while it sat idle is pinged, found dead and replaced: the next
    request does not see it."""
    import psycopg
    from sqlalchemy.engine import make_url

    from platformkit import db as db_module
    from platformkit.testing.databases import postgres_base_url, postgres_schema_url
    from platformkit.testing.plugin import require_postgres

    require_postgres()
    monkeypatch.setattr(db_module, "PING_AFTER_IDLE_SECONDS", 0.1)
    with postgres_schema_url() as url:
        database = Database(url, pool_size=1)
        try:
            async with database.read_sessions() as session:
                pid = (await session.exec(text("SELECT pg_backend_pid()"))).one()[0]  # type: ignore[call-overload]
            admin_url = make_url(postgres_base_url()).set(drivername="postgresql").render_as_string(hide_password=False)
            with psycopg.connect(admin_url, autocommit=True) as admin:
                assert admin.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone() == (True,)
            await asyncio.sleep(0.3)
            async with database.transaction() as session:
                new_pid = (await session.exec(text("SELECT pg_backend_pid()"))).one()[0]  # type: ignore[call-overload]
            assert new_pid != pid
        finally:
            await database.dispose()
