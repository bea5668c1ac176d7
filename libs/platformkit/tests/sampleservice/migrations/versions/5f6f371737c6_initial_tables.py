"""initial tables: the platform tables (platformkit.migrations) and notes

Revision ID: 5f6f371737c6
Revises: 
Create Date: 2026-11-25 20:16:33.602588
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from platformkit.db import UtcDateTime
from platformkit.migrations import create_platform_tables, drop_platform_tables


revision: str = '5f6f371737c6'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_platform_tables()
    op.create_table('note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner', sa.String(length=255), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('created_at', UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_note'))
    )
    with op.batch_alter_table('note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_note_owner'), ['owner'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('note', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_note_owner'))
    op.drop_table('note')
    drop_platform_tables()
