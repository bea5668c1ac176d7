"""merchant applicant: who applied for a merchant, so that accounts can bind their role at approval

Revision ID: 79ee72e89971
Revises: 2905984bc31c
Create Date: 2026-11-25 22:46:00.074148
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import platformkit.db


revision: str = '79ee72e89971'
down_revision: str | None = '2905984bc31c'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('merchant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('applicant_id', sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f('ix_merchant_applicant_id'), ['applicant_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('merchant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_merchant_applicant_id'))
        batch_op.drop_column('applicant_id')
