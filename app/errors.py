"""Error pages in Finnish (JSON under /api/), never a traceback."""

import logging

from flask import Flask, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.extensions import db

FALLBACK_500 = "Jokin meni vikaan. Yritä hetken päästä uudelleen."


def init_app(app: Flask) -> None:
    """Render every HTTP error through one handler."""
    app.register_error_handler(CSRFError, handle_csrf_error)
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
        429: _(
            "Liian monta väärää yritystä. Odota hetki ja yritä uudelleen. Jos salasana on "
            "unohtunut, pyydä ylläpitäjää vaihtamaan se."
        ),
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
    if code == 413 and not _body_too_large():
        message = _("Lomakkeessa on liian monta osaa. Lataa sivu uudelleen ja yritä uudelleen.")
    log_http_error(code)
    if request.path.startswith("/api/"):
        return jsonify(error=message), code
    return render_template("errors/error.html", code=code, message=message), code


def _body_too_large() -> bool:
    """Tell a 413 for a too large body from one for too many form parts."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    return limit is None or request.content_length is None or request.content_length > limit


def log_http_error(code: int) -> None:
    """Log refusals: access and rate-limit ones as warnings (worth a look), the rest as info."""
    level = logging.WARNING if code in (401, 403, 429) else logging.INFO
    current_app.logger.log(level, "%s %s -> %s", request.method, request.path, code)


def handle_csrf_error(error: CSRFError):
    """A missing or stale form token: say how to recover instead of a bare 400."""
    error.user_message = _(
        "Lomake on vanhentunut tai sen tarkiste puuttuu. Lataa sivu uudelleen ja yritä uudelleen."
    )
    return handle_http_error(error)


def handle_unexpected_error(error: Exception):
    """Log an unexpected error and show a calm 500 page."""
    db.session.rollback()
    current_app.logger.exception("Unhandled error on %s", request.path)
    try:
        return handle_http_error(InternalServerError())
    except Exception:  # the error page itself failed (e.g. the database is down): plain text
        current_app.logger.exception("Error page failed on %s", request.path)
        return FALLBACK_500, 500, {"Content-Type": "text/plain; charset=utf-8"}
