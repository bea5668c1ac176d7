"""audit entry in platformkit's shape (platformkit.audit): the thread becomes the subject, district and the
free-text detail move into details; the rows are kept

Revision ID: 1a6857786d2c
Revises: 93f1fa4f8acd
Create Date: 2026-11-26 01:00:00.000000
"""
import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from platformkit.db import UtcDateTime
from platformkit.migrations import create_audit_table_v1, rebuild_table

revision: str = '1a6857786d2c'
down_revision: str | None = '93f1fa4f8acd'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_THREAD = 'warning_thread'
_OLD = sa.table(
    'audit_entry',
    sa.column('id', sa.Uuid()),
    sa.column('at', UtcDateTime(timezone=True)),
    sa.column('actor', sa.String()),
    sa.column('on_behalf_of', sa.String()),
    sa.column('district', sa.String()),
    sa.column('action', sa.String()),
    sa.column('thread_id', sa.Uuid()),
    sa.column('detail', sa.String()),
)
_NEW = sa.table(
    'audit_entry',
    sa.column('id', sa.Uuid()),
    sa.column('at', UtcDateTime(timezone=True)),
    sa.column('actor', sa.String()),
    sa.column('on_behalf_of', sa.String()),
    sa.column('action', sa.String()),
    sa.column('subject_kind', sa.String()),
    sa.column('subject_id', sa.String()),
    sa.column('details', sa.JSON()),
)


def _to_common(row: dict[str, Any]) -> dict[str, Any]:
    thread_id = row['thread_id']
    return {'id': row['id'], 'at': row['at'], 'actor': row['actor'], 'on_behalf_of': row['on_behalf_of'],
            'person_id': None, 'action': row['action'], 'subject_kind': _THREAD if thread_id else None,
            'subject_id': str(thread_id) if thread_id else None,
            'details': {'district': row['district'], 'note': row['detail']}, 'request_id': None}


def _to_old(row: dict[str, Any]) -> dict[str, Any]:
    details = row['details'] or {}
    thread = row['subject_kind'] == _THREAD and row['subject_id']
    return {'id': row['id'], 'at': row['at'], 'actor': row['actor'][:64],
            'on_behalf_of': row['on_behalf_of'] and row['on_behalf_of'][:64], 'district': details.get('district'),
            'action': row['action'][:40], 'thread_id': uuid.UUID(row['subject_id']) if thread else None,
            'detail': str(details.get('note', ''))[:1000]}


def _create_old() -> sa.Table:
    table = op.create_table('audit_entry',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('at', UtcDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('on_behalf_of', sa.String(length=64), nullable=True),
    sa.Column('district', sa.String(length=12), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('thread_id', sa.Uuid(), nullable=True),
    sa.Column('detail', sa.String(length=1000), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entry'))
    )
    op.create_index(op.f('ix_audit_entry_thread_id'), 'audit_entry', ['thread_id'], unique=False)
    return table


def upgrade() -> None:
    rebuild_table(_OLD, create_audit_table_v1, _to_common)


def downgrade() -> None:
    rebuild_table(_NEW, _create_old, _to_old)
