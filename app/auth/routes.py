"""Login, logout, first-run setup and the language choice."""

from flask import abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from app.auth import bp
from app.auth.forms import LoginForm, ReauthForm, SetupForm
from app.services import accounts
from app.services.errors import ServiceError
from app.web import ratelimit
from app.web.guards import mark_password_entered
from app.web.responses import add_refusal, form_page, safe_next


@bp.route("/login", methods=["GET", "POST"])
@ratelimit.login_limits
def login():
    """Log a user in with username and password."""
    if not accounts.has_users():
        return redirect(url_for("auth.setup"))
    if current_user.is_authenticated:
        return redirect(url_for("board.index"))
    form = LoginForm()
    if not form.validate_on_submit():
        return form_page("auth/login.html", form)
    user = accounts.authenticate(form.username.data, form.password.data)
    if user is None:
        form.password.errors.append(_("Väärä käyttäjätunnus tai salasana."))
        return form_page("auth/login.html", form)
    start_session(user)
    return redirect(safe_next(request.args.get("next")))


def clear_session_keeping_language() -> None:
    """Empty the session; the interface language is not personal data and stays."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def start_session(user) -> None:
    """Begin a fresh session for the user (no session fixation, no remember-me cookie)."""
    clear_session_keeping_language()
    login_user(user, remember=False)
    mark_password_entered()


@bp.route("/reauth", methods=["GET", "POST"])
@ratelimit.reauth_limits
def reauth():
    """Ask for the password again before admin actions, then go back to them."""
    form = ReauthForm()
    if not form.validate_on_submit():
        return form_page("auth/reauth.html", form)
    if not accounts.check_password(current_user.id, form.password.data):
        form.password.errors.append(_("Salasana ei ole oikein."))
        return form_page("auth/reauth.html", form)
    mark_password_entered()
    return redirect(safe_next(request.args.get("next")))


@bp.route("/logout", methods=["POST"])
def logout():
    """Log out and forget everything in the session but the language."""
    logout_user()
    clear_session_keeping_language()
    flash(_("Olet kirjautunut ulos."))
    return redirect(url_for("auth.login"))


@bp.route("/setup", methods=["GET", "POST"])
def setup():
    """Create the first admin; exists only while there are no users."""
    if accounts.has_users():
        abort(404)
    form = SetupForm()
    if not form.validate_on_submit():
        return form_page("auth/setup.html", form)
    try:
        user = accounts.create_first_admin(
            form.username.data, form.password.data, form.display_name.data
        )
    except ServiceError as error:
        add_refusal(form, error, fallback_field="username")
        return form_page("auth/setup.html", form)
    start_session(user)
    flash(_("Tervetuloa! Ylläpitäjä on luotu."))
    return redirect(url_for("board.index"))


@bp.route("/language", methods=["POST"])
def set_language():
    """Remember the chosen interface language in the session."""
    lang = request.form.get("lang", "")
    if lang not in current_app.config["LANGUAGES"]:
        abort(400)
    session["lang"] = lang
    return redirect(safe_next(request.form.get("next")))
