"""audit entry in platformkit's shape (platformkit.audit): the staff member acting for a person becomes the
actor with the person as on_behalf_of, target becomes subject_id, merchant_id moves into details; the rows
are kept

Revision ID: a1b36ba34469
Revises: 3c5e8a1f0b27
Create Date: 2026-11-26 01:00:00.000000
"""
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from platformkit.db import UtcDateTime
from platformkit.migrations import create_audit_table_v1, rebuild_table

revision: str = 'a1b36ba34469'
down_revision: str | None = '3c5e8a1f0b27'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD = sa.table(
    'audit_entry',
    sa.column('id', sa.Uuid()),
    sa.column('at', UtcDateTime(timezone=True)),
    sa.column('actor', sa.String()),
    sa.column('acting_staff', sa.String()),
    sa.column('merchant_id', sa.String()),
    sa.column('action', sa.String()),
    sa.column('target', sa.String()),
    sa.column('detail', sa.JSON()),
)
_NEW = sa.table(
    'audit_entry',
    sa.column('id', sa.Uuid()),
    sa.column('at', UtcDateTime(timezone=True)),
    sa.column('actor', sa.String()),
    sa.column('on_behalf_of', sa.String()),
    sa.column('action', sa.String()),
    sa.column('subject_id', sa.String()),
    sa.column('details', sa.JSON()),
)


def _to_common(row: dict[str, Any]) -> dict[str, Any]:
    details = dict(row['detail'] or {})
    if row['merchant_id'] is not None:
        details['merchant_id'] = row['merchant_id']
    return {'id': row['id'], 'at': row['at'], 'actor': row['acting_staff'] or row['actor'],
            'on_behalf_of': row['actor'] if row['acting_staff'] else None, 'person_id': None,
            'action': row['action'], 'subject_kind': None, 'subject_id': row['target'], 'details': details,
            'request_id': None}


def _to_old(row: dict[str, Any]) -> dict[str, Any]:
    details = dict(row['details'] or {})
    merchant_id = details.pop('merchant_id', None)
    return {'id': row['id'], 'at': row['at'], 'actor': (row['on_behalf_of'] or row['actor'])[:64],
            'acting_staff': row['actor'][:64] if row['on_behalf_of'] else None,
            'merchant_id': None if merchant_id is None else str(merchant_id)[:64], 'action': row['action'][:60],
            'target': (row['subject_id'] or '')[:80], 'detail': details}


def _create_old() -> sa.Table:
    table = op.create_table('audit_entry',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('at', UtcDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('acting_staff', sa.String(length=64), nullable=True),
    sa.Column('merchant_id', sa.String(length=64), nullable=True),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('target', sa.String(length=80), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entry'))
    )
    op.create_index(op.f('ix_audit_entry_at'), 'audit_entry', ['at'], unique=False)
    return table


def upgrade() -> None:
    rebuild_table(_OLD, create_audit_table_v1, _to_common)


def downgrade() -> None:
    rebuild_table(_NEW, _create_old, _to_old)
