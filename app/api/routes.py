"""JSON for other clients: the same cards the board shows."""

from flask import current_app, jsonify, request
from flask_login import current_user

from app.api import bp
from app.services import board
from app.web import cards, params

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
