"""Locale choice and Finnish-first formatting helpers for templates."""

import datetime as dt

from babel.dates import format_date
from flask import current_app, g, has_request_context, session
from flask_babel import get_locale, get_translations

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


def request_translations():
    """This request's catalogue, found once per request.

    Flask-Babel finds the catalogue again for every string, which costs more than the lookup
    itself on a page with a hundred strings; the language cannot change within a request.
    """
    if not has_request_context():
        return get_translations()
    if "translations" not in g:
        g.translations = get_translations()
    return g.translations


def install_template_gettext(app) -> None:
    """Let templates translate through request_translations (same catalogues, same results)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: request_translations().ugettext(s),
        ngettext=lambda s, p, n: request_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: request_translations().unpgettext(c, s, p, n),
    )
