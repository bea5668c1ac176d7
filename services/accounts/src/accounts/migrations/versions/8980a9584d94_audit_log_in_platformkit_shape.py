"""audit log in platformkit's shape (platformkit.audit): the table audit_log becomes audit_entry, actor_id
becomes actor; the rows are kept

Revision ID: 8980a9584d94
Revises: 0174faee7248
Create Date: 2026-11-26 01:00:00.000000
"""
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from platformkit.db import UtcDateTime
from platformkit.migrations import create_audit_table_v1, rebuild_table

revision: str = '8980a9584d94'
down_revision: str | None = '0174faee7248'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _columns(actor: str) -> tuple[sa.ColumnClause[Any], ...]:
    return (sa.column('id', sa.Uuid()), sa.column('at', UtcDateTime(timezone=True)), sa.column(actor, sa.String()),
            sa.column('person_id', sa.Uuid()), sa.column('action', sa.String()), sa.column('details', sa.JSON()))


def _to_common(row: dict[str, Any]) -> dict[str, Any]:
    return {'id': row['id'], 'at': row['at'], 'actor': row['actor_id'], 'on_behalf_of': None,
            'person_id': row['person_id'], 'action': row['action'], 'subject_kind': None, 'subject_id': None,
            'details': row['details'] or {}, 'request_id': None}


def _create_old() -> sa.Table:
    table = op.create_table('audit_log',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('at', UtcDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.String(length=64), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    for column in ('actor_id', 'at', 'person_id'):
        op.create_index(op.f(f'ix_audit_log_{column}'), 'audit_log', [column], unique=False)
    return table


def upgrade() -> None:
    rebuild_table(sa.table('audit_log', *_columns('actor_id')), create_audit_table_v1, _to_common)


def downgrade() -> None:
    rebuild_table(sa.table('audit_entry', *_columns('actor')), _create_old,
                  lambda row: {'id': row['id'], 'at': row['at'], 'actor_id': row['actor'][:64],
                               'person_id': row['person_id'], 'action': row['action'], 'details': row['details']})
