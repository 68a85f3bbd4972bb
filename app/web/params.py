"""Reading query parameters: board filters, cursors and limits; nonsense is a 400 in Finnish."""

import contextlib
import datetime as dt
import re
from collections.abc import Mapping
from urllib.parse import urlencode

from flask_babel import gettext as _

from app.models import CustomerType
from app.services import search, workshops
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


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def iso_date(args: Mapping[str, str], name: str) -> dt.date | None:
    """Return ?name=YYYY-MM-DD as a date, None when absent, 400 when not such a date."""
    raw = args.get(name, "").strip()
    if not raw:
        return None
    if ISO_DATE.fullmatch(raw):
        with contextlib.suppress(ValueError):  # 2026-02-30
            return dt.date.fromisoformat(raw)
    refuse(400, _("Päivämäärä ei kelpaa: %(name)s. Anna se muodossa VVVV-KK-PP.", name=name))


def date_range(args: Mapping[str, str]) -> tuple[dt.date | None, dt.date | None]:
    """Return ?from=…&to=… (both ends included); 400 when the range ends before it begins."""
    starts, ends = iso_date(args, "from"), iso_date(args, "to")
    if starts and ends and starts > ends:
        refuse(400, _("Aikavälin alku on sen lopun jälkeen."))
    return starts, ends


def customer_type(args: Mapping[str, str]) -> CustomerType | None:
    """Return ?type=… as a customer type, None when absent, 400 when there is no such type."""
    raw = args.get("type", "").strip()
    if not raw:
        return None
    if raw not in CustomerType.__members__.values():
        refuse(400, _("Rajaus ei kelpaa: %(name)s.", name="type"))
    return CustomerType(raw)


def search_text(args: Mapping[str, str]) -> str | None:
    """Return ?q=… as search text, None when it has no word to search for; 400 when too long."""
    raw = " ".join("".join(c if c.isprintable() else " " for c in args.get("q", "")).split())
    if len(raw) > search.MAX_TEXT:
        refuse(400, _("Hakuteksti on liian pitkä (yli %(num)s merkkiä). Lyhennä sitä.",
                      num=search.MAX_TEXT))
    return raw if search.search_terms(raw) else None


def board_filter(args: Mapping[str, str]) -> BoardFilter:
    """Build the board filter from ?municipality=ID&unit=ID&round=ID (or round=open), the
    customer type, the date range, the author, the search text and featured=1."""
    happened_from, happened_to = date_range(args)
    return BoardFilter(
        municipality_id=positive_int(args, "municipality"),
        unit_id=positive_int(args, "unit"),
        round=round_filter(args),
        customer_type=customer_type(args),
        happened_from=happened_from,
        happened_to=happened_to,
        author_id=positive_int(args, "author"),
        text=search_text(args),
        featured=switch(args, "featured"),
    )


def switch(args: Mapping[str, str], name: str) -> bool:
    """Return ?name=1 as True, absent (or 0) as False; 400 for anything else."""
    raw = args.get(name, "").strip()
    if raw not in ("", "0", "1"):
        refuse(400, _("Rajaus ei kelpaa: %(name)s.", name=name))
    return raw == "1"


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
        "type": filters.customer_type.value if filters.customer_type else None,
        "from": filters.happened_from.isoformat() if filters.happened_from else None,
        "to": filters.happened_to.isoformat() if filters.happened_to else None,
        "author": filters.author_id,
        "q": filters.text,
        "featured": 1 if filters.featured else None,
    }


def filter_query(filters: BoardFilter) -> str:
    """The filter's canonical query string (sorted, only what is set)."""
    args = {name: value for name, value in filter_args(filters).items() if value is not None}
    return urlencode(sorted(args.items()))


def board_link_args(args: Mapping[str, str]) -> dict[str, object]:
    """The board filter a page was opened from, checked, to link back to the same board.

    Only numbers, dates, customer types, round=open and search text pass, and the link is
    built by url_for (which quotes the text): never a redirect elsewhere.
    """
    open_round = args.get("round", "").strip() == OPEN_ROUND
    happened_from, happened_to = date_range(args)
    kind = customer_type(args)
    return {
        "municipality": positive_int(args, "municipality"),
        "unit": positive_int(args, "unit"),
        "round": OPEN_ROUND if open_round else positive_int(args, "round"),
        "type": kind.value if kind else None,
        "from": happened_from.isoformat() if happened_from else None,
        "to": happened_to.isoformat() if happened_to else None,
        "author": positive_int(args, "author"),
        "q": search_text(args),
        "featured": 1 if switch(args, "featured") else None,
    }


def cursor(args: Mapping[str, str]) -> int | None:
    """Return the cursor (the id of the last deed already shown)."""
    return positive_int(args, "cursor")
