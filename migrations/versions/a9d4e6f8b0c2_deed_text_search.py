"""free-text search over deed descriptions: SQLite FTS5 with triggers, PostgreSQL GIN index

Revision ID: a9d4e6f8b0c2
Revises: a8e3c1d7b2f4
Create Date: 2026-11-27 05:40:00.000000

The index is no model's table: app.services.search.migration_only leaves it out when the
models and the database are compared. A later migration that rebuilds `deed` on SQLite drops
the triggers; migrations/env.py makes them again after every run.
"""
from alembic import op

from app.services import search

# revision identifiers, used by Alembic.
revision = 'a9d4e6f8b0c2'
down_revision = 'a8e3c1d7b2f4'
branch_labels = None
depends_on = None


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute(search.SQLITE_TABLE)
        search.create_sqlite_triggers(bind)  # and reads the deeds already there
    elif bind.dialect.name == "postgresql":
        op.execute(
            f"CREATE INDEX {search.POSTGRESQL_INDEX} ON deed USING gin "
            f"(to_tsvector('{search.POSTGRESQL_CONFIG}', description))"
        )


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for name in search.SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute(f"DROP TABLE IF EXISTS {search.SQLITE_INDEX}")
    elif bind.dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {search.POSTGRESQL_INDEX}")
