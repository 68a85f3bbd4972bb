"""The login gate in front of every route, and the security headers on every response."""

from urllib.parse import urlsplit

from flask import Flask, Response, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.extensions import db, login_manager
from app.models import User

# Endpoints reachable without a login; everything else, photos included, needs one.
PUBLIC_ENDPOINTS = frozenset({"auth.login", "auth.setup", "static", "auth.set_language"})

CSP = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def init_app(app: Flask) -> None:
    """Install the login gate, the user loader and the response headers."""
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"
    login_manager.user_loader(load_user)
    app.before_request(require_login)
    app.after_request(add_security_headers)


def load_user(user_id: str) -> User | None:
    """Load the logged-in user for Flask-Login; deactivated users are logged out."""
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.active else None


def require_login():
    """Refuse every non-public endpoint to anonymous users."""
    if request.endpoint in PUBLIC_ENDPOINTS or current_user.is_authenticated:
        return None
    if request.path.startswith("/api/"):
        response = jsonify(error=_("Kirjaudu ensin sisään."))
        response.status_code = 401
        return response
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def safe_next(target: str | None) -> str:
    """Return a same-site path to go to next, or the board (no open redirects)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("board.index")


def add_security_headers(response: Response) -> Response:
    """Add CSP, nosniff, framing and referrer rules to every response."""
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = "max-age=31536000"
    return response
