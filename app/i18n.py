"""Locale choice and Finnish-first formatting helpers for templates."""

import datetime as dt

from babel.dates import format_date, format_datetime
from flask import current_app, g, has_request_context, session
from flask_babel import get_locale, get_timezone, get_translations, gettext
from markupsafe import Markup

# Dates and times are written as in Finland: English day before month (as in British English),
# Swedish the Finland-Swedish way (26.11.2026 kl. 13.00), not Sweden's ISO 2026-11-26.
DATE_LOCALES = {"en": "en_GB", "sv": "sv_FI"}


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
    return format_date(value, "short", locale=date_locale())


def format_moment(value: dt.datetime | None) -> str:
    """Format a moment as a date and time in the app's timezone (26.11.2026 klo 13.00)."""
    if value is None:
        return ""
    aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)  # SQLite drops the zone
    return format_datetime(aware, "short", tzinfo=get_timezone(), locale=date_locale())


def date_locale() -> str:
    """The locale that writes dates and times for the current language (sv -> sv_FI)."""
    locale = str(get_locale() or "fi")
    return DATE_LOCALES.get(locale, locale)


def round_span(round_) -> str:
    """When a round (app.services.workshops.Round) begins and ends, in words."""
    starts = format_moment(round_.starts) if round_.starts else gettext("alusta")
    ends = format_moment(round_.ends) if round_.ends else gettext("nyt")
    return f"{starts} – {ends}"


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


def template_gettext(message: str, **variables: object) -> Markup:
    """_() in templates: the translation, its %(name)s variables escaped (Jinja's newstyle).

    The same result as the i18n extension's _(), without its two context calls per string:
    a page has dozens of strings and is rendered on every request.
    """
    # Our own catalogues are trusted markup, as Jinja's newstyle gettext treats them.
    text = Markup(request_translations().ugettext(message))  # noqa: S704  # nosec B704
    return text % variables  # always a format string, as in Jinja (so "%%" is one "%")


def template_ngettext(singular: str, plural: str, n: int, **variables: object) -> Markup:
    """ngettext() in templates, with num set as Jinja's newstyle gettext sets it."""
    text = Markup(request_translations().ungettext(singular, plural, n))  # noqa: S704  # nosec B704
    return text % {"num": n, **variables}


def install_template_gettext(app) -> None:
    """Let templates translate through request_translations (same catalogues, same results)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: request_translations().ugettext(s),
        ngettext=lambda s, p, n: request_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: request_translations().unpgettext(c, s, p, n),
    )
    app.jinja_env.globals.update(
        _=template_gettext, gettext=template_gettext, ngettext=template_ngettext
    )
