"""indexes for the statistics of a period: deeds by day (in a municipality, a unit), thanks by time

Revision ID: a7d3e5f9c1b2
Revises: a9d4e6f8b0c2
Create Date: 2026-11-27 05:40:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a7d3e5f9c1b2'
down_revision = 'a9d4e6f8b0c2'
branch_labels = None
depends_on = None

PERIOD_COLUMNS = ['visibility', 'author_id', 'municipality_id', 'unit_id', 'customer_type',
                  'thanks_count']


def period_index(*place):
    """The place (if any), the day, then what the statistics count."""
    return [*place, 'happened_on', *(c for c in PERIOD_COLUMNS if c not in place)]


def upgrade():
    # Plain CREATE INDEX: no table is rebuilt (the deed table keeps its AUTOINCREMENT as it is).
    op.create_index('ix_deed_period', 'deed', period_index(), unique=False)
    op.create_index('ix_deed_period_municipality', 'deed', period_index('municipality_id'),
                    unique=False)
    op.create_index('ix_deed_period_unit', 'deed', period_index('unit_id'), unique=False)
    op.create_index(op.f('ix_thanks_created_at'), 'thanks', ['created_at'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_thanks_created_at'), table_name='thanks')
    op.drop_index('ix_deed_period_unit', table_name='deed')
    op.drop_index('ix_deed_period_municipality', table_name='deed')
    op.drop_index('ix_deed_period', table_name='deed')
