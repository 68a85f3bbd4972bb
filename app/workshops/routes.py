"""The workshops: everyone sees the list and each round; leaders and admins edit them."""

from flask import render_template, url_for
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_login import current_user

from app.models.base import as_utc
from app.permissions import Capability, can
from app.projection.views import link_url
from app.services import board, projection, workshops
from app.services.errors import ServiceError
from app.web.guards import capability_required
from app.web.responses import add_refusal, done, form_page
from app.workshops import bp
from app.workshops.forms import LinkForm, WorkshopForm


@bp.route("")
def index():
    """Every workshop, newest first, with the size of its round."""
    return render_template("workshops/index.html", workshops=workshops.workshops())


@bp.route("/<int:workshop_id>")
def show(workshop_id: int):
    """A workshop's round in counts, and (for leaders) its projection and links."""
    workshop = workshops.get_workshop(workshop_id)
    round_ = workshops.round_of(workshop_id)
    newest = workshops.newest_workshop_id() == workshop_id
    open_round = workshops.open_round() if newest else None
    may_project = can(current_user, Capability.PROJECT)
    links = projection.links(workshop_id=workshop_id) if may_project else []
    return render_template(
        "workshops/show.html",
        workshop=workshop,
        round=round_,
        participation=workshops.participation(round_),
        open_round=open_round,
        open_participation=workshops.participation(open_round) if open_round else None,
        links=[(link, link_url(link.id)) for link in links],
        link_form=LinkForm(),
        may_project=may_project,
    )


def workshop_form(workshop=None) -> WorkshopForm:
    """The form with its choices, filled from the workshop when editing."""
    form = WorkshopForm()
    form.municipality.choices = list(board.places().municipalities)
    form.leaders.choices = workshops.leader_choices()
    if workshop is not None and not form.is_submitted():
        local = as_utc(workshop.starts_at).astimezone(get_timezone())
        form.name.data, form.theme.data = workshop.name, workshop.theme
        form.start_date.data, form.start_time.data = local.date(), local.time()
        form.municipality.data = workshop.municipality_id
        form.leaders.data = [leader.id for leader in workshop.leaders]
    elif workshop is None and not form.is_submitted():
        form.leaders.data = [current_user.id]
    return form


def workshop_input(form: WorkshopForm) -> workshops.WorkshopInput:
    """Turn the validated form into the service's input."""
    return workshops.WorkshopInput(
        name=form.name.data,
        starts_at=form.starts_at(get_timezone()),
        municipality_id=form.municipality.data,
        theme=form.theme.data or "",
        leader_ids=tuple(form.leaders.data or ()),
    )


@bp.route("/new", methods=["GET", "POST"])
@capability_required(Capability.MANAGE_WORKSHOPS)
def new():
    """Add a workshop."""
    form = workshop_form()
    if not form.validate_on_submit():
        return form_page("workshops/edit.html", form, workshop=None)
    try:
        workshop = workshops.create_workshop(current_user, workshop_input(form))
    except ServiceError as error:
        add_refusal(form, error, fallback_field="name")
        return form_page("workshops/edit.html", form, workshop=None)
    return done(url_for("workshops.show", workshop_id=workshop.id), _("Työpaja lisätty."),
                status=201)


@bp.route("/<int:workshop_id>/edit", methods=["GET", "POST"])
@capability_required(Capability.MANAGE_WORKSHOPS)
def edit(workshop_id: int):
    """Change a workshop."""
    workshop = workshops.get_workshop(workshop_id)
    form = workshop_form(workshop)
    if not form.validate_on_submit():
        return form_page("workshops/edit.html", form, workshop=workshop)
    try:
        workshops.update_workshop(current_user, workshop_id, workshop_input(form))
    except ServiceError as error:
        add_refusal(form, error, fallback_field="name")
        return form_page("workshops/edit.html", form, workshop=workshop)
    return done(url_for("workshops.show", workshop_id=workshop_id), _("Työpaja tallennettu."))


@bp.route("/<int:workshop_id>/delete", methods=["POST"])
@capability_required(Capability.MANAGE_WORKSHOPS)
def delete(workshop_id: int):
    """Delete a workshop (its deeds stay on the board)."""
    workshops.delete_workshop(current_user, workshop_id)
    return done(url_for("workshops.index"), _("Työpaja poistettu."))
