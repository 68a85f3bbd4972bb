"""Admin pages: users and their one-time links, erasing a user or a deed, exporting a user's
data, the audit log, the site settings."""

from collections.abc import Mapping

from flask import render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.admin import bp, welcome_url
from app.admin.forms import EraseForm, NewUserForm, SiteSettingsForm, UserForm
from app.labels import choices
from app.models import Role
from app.permissions import Capability
from app.services import accounts, audit, board, people, privacy, site
from app.services.errors import ServiceError
from app.services.onboarding import IssuedLink
from app.web import cards, params
from app.web.errors import refuse
from app.web.guards import (
    capability_required,
    recent_login_required,
    second_factor_required,
)
from app.web.responses import add_refusal, done, form_page, keep_secret

ACTIVE_CHOICES = {"": None, "1": True, "0": False}


@bp.before_request
@capability_required(Capability.ADMINISTER)
@second_factor_required
@recent_login_required
def guard():
    """Every admin page: admins only, second factor given, password entered recently."""


@bp.route("/users")
def users():
    """List users: search by name, filter by role, unit and whether they may sign in."""
    filters = user_filter(request.args)
    return render_template(
        "admin/users.html", rows=people.users_page(filters), filters=filters,
        roles=choices(Role), groups=people.unit_groups(),
    )


def user_filter(args: Mapping[str, str]) -> people.UserFilter:
    """Read ?q=&role=&unit=&active= ; a value no form offers is a 400 in Finnish."""
    role = args.get("role", "")
    active = args.get("active", "")
    if role and role not in {member.value for member in Role}:
        refuse(400, _("Rajaus ei kelpaa: %(name)s.", name="role"))
    if active not in ACTIVE_CHOICES:
        refuse(400, _("Rajaus ei kelpaa: %(name)s.", name="active"))
    return people.UserFilter(
        search=args.get("q", "")[:people.SEARCH_MAX], role=Role(role) if role else None,
        unit_id=params.positive_int(args, "unit"), active=ACTIVE_CHOICES[active],
    )


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    """Add a user without a password; show their one-time link and slip once."""
    form = NewUserForm()
    groups = people.unit_groups()
    fill_unit_choices(form, groups)
    if not form.validate_on_submit():
        return form_page("admin/user_form.html", form, groups=groups, user=None)
    try:
        issued = people.create_user_by_admin(current_user, form.username.data, user_input(form))
    except ServiceError as error:
        add_refusal(form, error, fallback_field="username")
        return form_page("admin/user_form.html", form, groups=groups, user=None)
    return link_page(issued, _("Käyttäjä %(name)s on lisätty.", name=issued.user.username))


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int):
    """A user's page: name, role and units; their link, sessions, second factor and data."""
    user = people.get_user(user_id)
    form = UserForm()
    groups = people.unit_groups()
    fill_unit_choices(form, groups)
    if not form.is_submitted():
        form.display_name.data = user.display_name
        form.role.data = user.role.value
        form.default_unit.data = user.default_unit_id
        form.units.data = sorted(people.supervised_unit_ids(user.id))
    if not form.validate_on_submit():
        return form_page("admin/user_form.html", form, groups=groups, user=user)
    try:
        people.edit_user(current_user, user_id, user_input(form))
    except ServiceError as error:
        add_refusal(form, error, fallback_field="display_name")
        return form_page("admin/user_form.html", form, groups=groups, user=user)
    return done(url_for("admin.users"), _("Käyttäjän %(name)s tiedot on tallennettu.",
                                          name=user.username))


def fill_unit_choices(form: UserForm, groups: list[people.UnitGroup]) -> None:
    """Offer every unit in the own-unit select and the supervised-units checkboxes."""
    units = [(unit_id, name) for group in groups for unit_id, name in group.units]
    form.default_unit.choices = [("", _("Ei valittu")), *units]
    form.units.choices = units


def user_input(form: UserForm) -> people.UserInput:
    """The form's choices for the service."""
    return people.UserInput(
        display_name=form.display_name.data or "", role=Role(form.role.data),
        default_unit_id=form.default_unit.data,
        unit_ids=frozenset(unit for unit in form.units.data or () if unit is not None),
    )


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
def deactivate_user(user_id: int):
    """Stop a user signing in; their sessions and unused links end."""
    user = people.set_user_active(current_user, user_id, False)
    return done(url_for("admin.edit_user", user_id=user_id),
                _("Käyttäjä %(name)s on poistettu käytöstä.", name=user.username))


@bp.route("/users/<int:user_id>/reactivate", methods=["POST"])
def reactivate_user(user_id: int):
    """Let a deactivated user sign in again."""
    user = people.set_user_active(current_user, user_id, True)
    return done(url_for("admin.edit_user", user_id=user_id),
                _("Käyttäjä %(name)s on taas käytössä.", name=user.username))


@bp.route("/users/<int:user_id>/link", methods=["POST"])
def issue_link(user_id: int):
    """A new one-time link (and QR code) to set a password; any older link stops working."""
    issued = people.issue_link(current_user, user_id)
    return link_page(issued, None)


def link_page(issued: IssuedLink, message: str | None):
    """The link, its QR code and a printable slip, shown this once (never cached)."""
    return keep_secret(render_template("admin/user_link.html", issued=issued,
                                       url=welcome_url(issued.token),
                                       message=message))


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
        return form_page("deeds/erase.html", form, card=card, own=False)
    privacy.erase_deed(current_user, deed_id)
    return done(url_for("board.index"), _("Teko on poistettu pysyvästi kuvineen."))


@bp.route("/audit")
def audit_log():
    """The newest moderation and erasure actions."""
    entries = audit.recent_entries()
    return render_template("admin/audit.html", entries=entries, existing=audit.existing(entries),
                           unit_names=audit.unit_names(entries),
                           municipality_names=audit.municipality_names(entries))


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
