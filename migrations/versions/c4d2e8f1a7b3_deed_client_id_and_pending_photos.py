"""deed client id (idempotency key per author); photos kept after a refused form

Revision ID: c4d2e8f1a7b3
Revises: b69284ab0160
Create Date: 2026-11-27 02:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4d2e8f1a7b3'
down_revision = 'b69284ab0160'
branch_labels = None
depends_on = None


def _deed_batch():
    """SQLite rebuilds the table for a constraint: keep its AUTOINCREMENT (ids never reused)."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    kwargs = {"recreate": "always", "table_kwargs": {"sqlite_autoincrement": True}} if sqlite else {}
    return op.batch_alter_table('deed', schema=None, **kwargs)


def upgrade():
    with _deed_batch() as batch_op:
        batch_op.add_column(sa.Column('client_id', sa.String(length=36), nullable=True))
        batch_op.create_unique_constraint('uq_deed_author_id', ['author_id', 'client_id'])

    op.create_table(
        'pending_photo',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('session_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('thumb_key', sa.String(length=200), nullable=False),
        sa.Column('manifest', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_photo')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_pending_photo_token_hash')),
    )
    with op.batch_alter_table('pending_photo', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pending_photo_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_pending_photo_thumb_key'), ['thumb_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_pending_photo_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('pending_photo', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pending_photo_user_id'))
        batch_op.drop_index(batch_op.f('ix_pending_photo_thumb_key'))
        batch_op.drop_index(batch_op.f('ix_pending_photo_created_at'))
    op.drop_table('pending_photo')

    with _deed_batch() as batch_op:
        batch_op.drop_constraint('uq_deed_author_id', type_='unique')
        batch_op.drop_column('client_id')
