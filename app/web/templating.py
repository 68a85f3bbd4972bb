"""Template globals and filters: icons, dates, labels, versioned static URLs."""

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Flask, Response, current_app, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from app import permissions
from app.i18n import format_moment, install_template_gettext, round_span
from app.labels import change_value, field_label, label, round_label, target_label
from app.models.base import utcnow
from app.web.qr import qr_svg

# A few clear line icons (24x24, stroke follows the text colour); inline, so no extra request.
ICON_PATHS = {
    "camera": '<path d="M4 8h3l2-3h6l2 3h3v11H4z"/><circle cx="12" cy="13" r="3.5"/>',
    "image": '<rect x="3" y="5" width="18" height="14" rx="2"/><path d="m3 16 5-5 4 4 3-3 6 6"/>',
    "heart": '<path d="M12 20s-7-4.4-7-10a4 4 0 0 1 7-2.6A4 4 0 0 1 19 10c0 5.6-7 10-7 10z"/>',
    "brush": '<path d="M14 4l6 6-8 8-6-6z"/><path d="M6 12l-2 8 8-2"/>',
    "filter": '<path d="M4 5h16l-6 7v6l-4 2v-8z"/>',
    "comment": '<path d="M4 5h16v11h-9l-5 4v-4H4z"/>',
    "user": '<circle cx="12" cy="8" r="4"/><path d="M4 21c0-4.4 3.6-7 8-7s8 2.6 8 7"/>',
    "star": '<path d="m12 3 2.8 5.7 6.2.9-4.5 4.4 1 6.2L12 17.3l-5.5 2.9 1-6.2L3 9.6l6.2-.9z"/>',
    "logo": '<rect x="3" y="3" width="8" height="10" rx="2"/><rect x="13" y="3" width="8" '
    'height="6" rx="2"/><rect x="3" y="15" width="8" height="6" rx="2"/><rect x="13" y="11" '
    'width="8" height="10" rx="2"/>',
}

def icon(name: str) -> Markup:
    """Return an inline SVG icon, hidden from screen readers (the text beside it speaks)."""
    return Markup(  # noqa: S704 - fixed ICON_PATHS markup  # nosec B704
        '<svg class="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">'
        f"{ICON_PATHS[name]}</svg>"
    )


def can(capability: str, deed: permissions.DeedFacts | None = None) -> bool:
    """In templates: may the logged-in user do this (to this deed)? The same table as routes."""
    return permissions.can(current_user, capability, deed)


def can_somewhere(capability: str) -> bool:
    """In templates: does the logged-in user hold this anywhere (in some unit at least)?"""
    return permissions.holds_somewhere(current_user, permissions.Capability(capability))


def my_news() -> int:
    """In the header: thanks and comments on the user's deeds since they last opened /me
    (read with the person: no statement of its own)."""
    return current_user.news if current_user.is_authenticated else 0


@lru_cache(maxsize=64)
def _file_version(path: str, mtime: float) -> str:
    """Return a short content hash of a static file (cached per modification time)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def static_url(filename: str) -> str:
    """Return the URL of a static file with its content hash, so it can be cached for a year.

    In production the files do not change while the app runs: each URL is built once.
    """
    if current_app.debug:
        return _versioned_static_url(filename)
    return _once(("static", request.script_root, filename), _versioned_static_url, filename)


def _versioned_static_url(filename: str) -> str:
    """Build a static URL with the file's content hash."""
    path = Path(current_app.static_folder or "") / filename
    return url_for("static", filename=filename, v=_file_version(str(path), path.stat().st_mtime))


def cached_url_for(endpoint: str, **values: object) -> str:
    """url_for in templates: a link without arguments is built once (the header has a dozen)."""
    if values or endpoint.startswith("."):
        return url_for(endpoint, **values)
    return _once(("url", request.script_root, endpoint), url_for, endpoint)


def _once(key: tuple, build, *args: object) -> str:
    """Return what build(*args) gave the first time for this key, in this app."""
    built = current_app.extensions["built_urls"]
    if key not in built:
        built[key] = build(*args)
    return built[key]


def prepare_static(response: Response) -> Response:
    """Buffer small static files for compression; cache versioned ones for a year."""
    if request.endpoint != "static" or response.status_code != 200:
        return response
    # A buffered body is compressed whole (and the file closed), unlike a streamed one.
    response.direct_passthrough = False
    response.make_sequence()
    response.close()  # the body is in memory now; let go of the file at once
    if request.args.get("v"):  # the URL changes with the content, so it never goes stale
        response.cache_control.public = True
        response.cache_control.max_age = 31536000
        response.cache_control.immutable = True
        response.cache_control.no_cache = None
    return response


def init_app(app: Flask) -> None:
    """Register the helpers with Jinja."""
    app.after_request(prepare_static)
    app.extensions["built_urls"] = {}
    install_template_gettext(app)
    app.jinja_env.globals.update(
        static_url=static_url,
        url_for=cached_url_for,
        icon=icon,
        current_locale=lambda: str(get_locale() or "fi"),
        can=can,
        can_somewhere=can_somewhere,
        my_news=my_news,
        label=label,
        target_label=target_label,
        field_label=field_label,
        change_value=change_value,
        round_label=round_label,
        round_span=round_span,
        format_moment=format_moment,
        now=utcnow,
        qr_svg=qr_svg,
    )
