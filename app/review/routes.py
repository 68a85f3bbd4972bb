"""Hiding and unhiding deeds: supervisors for their own units, admins for every unit."""

from collections.abc import Callable

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.models import Deed, User
from app.review import bp
from app.security import safe_next
from app.services import board, moderation


@bp.route("/deeds/<int:deed_id>/hide", methods=["POST"])
def hide(deed_id: int):
    """Take a deed off the board (it stays for its author, its supervisors and admins)."""
    deed = moderate(deed_id, moderation.hide_deed)
    return answer(deed, _("Teko on piilotettu taululta."))


@bp.route("/deeds/<int:deed_id>/unhide", methods=["POST"])
def unhide(deed_id: int):
    """Put a hidden deed back on the board."""
    deed = moderate(deed_id, moderation.unhide_deed)
    return answer(deed, _("Teko näkyy taas taululla."))


@bp.route("/review/hidden")
def hidden():
    """The hidden deeds this user answers for (their units; all for admins; their own)."""
    return render_template("review/hidden.html", deeds=moderation.hidden_deeds(current_user))


def moderate(deed_id: int, action: Callable[[User, int], Deed]) -> Deed:
    """Run the action: 404 for a deed the user cannot see, 403 for one they may not moderate."""
    if board.get_deed(deed_id, current_user) is None:
        abort(404)
    try:
        return action(current_user, deed_id)
    except moderation.DeedMissing:
        abort(404)
    except moderation.NotAllowed:
        abort(403)


def answer(deed: Deed, message: str):
    """JSON for scripts, otherwise a flash message and back to where the user was."""
    if request.accept_mimetypes.best == "application/json":
        return jsonify(id=deed.id, visibility=deed.visibility.value)
    flash(message, "success")
    target = request.form.get("next") or url_for("deeds.show", deed_id=deed.id)
    return redirect(safe_next(target))
