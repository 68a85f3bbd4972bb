"""comments, featured deeds, hide reasons, audit entries with before/after values

Revision ID: f1c2a3b4d5e6
Revises: e7a1c3d5f9b2
Create Date: 2026-11-27 05:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f1c2a3b4d5e6'
down_revision = 'e7a1c3d5f9b2'
branch_labels = None
depends_on = None


def _deed_batch():
    """SQLite rebuilds the table: keep its AUTOINCREMENT (ids never reused)."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    kwargs = {"table_kwargs": {"sqlite_autoincrement": True}} if sqlite else {}
    return op.batch_alter_table('deed', schema=None, **kwargs)


def upgrade():
    with _deed_batch() as batch_op:
        batch_op.add_column(sa.Column('comment_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('featured_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('hidden_reason', sa.String(length=200), nullable=True))

    op.create_table(
        'comment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('deed_id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('body', sa.String(length=300), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_comment_author_id_user')),
        sa.ForeignKeyConstraint(['deed_id'], ['deed.id'], name=op.f('fk_comment_deed_id_deed')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_comment')),
    )
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comment_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_comment_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_comment_deed_id'), ['deed_id'], unique=False)

    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('changes', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_column('changes')

    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comment_deed_id'))
        batch_op.drop_index(batch_op.f('ix_comment_created_at'))
        batch_op.drop_index(batch_op.f('ix_comment_author_id'))
    op.drop_table('comment')

    with _deed_batch() as batch_op:
        batch_op.drop_column('hidden_reason')
        batch_op.drop_column('featured_at')
        batch_op.drop_column('comment_count')
