"""Posting a deed, the deed page, thanks, and serving photo files."""

from flask import (
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app import images
from app.deeds import bp
from app.deeds.forms import DeedForm
from app.security import safe_next
from app.services import board, deeds, moderation, photos

IMAGE_REFUSALS = {
    "empty": _l("Kuvatiedosto on tyhjä. Ota kuva uudelleen tai valitse toinen kuva."),
    "not_an_image": _l("Tiedosto ei ole kuva. Valitse JPEG-, PNG-, WebP- tai HEIC-kuva."),
    "unsupported_format": _l(
        "Tätä kuvamuotoa ei voi käyttää. Valitse JPEG-, PNG-, WebP- tai HEIC-kuva."
    ),
    "too_many_pixels": _l("Kuvassa on liikaa pikseleitä. Valitse pienempi kuva."),
    "truncated": _l("Kuva on vioittunut tai vajaa. Ota kuva uudelleen tai valitse toinen kuva."),
}


def deed_form() -> DeedForm:
    """Build the form with the units to choose from and the user's last unit preselected."""
    form = DeedForm()
    form.unit.choices = [
        (u.id, f"{u.name} ({u.municipality.name})") for u in board.active_units()
    ]
    if not form.is_submitted() and current_user.default_unit_id:
        form.unit.data = current_user.default_unit_id
    return form


@bp.route("/deeds/new", methods=["GET", "POST"])
def new():
    """Show the form, or post the deed and go to the board."""
    form = deed_form()
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template("deeds/new.html", form=form), status
    try:
        deeds.create_deed(current_user, new_deed(form), [form.photo.data.stream])
    except images.ImageRejected as refusal:
        form.photo.errors = [IMAGE_REFUSALS.get(refusal.reason, IMAGE_REFUSALS["not_an_image"])]
        return render_template("deeds/new.html", form=form), 400
    except deeds.UnknownUnit:
        form.unit.errors = [_("Valitse yksikkö listasta.")]
        return render_template("deeds/new.html", form=form), 400
    flash(_("Kiitos! Tekosi on nyt taululla."), "success")
    if request.headers.get("X-Requested-With") == "XMLHttpRequest":
        # The page's script sent the form; it follows this link itself, so the flash survives.
        return jsonify(redirect=url_for("board.index")), 201
    return redirect(url_for("board.index"))


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
    deed = board.get_deed(deed_id, current_user)
    if deed is None:
        abort(404)
    thanked = board.thanked_by(current_user, [deed.id])
    return render_template(
        "deeds/show.html",
        deed=deed,
        thanked=deed.id in thanked,
        can_moderate=moderation.can_moderate(current_user, deed),
    )


@bp.route("/deeds/<int:deed_id>/thanks", methods=["POST"])
def thank(deed_id: int):
    """Thank a deed (or take the thanks back) and return to where the user was."""
    if board.get_deed(deed_id, current_user) is None:
        abort(404)
    thanked = deeds.toggle_thanks(current_user, deed_id)
    if request.accept_mimetypes.best == "application/json":
        deed = board.get_deed(deed_id, current_user)
        return jsonify(thanked=thanked, thanks_count=deed.thanks_count if deed else 0)
    target = request.form.get("next") or url_for("deeds.show", deed_id=deed_id)
    return redirect(safe_next(target))


@bp.route("/photos/<path:key>")
def photo(key: str):
    """Send a stored photo file to a logged-in user, cached privately for a year."""
    rendition = photos.visible_rendition(key, current_user)
    if rendition is None:
        abort(404)
    return photos.send_rendition(rendition)
