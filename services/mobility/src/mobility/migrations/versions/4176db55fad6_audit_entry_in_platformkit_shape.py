"""audit entry in platformkit's shape (platformkit.audit): the free-text detail becomes details.note, the
subject's kind is named; the rows are kept

Revision ID: 4176db55fad6
Revises: 7a352833a1c1
Create Date: 2026-11-26 01:00:00.000000
"""
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from platformkit.db import UtcDateTime
from platformkit.migrations import create_audit_table_v1, rebuild_table

revision: str = '4176db55fad6'
down_revision: str | None = '7a352833a1c1'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = (
    sa.column('id', sa.Uuid()),
    sa.column('at', UtcDateTime(timezone=True)),
    sa.column('actor', sa.String()),
    sa.column('person_id', sa.Uuid()),
    sa.column('action', sa.String()),
    sa.column('subject_id', sa.String()),
)


def _subject_kind(action: str) -> str:
    if action.startswith('driver_'):
        return 'driver'
    if action.startswith('taxi_order_'):
        return 'taxi_order'
    return 'booking'


def _to_common(row: dict[str, Any]) -> dict[str, Any]:
    return {**{key: row[key] for key in ('id', 'at', 'actor', 'person_id', 'action', 'subject_id')},
            'on_behalf_of': None, 'subject_kind': _subject_kind(row['action']) if row['subject_id'] else None,
            'details': {'note': row['detail']} if row['detail'] else {}, 'request_id': None}


def _create_old() -> sa.Table:
    table = op.create_table('audit_entry',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('at', UtcDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('subject_id', sa.String(length=64), nullable=True),
    sa.Column('detail', sa.String(length=500), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entry'))
    )
    op.create_index(op.f('ix_audit_entry_person_id'), 'audit_entry', ['person_id'], unique=False)
    return table


def upgrade() -> None:
    rebuild_table(sa.table('audit_entry', *_COLUMNS, sa.column('detail', sa.String())), create_audit_table_v1,
                  _to_common)


def downgrade() -> None:
    rebuild_table(sa.table('audit_entry', *_COLUMNS, sa.column('details', sa.JSON())), _create_old,
                  lambda row: {'id': row['id'], 'at': row['at'], 'actor': row['actor'][:64],
                               'person_id': row['person_id'], 'action': row['action'],
                               'subject_id': (row['subject_id'] or None) and row['subject_id'][:64],
                               'detail': str(row['details'].get('note', ''))[:500]})
