"""audit entry in platformkit's shape (platformkit.audit): detail becomes details, with person_id and
request_id; the rows are kept

Revision ID: 1148be12d0ec
Revises: b91d55c40ba1
Create Date: 2026-11-26 01:00:00.000000
"""
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from platformkit.db import UtcDateTime
from platformkit.migrations import create_audit_table_v1, rebuild_table

revision: str = '1148be12d0ec'
down_revision: str | None = 'b91d55c40ba1'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_COLUMNS = (
    sa.column('id', sa.Uuid()),
    sa.column('at', UtcDateTime(timezone=True)),
    sa.column('actor', sa.String()),
    sa.column('on_behalf_of', sa.String()),
    sa.column('action', sa.String()),
    sa.column('subject_kind', sa.String()),
    sa.column('subject_id', sa.String()),
)


def _to_common(row: dict[str, Any]) -> dict[str, Any]:
    return {**{key: row[key] for key in ('id', 'at', 'actor', 'on_behalf_of', 'action', 'subject_kind',
                                         'subject_id')},
            'person_id': None, 'details': row['detail'] or {}, 'request_id': None}


def _create_old() -> sa.Table:
    table = op.create_table('audit_entry',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('at', UtcDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=80), nullable=False),
    sa.Column('on_behalf_of', sa.String(length=80), nullable=True),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('subject_kind', sa.String(length=30), nullable=False),
    sa.Column('subject_id', sa.String(length=64), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entry'))
    )
    op.create_index(op.f('ix_audit_entry_actor'), 'audit_entry', ['actor'], unique=False)
    op.create_index(op.f('ix_audit_entry_subject_id'), 'audit_entry', ['subject_id'], unique=False)
    return table


def upgrade() -> None:
    rebuild_table(sa.table('audit_entry', *_OLD_COLUMNS, sa.column('detail', sa.JSON())), create_audit_table_v1,
                  _to_common)


def downgrade() -> None:
    rebuild_table(sa.table('audit_entry', *_OLD_COLUMNS, sa.column('details', sa.JSON())), _create_old,
                  lambda row: {**{key: row[key] for key in ('id', 'at', 'actor', 'on_behalf_of', 'action')},
                               'subject_kind': row['subject_kind'] or '', 'subject_id': (row['subject_id'] or '')[:64],
                               'detail': row['details']})
