"""each user's news since they last opened their deeds, kept by triggers (the header's badge)

Revision ID: c4f1a2b3d5e6
Revises: b8e4f6a0d2c3
Create Date: 2026-11-27 10:30:00.000000

The badge counted the thanks and comments on all of the user's deeds on every page; a user
with many deeds paid for it on each request. The count is now kept as it changes.
"""
import sqlalchemy as sa
from alembic import op

from app.services import tallies

# revision identifiers, used by Alembic.
revision = 'c4f1a2b3d5e6'
down_revision = 'b8e4f6a0d2c3'
branch_labels = None
depends_on = None

# The news as counted from the rows (what app.services.my_deeds counted before).
BACKFILL = """
UPDATE "user" SET news =
  (SELECT COUNT(*) FROM thanks t JOIN deed d ON d.id = t.deed_id
   WHERE d.author_id = "user".id AND t.user_id <> "user".id
     AND ("user".me_seen_at IS NULL OR t.created_at > "user".me_seen_at))
+ (SELECT COUNT(*) FROM comment c JOIN deed d ON d.id = c.deed_id
   WHERE d.author_id = "user".id AND c.author_id <> "user".id
     AND ("user".me_seen_at IS NULL OR c.created_at > "user".me_seen_at))
"""


def upgrade():
    with op.batch_alter_table('user') as batch_op:
        batch_op.add_column(sa.Column('news', sa.Integer(), server_default='0', nullable=False))
    bind = op.get_bind()
    bind.exec_driver_sql(BACKFILL)
    tallies.create_news_triggers(bind)


def downgrade():
    tallies.drop_triggers(op.get_bind(), news=True)
    with op.batch_alter_table('user') as batch_op:
        batch_op.drop_column('news')
