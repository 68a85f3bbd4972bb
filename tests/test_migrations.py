"""Migrations are the schema: no drift from the models, seed data, and a clean way down and up."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from app.extensions import db
from app.models import Municipality
from app.services.search import migration_only

MUNICIPALITIES = ["Juva", "Rantasalmi", "Sulkava"]


def schema_drift(app) -> list:
    """Return what autogenerate would change to make the database match the models."""
    with app.app_context():
        with db.engine.connect() as connection:
            # The search index is the migration's alone (FTS5 tables, a GIN index): no model.
            opts = {
                "compare_type": True,
                "include_name": lambda name, type_, parents: not migration_only(name, type_),
            }
            context = MigrationContext.configure(connection, opts=opts)
            diff = compare_metadata(context, db.metadata)
        db.session.remove()
    return diff


def table_names(app) -> set[str]:
    """Return the tables in the database."""
    with app.app_context():
        names = set(sa.inspect(db.engine).get_table_names())
        db.session.remove()
    return names


def municipality_names(app) -> list[str]:
    """Return the municipality names in the database."""
    with app.app_context():
        names = list(db.session.scalars(sa.select(Municipality.name).order_by(Municipality.name)))
        db.session.remove()
    return names


def test_upgraded_schema_matches_the_models(app):
    """`upgrade` on an empty database gives exactly the models' schema (no drift)."""
    assert schema_drift(app) == []
    assert set(db.metadata.tables) <= table_names(app)


def test_upgrade_seeds_the_three_municipalities(app):
    """Juva, Rantasalmi and Sulkava exist from the start, once each."""
    assert municipality_names(app) == MUNICIPALITIES


def test_downgrade_to_base_and_upgrade_again(app):
    """Every migration can be undone, and the way back up gives the same schema and data."""
    with app.app_context():
        downgrade(revision="base")
        db.session.remove()
    assert table_names(app) <= {"alembic_version"}

    with app.app_context():
        upgrade()
        db.session.remove()
    assert schema_drift(app) == []
    assert municipality_names(app) == MUNICIPALITIES


def test_flask_db_upgrade_command(app, runner):
    """`flask db upgrade` through the CLI builds the schema on an emptied database."""
    with app.app_context():
        downgrade(revision="base")
        db.session.remove()

    result = runner.invoke(args=["db", "upgrade"])

    assert result.exit_code == 0, result.output
    assert schema_drift(app) == []
    assert municipality_names(app) == MUNICIPALITIES
    assert database_revision(app) == head_revision(app)


def database_revision(app) -> str | None:
    """Return the revision the database is stamped with."""
    with app.app_context():
        with db.engine.connect() as connection:
            revision = MigrationContext.configure(connection).get_current_revision()
        db.session.remove()
    return revision


def head_revision(app) -> str:
    """Return the newest revision in migrations/versions (there must be exactly one head)."""
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config()
        (head,) = ScriptDirectory.from_config(config).get_heads()
    return head


def test_single_head_and_stamped(app):
    """The migrations form one line (no forgotten merge) and the fixture ends on its head."""
    assert database_revision(app) == head_revision(app)


def test_rebuilding_a_table_keeps_rows_that_point_at_it(app, world, client, auth):
    """Down and up again over real deeds: SQLite rebuilds `deed`, photos still point at it."""
    from tests.test_board import add_deed

    deed_ids = [add_deed(app, world.unit_id, f"Teko {n}") for n in range(3)]
    with app.app_context():
        downgrade(revision="d993905bca79")
        upgrade()
        db.session.remove()
    with app.app_context(), db.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            assert connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        db.session.remove()
    auth.login()
    html = client.get("/").get_data(as_text=True)
    assert all(f'data-deed-id="{deed_id}"' in html for deed_id in deed_ids)
    assert schema_drift(app) == []
