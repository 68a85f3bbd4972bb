"""A throwaway Tekotaulu instance for benchmarks: temp SQLite (or a database of its own on a
PostgreSQL server) + files, a unit and a user."""

import tempfile
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db
from app.models import Role
from app.services import accounts

USERNAME, PASSWORD = "mittari", "kuusi-jarvea-7"


@contextmanager
def own_database(server: str | None, folder: str) -> Iterator[str]:
    """Yield the URL of a new empty database: a SQLite file in the folder, or one made on the
    PostgreSQL server (the URL of its maintenance database) and dropped afterwards."""
    if server is None:
        yield f"sqlite:///{Path(folder) / 'bench.db'}"
        return
    name = f"bench_{uuid.uuid4().hex[:16]}"
    engine = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            yield server.rsplit("/", 1)[0] + "/" + name
        finally:
            with engine.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        engine.dispose()


@contextmanager
def bench_app(server: str | None = None, **settings) -> Iterator[tuple[Flask, int]]:
    """Yield a migrated app in a temp folder and the id of its one unit; its database is a
    SQLite file there, or a new one on the PostgreSQL server `server`."""
    with tempfile.TemporaryDirectory() as folder, own_database(server, folder) as url:
        config = {
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": url,
            "UPLOAD_FOLDER": str(Path(folder) / "uploads"),
            "SESSION_COOKIE_SECURE": False,
            **settings,
        }
        app = create_app(config)
        with app.app_context():
            upgrade()
            unit = accounts.create_unit("Juvan keskuskeittiö", "Juva")
            accounts.create_user(USERNAME, PASSWORD, role=Role.EMPLOYEE, default_unit_id=unit.id)
            unit_id = unit.id
            db.session.remove()
        try:
            yield app, unit_id
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()  # no connection left open on a database to be dropped


@contextmanager
def served(app: Flask) -> Iterator[str]:
    """Serve the app on a free loopback port; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
