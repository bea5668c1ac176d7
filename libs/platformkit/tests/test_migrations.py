"""Migrations are a separate step: `upgrade head` on an empty database works, and autogenerate
against the models then finds nothing to do."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, inspect

from platformkit.db import sync_url
from platformkit.migrations import alembic_config, pending_changes, upgrade
from platformkit.tables import platform_metadata
from sampleservice.main import service


def test_upgrade_on_empty_database_then_no_diff(database_url: str) -> None:
    upgrade(service, database_url)
    assert pending_changes(service, database_url) == []


def test_a_model_change_without_migration_is_detected(database_url: str) -> None:
    upgrade(service, database_url)
    from sqlalchemy import Column, String, Table

    from platformkit.db import new_metadata
    from platformkit.service import ServiceSpec
    from sampleservice.models import SampleModel

    metadata = new_metadata()
    for table in SampleModel.metadata.tables.values():
        table.to_metadata(metadata)
    Table("unmigrated", metadata, Column("id", String(10), primary_key=True))
    changed = ServiceSpec(name="sample", settings=service.settings, metadata=metadata,
                          migrations=service.migrations)
    diff = pending_changes(changed, database_url)
    assert [entry[0] for entry in diff] == ["add_table"]


def test_the_platform_tables_helpers_create_and_drop_every_platform_table(database_url: str) -> None:
    # The sample service's first revision is the template: create_platform_tables() instead of copied DDL.
    upgrade(service, database_url)
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection:
            assert set(platform_metadata.tables) <= set(inspect(connection).get_table_names())
        command.downgrade(alembic_config(service, database_url), "base")
        with engine.connect() as connection:
            assert set(inspect(connection).get_table_names()) == {"alembic_version"}
    finally:
        engine.dispose()
