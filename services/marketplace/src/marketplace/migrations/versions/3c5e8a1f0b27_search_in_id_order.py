"""search in id order: product_fts rows in product id order without sorting (broad words page cheaply)

SQLite: every product_fts row gets the rowid derived from its product id (the id's top 63 bits, see
marketplace.crud.search.fts_rowid), so that FTS5's own rowid order is product id order; and
product_facets_fts holds category, merchant and labels again by that rowid in a plain table (FTS5 hands
out its stored columns several times slower per row). PostgreSQL: a
covering index on product_id with the columns a search filters and counts on, walked in id order
without visiting the table; the index on (title, product_id) goes: only result sets small enough to sort
are shown in title order now, and walking that index for a rare word read most of the table.

Revision ID: 3c5e8a1f0b27
Revises: 79ee72e89971
Create Date: 2026-11-26 00:50:00.000000
"""
import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '3c5e8a1f0b27'
down_revision: str | None = '79ee72e89971'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = "product_id, body, title, category, merchant_id, labels"


def upgrade() -> None:
    if op.get_context().dialect.name != "sqlite":
        op.execute("CREATE INDEX product_fts_id_cover ON product_fts (product_id) "
                   "INCLUDE (category, merchant_id, labels, body)")
        op.execute("DROP INDEX product_fts_title")
        return
    op.execute("CREATE TABLE product_facets_fts (rowid INTEGER PRIMARY KEY, category TEXT NOT NULL, "
               "merchant_id TEXT NOT NULL, labels TEXT NOT NULL)")
    connection = op.get_bind()
    rows = [dict(row._mapping) for row in connection.execute(sa.text(f"SELECT {COLUMNS} FROM product_fts"))]  # noqa: S608
    connection.execute(sa.text("DELETE FROM product_fts"))
    for row in rows:
        # The rule of marketplace.crud.search.fts_rowid, written out: a migration keeps its own code.
        row["rowid"] = uuid.UUID(hex=row["product_id"]).int >> 65
    if rows:
        connection.execute(sa.text(f"INSERT INTO product_fts (rowid, {COLUMNS}) VALUES (:rowid, :product_id, "  # noqa: S608
                                   ":body, :title, :category, :merchant_id, :labels)"), rows)
        connection.execute(sa.text("INSERT INTO product_facets_fts (rowid, category, merchant_id, labels) "
                                   "VALUES (:rowid, :category, :merchant_id, :labels)"), rows)


def downgrade() -> None:
    # SQLite's rowids stay as they are: any rowid order is valid for the code before.
    if op.get_context().dialect.name == "sqlite":
        op.execute("DROP TABLE product_facets_fts")
    else:
        op.execute("CREATE INDEX product_fts_title ON product_fts (title, product_id)")
        op.execute("DROP INDEX product_fts_id_cover")
