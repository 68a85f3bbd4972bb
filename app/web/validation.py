"""Form validators against hostile input: control characters, odd file names, extra files."""

import re

from flask import request
from flask_babel import lazy_gettext as _l
from wtforms import Field
from wtforms.validators import ValidationError

MAX_FILENAME = 255
# C0 controls except tab and newlines, DEL, C1 controls, and the bidi overrides and isolates
# that can make text read differently from what it is ("gpj.exe" shown as "exe.jpg").
_HOSTILE_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_HOSTILE_NAME = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069/\\\\]")


def has_hostile_characters(text: str) -> bool:
    """Tell whether text holds control or direction-override characters."""
    return _HOSTILE_TEXT.search(text) is not None


def plain_text(form, field: Field) -> None:
    """Refuse control and direction-override characters in a text field."""
    if isinstance(field.data, str) and has_hostile_characters(field.data):
        raise ValidationError(
            _l("Tekstissä on näkymättömiä ohjausmerkkejä. Kirjoita teksti uudelleen.")
        )


def safe_filename(form, field: Field) -> None:
    """Refuse a file name with a path, control characters or absurd length (browsers send none)."""
    name = getattr(field.data, "filename", None) or ""
    if len(name) > MAX_FILENAME or _HOSTILE_NAME.search(name) or name.strip(".") == "":
        raise ValidationError(
            _l("Kuvan tiedostonimi ei kelpaa. Ota kuva uudelleen tai nimeä tiedosto uudelleen.")
        )


def one_file(form, field: Field) -> None:
    """Refuse several files sent under one single-file field."""
    if len(request.files.getlist(field.name)) > 1:
        raise ValidationError(_l("Lähetä yksi kuva kerrallaan."))
