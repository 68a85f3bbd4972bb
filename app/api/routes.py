"""JSON for the board's 'load more' and for other clients."""

from flask import current_app, jsonify, request
from flask_login import current_user

from app.api import bp
from app.services import board
from app.services.cards import deed_card
from app.services.filters import board_filter_from_args, cursor_from_args, positive_int

MAX_LIMIT = 100


@bp.route("/deeds")
def deeds():
    """Return a page of board cards, newest first, with the cursor of the next page."""
    filters = board_filter_from_args(request.args)
    cursor = cursor_from_args(request.args)
    limit = min(positive_int(request.args, "limit") or current_app.config["BOARD_PAGE_SIZE"],
                MAX_LIMIT)
    page = board.board_page(current_user, filters, cursor, limit)
    return jsonify(
        deeds=[deed_card(deed, deed.id in page.thanked_ids) for deed in page.deeds],
        next_cursor=page.next_cursor,
    )
