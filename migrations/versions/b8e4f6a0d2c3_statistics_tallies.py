"""running counts for the statistics: deeds per day, thanks and comments per hour, by key;
an index of thanked deeds

Revision ID: b8e4f6a0d2c3
Revises: a7d3e5f9c1b2
Create Date: 2026-11-27 09:50:00.000000

The tallies are kept by triggers (app.services.tallies); this migration counts the rows already
there into them. On SQLite, migrations/env.py makes the triggers again after a table rebuild.
"""
import sqlalchemy as sa
from alembic import op

from app.services import tallies

# revision identifiers, used by Alembic.
revision = 'b8e4f6a0d2c3'
down_revision = 'a7d3e5f9c1b2'
branch_labels = None
depends_on = None

THANKED_INDEX = ['thanks_count', 'id', 'happened_on', 'visibility', 'author_id',
                 'municipality_id', 'unit_id', 'customer_type', 'version']


def key_columns():
    """The deed's columns a tally is kept by."""
    return [
        sa.Column('municipality_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('customer_type', sa.String(length=24), nullable=False),
        sa.Column('visibility', sa.String(length=24), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=False),
    ]


def upgrade():
    op.create_table(
        'deed_tally',
        sa.Column('happened_on', sa.Date(), nullable=False),
        *key_columns(),
        sa.Column('deeds', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('happened_on', *tallies.KEY_COLUMNS, name=op.f('pk_deed_tally')),
    )
    op.create_table(
        'reaction_tally',
        sa.Column('created_hour', sa.DateTime(timezone=True), nullable=False),
        *key_columns(),
        sa.Column('thanks', sa.Integer(), nullable=False),
        sa.Column('comments', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('created_hour', *tallies.KEY_COLUMNS,
                                name=op.f('pk_reaction_tally')),
    )
    # The most thanked deeds of a period, walked most first (a plain CREATE INDEX, no rebuild).
    op.create_index('ix_deed_thanked', 'deed', THANKED_INDEX, unique=False,
                    sqlite_where=sa.text('thanks_count > 0'),
                    postgresql_where=sa.text('thanks_count > 0'))
    bind = op.get_bind()
    tallies.backfill(bind)
    tallies.create_triggers(bind)


def downgrade():
    tallies.drop_triggers(op.get_bind())
    op.drop_table('reaction_tally')
    op.drop_table('deed_tally')
    op.drop_index('ix_deed_thanked', table_name='deed')
