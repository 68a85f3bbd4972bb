"""One's own account: where one is signed in, the password, the second factor."""

from flask import abort, current_app, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.account import bp
from app.account.forms import CodeForm, PasswordForm, PinForm, RemovePinForm
from app.services import accounts, pins, sessions, site, two_factor
from app.services.errors import ServiceError
from app.web import sign_in
from app.web.responses import add_refusal, done, form_page

ENROLMENT = "totp_enrolment"  # cookie-session key: the secret shown until a code confirms it


@bp.route("/sessions")
def signed_in():
    """Where one is signed in: each session's device, start and last use, and how to end it."""
    return render_template(
        "account/sessions.html",
        sessions=sessions.active_sessions(current_user.id),
        current=current_user.session_id,
    )


@bp.route("/sessions/<int:session_id>/end", methods=["POST"])
def end_session(session_id: int):
    """End one of one's own sessions (this one too: that is logging out)."""
    if session_id == current_user.session_id:
        sign_in.end()
        flash(_("Olet kirjautunut ulos."))
        return redirect(url_for("auth.login"))
    if not sessions.end(session_id, user_id=current_user.id):
        abort(404)
    sign_in.log_event("session_ended", current_user.username)
    return done(url_for("account.signed_in"), _("Kirjautuminen on lopetettu."))


@bp.route("/sessions/end-others", methods=["POST"])
def end_other_sessions():
    """Sign out everywhere else (a lost phone, a tablet left signed in)."""
    count = sessions.end_others(current_user.id, keep=current_user.session_id)
    sign_in.log_event("sessions_ended", current_user.username)
    return done(
        url_for("account.signed_in"),
        ngettext(
            "%(num)s muu kirjautumisesi on lopetettu.",
            "%(num)s muuta kirjautumistasi on lopetettu.",
            count,
        ),
    )


@bp.route("/password", methods=["GET", "POST"])
def password():
    """Change one's own password: the current one first; other sessions end."""
    form = PasswordForm()
    if not form.validate_on_submit():
        return form_page("account/password.html", form)
    try:
        accounts.change_own_password(
            current_user.id, current_user.session_id, form.current.data, form.new.data
        )
    except ServiceError as error:
        add_refusal(form, error, fallback_field="new")
        return form_page("account/password.html", form)
    sign_in.log_event("password_changed", current_user.username)
    return done(
        url_for("board.index"), _("Salasana on vaihdettu. Muut kirjautumisesi on lopetettu.")
    )


@bp.route("/two-factor", methods=["GET", "POST"])
def two_factor_page():
    """Set up the authenticator app, or confirm it in this session, or see the recovery codes."""
    if not current_user.has_second_factor:
        return enrol()
    if not current_user.second_factor:
        return confirm()
    return render_template(
        "account/two_factor.html",
        remaining=two_factor.remaining_recovery_codes(current_user.id),
        codes=None,
    )


def enrol():
    """Show a new secret as a QR code; a matching code from the app turns it on."""
    form = CodeForm()
    secret = session.get(ENROLMENT)
    if not isinstance(secret, str) or not form.is_submitted():
        secret = session[ENROLMENT] = two_factor.new_secret()
    qr = two_factor.enrolment_uri(secret, current_user.username)
    if not form.validate_on_submit():
        return form_page("account/enrol.html", form, qr=qr, secret=secret)
    try:
        codes = two_factor.enrol(current_user.id, secret, form.code.data, current_user.session_id)
    except ServiceError as error:
        add_refusal(form, error, fallback_field="code")
        return form_page("account/enrol.html", form, qr=qr, secret=secret)
    session.pop(ENROLMENT, None)
    sign_in.log_event("second_factor_enrolled", current_user.username)
    return render_template("account/two_factor.html", codes=codes, remaining=len(codes))


def confirm():
    """A session begun before the app was set up gives its code once."""
    form = CodeForm()
    if form.validate_on_submit() and two_factor.verify(current_user.id, form.code.data):
        sessions.mark_second_factor(current_user.session_id)
        return redirect(url_for("account.two_factor_page"))
    if form.is_submitted() and not form.errors:
        form.code.errors.append(_("Koodi ei kelpaa. Kirjoita sovelluksen uusin koodi."))
    return form_page("auth/second_factor.html", form, step_up=True)


@bp.route("/two-factor/codes", methods=["POST"])
def new_recovery_codes():
    """New recovery codes, shown once; the old ones stop working."""
    if not current_user.second_factor:
        abort(403)
    codes = two_factor.regenerate_recovery_codes(current_user.id)
    sign_in.log_event("recovery_codes_renewed", current_user.username)
    return render_template("account/two_factor.html", codes=codes, remaining=len(codes))


@bp.route("/pin", methods=["GET", "POST"])
def pin():
    """Set or change one's PIN for shared tablets, after the password."""
    form = PinForm()
    if not form.validate_on_submit():
        return pin_page(form, RemovePinForm(prefix="remove", formdata=None))
    try:
        pins.set_pin(current_user.id, form.current.data, form.pin.data,
                     current_app.config["TWO_FACTOR_ROLES"])
    except ServiceError as error:
        add_refusal(form, error, fallback_field="pin")
        return pin_page(form, RemovePinForm(prefix="remove", formdata=None))
    sign_in.log_event("pin_set", current_user.username)
    return done(url_for("account.pin"), _("PIN-koodi on tallennettu."))


@bp.route("/pin/remove", methods=["POST"])
def remove_pin():
    """Remove one's PIN, after the password."""
    form = RemovePinForm(prefix="remove")
    if not form.validate_on_submit():
        return pin_page(PinForm(formdata=None), form)
    try:
        pins.remove_pin(current_user.id, form.current.data)
    except ServiceError as error:
        add_refusal(form, error, fallback_field="current")
        return pin_page(PinForm(formdata=None), form)
    sign_in.log_event("pin_removed", current_user.username)
    return done(url_for("account.pin"), _("PIN-koodi on poistettu."))


def pin_page(form: PinForm, remove_form: RemovePinForm):
    """The PIN page: its state, whether PINs may be used, and the two forms."""
    status = 400 if form.errors or remove_form.errors else 200
    return render_template(
        "account/pin.html", form=form, remove_form=remove_form,
        state=pins.pin_state(current_user.id), allowed=site.pins_allowed(),
        role_may=current_user.role not in current_app.config["TWO_FACTOR_ROLES"],
    ), status
