"""deed card version; deed ids never reused on SQLite

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
    # SQLite reuses the highest rowid after a delete unless the table says AUTOINCREMENT;
    # PostgreSQL sequences never reuse, so only SQLite needs the table rebuilt.
    sqlite = op.get_bind().dialect.name == "sqlite"
    kwargs = {"recreate": "always", "table_kwargs": {"sqlite_autoincrement": True}} if sqlite else {}
    with op.batch_alter_table('deed', schema=None, **kwargs) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))


def downgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    kwargs = {"recreate": "always", "table_kwargs": {"sqlite_autoincrement": False}} if sqlite else {}
    with op.batch_alter_table('deed', schema=None, **kwargs) as batch_op:
        batch_op.drop_column('version')
