"""How routes answer: form pages (200 or 400), finished actions (JSON or redirect), safe next."""

from urllib.parse import urlsplit

from flask import Response, flash, jsonify, make_response, redirect, render_template, url_for
from flask_wtf import FlaskForm

from app.services.errors import ServiceError
from app.web.errors import message_of, refusal_of, wants_json


def form_page(template: str, form: FlaskForm, **context):
    """Render a form page: 200 when it is first shown, 400 when a sent form was refused."""
    status = 400 if form.is_submitted() else 200
    return render_template(template, form=form, **context), status


def add_refusal(form: FlaskForm, error: ServiceError, fallback_field: str) -> None:
    """Show a service's 400 refusal under the field it concerns; other refusals propagate."""
    refusal = refusal_of(error)
    if refusal.status != 400:
        raise error
    field = getattr(form, refusal.field or fallback_field, None) or getattr(form, fallback_field)
    field.errors = [*field.errors, message_of(error)]


def done(next_url: str, message: str | None = None, *, status: int = 200, **payload):
    """Answer a finished action; the one place that chooses between JSON and a redirect.

    A script that stays on its page gets the payload as JSON. A script with no payload to read
    gets where to go next as JSON ({"redirect": ...}) and, like everyone else, the message
    flashed there; a browser without scripts gets the redirect itself.
    """
    if wants_json() and payload:
        return jsonify(**payload), status
    if message:
        flash(message, "success")
    if wants_json():
        return jsonify(redirect=next_url), status
    return redirect(next_url)


def safe_next(target: str | None) -> str:
    """Return a same-site path to go to next, or the board (no open redirects, no CR/LF)."""
    if not isinstance(target, str) or not target.isprintable():
        return url_for("board.index")
    if target.startswith("/") and not target.startswith(("//", "/\\")):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("board.index")


def keep_secret(response) -> Response:
    """A page that shows or holds a one-time link: never cached, never sent on as a referrer."""
    response = make_response(response)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
