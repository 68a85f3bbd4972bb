"""Reading query parameters: board filters, cursors and limits; nonsense is a 400 in Finnish."""

from collections.abc import Mapping

from flask_babel import gettext as _

from app.services.board import BoardFilter
from app.web.errors import refuse

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
        refuse(400, _("Virheellinen hakuehto: %(name)s.", name=name))
    return int(raw)


def board_filter(args: Mapping[str, str]) -> BoardFilter:
    """Build the board filter from ?municipality=ID&unit=ID."""
    return BoardFilter(
        municipality_id=positive_int(args, "municipality"),
        unit_id=positive_int(args, "unit"),
    )


def cursor(args: Mapping[str, str]) -> int | None:
    """Return the cursor (the id of the last deed already shown)."""
    return positive_int(args, "cursor")
