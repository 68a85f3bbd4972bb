"""when each user last opened their own deeds; thanks by deed and time for the news badge

Revision ID: a8e3c1d7b2f4
Revises: a9e4b7c2d1f0
Create Date: 2026-11-27 05:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a8e3c1d7b2f4'
down_revision = 'a9e4b7c2d1f0'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('me_seen_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('thanks', schema=None) as batch_op:
        batch_op.create_index('ix_thanks_deed_created', ['deed_id', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('thanks', schema=None) as batch_op:
        batch_op.drop_index('ix_thanks_deed_created')

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('me_seen_at')
