"""Posting a deed, the deed page, thanks, and serving photo files."""

from flask import current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.admin.forms import EraseForm
from app.deeds import bp
from app.deeds.forms import (
    CommentForm,
    DeedForm,
    deed_edit,
    deed_edit_form,
    deed_form,
    kept_claim,
    new_deed,
    uploads_of,
)
from app.labels import HIDE_REASONS
from app.models import Visibility
from app.permissions import Capability, require
from app.services import board, comments, deeds, my_deeds, photos, privacy, workshops
from app.services.errors import NotFound, ServiceError
from app.web import cards, params, sign_in
from app.web.photos import send_photo
from app.web.responses import add_refusal, done, form_page, safe_next


@bp.route("/deeds/new", methods=["GET", "POST"])
def new():
    """Show the form, or post the deed and go to the board; a refused form keeps its photo."""
    form = deed_form()
    workshop = workshop_named_in(request.args)
    if form.validate_on_submit():
        try:
            posted = deeds.post_deed(
                current_user, new_deed(form), uploads_of(form), kept=kept_claim(form)
            )
        except ServiceError as error:
            add_refusal(form, error, fallback_field="photo")
        else:
            if sign_in.end_after_post():
                return sign_in.forget_cached_shell(done(url_for("auth.login"), status=201))
            return done(*where_posted(posted.deed), status=201)
    keep_for_next_try(form)
    return form_page("deeds/new.html", form, workshop=workshop, kept_thumb=kept_thumb_url(form))


def where_posted(deed) -> tuple[str, str]:
    """Where a new deed's poster goes, and what they are told: the board, or the deed's own
    page while it waits for approval."""
    if deed.visibility == Visibility.PENDING:
        return (url_for("deeds.show", deed_id=deed.id),
                _("Kiitos! Tekosi näkyy taululla, kun esihenkilö on hyväksynyt sen."))
    return url_for("board.index"), _("Kiitos! Tekosi on nyt taululla.")


def keep_for_next_try(form: DeedForm) -> None:
    """Keep a refused form's new photo on the server, so that the next try needs no new pick."""
    uploads = uploads_of(form) if form.is_submitted() and not form.photo.errors else []
    if not uploads:
        return
    try:
        form.kept_photo.data = deeds.keep_photo(
            current_user.id, current_user.session_id, uploads[0]
        )
    except ServiceError as error:  # the photo itself is refused: say so now, not next time
        form.kept_photo.data = ""
        add_refusal(form, error, fallback_field="photo")


def kept_thumb_url(form: DeedForm) -> str | None:
    """Where the kept photo's thumbnail is, or None (and no token) when there is none to use."""
    claim = kept_claim(form)
    key = deeds.kept_thumb(current_user.id, claim) if claim else None
    if key is None:
        form.kept_photo.data = ""
        return None
    return url_for("deeds.photo", key=key)


def workshop_named_in(args) -> str | None:
    """The name of the workshop whose QR code opened the form (?workshop=ID), if it exists."""
    workshop_id = params.positive_int(args, "workshop")
    if workshop_id is None:
        return None
    try:
        return workshops.get_workshop(workshop_id).name
    except NotFound:  # deleted since the code was shown: the form works without it
        return None


@bp.route("/deeds/<int:deed_id>")
def show(deed_id: int):
    """Show one deed with its large photo and its comments."""
    return deed_page(deed_id, CommentForm())


def deed_page(deed_id: int, comment_form: CommentForm):
    """The deed page: 200, or 400 when the comment sent was refused (its words stay)."""
    summary = board.get_summary(deed_id, current_user)
    card = cards.card_from(summary)
    return form_page(
        "deeds/show.html",
        comment_form,
        card=card,
        hidden_reason=summary.hidden_reason,  # only those who may see the hidden deed get here
        reasons=[str(reason) for reason in HIDE_REASONS],
        thanked=bool(board.thanked_by(current_user, [deed_id])),
        thanks_texts=cards.thanks_texts(),
        comments=comments.comments_on(current_user, card, deed_id),
        board_url=url_for("board.index", **params.board_link_args(request.args)),
    )


@bp.route("/deeds/<int:deed_id>/comments", methods=["POST"])
def comment(deed_id: int):
    """Write a comment under the deed and show it there."""
    form = CommentForm()
    if not form.validate_on_submit():
        return deed_page(deed_id, form)
    try:
        written = comments.add_comment(current_user, deed_id, form.body.data)
    except ServiceError as error:
        add_refusal(form, error, fallback_field="body")
        return deed_page(deed_id, form)
    back = url_for("deeds.show", deed_id=deed_id, _anchor=f"comment-{written.id}")
    return done(back, _("Kommentti on lähetetty."))


@bp.route("/comments/<int:comment_id>/delete", methods=["POST"])
def delete_comment(comment_id: int):
    """Delete a comment and return to its deed."""
    deed_id = comments.delete_comment(current_user, comment_id)
    return done(url_for("deeds.show", deed_id=deed_id, _anchor="comments"),
                _("Kommentti on poistettu."))


@bp.route("/deeds/<int:deed_id>/edit", methods=["GET", "POST"])
def edit(deed_id: int):
    """The author changes the text, unit, date or customer type of their deed."""
    card = cards.card_from(board.get_summary(deed_id, current_user))
    require(current_user, Capability.EDIT_DEED, card)
    form = deed_edit_form(card)
    if form.validate_on_submit():
        try:
            changed = deeds.edit_deed(current_user, deed_id, deed_edit(form))
        except ServiceError as error:
            add_refusal(form, error, fallback_field="description")
        else:
            message = _("Muutokset on tallennettu.") if changed else _("Mitään ei muutettu.")
            return done(url_for("deeds.show", deed_id=deed_id), message)
    return form_page("deeds/edit.html", form, card=card)


@bp.route("/deeds/<int:deed_id>/delete", methods=["GET", "POST"])
def delete(deed_id: int):
    """The author deletes their deed with its photos, after confirming (admins: /admin/)."""
    card = cards.card_from(board.get_summary(deed_id, current_user))
    require(current_user, Capability.EDIT_DEED, card)
    form = EraseForm()
    if not form.validate_on_submit():
        return form_page("deeds/erase.html", form, card=card, own=True)
    privacy.erase_deed(current_user, deed_id)
    return done(url_for("deeds.mine"), _("Teko on poistettu kuvineen."))


@bp.route("/me")
def mine():
    """My deeds: what happened to them, and what is new since the last visit."""
    cursor = params.cursor(request.args)
    page = my_deeds.my_deeds(current_user.id, cursor, current_app.config["BOARD_PAGE_SIZE"])
    found = {card.id: card for card in cards.cards_of([deed.id for deed in page.deeds])}
    return render_template(
        "deeds/mine.html",
        items=[(deed, found[deed.id]) for deed in page.deeds if deed.id in found],
        texts=cards.thanks_texts(),
        first_page=cursor is None,
        news_seen=cursor is None,
        more_url=url_for("deeds.mine", cursor=page.next_cursor) if page.next_cursor else None,
    )


@bp.route("/deeds/<int:deed_id>/thanks", methods=["POST"])
def thank(deed_id: int):
    """Thank a deed (or take the thanks back) and return to where the user was."""
    thanked, count = deeds.toggle_thanks(current_user, deed_id)
    back = safe_next(request.form.get("next") or url_for("deeds.show", deed_id=deed_id))
    return done(
        back, thanked=thanked, thanks_count=count, thanks_label=cards.thanks_count_label(count)
    )


@bp.route("/photos/<path:key>")
def photo(key: str):
    """Send a stored photo file to a logged-in user, cached privately for a year."""
    return send_photo(photos.visible_file(key, current_user))
