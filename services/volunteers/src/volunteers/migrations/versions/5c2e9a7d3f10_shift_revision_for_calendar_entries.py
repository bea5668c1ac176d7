"""shift revision for calendar entries

`shift.revision` counts every change of what a calendar entry of the shift shows (start, end,
cancelled) and `shift.changed_at` says when the last one was: the iCal feed's SEQUENCE and
LAST-MODIFIED. `version` only counts the moves people are told about, so a small move left calendar
apps with the old time. Existing shifts start at revision = version - 1 (what the feed showed as
SEQUENCE until now, so no entry's SEQUENCE goes down) and no known change time.

Revision ID: 5c2e9a7d3f10
Revises: 4e0b7d2c9a61
Create Date: 2026-11-27 10:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import platformkit.db

revision: str = '5c2e9a7d3f10'
down_revision: str | None = '4e0b7d2c9a61'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('shift', sa.Column('revision', sa.Integer(), nullable=False, server_default='0'))
    op.add_column('shift', sa.Column('changed_at', platformkit.db.UtcDateTime(timezone=True), nullable=True))
    op.execute('UPDATE shift SET revision = version - 1 WHERE version > 1')


def downgrade() -> None:
    with op.batch_alter_table('shift', schema=None) as batch_op:
        batch_op.drop_column('changed_at')
        batch_op.drop_column('revision')
