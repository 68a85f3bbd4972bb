"""locks that keep scheduled jobs to one server at a time

Revision ID: b3c4d5e6f7a8
Revises: a9d8c7b6e5f4
Create Date: 2026-11-27 06:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b3c4d5e6f7a8'
down_revision = 'a9d8c7b6e5f4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'job_lock',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('holder', sa.String(length=120), nullable=False),
        sa.Column('acquired_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_job_lock')),
    )


def downgrade():
    op.drop_table('job_lock')
