"""Alembic, wired once for every service. A service's `migrations/env.py` is two lines:

    from platformkit.migrations import run_migrations
    run_migrations()

`upgrade(spec, url)` applies them (the launcher and tests), `pending_changes(spec, url)` lists what
autogenerate would still write (a test asserts it is empty), `make_revision` writes a new one.
`create_platform_tables()` / `drop_platform_tables()` are the platform tables' part of a new service's
first revision, so that it does not copy their DDL."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, create_engine, pool

from platformkit.db import configure_sqlite, is_sqlite, sync_url
from platformkit.service import ServiceSpec
from platformkit.tables import platform_metadata


def _include_object(obj: Any, _name: str | None, type_: str, _reflected: bool, _compare_to: Any) -> bool:
    # Search structures (FTS5 tables, tsvector indexes) are written by hand in migrations and are
    # not part of the models: keep them out of autogenerate's diff.
    info = getattr(obj, "info", {}) or {}
    return not info.get("skip_autogenerate", False) and not (
        type_ == "table" and str(_name).endswith(("_fts", "_fts_data", "_fts_idx", "_fts_docsize",
                                                   "_fts_config", "_fts_content"))
    )


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
            include_object=_include_object,
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
                opts={"compare_type": True, "include_object": _include_object, "target_metadata": spec.metadata},
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
