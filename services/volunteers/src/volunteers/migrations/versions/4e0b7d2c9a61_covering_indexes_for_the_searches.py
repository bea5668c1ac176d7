"""covering indexes for the searches (SQLite)

On SQLite the search for shifts and the coordinators' search for volunteers read covering indexes
(every column they need) instead of a table row per index entry: `ix_shift_search`,
`ix_opportunity_search`, and `ix_volunteer_visible_reach`, partial, of the visible profiles.
PostgreSQL has none of them (see models.Volunteer).

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

# The models' columns as of this revision (a released revision does not follow the models).
INDEXES = {
    'ix_shift_search': ('shift', ['state', 'start_at', 'local_weekday', 'local_start_minute', 'local_end_minute',
                                  'capacity', 'seats_taken', 'waitlist_enabled', 'opportunity_id',
                                  'organisation_id', 'id', 'end_at', 'zone'], None),
    'ix_opportunity_search': ('opportunity', ['id', 'state', 'village_id', 'remote', 'district_wide',
                                              'requirements', 'min_age', 'max_radius_km'], None),
    'ix_volunteer_visible_reach': ('volunteer', ['home_village_id', 'radius_km', 'birth_year', 'own_car',
                                                 'first_aid', 'availability', 'languages', 'skills',
                                                 'licence_classes', 'no_show_count', 'display_name', 'person_id',
                                                 'visible_to_orgs', 'archived_at'],
                                   'visible_to_orgs IS 1 AND archived_at IS NULL'),
}


def upgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        for name, (table, columns, where) in INDEXES.items():
            op.create_index(name, table, columns, sqlite_where=sa.text(where) if where else None)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        for name, (table, _, _) in INDEXES.items():
            op.drop_index(name, table_name=table)
