"""Hiding and unhiding deeds: supervisors for their own units, admins for every unit."""

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.models import Deed
from app.review import bp
from app.services import moderation
from app.web import cards
from app.web.responses import done, safe_next


@bp.route("/deeds/<int:deed_id>/hide", methods=["POST"])
def hide(deed_id: int):
    """Take a deed off the board (it stays for its author, its supervisors and admins)."""
    deed = moderation.hide_deed(current_user, deed_id)
    return answer(deed, _("Teko on piilotettu taululta."))


@bp.route("/deeds/<int:deed_id>/unhide", methods=["POST"])
def unhide(deed_id: int):
    """Put a hidden deed back on the board."""
    deed = moderation.unhide_deed(current_user, deed_id)
    return answer(deed, _("Teko näkyy taas taululla."))


@bp.route("/review/hidden")
def hidden():
    """The hidden deeds this user answers for (their units; all for admins; their own)."""
    hidden_cards = [cards.card_from(deed) for deed in moderation.hidden_deeds(current_user)]
    return render_template("review/hidden.html", cards=hidden_cards)


def answer(deed: Deed, message: str):
    """JSON for scripts, otherwise a flash message and back to where the user was."""
    back = safe_next(request.form.get("next") or url_for("deeds.show", deed_id=deed.id))
    return done(back, message, id=deed.id, visibility=deed.visibility.value)
