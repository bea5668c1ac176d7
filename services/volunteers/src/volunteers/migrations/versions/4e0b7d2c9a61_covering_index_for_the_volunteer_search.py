"""covering index for the volunteer search (SQLite)

On SQLite the coordinators' search for volunteers reads the visible profiles in reach of a site from
`ix_volunteer_visible_reach`, a partial index holding every column it needs, instead of a table row per
index entry. PostgreSQL has no such index (see models.Volunteer).

Revision ID: 4e0b7d2c9a61
Revises: 1148be12d0ec
Create Date: 2026-11-26 03:50:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '4e0b7d2c9a61'
down_revision: str | None = '1148be12d0ec'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# models.VISIBLE_REACH_COLUMNS as of this revision (a released revision does not follow the models).
COLUMNS = ['home_village_id', 'radius_km', 'birth_year', 'own_car', 'first_aid', 'availability', 'languages',
           'skills', 'licence_classes', 'no_show_count', 'display_name', 'person_id', 'visible_to_orgs',
           'archived_at']


def upgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        op.create_index('ix_volunteer_visible_reach', 'volunteer', COLUMNS,
                        sqlite_where=sa.text('visible_to_orgs IS 1 AND archived_at IS NULL'))


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        op.drop_index('ix_volunteer_visible_reach', table_name='volunteer')
