"""Alembic, wired once for every service. A service's `migrations/env.py` is two lines:

    from platformkit.migrations import run_migrations
    run_migrations()

`upgrade(spec, url)` applies them (the launcher and tests), `pending_changes(spec, url)` lists what
autogenerate would still write (a test asserts it is empty), `make_revision` writes a new one.
`create_platform_tables()` / `drop_platform_tables()` are the platform tables' part of a new service's
first revision, so that it does not copy their DDL. `rebuild_table` moves a table's rows into a new shape
(e.g. a service's own audit table into `create_audit_table_v1()`, platformkit.audit's first shape)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, create_engine, pool

from platformkit.db import UtcDateTime, configure_sqlite, is_sqlite, sync_url
from platformkit.service import ServiceSpec
from platformkit.tables import platform_metadata


def _include_object_on(dialect: str) -> Any:
    """What autogenerate compares on `dialect`: not the search structures written by hand in migrations
    (FTS5 tables, tsvector indexes, marked `skip_autogenerate`), and not a model's index made for
    another database only (`Index(...).ddl_if(dialect=...)`, which alembic does not look at)."""

    def include(obj: Any, name: str | None, type_: str, _reflected: bool, _compare_to: Any) -> bool:
        info = getattr(obj, "info", {}) or {}
        only_on = getattr(getattr(obj, "_ddl_if", None), "dialect", None)
        return not info.get("skip_autogenerate", False) and only_on in (None, dialect) and not (
            type_ == "table" and str(name).endswith(("_fts", "_fts_data", "_fts_idx", "_fts_docsize",
                                                     "_fts_config", "_fts_content"))
        )

    return include


def alembic_config(spec: ServiceSpec, database_url: str) -> Config:
    if spec.migrations is None or spec.metadata is None:
        raise ValueError(f"service {spec.name} has no database migrations")
    config = Config()
    package, _, folder = spec.migrations.rpartition(".")
    config.set_main_option("script_location", f"{package}:{folder}")
    # Through attributes, not the ini option: configparser would mangle '%' in URLs (and log passwords).
    config.attributes["url"] = sync_url(database_url).render_as_string(hide_password=False)
    config.attributes["metadata"] = spec.metadata
    return config


def _sync_engine(url: str) -> Any:
    engine = create_engine(url, poolclass=pool.NullPool)
    if is_sqlite(url):
        configure_sqlite(engine)
    return engine


def run_migrations() -> None:
    """The body of every service's env.py (online mode only: we always migrate a live database)."""
    from alembic import context

    config = context.config
    metadata: MetaData = config.attributes["metadata"]
    url: str = config.attributes["url"]
    engine = _sync_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=is_sqlite(url),  # SQLite alters tables by copying them
            compare_type=True,
            include_object=_include_object_on(connection.dialect.name),
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


def upgrade(spec: ServiceSpec, database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(spec, database_url), revision)


def make_revision(spec: ServiceSpec, database_url: str, message: str) -> None:
    command.revision(alembic_config(spec, database_url), message=message, autogenerate=True)


def pending_changes(spec: ServiceSpec, database_url: str) -> list[Any]:
    """What autogenerate finds between the migrated database and the models; empty when in step."""
    assert spec.metadata is not None
    engine = _sync_engine(sync_url(database_url).render_as_string(hide_password=False))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={"compare_type": True, "include_object": _include_object_on(connection.dialect.name),
                      "target_metadata": spec.metadata},
            )
            return list(compare_metadata(context, spec.metadata))
    finally:
        engine.dispose()


def create_platform_tables() -> None:
    """In a revision's `upgrade()`: creates every platform table (platformkit.tables), with its indexes,
    exactly as the models declare it.

    For a *new* service's first revision only: it writes the tables as the installed platformkit
    defines them, so released revisions keep their own DDL (their schema must not change with
    platformkit). Caution for a later change to a platform table: it reaches every service as a revision
    of its own, and in a service whose first revision used this helper a database created after the
    change already has it, so that revision must look before it alters (`sa.inspect(op.get_bind())`)."""
    from alembic import op

    platform_metadata.create_all(op.get_bind(), checkfirst=False)


def drop_platform_tables() -> None:
    """In the same revision's `downgrade()`: drops what `create_platform_tables` created."""
    from alembic import op

    platform_metadata.drop_all(op.get_bind(), checkfirst=False)


def rebuild_table(
    old: sa.TableClause, create: Callable[[], sa.Table], convert: Callable[[dict[str, Any]], dict[str, Any]]
) -> None:
    """In a revision: reads every row of `old` (declared with its columns' types, so values come back as
    Python values on SQLite too), drops it with its indexes, runs `create` (which returns the new table,
    as `op.create_table` does) and inserts the rows `convert`ed. For tables small enough to hold in
    memory (an audit log)."""
    from alembic import op

    rows = [dict(row._mapping) for row in op.get_bind().execute(sa.select(old))]
    op.drop_table(old.name)
    table = create()
    if rows:
        op.bulk_insert(table, [convert(row) for row in rows], multiinsert=True)


def create_audit_table_v1() -> sa.Table:
    """In a revision: platformkit.audit's table as first released (frozen: a later shape gets a `_v2`)."""
    from alembic import op

    table = op.create_table(
        "audit_entry",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("on_behalf_of", sa.String(length=80), nullable=True),
        sa.Column("person_id", sa.Uuid(), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("subject_kind", sa.String(length=30), nullable=True),
        sa.Column("subject_id", sa.String(length=80), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entry")),
    )
    for column in ("at", "actor", "person_id", "subject_id"):
        op.create_index(op.f(f"ix_audit_entry_{column}"), "audit_entry", [column], unique=False)
    return table
