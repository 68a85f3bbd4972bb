"""Reviewing deeds: supervisors for their own units, admins for every unit."""

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.labels import HIDE_REASONS
from app.models import Deed
from app.permissions import Capability
from app.review import bp
from app.services import moderation, site
from app.web import cards, params
from app.web.errors import refuse
from app.web.guards import capability_required
from app.web.responses import done, safe_next


@bp.route("/deeds/<int:deed_id>/hide", methods=["POST"])
def hide(deed_id: int):
    """Take a deed off the board with a reason its author sees (it stays for its author, its
    supervisors and admins)."""
    deed = moderation.hide_deed(current_user, deed_id, hide_reason(request.form))
    return answer(deed, _("Teko on piilotettu taululta."))


@bp.route("/deeds/<int:deed_id>/unhide", methods=["POST"])
def unhide(deed_id: int):
    """Put a hidden deed back on the board."""
    deed = moderation.unhide_deed(current_user, deed_id)
    return answer(deed, _("Teko näkyy taas taululla."))


@bp.route("/deeds/<int:deed_id>/feature", methods=["POST"])
def feature(deed_id: int):
    """Mark a deed "nostettu": a badge on its card, first on the projection."""
    deed = moderation.set_featured(current_user, deed_id, True)
    return answer(deed, _("Teko on nostettu."))


@bp.route("/deeds/<int:deed_id>/unfeature", methods=["POST"])
def unfeature(deed_id: int):
    """Take the "nostettu" mark off a deed."""
    deed = moderation.set_featured(current_user, deed_id, False)
    return answer(deed, _("Nosto on peruttu."))


@bp.route("/deeds/<int:deed_id>/approve", methods=["POST"])
def approve(deed_id: int):
    """Let a deed that waits for approval onto the board."""
    deed = moderation.approve_deed(current_user, deed_id)
    return answer(deed, _("Teko on hyväksytty ja näkyy taululla."))


@bp.route("/review")
@capability_required(Capability.REVIEW)
def index():
    """The deeds of the units this user reviews, newest first, with what changed since the
    last visit."""
    show = show_filter(request.args)
    cursor = params.cursor(request.args)
    seen_at = moderation.last_review_visit(current_user)
    page = moderation.review_page(current_user, show, seen_at, cursor)
    since = moderation.since_last_visit(current_user, seen_at) if cursor is None else None
    if cursor is None:
        moderation.mark_review_seen(current_user)
    return render_template(
        "review/index.html",
        show=show,
        shows=show_choices(),
        entries=[(entry, cards.card_from(entry.deed)) for entry in page.entries],
        since=since,
        reasons=[str(reason) for reason in HIDE_REASONS],
        more_url=url_for("review.index", show=show.value, cursor=page.next_cursor)
        if page.next_cursor else None,
    )


@bp.route("/review/hidden")
def hidden():
    """The hidden deeds this user answers for (their units; all for admins; their own)."""
    entries = moderation.hidden_deeds(current_user)
    return render_template(
        "review/hidden.html",
        entries=[(entry, cards.card_from(entry.deed)) for entry in entries],
        reasons=[str(reason) for reason in HIDE_REASONS],
    )


def show_filter(args) -> moderation.Show:
    """?show=all|pending|hidden|featured (all when absent); 400 for anything else."""
    raw = args.get("show", "").strip() or moderation.Show.ALL.value
    try:
        return moderation.Show(raw)
    except ValueError:
        refuse(400, _("Rajaus ei kelpaa: %(name)s.", name="show"))


def show_choices() -> list[tuple[moderation.Show, str]]:
    """The review page's filters in order; "waiting" only while approval is on."""
    choices = [(moderation.Show.ALL, _("Kaikki"))]
    if site.approval_required():
        choices.append((moderation.Show.PENDING, _("Odottaa")))
    choices += [(moderation.Show.HIDDEN, _("Piilotetut")),
                (moderation.Show.FEATURED, _("Nostetut"))]
    return choices


def hide_reason(form) -> str:
    """The reason from the form: a quick choice, free text, or both ("choice: text")."""
    parts = [form.get("reason_choice", "").strip(), form.get("reason", "").strip()]
    return ": ".join(part for part in parts if part)


def answer(deed: Deed, message: str):
    """JSON for scripts, otherwise a flash message and back to where the user was."""
    back = safe_next(request.form.get("next") or url_for("deeds.show", deed_id=deed.id))
    return done(back, message, id=deed.id, visibility=deed.visibility.value,
                featured=deed.featured_at is not None)
