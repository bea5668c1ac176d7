"""commitments to ongoing and material opportunities

An ongoing commitment's places or a material donation's wanted quantity on the opportunity (`capacity`,
`taken`, `unit`, `arrangements`), and the `commitment` table of people's responses. Existing
opportunities get taken = 0 and no arrangements (server defaults, so that the columns can be NOT NULL).

Revision ID: b91d55c40ba1
Revises: 73653204d7c7
Create Date: 2026-11-26 00:31:39.155804
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import platformkit.db


revision: str = 'b91d55c40ba1'
down_revision: str | None = '73653204d7c7'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('commitment',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('opportunity_id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=True),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('requested_at', platformkit.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('state_changed_at', platformkit.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['opportunity_id'], ['opportunity.id'], name=op.f('fk_commitment_opportunity_id_opportunity')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commitment'))
    )
    with op.batch_alter_table('commitment', schema=None) as batch_op:
        batch_op.create_index('ix_commitment_opportunity_state', ['opportunity_id', 'state'], unique=False)
        batch_op.create_index('ix_commitment_person_state', ['person_id', 'state'], unique=False)
        batch_op.create_index('uq_commitment_one_active', ['opportunity_id', 'person_id'], unique=True, postgresql_where=sa.text("state IN ('confirmed', 'requested')"), sqlite_where=sa.text("state IN ('confirmed', 'requested')"))

    with op.batch_alter_table('opportunity', schema=None) as batch_op:
        batch_op.add_column(sa.Column('capacity', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('taken', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('unit', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True))
        batch_op.add_column(sa.Column('arrangements', sa.Text(), nullable=False, server_default=''))



def downgrade() -> None:
    with op.batch_alter_table('opportunity', schema=None) as batch_op:
        batch_op.drop_column('arrangements')
        batch_op.drop_column('unit')
        batch_op.drop_column('taken')
        batch_op.drop_column('capacity')

    with op.batch_alter_table('commitment', schema=None) as batch_op:
        batch_op.drop_index('uq_commitment_one_active', postgresql_where=sa.text("state IN ('confirmed', 'requested')"), sqlite_where=sa.text("state IN ('confirmed', 'requested')"))
        batch_op.drop_index('ix_commitment_person_state')
        batch_op.drop_index('ix_commitment_opportunity_state')

    op.drop_table('commitment')
