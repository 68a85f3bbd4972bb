"""A throwaway Tekotaulu instance for benchmarks: temp SQLite + files, a unit and a user."""

import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask
from flask_migrate import upgrade
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db
from app.models import Role
from app.services import accounts

USERNAME, PASSWORD = "mittari", "kuusi-jarvea-7"


@contextmanager
def bench_app(**settings) -> Iterator[tuple[Flask, int]]:
    """Yield a migrated app in a temp folder and the id of its one unit."""
    with tempfile.TemporaryDirectory() as folder:
        config = {
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(folder) / 'bench.db'}",
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
        yield app, unit_id


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
