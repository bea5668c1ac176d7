"""mail through platformkit.outbound

Revision ID: c73bca157027
Revises: 52d0e1ac012b
Create Date: 2026-11-25 21:43:10.291063
"""
import json
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import platformkit.db


revision: str = 'c73bca157027'
down_revision: str | None = '52d0e1ac012b'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The two tables, as this revision sees them (not the models, which move on).
MAIL = sa.table(
    "mail_message",
    sa.column("id", sa.Uuid()), sa.column("person_id", sa.Uuid()), sa.column("to_address", sa.String()),
    sa.column("subject", sa.String()), sa.column("body", sa.Text()), sa.column("status", sa.String()),
    sa.column("attempts", sa.Integer()), sa.column("next_attempt_at", platformkit.db.UtcDateTime()),
    sa.column("last_error", sa.String()), sa.column("created_at", platformkit.db.UtcDateTime()),
    sa.column("sent_at", platformkit.db.UtcDateTime()),
)
OUTBOUND = sa.table(
    "outbound_message",
    sa.column("id", sa.String()), sa.column("dedupe_key", sa.String()), sa.column("channel", sa.String()),
    sa.column("target", sa.Text()), sa.column("payload", sa.Text()), sa.column("params", sa.JSON()),
    sa.column("person_id", sa.String()), sa.column("status", sa.String()), sa.column("attempts", sa.Integer()),
    sa.column("next_attempt_at", platformkit.db.UtcDateTime()), sa.column("last_error", sa.Text()),
    sa.column("created_at", platformkit.db.UtcDateTime()), sa.column("finished_at", platformkit.db.UtcDateTime()),
)


def upgrade() -> None:
    # accounts' mails move to the platform's outgoing messages (platformkit.outbound), held and pending
    # ones included, so that nothing waiting is lost.
    connection = op.get_bind()
    rows = connection.execute(sa.select(MAIL)).all()
    if rows:
        connection.execute(sa.insert(OUTBOUND), [
            {
                "id": str(row.id), "dedupe_key": f"mail:{row.id}", "channel": "mail", "target": row.to_address,
                "payload": json.dumps({"subject": row.subject, "body": row.body}, ensure_ascii=False),
                "params": {}, "person_id": str(row.person_id) if row.person_id else None, "status": row.status,
                "attempts": row.attempts, "next_attempt_at": row.next_attempt_at, "last_error": row.last_error,
                "created_at": row.created_at, "finished_at": row.sent_at,
            }
            for row in rows
        ])
    with op.batch_alter_table('mail_message', schema=None) as batch_op:
        batch_op.drop_index('ix_mail_message_due')
        batch_op.drop_index(batch_op.f('ix_mail_message_person_id'))

    op.drop_table('mail_message')


def downgrade() -> None:
    op.create_table('mail_message',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=True),
    sa.Column('to_address', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', platformkit.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('claimed_until', platformkit.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('created_at', platformkit.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', platformkit.db.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_message'))
    )
    with op.batch_alter_table('mail_message', schema=None) as batch_op:
        batch_op.create_index('ix_mail_message_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_mail_message_person_id'), ['person_id'], unique=False)
