"""The board of deeds, filtered by query parameters, its next pages for "load more", and its
exports (CSV, and a ZIP of the photos)."""

from collections.abc import Iterator

from flask import (
    Response,
    current_app,
    make_response,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from app.board import bp
from app.labels import choices
from app.models import AuditAction, CustomerType
from app.models.base import utcnow
from app.services import board, exports
from app.web import cards, params
from app.web import exports as export_files
from app.web.errors import refuse


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
        filter_args=params.filter_args(filters),
        customer_types=choices(CustomerType),
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


@bp.route("/board/export.csv")
def export_csv():
    """The filtered board's deeds as CSV (UTF-8 with a BOM; ?sep=semicolon for Finnish Excel)."""
    filters, separator = export_request(AuditAction.EXPORT_BOARD_CSV)
    chunks = export_files.csv_chunks(exports.rows(filters), separator)
    return download((text.encode() for text in chunks), "text/csv; charset=utf-8", "csv")


@bp.route("/board/export.zip")
def export_zip():
    """The filtered board's photos (the largest size) with the CSV as their index, streamed."""
    filters, separator = export_request(AuditAction.EXPORT_BOARD_ZIP)
    chunks = export_files.zip_chunks(lambda before: exports.rows(filters, before), separator)
    return download(chunks, "application/zip", "zip")


def export_request(action: AuditAction) -> tuple[board.BoardFilter, str]:
    """Read the filter and the separator, check the person may export, and log the export."""
    filters = params.board_filter(request.args)
    separator = export_files.SEPARATORS.get(request.args.get("sep", "").strip() or "comma")
    if separator is None:
        refuse(400, _("Rajaus ei kelpaa: %(name)s.", name="sep"))
    exports.begin(current_user, action, params.filter_query(filters))
    return filters, separator


def download(chunks: Iterator[bytes], mimetype: str, extension: str) -> Response:
    """Stream a file as an attachment, never kept by a cache (it may hold personal data)."""
    response = Response(stream_with_context(chunks), mimetype=mimetype)
    name = f"tekotaulu-{utcnow():%Y%m%d}.{extension}"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response
