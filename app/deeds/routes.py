"""Posting a deed, the deed page, thanks, and serving photo files."""

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.deeds import bp
from app.deeds.forms import DeedForm
from app.services import board, deeds, photos, workshops
from app.services.errors import NotFound, ServiceError
from app.web import cards, params
from app.web.photos import send_photo
from app.web.responses import add_refusal, done, form_page, safe_next


def deed_form() -> DeedForm:
    """Build the form with the units to choose from and the user's last unit preselected."""
    form = DeedForm()
    form.unit.choices = [
        (u.id, f"{u.name} ({u.municipality_name})") for u in board.places().units
    ]
    if not form.is_submitted() and current_user.default_unit_id:
        form.unit.data = current_user.default_unit_id
    return form


@bp.route("/deeds/new", methods=["GET", "POST"])
def new():
    """Show the form, or post the deed and go to the board."""
    form = deed_form()
    workshop = workshop_named_in(request.args)
    if not form.validate_on_submit():
        return form_page("deeds/new.html", form, workshop=workshop)
    try:
        deeds.create_deed(current_user, new_deed(form), [form.photo.data.stream])
    except ServiceError as error:
        add_refusal(form, error, fallback_field="photo")
        return form_page("deeds/new.html", form, workshop=workshop)
    return done(url_for("board.index"), _("Kiitos! Tekosi on nyt taululla."), status=201)


def workshop_named_in(args) -> str | None:
    """The name of the workshop whose QR code opened the form (?workshop=ID), if it exists."""
    workshop_id = params.positive_int(args, "workshop")
    if workshop_id is None:
        return None
    try:
        return workshops.get_workshop(workshop_id).name
    except NotFound:  # deleted since the code was shown: the form works without it
        return None


def new_deed(form: DeedForm) -> deeds.NewDeed:
    """Turn the validated form into the service's input."""
    return deeds.NewDeed(
        description=form.description.data,
        unit_id=form.unit.data,
        happened_on=form.happened_on.data,
        customer_type=form.chosen_customer_type(),
        consent=bool(form.consent.data),
    )


@bp.route("/deeds/<int:deed_id>")
def show(deed_id: int):
    """Show one deed with its large photo."""
    card = cards.card_from(board.get_summary(deed_id, current_user))
    return render_template(
        "deeds/show.html",
        card=card,
        thanked=bool(board.thanked_by(current_user, [deed_id])),
        thanks_texts=cards.thanks_texts(),
        board_url=url_for("board.index", **params.board_link_args(request.args)),
    )


@bp.route("/deeds/<int:deed_id>/thanks", methods=["POST"])
def thank(deed_id: int):
    """Thank a deed (or take the thanks back) and return to where the user was."""
    thanked, count = deeds.toggle_thanks(current_user, deed_id)
    back = safe_next(request.form.get("next") or url_for("deeds.show", deed_id=deed_id))
    return done(back, thanked=thanked, thanks_count=count)


@bp.route("/photos/<path:key>")
def photo(key: str):
    """Send a stored photo file to a logged-in user, cached privately for a year."""
    return send_photo(photos.visible_file(key, current_user))
