"""Tekotaulu: a private board of small deeds that delight customers."""

import mimetypes
import os
import secrets
import stat
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import Engine, event

from app import config

# The web app manifest's own type (Python's table lacks it; nosniff makes the type count).
mimetypes.add_type("application/manifest+json", ".webmanifest")

PACKAGE_FOLDER = Path(__file__).resolve().parent
PRIVATE_FOLDER = 0o700  # the instance folder holds the database, the secret and the uploads
PRIVATE_FILE = 0o600
SECRET_WAIT_SECONDS = 5.0  # how long a worker waits for another one to finish writing the secret


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: config -> extensions -> blueprints and web layer -> cli."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=resource_folder("templates"),
        static_folder=resource_folder("static"),
    )
    configure(app, test_config)
    register_extensions(app)
    register_blueprints(app)
    register_commands(app)
    return app


def resource_folder(name: str) -> str:
    """templates/, static/ or migrations/: package data when installed, else the checkout's own.

    A wheel carries them inside the package (pyproject's package-dir); a checkout, an editable
    install included, keeps them beside app/.
    """
    installed = PACKAGE_FOLDER / name
    return str(installed if installed.is_dir() else PACKAGE_FOLDER.parent / name)


def configure(app: Flask, test_config: Mapping[str, Any] | None) -> None:
    """Defaults < environment < instance/config.py (or the test mapping); fill derived paths."""
    make_private_folder(app.instance_path)
    app.config.from_object(config.Config)
    app.config.from_mapping(config.defaults())
    # Read now, not at import: whoever calls create_app decides what the environment holds.
    app.config.from_mapping(config.from_environment(os.environ))
    for warning in config.retired_names_in(os.environ):
        app.logger.warning(warning)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(test_config)
    fill_instance_defaults(app)
    mark_demo_instance(app, from_instance_folder=test_config is None)
    name_session_cookie(app)


def name_session_cookie(app: Flask) -> None:
    """Over https the cookie is __Host-: browsers then refuse it from subdomains or over http."""
    if app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_NAME"] == "session":
        app.config["SESSION_COOKIE_NAME"] = "__Host-session"
        app.config["SESSION_COOKIE_PATH"] = "/"
        app.config["SESSION_COOKIE_DOMAIN"] = None


def fill_instance_defaults(app: Flask) -> None:
    """Put the database, uploads and secret in the instance folder unless set elsewhere."""
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(
            app.instance_path, "app.db"
        )
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )
    if not app.config["UPLOAD_FOLDER"]:
        app.config["UPLOAD_FOLDER"] = os.path.join(app.instance_path, "uploads")
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = instance_secret(app.instance_path)


def mark_demo_instance(app: Flask, from_instance_folder: bool) -> None:
    """DEMO_INSTANCE: the demo logins file exists, so every page shows the demo banner.

    Decided once here, not per request. Like instance/config.py, the instance folder's logins
    file is not looked at for a test mapping unless it names DEMO_LOGINS_FILE itself.
    """
    from app.services.demo import LOGINS_FILE_NAME

    if "DEMO_LOGINS_FILE" not in app.config:
        in_folder = os.path.join(app.instance_path, LOGINS_FILE_NAME)
        app.config["DEMO_LOGINS_FILE"] = in_folder if from_instance_folder else ""
    path = app.config["DEMO_LOGINS_FILE"]
    app.config["DEMO_INSTANCE"] = bool(path) and os.path.isfile(path)


def make_private_folder(path: str) -> None:
    """Create the instance folder for this user only (0700), and tighten one left open.

    An instance folder that earlier versions created under umask 022 is world-readable;
    one owned by another user (a shared deployment's choice) is left as it is.
    """
    os.makedirs(path, mode=PRIVATE_FOLDER, exist_ok=True)
    info = os.stat(path)
    if info.st_uid == os.getuid() and stat.S_IMODE(info.st_mode) & 0o077:
        os.chmod(path, stat.S_IMODE(info.st_mode) & PRIVATE_FOLDER)


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for plain postgres:// and postgresql:// URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def instance_secret(instance_path: str) -> str:
    """Return a random secret kept in the instance folder, created on first start.

    Several workers may start at once: the file is created exclusively (0600 from the start),
    so one of them writes the secret and the others read that one.
    """
    path = Path(instance_path) / "secret_key"
    try:
        descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_FILE)
    except FileExistsError:
        return read_secret(path)
    with os.fdopen(descriptor, "w") as file:
        file.write(secrets.token_hex(32))
    return read_secret(path)


def read_secret(path: Path) -> str:
    """Read the secret, waiting briefly while the worker that created the file writes it."""
    deadline = time.monotonic() + SECRET_WAIT_SECONDS
    while True:
        secret = path.read_text().strip()
        if secret:
            return secret
        if time.monotonic() > deadline:
            raise RuntimeError(f"{path} is empty: delete it and start again")
        time.sleep(0.02)


def register_extensions(app: Flask) -> None:
    """Bind the extension objects and the storage backend to the app."""
    from app import storage
    from app.database import configure_engine
    from app.extensions import babel, compress, csrf, db, limiter, login_manager, migrate
    from app.i18n import select_locale

    db.init_app(app)
    migrate.init_app(app, db, directory=resource_folder("migrations"))
    csrf.init_app(app)
    compress.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    limiter.init_app(app)
    storage.init_app(app)
    # One limit per worker on large photo decodes at once (app.images.process_image).
    app.extensions["image_decode_slots"] = threading.BoundedSemaphore(
        app.config["IMAGE_DECODE_SLOTS"]
    )
    with app.app_context():
        configure_engine(db.engine)
        create_sqlite_file_privately(db.engine)


def create_sqlite_file_privately(engine: Engine) -> None:
    """Before SQLite makes a new database file (as the umask allows), make it 0600 first.

    SQLite takes an empty file for an empty database and gives its -wal and -shm files the
    database file's mode. An existing file is left as it is; memory databases have none.
    """
    path = engine.url.database
    if engine.dialect.name != "sqlite" or not path or path == ":memory:":
        return
    if engine.url.query.get("uri"):
        return  # a URI filename: SQLite parses it, not a path to create

    def create_private_file(*_connect_args: Any) -> None:
        try:
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_FILE))
        except (FileExistsError, FileNotFoundError):  # a missing folder: SQLite will say so
            pass

    event.listen(engine, "do_connect", create_private_file)


def register_blueprints(app: Flask) -> None:
    """Attach the blueprints and the login gate in front of them."""
    from app import (
        account,
        admin,
        api,
        auth,
        board,
        deeds,
        devices,
        insight,
        pages,
        projection,
        review,
        web,
        workshops,
    )
    from app.web.security import DatabaseIdConverter

    app.url_map.converters["int"] = DatabaseIdConverter
    app.register_blueprint(auth.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(board.bp)
    app.register_blueprint(deeds.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(devices.bp)
    app.register_blueprint(review.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(workshops.bp)
    app.register_blueprint(projection.bp)
    app.register_blueprint(insight.bp)
    web.init_app(app)


def register_commands(app: Flask) -> None:
    """Add the flask CLI commands."""
    from app import cli

    cli.init_app(app)
