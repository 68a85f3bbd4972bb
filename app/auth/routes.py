"""Login (password, then a second factor where one is set), logout, first-run setup, language."""

from flask import abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth import bp
from app.auth.forms import LoginForm, ReauthForm, SecondFactorForm, SetupForm
from app.services import accounts, two_factor
from app.services.errors import ServiceError
from app.web import ratelimit, sign_in
from app.web.guards import mark_password_entered
from app.web.responses import add_refusal, form_page, safe_next


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log a user in with username and password."""
    if not accounts.has_users():
        return redirect(url_for("auth.setup"))
    if current_user.is_authenticated:
        return redirect(url_for("board.index"))
    form = LoginForm()
    if not form.validate_on_submit():
        return form_page("auth/login.html", form)
    username = accounts.normalise_username(form.username.data)
    # Counted before the password is checked; a form and a JSON body share one bucket.
    attempt = ratelimit.password_attempt(username)
    user = accounts.authenticate(username, form.password.data)
    if user is None:
        sign_in.log_event("login_failed", username)
        form.password.errors.append(_("Väärä käyttäjätunnus tai salasana."))
        return form_page("auth/login.html", form)
    attempt.refund()
    next_url = safe_next(request.args.get("next"))
    if user.totp_secret:
        sign_in.hold_for_second_factor(user, next_url)
        return redirect(url_for("auth.second_factor"))
    sign_in.begin(user)
    return redirect(next_url)


@bp.route("/login/code", methods=["GET", "POST"])
def second_factor():
    """After a right password: the authenticator app's code (or a recovery code)."""
    pending = sign_in.pending_second_factor()
    if pending is None:
        return redirect(url_for("auth.login"))
    form = SecondFactorForm()
    if not form.validate_on_submit():
        return form_page("auth/second_factor.html", form)
    attempt = ratelimit.password_attempt(f"user:{pending['user']}")
    user = accounts.active_user(pending["user"])
    if user is None or not two_factor.verify(user.id, form.code.data):
        sign_in.log_event("second_factor_failed", user.username if user else "-")
        form.code.errors.append(_("Koodi ei kelpaa. Kirjoita sovelluksen uusin koodi."))
        return form_page("auth/second_factor.html", form)
    attempt.refund()
    sign_in.begin(user, second_factor=True)
    return redirect(safe_next(pending["next"]))


@bp.route("/reauth", methods=["GET", "POST"])
def reauth():
    """Ask for the password again before admin actions, then go back to them."""
    form = ReauthForm()
    if not form.validate_on_submit():
        return form_page("auth/reauth.html", form)
    attempt = ratelimit.password_attempt(f"user:{current_user.id}")
    if not accounts.check_password(current_user.id, form.password.data):
        sign_in.log_event("reauth_failed", current_user.username)
        form.password.errors.append(_("Salasana ei ole oikein."))
        return form_page("auth/reauth.html", form)
    attempt.refund()
    mark_password_entered()
    return redirect(safe_next(request.args.get("next")))


@bp.route("/logout", methods=["POST"])
def logout():
    """End the session on the server and forget everything in the cookie but the language."""
    sign_in.end()
    flash(_("Olet kirjautunut ulos."))
    response = redirect(url_for("auth.login"))
    # The cached app shell holds this user's name and form token; "storage" would also wipe
    # the outbox, whose deeds belong to their makers and wait for them to sign in again.
    response.headers["Clear-Site-Data"] = '"cache"'
    return response


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
    sign_in.begin(user)
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
