"""Fixtures: a fresh database and storage folder per test (SQLite, or TEST_DATABASE_URL).

The migrations run once per test session, into a template database; each test then gets its
own copy of it (a file copy on SQLite, CREATE DATABASE ... TEMPLATE on PostgreSQL, made while
the previous test runs).
"""

import contextlib
import functools
import gc
import io
import os
import shutil
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import jinja2
import pyotp
import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from werkzeug.security import generate_password_hash

from app import create_app
from app.extensions import db
from app.models import Role
from app.services import accounts, two_factor
from tests.imagegen import photo_like

PASSWORD = "kuusi-jarvea-7"
ADMIN_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # the World's admin's authenticator
FAST_HASH = "pbkdf2:sha256:1000"
BASE_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "WTF_CSRF_ENABLED": False,
    "SESSION_COOKIE_SECURE": False,
}


def pytest_configure(config):
    """Register the project's markers."""
    config.addinivalue_line("markers", "real_password_hashing: keep the slow scrypt hash")
    config.addinivalue_line(
        "markers", "cluster: two gunicorn servers on PostgreSQL, S3 (moto) and Redis")
    config.addinivalue_line("markers", "slow: builds or installs things (a venv, a wheel)")


def pytest_collection_finish(session):
    """Keep what imports and collection made (modules, test items, parameters) out of the way
    of the garbage collector: its full passes, every few dozen tests, would otherwise scan
    those hundreds of thousands of objects again each time."""
    gc.collect()
    gc.freeze()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After a module's last test (and its module fixtures) is torn down, collect its garbage
    and freeze what is still alive: the modules its tests imported, session caches."""
    result = yield
    if getattr(nextitem, "module", None) is not getattr(item, "module", None):
        gc.collect()
        gc.freeze()
    return result


def pytest_sessionfinish(session):
    """Hand the frozen objects back, so that the final collections see everything."""
    gc.unfreeze()


@pytest.fixture(autouse=True)
def fast_password_hashing(request, monkeypatch):
    """scrypt is slow on purpose; tests need many logins, not strong hashes."""
    if not request.node.get_closest_marker("real_password_hashing"):
        use_fast_password_hashing(monkeypatch)


def use_fast_password_hashing(monkeypatch) -> None:
    """Hash new passwords with few rounds, and check unknown users' logins against such a hash
    too (so that they still take as long as a known user's)."""
    monkeypatch.setattr(
        "app.models.users.generate_password_hash",
        lambda password, method=None: generate_password_hash(password, method=FAST_HASH),
    )
    monkeypatch.setattr(accounts, "_unknown_user", _fast_unknown_user)


@functools.cache
def _fast_unknown_user():
    """The unknown-user stand-in, with a hash made by the fast test method."""
    from app.models import User

    return User(username="", password_hash=generate_password_hash("-", method=FAST_HASH))


def server_url() -> str | None:
    """Return TEST_DATABASE_URL (a PostgreSQL server to make databases on), or None (SQLite)."""
    return os.environ.get("TEST_DATABASE_URL") or None


def database_on(server: str, name: str) -> str:
    """Return the URL of database `name` on the server."""
    return server.rsplit("/", 1)[0] + "/" + name


def run_on_server(server: str, sql: str) -> None:
    """Run one statement (CREATE/DROP DATABASE) outside a transaction."""
    engine = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(sql)
    finally:
        engine.dispose()


def new_database(folder: Path, prefix: str, template: str | None = None) -> str:
    """Create an empty database, or a copy of `template`; return its URL.

    A template is a database file (SQLite) or a database name on TEST_DATABASE_URL.
    """
    server = server_url()
    name = f"{prefix}_{uuid.uuid4().hex[:16]}"
    if not server:
        path = folder / f"{name}.db"
        if template:
            shutil.copyfile(template, path)
        return f"sqlite:///{path}"
    clause = f' TEMPLATE "{template}"' if template else ""
    run_on_server(server, f'CREATE DATABASE "{name}"{clause}')
    return database_on(server, name)


def drop_database(url: str) -> None:
    """Drop a PostgreSQL database (a SQLite file goes with its tmp folder)."""
    server = server_url()
    if server and not url.startswith("sqlite:"):
        name = url.rsplit("/", 1)[1]
        run_on_server(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def as_template(url: str) -> str:
    """Return what new_database takes to copy this database: its file or its name."""
    return url.removeprefix("sqlite:///") if url.startswith("sqlite:") else url.rsplit("/", 1)[1]


def template_app(url: str, folder: Path):
    """An app on a template database being built."""
    return create_app(
        {**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url, "UPLOAD_FOLDER": str(folder / "uploads")}
    )


def close_template(app) -> None:
    """Close every connection to a template database, so that it can be copied."""
    with app.app_context():
        db.session.remove()
        if db.engine.dialect.name == "sqlite":
            # Move everything from the write-ahead log into the database file.
            with db.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        db.engine.dispose()
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite:"):
        # With its last connection closed, SQLite has folded the log into the file and removed
        # it (and the -shm file): the file alone is the whole database, safe to copy.
        path = Path(as_template(url))
        leftovers = list(path.parent.glob(path.name + "-*"))
        assert not leftovers, f"template database not closed cleanly: {leftovers}"


class Template:
    """A database made once per session, and fresh copies of it, one per test.

    On PostgreSQL a copy (CREATE DATABASE ... TEMPLATE) takes ~0.2 s, nearly all of it the
    server's own work: the next test's copy is made on a background thread while this test runs.
    """

    def __init__(self, url: str):
        self.url = url
        self.source = as_template(url)
        self._next: Future[str] | None = None
        self._maker = None
        if server_url():
            self._maker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="next-database")

    def copy(self, folder: Path) -> str:
        """Return the URL of a new copy, used by nobody else."""
        if self._maker is None:
            return new_database(folder, "t", self.source)
        taken = self._next or self._maker.submit(new_database, folder, "t", self.source)
        self._next = self._maker.submit(new_database, folder, "t", self.source)
        return taken.result()

    def drop(self) -> None:
        """Drop the copy made ahead, if any, and the template itself."""
        if self._maker is not None:
            if self._next is not None:
                with contextlib.suppress(Exception):
                    drop_database(self._next.result())
            self._maker.shutdown()
        drop_database(self.url)


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory):
    """A database the migrations ran on once per session, for each test to copy."""
    folder = tmp_path_factory.mktemp("templates")
    template = Template(new_database(folder, "tpl"))
    try:
        app = template_app(template.url, folder)
        with app.app_context():
            upgrade()
        close_template(app)
        yield template
    finally:
        template.drop()


@pytest.fixture(scope="session")
def world_template(tmp_path_factory, migrated_template):
    """A copy of the migrated template with the World in it, and the World's ids."""
    folder = tmp_path_factory.mktemp("templates")
    template = Template(new_database(folder, "tplw", migrated_template.source))
    try:
        app = template_app(template.url, folder)
        with pytest.MonkeyPatch.context() as monkeypatch:
            use_fast_password_hashing(monkeypatch)
            world = World(app)
        close_template(app)
        yield template, (world.unit_id, world.other_unit_id)
    finally:
        template.drop()


def wants_template_world(request) -> bool:
    """Tell whether the test's `world` can come ready-made in its database copy: it asks for it
    by argument (so before `app` exists) and keeps the fast password hashes it was made with."""
    return "world" in request.fixturenames and not request.node.get_closest_marker(
        "real_password_hashing"
    )


@pytest.fixture
def app_config(tmp_path, request):
    """The test settings; a test may change them before asking for `app`."""
    world_ids = None
    if wants_template_world(request):
        template, world_ids = request.getfixturevalue("world_template")
    else:
        template = request.getfixturevalue("migrated_template")
    url = template.copy(tmp_path)
    config = {
        **BASE_CONFIG,
        "SQLALCHEMY_DATABASE_URI": url,
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "_MIGRATED": url,
        "_WORLD": world_ids,
    }
    yield config
    drop_database(url)


def uses_copied_database(app_config) -> bool:
    """Tell whether the app's database is this test's copy of a template."""
    return app_config["SQLALCHEMY_DATABASE_URI"] == app_config["_MIGRATED"]


class SessionBytecodeCache(jinja2.BytecodeCache):
    """Compiled templates shared by the session's apps, so that each compiles only once.

    Every test app has its own Jinja environment, all with the same options; a template whose
    source changes (checksum) is compiled again.
    """

    def __init__(self):
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CODE = SessionBytecodeCache()


@pytest.fixture
def app(app_config):
    """An app with a migrated empty database (the three municipalities come with it)."""
    app = create_app({k: v for k, v in app_config.items() if not k.startswith("_")})
    app.jinja_env.bytecode_cache = TEMPLATE_CODE
    if not uses_copied_database(app_config):
        # The test pointed the app at another database: migrate that one as before.
        with app.app_context():
            upgrade()
            db.session.remove()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def make_app(app_config):
    """Make more apps from this test's settings with some changed; their connections are
    closed at the end (an open one left to the garbage collector fails a later test)."""
    made = []

    def make(**overrides):
        settings = {k: v for k, v in app_config.items() if not k.startswith("_")}
        made.append(create_app({**settings, **overrides}))
        return made[-1]

    yield make
    for other in made:
        with other.app_context():
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

    def __init__(self, app, ids: tuple[int, int] | None = None):
        """Make the units and users, or take the ids of ones already in the database."""
        self.app = app
        if ids:
            self.unit_id, self.other_unit_id = ids
            return
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
            enrol_second_factor("admin")
            db.session.remove()


def enrol_second_factor(username: str) -> None:
    """Give a user the test authenticator (inside an app context)."""
    user_id = accounts.find_user(username).id
    code = pyotp.TOTP(ADMIN_TOTP_SECRET).now()
    two_factor.enrol(user_id, ADMIN_TOTP_SECRET, code, None)


def log_in(client, username: str, password: str = PASSWORD, **kwargs):
    """Log in through the real forms; give a recovery code when a second factor is asked."""
    response = client.post("/login", data={"username": username, "password": password},
                           **kwargs)
    if response.status_code == 302 and response.headers["Location"] == "/login/code":
        with client.application.app_context():
            code = two_factor.regenerate_recovery_codes(accounts.find_user(username).id)[0]
            db.session.remove()
        response = client.post("/login/code", data={"code": code}, **kwargs)
    return response


@pytest.fixture
def world(app, app_config):
    """Two units and one user of each role (already in the database copy when the test asks
    for `world` by argument; made now when it asks later, with request.getfixturevalue)."""
    if app_config["_WORLD"] and uses_copied_database(app_config):
        return World(app, app_config["_WORLD"])
    return World(app)


class AuthActions:
    """Log in and out through the real forms."""

    def __init__(self, client):
        self._client = client

    def login(self, username="aino", password=PASSWORD):
        return log_in(self._client, username, password)

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
