"""Database access: one async engine per service, SQLite (embedded default) or PostgreSQL (production).

SQLite and PostgreSQL are made to behave the same where it matters:
- SQLite write transactions begin IMMEDIATE, so two writers queue on the busy timeout instead of failing
  with "database is locked" at commit time; WAL lets readers run beside the one writer.
- Capacity is never guarded by row locks (SQLite has none) but by conditional UPDATE ... RETURNING.

PostgreSQL round trips are counted: read sessions run in autocommit (no BEGIN and COMMIT around a read;
under READ COMMITTED every statement has its own snapshot anyway), and a pooled connection is pinged only
after it sat idle (a busy replica would otherwise ping before every request).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Dialect, MetaData, TypeDecorator, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import registry
from sqlalchemy.pool import AsyncAdaptedQueuePool
from sqlmodel.ext.asyncio.session import AsyncSession

# Constraint names are fixed so that alembic's autogenerate and both databases agree on them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SQLITE_BUSY_TIMEOUT_MS = 15_000
# A pooled PostgreSQL connection idle for longer than this is pinged before it is used: one the server
# dropped (a restart, an idle timeout) is replaced then, not found by a request. A connection in steady use
# is not pinged; if the server goes away under it, the request's disconnect invalidates the pool's older
# connections and answers 503 DATABASE_UNAVAILABLE (platformkit.problems), and the next one reconnects.
PING_AFTER_IDLE_SECONDS = 5.0


def new_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING_CONVENTION)


def service_registry() -> registry:
    """A SQLAlchemy registry with metadata of its own, holding the platform tables already.

    SQLModel's default metadata is process-global; with one registry per service, one test run can
    import every service without their tables meeting, and each service's migrations create the
    platform tables (outbox, inbox, ...). Every service declares its base class with it::

        class AccountsModel(SQLModel, registry=service_registry()):
            pass
    """
    from platformkit.tables import copy_platform_tables  # the platform tables import this module

    metadata = new_metadata()
    copy_platform_tables(metadata)
    return registry(metadata=metadata)


def is_sqlite(url: str | URL) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def async_url(url: str) -> URL:
    """The URL with the async driver: aiosqlite for SQLite, psycopg 3 for PostgreSQL."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite")
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+psycopg")
    raise ValueError(f"unsupported database {backend!r}: use sqlite:/// or postgresql://")


def sync_url(url: str) -> URL:
    """The URL with a synchronous driver, for alembic and tools."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.set(drivername="sqlite")
    return parsed.set(drivername="postgresql+psycopg")


def configure_sqlite(engine: Any, *, read_only: bool = False) -> None:
    """WAL, a busy timeout, foreign keys, and BEGIN IMMEDIATE for every writing transaction (sync or
    async engine). A read-only engine begins DEFERRED and refuses writes: in WAL mode its readers never
    wait for the one writer."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the driver so that our BEGIN below is the one that counts.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # The busy timeout first: switching to WAL may wait for a lock too, and should wait as long as any
        # statement does (not the driver's 5 s).
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # FULL: a commit that fed the outbox survives power loss, not only a crash of the process.
        cursor.execute("PRAGMA synchronous=FULL")
        if read_only:
            cursor.execute("PRAGMA query_only=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN DEFERRED" if read_only else "BEGIN IMMEDIATE")


def create_engine_for(url: str, *, pool_size: int = 10, read_only: bool = False) -> AsyncEngine:
    """The service's engine; `read_only` matters only for SQLite (see configure_sqlite)."""
    target = async_url(url)
    if target.get_backend_name() == "sqlite":
        if target.database and target.database != ":memory:":
            from pathlib import Path

            Path(target.database).parent.mkdir(parents=True, exist_ok=True)
        # Writers: one pooled connection. SQLite has one writer anyway; queueing for it in the pool is
        # FIFO and cheap, where many connections would poll SQLite's busy handler. A request holds the
        # writer from its first statement to commit: one session per request, never two at once.
        # Readers: a few pooled connections that never wait for the writer (WAL, BEGIN DEFERRED).
        engine = create_async_engine(
            target,
            poolclass=AsyncAdaptedQueuePool,
            pool_size=4 if read_only else 1,
            max_overflow=0,
            pool_timeout=SQLITE_BUSY_TIMEOUT_MS / 1000,
        )
        configure_sqlite(engine.sync_engine, read_only=read_only)
        return engine
    engine = create_async_engine(target, pool_size=pool_size, max_overflow=pool_size, pool_timeout=5)
    ping_when_idle(engine.sync_engine)
    return engine


def ping_when_idle(engine: Any) -> None:
    """The pool's pre-ping, but only for a connection that sat idle (see PING_AFTER_IDLE_SECONDS)."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return  # fresh, or in use a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
            dbapi_connection.rollback()  # the ping began a transaction: the connection is handed out idle
        except Exception as error:
            # The pool replaces this connection and tries again (a new one is not pinged).
            raise DisconnectionError(f"pooled connection failed its ping: {type(error).__name__}") from error


class Database:
    """A service's engine and its session factories: `sessions` for work that may write, and
    `read_sessions` for reads only (on SQLite a second engine whose readers never queue behind a writer;
    on PostgreSQL the same pool, in autocommit)."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        self.is_sqlite = is_sqlite(url)
        self.engine = create_engine_for(url, pool_size=pool_size)
        # PostgreSQL: the same pool, in autocommit.
        self.read_engine = (create_engine_for(url, read_only=True) if self.is_sqlite
                            else self.engine.execution_options(isolation_level="AUTOCOMMIT"))
        self.sessions = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)
        self.read_sessions = async_sessionmaker(self.read_engine, class_=AsyncSession, expire_on_commit=False)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.sessions() as session:
            yield session

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session whose work commits on success and rolls back on any exception."""
        async with self.sessions() as session, session.begin():
            yield session

    async def ping(self) -> None:
        async with self.read_engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def create_all(self, metadata: MetaData) -> None:
        """Tests and tools only; services get their tables from migrations."""
        async with self.engine.begin() as connection:
            await connection.run_sync(metadata.create_all)

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.is_sqlite:  # PostgreSQL's read engine shares the pool
            await self.read_engine.dispose()


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC, on PostgreSQL (timestamptz) and on SQLite (text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; platformkit stores only aware UTC times")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)
