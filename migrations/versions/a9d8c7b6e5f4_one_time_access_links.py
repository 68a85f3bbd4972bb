"""one-time links for setting one's own password

Revision ID: a9d8c7b6e5f4
Revises: f1c2a3b4d5e6
Create Date: 2026-11-27 05:35:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a9d8c7b6e5f4'
down_revision = 'f1c2a3b4d5e6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'access_link',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('purpose', sa.Enum('onboarding', 'reset', name='linkpurpose', native_enum=False, length=24), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_access_link_user_id_user'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_access_link')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_access_link_token_hash')),
    )
    with op.batch_alter_table('access_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_access_link_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('access_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_link_user_id'))
    op.drop_table('access_link')
