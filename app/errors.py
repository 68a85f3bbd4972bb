"""Error pages in Finnish (JSON under /api/), never a traceback."""

from flask import Flask, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, InternalServerError

from app.extensions import db


def init_app(app: Flask) -> None:
    """Render every HTTP error through one handler."""
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected_error)


def error_message(code: int) -> str:
    """Say what went wrong and what to do, in plain words."""
    limit_mb = _max_upload_mb()
    messages = {
        400: _("Pyynnössä oli jotain vikaa. Tarkista tiedot ja yritä uudelleen."),
        401: _("Kirjaudu ensin sisään."),
        403: _("Sinulla ei ole oikeutta tähän."),
        404: _("Sivua ei löytynyt."),
        405: _("Tätä toimintoa ei voi tehdä näin."),
        413: _("Kuva on liian suuri (yli %(mb)s Mt). Valitse pienempi kuva.", mb=limit_mb),
        429: _("Liian monta yritystä. Odota hetki ja yritä uudelleen."),
    }
    return messages.get(code, _("Jokin meni vikaan. Yritä hetken päästä uudelleen."))


def _max_upload_mb() -> int:
    """Return the upload limit in megabytes."""
    return (current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024)


def handle_http_error(error: HTTPException):
    """Answer an HTTP error with a Finnish page or JSON, keeping its status."""
    code = error.code or 500
    if code < 400:  # routing redirects are HTTPExceptions too
        return error
    message = getattr(error, "user_message", None) or error_message(code)
    if request.path.startswith("/api/"):
        return jsonify(error=message), code
    return render_template("errors/error.html", code=code, message=message), code


def handle_unexpected_error(error: Exception):
    """Log an unexpected error and show a calm 500 page."""
    db.session.rollback()
    current_app.logger.exception("Unhandled error on %s", request.path)
    return handle_http_error(InternalServerError())
