"""Migrations are a step of their own: `upgrade head` on an empty database, then autogenerate finds
nothing left to do (the hand-made search table stays out of the diff), on both databases."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from marketplace.main import service
from platformkit.migrations import pending_changes, upgrade


def test_upgrade_head_on_an_empty_database_then_no_diff(database_url: str) -> None:
    upgrade(service, database_url)
    assert pending_changes(service, database_url) == []


def test_search_rows_written_before_the_id_order_keep_being_found_in_id_order(database_url: str) -> None:
    """The migration to id order rewrites the SQLite rows with rowids from their ids (PostgreSQL gains its
    covering index): rows indexed before it are found afterwards and come in product id order."""
    upgrade(service, database_url, "79ee72e89971")
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    sqlite = engine.dialect.name == "sqlite"
    ids = [uuid.uuid4() for _ in range(5)]
    try:
        with engine.begin() as connection:
            connection.execute(sa.text("INSERT INTO product_fts (product_id, body, title, category, merchant_id, "
                                       "labels) VALUES (:id, 'kaese kase', :title, 'milch-kaese', 'm-1', '')"),
                               [{"id": i.hex if sqlite else str(i), "title": f"Käse {n}"} for n, i in enumerate(ids)])
        upgrade(service, database_url)
        with engine.connect() as connection:
            order = "rowid" if sqlite else "product_id"
            found = connection.execute(sa.text(f"SELECT product_id FROM product_fts ORDER BY {order}")).scalars()  # noqa: S608
            assert [uuid.UUID(str(value)) for value in found] == sorted(ids)
            if sqlite:
                rowids = connection.execute(sa.text("SELECT rowid, product_id FROM product_fts")).all()
                assert all(rowid == uuid.UUID(hex=hex_id).int >> 65 for rowid, hex_id in rowids)
                facets = connection.execute(sa.text("SELECT rowid, merchant_id FROM product_facets_fts")).all()
                assert sorted(facets) == sorted((rowid, "m-1") for rowid, _hex_id in rowids)
                matched = connection.execute(sa.text("SELECT count(*) FROM product_fts WHERE product_fts MATCH "
                                                     "'\"kaese\"'")).scalar_one()
                assert matched == 5
            else:
                indexes = connection.execute(sa.text("SELECT indexname FROM pg_indexes WHERE tablename = "
                                                     "'product_fts' AND schemaname = current_schema()")).scalars()
                assert set(indexes) == {"product_fts_pkey", "product_fts_body_trgm", "product_fts_id_cover"}
    finally:
        engine.dispose()
