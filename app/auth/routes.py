"""Login (password, then a second factor where one is set), logout, first-run setup, language."""

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth import bp
from app.auth.forms import (
    LoginForm,
    PinLoginForm,
    ReauthForm,
    SecondFactorForm,
    SetupForm,
    WelcomeForm,
)
from app.services import accounts, devices, onboarding, pins, site, two_factor
from app.services.errors import ServiceError
from app.web import device as shared_device
from app.web import ratelimit, sign_in
from app.web.errors import refuse
from app.web.guards import mark_password_entered
from app.web.responses import add_refusal, form_page, keep_secret, safe_next


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log a user in with username and password."""
    if not accounts.has_users():
        return redirect(url_for("auth.setup"))
    if current_user.is_authenticated:
        return redirect(url_for("board.index"))
    form = LoginForm()
    if not form.validate_on_submit():
        return login_page(form)
    username = accounts.normalise_username(form.username.data)
    # Counted before the password is checked; a form and a JSON body share one bucket.
    attempt = ratelimit.password_attempt(username)
    user = accounts.authenticate(username, form.password.data)
    if user is None:
        sign_in.log_event("login_failed", username)
        form.password.errors.append(_("Väärä käyttäjätunnus tai salasana."))
        return login_page(form)
    attempt.refund()
    pins.unlock(user)  # the password is what opens a PIN locked by wrong tries
    next_url = safe_next(request.args.get("next"))
    if user.totp_secret:
        sign_in.hold_for_second_factor(user, next_url)
        return redirect(url_for("auth.second_factor"))
    sign_in.begin(user)
    return redirect(next_url)


def login_page(form: LoginForm, pin_form: PinLoginForm | None = None):
    """The login page; on a shared tablet also the names to tap and, if allowed, the PIN form."""
    tablet = shared_device.current()
    if tablet is None:
        return form_page("auth/login.html", form)
    pins_on = site.pins_allowed()
    if pin_form is None and pins_on:
        pin_form = PinLoginForm(prefix="pin", formdata=None)
    picked = request.args.get("as", "")[:64]
    if picked and not form.is_submitted():
        form.username.data = picked
        if pin_form is not None and not pin_form.is_submitted():
            pin_form.username.data = picked
    status = 400 if form.is_submitted() or (pin_form and pin_form.errors) else 200
    return render_template(
        "auth/login.html", form=form, pin_form=pin_form, tablet=tablet, picked=picked,
        posters=devices.recent_posters(tablet.unit_id),
    ), status


@bp.route("/login/pin", methods=["POST"])
def pin_login():
    """Sign in with a personal PIN: only on a set-up tablet, only while an admin allows PINs."""
    tablet = shared_device.current()
    if tablet is None:
        refuse(403, _("PIN-koodilla voi kirjautua vain yhteisellä tabletilla."))
    if not site.pins_allowed():
        refuse(403, _("PIN-koodit eivät ole käytössä."))
    if current_user.is_authenticated:
        return redirect(url_for("board.index"))
    pin_form = PinLoginForm(prefix="pin")
    if not pin_form.validate_on_submit():
        return login_page(LoginForm(formdata=None), pin_form)
    username = accounts.normalise_username(pin_form.username.data)
    attempt = ratelimit.pin_attempt(username, tablet.id)
    try:
        user = pins.authenticate(
            accounts.find_user(username), pin_form.pin.data, current_app.config["TWO_FACTOR_ROLES"]
        )
    except ServiceError as error:
        sign_in.log_event("pin_failed", username)
        add_refusal(pin_form, error, fallback_field="pin")
        return login_page(LoginForm(formdata=None), pin_form)
    attempt.refund()
    sign_in.begin(user, with_pin=True)
    return redirect(safe_next(request.args.get("next")))


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
    if request.form.get("reason") == "idle":
        flash(_(
            "Sinut kirjattiin ulos, koska Tekotaulua ei käytetty vähään aikaan. "
            "Kirjaudu uudelleen."
        ))
    else:
        flash(_("Olet kirjautunut ulos."))
    return sign_in.forget_cached_shell(redirect(url_for("auth.login")))


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


@bp.route("/welcome/<token>", methods=["GET", "POST"])
def welcome(token: str):
    """A one-time link: greet the person, take their new password, sign them in."""
    attempt = ratelimit.password_attempt("access-link")  # guessing links is guessing passwords
    user = onboarding.link_user(token)  # used, expired, replaced, made up: the same 404
    attempt.refund()
    form = WelcomeForm()
    if not form.validate_on_submit():
        return form_page("auth/welcome.html", form, user=user)
    try:
        user = onboarding.redeem(token, form.password.data)
    except ServiceError as error:
        add_refusal(form, error, fallback_field="password")
        return form_page("auth/welcome.html", form, user=user)
    sign_in.log_event("access_link_used", user.username)
    if user.totp_secret:  # a reset link replaces the password, never the second factor
        sign_in.hold_for_second_factor(user, url_for("board.index"))
        return redirect(url_for("auth.second_factor"))
    sign_in.begin(user)
    if site.pins_allowed() and pins.may_use_pin(user, current_app.config["TWO_FACTOR_ROLES"]):
        flash(_("Salasana on tallennettu. Voit vielä asettaa PIN-koodin yhteisiä tabletteja "
                "varten, tai siirtyä suoraan taululle."), "success")
        return redirect(url_for("account.pin"))
    flash(_("Salasana on tallennettu. Tervetuloa Tekotauluun!"), "success")
    return redirect(url_for("board.index"))


@bp.after_request
def keep_link_private(response):
    """The link page's URL is the secret: also its refusals are never cached nor referred."""
    return keep_secret(response) if request.endpoint == "auth.welcome" else response
