"""The board of deeds, filtered by query parameters, and its next pages for "load more"."""

from flask import current_app, make_response, render_template, request, url_for
from flask_login import current_user

from app.board import bp
from app.services import board
from app.web import cards, params


def requested_page(places: board.Places | None = None) -> tuple[board.BoardFilter, board.BoardPage]:
    """Read the filter and cursor from the URL and fetch that page of the board.

    With the places at hand, a unit outside the chosen municipality is left out of the filter.
    """
    filters = params.board_filter(request.args)
    if places is not None:
        filters = places.consistent(filters)
    cursor = params.cursor(request.args)
    size = current_app.config["BOARD_PAGE_SIZE"]
    return filters, board.board_page(current_user, filters, cursor, size)


@bp.route("/")
def index():
    """Show the newest deeds as a masonry of photo cards."""
    places = board.places()
    filters, page = requested_page(places)
    return render_template(
        "board/index.html",
        page=page,
        cards_html=cards.page_html(page, link_args=params.filter_args(filters)),
        filters=filters,
        places=places,
        more_url=more_url("board.index", filters, page),
        more_cards_url=more_url("board.more", filters, page),
    )


@bp.route("/board/more")
def more():
    """The next page's cards as HTML, for "load more" (the same partial as the board)."""
    filters, page = requested_page()
    link_args = params.filter_args(filters)
    response = make_response(cards.page_html(page, first_screen=False, link_args=link_args))
    response.headers["X-Next-Cursor"] = str(page.next_cursor or "")
    return response


def more_url(endpoint: str, filters: board.BoardFilter, page: board.BoardPage) -> str | None:
    """The URL of the page after this one, keeping the filter; None at the end."""
    if page.next_cursor is None:
        return None
    return url_for(endpoint, cursor=page.next_cursor, **params.filter_args(filters))
