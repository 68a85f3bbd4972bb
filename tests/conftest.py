"""Fixtures: a fresh database and storage folder per test (SQLite, or TEST_DATABASE_URL)."""

import functools
import io
import os
import uuid

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from werkzeug.security import generate_password_hash

from app import create_app
from app.extensions import db
from app.models import Role
from app.services import accounts
from tests.imagegen import photo_like

PASSWORD = "salasana-123"


def pytest_configure(config):
    """Register the project's markers."""
    config.addinivalue_line("markers", "real_password_hashing: keep the slow scrypt hash")


@pytest.fixture(autouse=True)
def fast_password_hashing(request, monkeypatch):
    """scrypt is slow on purpose; tests need many logins, not strong hashes."""
    if request.node.get_closest_marker("real_password_hashing"):
        return
    monkeypatch.setattr(
        "app.models.users.generate_password_hash",
        functools.partial(generate_password_hash, method="pbkdf2:sha256:1000"),
    )


def database_url(tmp_path) -> tuple[str, str | None]:
    """Return a fresh database URL for this test, and the server URL to drop it from."""
    server = os.environ.get("TEST_DATABASE_URL")
    if not server:
        return f"sqlite:///{tmp_path / 'test.db'}", None
    name = f"t_{uuid.uuid4().hex[:16]}"
    engine = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    return server.rsplit("/", 1)[0] + "/" + name, server


def drop_database(url: str, server: str) -> None:
    """Drop a per-test PostgreSQL database."""
    name = url.rsplit("/", 1)[1]
    engine = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    engine.dispose()


@pytest.fixture
def app_config(tmp_path):
    """The test settings; a test may change them before asking for `app`."""
    url, server = database_url(tmp_path)
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "WTF_CSRF_ENABLED": False,
        "SESSION_COOKIE_SECURE": False,
        "_SERVER": server,
    }
    yield config
    if server:
        drop_database(url, server)


@pytest.fixture
def app(app_config):
    """An app with a migrated empty database (the three municipalities come with it)."""
    app = create_app({k: v for k, v in app_config.items() if not k.startswith("_")})
    with app.app_context():
        upgrade()
        db.session.remove()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    """A test client."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner."""
    return app.test_cli_runner()


class World:
    """Units and users that most tests need, made through the services."""

    def __init__(self, app):
        self.app = app
        with app.app_context():
            self.unit_id = accounts.create_unit("Juvan keskuskeittiö", "Juva").id
            self.other_unit_id = accounts.create_unit("Sulkavan siivous", "Sulkava").id
            for username, role in (
                ("aino", Role.EMPLOYEE),
                ("riitta", Role.SUPERVISOR),
                ("kalle", Role.LEADER),
                ("admin", Role.ADMIN),
            ):
                accounts.create_user(
                    username, PASSWORD, role=role, display_name=username.title()
                )
            db.session.remove()


@pytest.fixture
def world(app):
    """Two units and one user of each role."""
    return World(app)


class AuthActions:
    """Log in and out through the real forms."""

    def __init__(self, client):
        self._client = client

    def login(self, username="aino", password=PASSWORD):
        return self._client.post(
            "/login", data={"username": username, "password": password}
        )

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client):
    """Login helpers for the test client."""
    return AuthActions(client)


def jpeg_upload(name="kuva.jpg", width=1200, height=900, **kwargs):
    """A photo-like JPEG as a (stream, filename) pair for the test client."""
    return (io.BytesIO(photo_like(width, height, **kwargs)), name)


def deed_form(unit_id, photo=None, **overrides):
    """A valid deed form; override any field."""
    data = {
        "description": "Leivoin asiakkaalle syntymäpäiväpullan.",
        "unit": str(unit_id),
        "customer_type": "end_customer",
        "happened_on": "2026-06-02",
        "consent": "y",
        "photo": photo if photo is not None else jpeg_upload(),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
