"""Admin pages: users, erasing a user or a deed, exporting a user's data, the audit log."""

from flask import render_template, send_file, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.admin import bp
from app.admin.forms import EraseForm, SiteSettingsForm
from app.permissions import Capability
from app.services import accounts, audit, board, privacy, site
from app.services.errors import ServiceError
from app.web import cards
from app.web.guards import (
    capability_required,
    recent_login_required,
    second_factor_required,
)
from app.web.responses import add_refusal, done, form_page


@bp.before_request
@capability_required(Capability.ADMINISTER)
@second_factor_required
@recent_login_required
def guard():
    """Every admin page: admins only, second factor given, password entered recently."""


@bp.route("/users")
def users():
    """List users with their deed counts and the erase and export actions."""
    return render_template("admin/users.html", summaries=privacy.user_summaries())


@bp.route("/users/<int:user_id>/erase", methods=["GET", "POST"])
def erase_user(user_id: int):
    """Show what erasing a user deletes; erase when confirmed."""
    preview = privacy.erasure_preview(user_id)
    form = EraseForm()
    if not form.validate_on_submit():
        return form_page("admin/erase_user.html", form, preview=preview)
    try:
        count = privacy.erase_user(current_user, user_id)
    except ServiceError as error:
        add_refusal(form, error, fallback_field="confirm")
        return form_page("admin/erase_user.html", form, preview=preview)
    message = ngettext("Käyttäjä %(name)s ja hänen %(num)s tekonsa on poistettu.",
                       "Käyttäjä %(name)s ja hänen %(num)s tekoaan on poistettu.",
                       count, name=preview.user.username)
    return done(url_for("admin.users"), message)


@bp.route("/users/<int:user_id>/sessions/end", methods=["POST"])
def end_sessions(user_id: int):
    """Sign a user out on every device."""
    ended = accounts.end_user_sessions(current_user, user_id)
    return done(url_for("admin.users"), ngettext(
        "Käyttäjän %(num)s kirjautuminen on lopetettu.",
        "Käyttäjän %(num)s kirjautumista on lopetettu.",
        ended,
    ))


@bp.route("/users/<int:user_id>/two-factor/reset", methods=["POST"])
def reset_second_factor(user_id: int):
    """Remove a user's lost second factor; they set a new one up at their next login."""
    accounts.reset_second_factor(current_user, user_id)
    return done(url_for("admin.users"), _("Kaksivaiheinen tunnistautuminen on poistettu."))


@bp.route("/users/<int:user_id>/export", methods=["POST"])
def export_user(user_id: int):
    """Download one user's deeds and photos as a ZIP, for an access request."""
    name, archive = privacy.export_user(current_user, user_id)
    response = send_file(
        archive, mimetype="application/zip", as_attachment=True, download_name=name
    )
    response.headers["Cache-Control"] = "no-store"  # personal data on a possibly shared device
    return response


@bp.route("/deeds/<int:deed_id>/erase", methods=["GET", "POST"])
def erase_deed(deed_id: int):
    """Show the deed to erase; erase it with its files when confirmed."""
    card = cards.card_from(board.get_summary(deed_id, current_user))
    form = EraseForm()
    if not form.validate_on_submit():
        return form_page("admin/erase_deed.html", form, card=card)
    privacy.erase_deed(current_user, deed_id)
    return done(url_for("board.index"), _("Teko on poistettu pysyvästi kuvineen."))


@bp.route("/audit")
def audit_log():
    """The newest moderation and erasure actions."""
    entries = audit.recent_entries()
    return render_template("admin/audit.html", entries=entries, existing=audit.existing(entries))


@bp.route("/settings", methods=["GET", "POST"])
def settings():
    """Site-wide switches an HR person can turn without a terminal."""
    form = SiteSettingsForm()
    if not form.is_submitted():
        form.allow_pins.data = site.pins_allowed()
        form.require_approval.data = site.approval_required()
    if not form.validate_on_submit():
        return form_page("admin/settings.html", form)
    site.set_pins_allowed(current_user, form.allow_pins.data)
    site.set_approval_required(current_user, form.require_approval.data)
    return done(url_for("admin.settings"), _("Asetukset on tallennettu."))
