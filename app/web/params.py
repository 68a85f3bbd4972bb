"""Reading query parameters: board filters, cursors and limits; nonsense is a 400 in Finnish."""

import datetime as dt
from collections.abc import Mapping

from flask_babel import gettext as _

from app.services import workshops
from app.services.board import BoardFilter
from app.web.errors import refuse

OPEN_ROUND = "open"  # ?round=open: the deeds since the newest workshop started

# Ids are INTEGER columns: PostgreSQL refuses a larger number with an error (a 500), not no rows.
MAX_ID = 2**31 - 1
MAX_DIGITS = len(str(MAX_ID))


def positive_int(args: Mapping[str, str], name: str) -> int | None:
    """Return the parameter as a positive integer, None when absent, 400 when not a number."""
    raw = args.get(name, "").strip()
    if not raw:
        return None
    # isascii(): str.isdigit() also accepts digits such as "²" that int() cannot read.
    # The length check first: int() refuses (ValueError) strings of over 4300 digits.
    if len(raw) > MAX_DIGITS or not (raw.isascii() and raw.isdigit()) or not 0 < int(raw) <= MAX_ID:
        refuse(400, _("Rajaus ei kelpaa: %(name)s.", name=name))
    return int(raw)


def id_list(args: Mapping[str, str], name: str, most: int) -> list[int]:
    """Return ?name=1,2,3 as ids (at most `most` of them); 400 when not such a list."""
    raw = args.get(name, "").strip()
    if not raw:
        return []
    parts = raw.split(",")
    if len(parts) > most:
        refuse(400, _("Rajaus ei kelpaa: %(name)s.", name=name))
    return [positive_int({name: part}, name) or 0 for part in parts]


def board_filter(args: Mapping[str, str]) -> BoardFilter:
    """Build the board filter from ?municipality=ID&unit=ID&round=ID (or round=open)
    &from=YYYY-MM-DD&to=YYYY-MM-DD."""
    date_from, date_to = iso_date(args, "from"), iso_date(args, "to")
    if date_from and date_to and date_from > date_to:
        refuse(400, _("Alkupäivä on loppupäivän jälkeen. Valitse aikaväli uudelleen."))
    return BoardFilter(
        municipality_id=positive_int(args, "municipality"),
        unit_id=positive_int(args, "unit"),
        round=round_filter(args),
        date_from=date_from,
        date_to=date_to,
    )


def iso_date(args: Mapping[str, str], name: str) -> dt.date | None:
    """Return the parameter as a date (YYYY-MM-DD), None when absent, 400 when not a date."""
    raw = args.get(name, "").strip()
    if not raw:
        return None
    try:
        # fromisoformat also reads "20260602" and week dates: only the one plain form passes.
        if len(raw) != len("2026-06-02"):
            raise ValueError(raw)
        return dt.date.fromisoformat(raw)
    except ValueError:
        refuse(400, _("Päivämäärä ei kelpaa: %(name)s. Anna se muodossa vvvv-kk-pp.", name=name))


def round_filter(args: Mapping[str, str]) -> workshops.Round | None:
    """The round a workshop shows (?round=ID), or the open round (?round=open); 404 if none."""
    if args.get("round", "").strip() == OPEN_ROUND:
        return workshops.open_round()
    workshop_id = positive_int(args, "round")
    return workshops.round_of(workshop_id) if workshop_id is not None else None


def filter_args(filters: BoardFilter) -> dict[str, object]:
    """The filter as query parameters again (None for those not set), for links and forms."""
    round_ = filters.round
    return {
        "municipality": filters.municipality_id,
        "unit": filters.unit_id,
        "round": (OPEN_ROUND if round_.open else round_.workshop_id) if round_ else None,
        "from": filters.date_from.isoformat() if filters.date_from else None,
        "to": filters.date_to.isoformat() if filters.date_to else None,
    }


def board_link_args(args: Mapping[str, str]) -> dict[str, object]:
    """The board filter a page was opened from, checked, to link back to the same board.

    Only numbers (and round=open) pass, and the link is built by url_for: never a redirect
    elsewhere.
    """
    open_round = args.get("round", "").strip() == OPEN_ROUND
    return {
        "municipality": positive_int(args, "municipality"),
        "unit": positive_int(args, "unit"),
        "round": OPEN_ROUND if open_round else positive_int(args, "round"),
    }


def cursor(args: Mapping[str, str]) -> int | None:
    """Return the cursor (the id of the last deed already shown)."""
    return positive_int(args, "cursor")
