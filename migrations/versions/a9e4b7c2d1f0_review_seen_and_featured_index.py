"""review page's last visit per user, and an index of featured deeds

Revision ID: a9e4b7c2d1f0
Revises: b3c4d5e6f7a8
Create Date: 2026-11-27 05:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a9e4b7c2d1f0'
down_revision = 'b3c4d5e6f7a8'
branch_labels = None
depends_on = None

FEATURED = sa.text("featured_at IS NOT NULL")


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_seen_at', sa.DateTime(timezone=True), nullable=True))

    # A plain index (no table rebuild): the deed table keeps its AUTOINCREMENT on SQLite.
    op.create_index(
        op.f('ix_deed_featured'), 'deed', ['visibility', 'id'], unique=False,
        sqlite_where=FEATURED, postgresql_where=FEATURED,
    )


def downgrade():
    op.drop_index(op.f('ix_deed_featured'), table_name='deed')

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('review_seen_at')
