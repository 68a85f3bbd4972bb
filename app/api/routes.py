"""JSON for other clients: the same cards the board shows, and posting a deed."""

import uuid

from flask import current_app, flash, jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.api import bp
from app.deeds.forms import deed_form, new_deed, uploads_of
from app.deeds.routes import where_posted
from app.services import board
from app.services import deeds as deed_service
from app.services.errors import ServiceError
from app.web import cards, params, sign_in
from app.web.errors import message_of, refusal_of

MAX_LIMIT = 100


@bp.route("/deeds")
def deeds():
    """Return a page of board cards, newest first, with the cursor of the next page."""
    filters = params.board_filter(request.args)
    cursor = params.cursor(request.args)
    limit = min(params.positive_int(request.args, "limit") or current_app.config["BOARD_PAGE_SIZE"],
                MAX_LIMIT)
    page = board.board_page(current_user, filters, cursor, limit)
    found = cards.cards_of([ref.id for ref in page.refs])
    return jsonify(
        deeds=[cards.card_json(card, card.id in page.thanked_ids) for card in found],
        next_cursor=page.next_cursor,
    )


@bp.route("/deeds", methods=["POST"])
def post_deed():
    """Post a deed (multipart, as the form): 201 when made now, 200 when this client id made it.

    The request's CSRF token was checked before this (form field or X-CSRFToken header).
    """
    form = deed_form(meta={"csrf": False})
    form.kept_photo.data = ""  # kept photos belong to the form page; a script sends the photo
    client_id = client_id_of(request.form)
    if client_id is False:
        return field_errors({"client_id": [_("Lähetetyt tiedot eivät kelpaa.")]})
    if not form.validate_on_submit():
        return field_errors(form.errors)
    try:
        posted = deed_service.post_deed(
            current_user, new_deed(form), uploads_of(form), client_id=client_id
        )
    except ServiceError as error:
        refusal = refusal_of(error)
        if refusal.status != 400:
            raise
        return field_errors({refusal.field or "photo": [message_of(error)]})
    next_url, message = where_posted(posted.deed)
    # The outbox sends in the background: only the poster's own tap signs them out.
    if posted.created and request.form.get("from") != "outbox":
        if sign_in.end_after_post():
            next_url = url_for("auth.login")
        else:
            flash(message, "success")
    response = jsonify(
        id=posted.deed.id,
        created=posted.created,
        url=url_for("deeds.show", deed_id=posted.deed.id),
        redirect=next_url,
        visibility=posted.deed.visibility.value,
    )
    if next_url == url_for("auth.login"):
        sign_in.forget_cached_shell(response)
    return response, 201 if posted.created else 200


def client_id_of(form) -> str | None | bool:
    """The outbox's idempotency key (a UUID), None when not sent, False when malformed."""
    raw = form.get("client_id")
    if not raw:
        return None
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        return False


def field_errors(errors: dict):
    """Answer a refused post: 400 with the messages per field, and the first one alone."""
    texts = {field: [str(message) for message in messages] for field, messages in errors.items()}
    first = next((messages[0] for messages in texts.values() if messages), "")
    return jsonify(errors=texts, error=first), 400
