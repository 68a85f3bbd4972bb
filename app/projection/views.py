"""What a projection screen is given: its titles and addresses, and the live data it polls.

A screen is opened either by a signed-in leader or admin (the filter is in the URL) or through a
projection link (the filter is the link's); both get the same page and the same live data, the
link's with photo addresses that work through the link only.
"""

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl

from flask import Response, current_app, jsonify, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.datastructures import MultiDict

from app.labels import round_label
from app.services import board, projection
from app.services.board import BoardFilter
from app.services.errors import NotFound
from app.web import cards, params, qr

POLL_SECONDS = 3  # a new deed is on the wall within about this (the bar is 5 s)
REFRESH_MAX = 50  # cards a screen may ask for again in one poll
LINK_SALT = "projection-link"


@dataclass(frozen=True)
class Scope:
    """One projected filter: its canonical name, and where its pages and photos are."""

    filters: BoardFilter
    key: str  # canonical query string: the Projection row and links are found by it
    link_token: str | None = None  # set when opened through a projection link

    def url(self, endpoint: str, **values: object) -> str:
        """A URL of this scope's projection pages (the link's own, or with the filter)."""
        if self.link_token is not None:
            return url_for(f"projection.link_{endpoint}", token=self.link_token, **values)
        return url_for(f"projection.{endpoint}", **params.filter_args(self.filters), **values)

    def photo_url(self, key: str) -> str:
        """A photo's address: through the link when opened through one."""
        if self.link_token is not None:
            return url_for("projection.link_photo", token=self.link_token, key=key)
        return cards.photo_url(key)


@dataclass(frozen=True)
class ProjectionView:
    """What the projection page shows around the deeds, and where its data comes from."""

    title: str
    subtitle: str | None
    live_url: str
    qr_url: str
    new_deed_url: str
    remote_url: str | None
    exit_url: str | None
    poll_seconds: int


def filter_key(filters: BoardFilter) -> str:
    """The filter's canonical query string (sorted, only what is set)."""
    return params.filter_query(filters)


def scope_from(args: Mapping[str, str]) -> Scope:
    """The scope of a signed-in leader's request: the filter in its URL or its form."""
    filters = params.board_filter(args)
    return Scope(filters, filter_key(filters))


def link_token(link_id: int) -> str:
    """The signed token of a projection link (it names the link; the row says if it is valid)."""
    return URLSafeSerializer(current_app.secret_key, salt=LINK_SALT).dumps(link_id)


def scope_from_link(token: str) -> Scope:
    """The scope a link shows; a tampered token is not found, an ended link refused (410)."""
    try:
        link_id = URLSafeSerializer(current_app.secret_key, salt=LINK_SALT).loads(token)
    except BadSignature:
        raise NotFound("projection_link_not_found") from None
    if not isinstance(link_id, int):
        raise NotFound("projection_link_not_found")
    link = projection.open_link(link_id)
    filters = params.board_filter(MultiDict(parse_qsl(link.filter_key)))
    return Scope(filters, link.filter_key, token)


def link_url(link_id: int) -> str:
    """The absolute address of a projection link, to open on the room's computer."""
    return url_for("projection.link_show", token=link_token(link_id), _external=True)


def projection_view(scope: Scope) -> ProjectionView:
    """The page's titles and addresses for this scope."""
    title, subtitle = titles(scope.filters)
    linked = scope.link_token is not None
    return ProjectionView(
        title=title,
        subtitle=subtitle,
        live_url=_with_query(scope.url("live")),
        qr_url=scope.url("qr"),
        new_deed_url=new_deed_url(scope.filters),
        remote_url=None if linked else scope.url("remote"),
        exit_url=None if linked else exit_url(scope.filters),
        poll_seconds=POLL_SECONDS,
    )


def _with_query(url: str) -> str:
    """The URL ready for more parameters to be appended with "&"."""
    return url if "?" in url else url + "?"


def titles(filters: BoardFilter) -> tuple[str, str | None]:
    """A title for the filter (the workshop, else the place) and a line under it."""
    names = place_names(filters)
    if filters.round is not None:
        round_ = filters.round
        title = round_label(round_) if round_.open else round_.workshop_name
        return title or _("Kaikki teot"), " · ".join(names) or None
    if names:
        return names[0], " · ".join(names[1:]) or None
    return _("Kaikki teot"), None


def place_names(filters: BoardFilter) -> list[str]:
    """The names of the unit and municipality the filter narrows to."""
    found = board.places()
    names = []
    if filters.unit_id is not None:
        names += [u.name for u in found.units if u.id == filters.unit_id]
    if filters.municipality_id is not None:
        names += [name for id_, name in found.municipalities if id_ == filters.municipality_id]
    return names


def new_deed_url(filters: BoardFilter) -> str:
    """The absolute address the QR code opens: the deed form (with the workshop, if one)."""
    workshop = filters.round.workshop_id if filters.round and not filters.round.open else None
    return url_for("deeds.new", workshop=workshop, _external=True)


def exit_url(filters: BoardFilter) -> str:
    """Where leaving the projection goes: the workshop's page, else the filtered board."""
    if filters.round is not None and filters.round.workshop_id is not None:
        return url_for("workshops.show", workshop_id=filters.round.workshop_id)
    return url_for("board.index", **params.filter_args(filters))


def qr_svg(url: str) -> Response:
    """The QR code of a URL as an SVG image, drawn here (never by an outside service)."""
    response = Response(qr.svg_bytes(url, title=url), mimetype="image/svg+xml")
    response.cache_control.private = True
    response.cache_control.max_age = 3600
    return response


def live(scope: Scope, args: Mapping[str, str]) -> Response:
    """The deeds newer than `since`, those asked again, which are still shown, and the spotlight.

    Answers 304 when nothing of that changed since the screen last asked (the ETag covers it),
    so thirty screens polling every few seconds cost one small query each.
    """
    shown = projection.window(scope.filters)
    present = {item.id for item in shown}
    spotlight = projection.spotlight(scope.key)
    spotlight = spotlight if spotlight in present else None  # hidden, erased or out of the filter
    since = params.positive_int(args, "since")
    refresh = set(params.id_list(args, "refresh", REFRESH_MAX)) & present
    etag = _etag(scope, shown, spotlight, since, refresh)
    if etag in request.if_none_match:
        return _revalidated(Response(status=304), etag)
    wanted = [item.id for item in shown if since is None or item.id > since or item.id in refresh]
    extra = [spotlight] if spotlight is not None and spotlight not in wanted else []
    found = {card.id: card for card in cards.cards_of(wanted + extra, scope.photo_url)}
    response = jsonify(
        cards=[cards.card_json(found[i], False) for i in wanted if i in found],
        present=[[item.id, item.version] for item in shown],
        spotlight=cards.card_json(found[spotlight], False) if spotlight in found else None,
        newest=max((item.id for item in shown), default=None),
        poll_seconds=POLL_SECONDS,
    )
    return _revalidated(response, etag)


def _etag(scope: Scope, shown, spotlight, since, refresh) -> str:
    """A digest of everything the live answer depends on."""
    state = [str(get_locale()), scope.key, scope.link_token, since, sorted(refresh), spotlight,
             [(item.id, item.version) for item in shown]]
    return hashlib.sha256(json.dumps(state).encode()).hexdigest()[:32]


def _revalidated(response: Response, etag: str) -> Response:
    """Let the browser keep the answer only to ask again with If-None-Match."""
    response.set_etag(etag)
    response.cache_control.private = True
    response.cache_control.no_cache = True
    return response
