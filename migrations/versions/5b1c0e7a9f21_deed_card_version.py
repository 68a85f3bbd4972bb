"""deed card version

Revision ID: 5b1c0e7a9f21
Revises: d993905bca79
Create Date: 2026-11-26 13:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b1c0e7a9f21'
down_revision = 'd993905bca79'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('deed', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))


def downgrade():
    with op.batch_alter_table('deed', schema=None) as batch_op:
        batch_op.drop_column('version')
