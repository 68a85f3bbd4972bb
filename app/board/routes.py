"""The board of deeds, filtered by query parameters."""

from flask import current_app, render_template, request
from flask_login import current_user

from app.board import bp
from app.services import board
from app.services.filters import board_filter_from_args, cursor_from_args


@bp.route("/")
def index():
    """Show the newest deeds as a masonry of photo cards."""
    filters = board_filter_from_args(request.args)
    cursor = cursor_from_args(request.args)
    page = board.board_page(current_user, filters, cursor, current_app.config["BOARD_PAGE_SIZE"])
    return render_template(
        "board/index.html",
        page=page,
        filters=filters,
        municipalities=board.municipalities(),
        units=board.active_units(),
    )
