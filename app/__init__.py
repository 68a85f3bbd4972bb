"""Tekotaulu: a private board of small deeds that delight customers."""

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from app import config


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: config -> extensions -> blueprints and web layer -> cli."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="../static",
    )
    configure(app, test_config)
    register_extensions(app)
    register_blueprints(app)
    register_commands(app)
    return app


def configure(app: Flask, test_config: Mapping[str, Any] | None) -> None:
    """Defaults < environment < instance/config.py (or the test mapping); fill derived paths."""
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
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


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for plain postgres:// and postgresql:// URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def instance_secret(instance_path: str) -> str:
    """Return a random secret kept in the instance folder, created on first start."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def register_extensions(app: Flask) -> None:
    """Bind the extension objects and the storage backend to the app."""
    from app import storage
    from app.database import configure_engine
    from app.extensions import babel, compress, csrf, db, limiter, login_manager, migrate
    from app.i18n import select_locale

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"))
    csrf.init_app(app)
    compress.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    limiter.init_app(app)
    storage.init_app(app)
    with app.app_context():
        configure_engine(db.engine)


def register_blueprints(app: Flask) -> None:
    """Attach the blueprints and the login gate in front of them."""
    from app import account, admin, api, auth, board, deeds, pages, review, web
    from app.web.security import DatabaseIdConverter

    app.url_map.converters["int"] = DatabaseIdConverter
    app.register_blueprint(auth.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(board.bp)
    app.register_blueprint(deeds.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(review.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(pages.bp)
    web.init_app(app)


def register_commands(app: Flask) -> None:
    """Add the flask CLI commands."""
    from app import cli

    cli.init_app(app)
