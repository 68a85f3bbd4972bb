"""Locale choice and Finnish-first formatting helpers for templates."""

import datetime as dt

from babel.dates import format_date
from flask import current_app, has_request_context, session
from flask_babel import get_locale

# English here is read in Finland: day before month, as in British English.
DATE_LOCALES = {"en": "en_GB"}


def select_locale() -> str:
    """Use the language the user picked, Finnish otherwise (staff tablets vary)."""
    if not has_request_context():  # CLI commands and services outside a request speak Finnish
        return "fi"
    chosen = session.get("lang")
    return chosen if chosen in current_app.config["LANGUAGES"] else "fi"


def short_date(value: dt.date | None) -> str:
    """Format a date the local way (2.6.2026 in Finnish)."""
    if not value:
        return ""
    locale = str(get_locale() or "fi")
    return format_date(value, "short", locale=DATE_LOCALES.get(locale, locale))
