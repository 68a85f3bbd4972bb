"""The one deed card: plain data built from a deed summary, rendered by one partial.

The board, "load more" and the projection show the same partial; the JSON API serialises the
same data. Rendered cards are cached per worker process, keyed by the deed's id, version,
thanks and comment counts and the language. Those come from the database with every page, so a
worker never serves a card that another worker or server changed, and nothing has to be shared or
invalidated between them; hidden and erased deeds are simply not on the page any more. Each
entry holds the card as a viewer who has thanked the deed sees it and as one who has not: the
viewer's own thanks picks one outside the cache, so no entry belongs to a person; the author's
own view (no thanks button: nobody thanks themselves) is a third rendering of the same entry.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlencode

from flask import current_app, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from markupsafe import Markup

from app.i18n import short_date
from app.labels import label
from app.models import HasVisibility, Visibility
from app.services.board import BoardPage, DeedSummary, PhotoSummary, summaries
from app.web.templating import icon

CACHE_ENTRIES = 4096  # about 1.5 kB each: a few megabytes per worker at most
EAGER_CARDS = 6  # the first screen's photos load at once, the rest lazily


@dataclass(frozen=True)
class Place:
    """A unit or municipality as a card shows it."""

    id: int
    name: str


@dataclass(frozen=True)
class PhotoSize:
    """One stored size of a photo, with its URL."""

    name: str
    url: str
    width: int
    height: int


@dataclass(frozen=True)
class CardPhoto:
    """A photo as cards and pages show it: its sizes widest first, and a placeholder."""

    width: int
    height: int
    placeholder: str
    renditions: tuple[PhotoSize, ...]

    def pick(self, name: str) -> PhotoSize:
        """Return the size with this name, else the smallest."""
        return next((r for r in self.renditions if r.name == name), self.renditions[-1])

    def srcset(self, max_width: int | None = None) -> str:
        """The srcset list, leaving out sizes wider than max_width (the smallest stays)."""
        sizes = [r for r in self.renditions if not max_width or r.width <= max_width]
        return ", ".join(f"{r.url} {r.width}w" for r in sizes or self.renditions[-1:])


@dataclass(frozen=True)
class Card(HasVisibility):
    """Everything a deed's card shows, as plain data."""

    id: int
    version: int
    url: str
    thanks_url: str
    description: str
    unit: Place
    municipality: Place
    author: str
    author_id: int
    happened_on: str
    happened_on_display: str
    customer_type: str | None
    customer_type_label: str | None
    visibility: Visibility
    thanks_count: int
    photos: tuple[CardPhoto, ...]
    featured: bool = False  # "nostettu" by a supervisor
    comment_count: int = 0

    @property
    def unit_id(self) -> int:
        """The unit's id (what capability checks read)."""
        return self.unit.id


@dataclass(frozen=True)
class RenderedCard:
    """A card rendered for each kind of viewer: one who has thanked the deed, one who has not,
    and its author."""

    not_thanked: Markup
    thanked: Markup
    own: Markup

    def for_viewer(self, thanked: bool, own: bool = False) -> Markup:
        """The card as this viewer sees it."""
        if own:
            return self.own
        return self.thanked if thanked else self.not_thanked


@dataclass(frozen=True)
class ThanksTexts:
    """The words and icon of a thanks button, found once per page rather than once per card."""

    label: str
    icon: Markup
    comment_icon: Markup = Markup("")

    @staticmethod
    def count_label(count: int) -> str:
        """What the count says to a screen reader ("3 kiitosta")."""
        return thanks_count_label(count)

    @staticmethod
    def comment_label(count: int) -> str:
        """What the comment count says to a screen reader ("3 kommenttia")."""
        return comment_count_label(count)


def thanks_texts() -> ThanksTexts:
    """The thanks button's words in the current language."""
    return ThanksTexts(_("Kiitos!"), icon("heart"), icon("comment"))


def thanks_count_label(count: int) -> str:
    """A deed's thanks in words, in the right plural form: the card and the thanks JSON say it."""
    return ngettext("%(num)s kiitos", "%(num)s kiitosta", count)


def comment_count_label(count: int) -> str:
    """A deed's comments in words, in the right plural form."""
    return ngettext("%(num)s kommentti", "%(num)s kommenttia", count)


PhotoUrl = Callable[[str], str]  # a stored file's key -> the URL it is fetched from


def photo_url(key: str) -> str:
    """The URL of a stored photo file for a logged-in viewer."""
    return url_for("deeds.photo", key=key)


def card_from(deed: DeedSummary, photo_url: PhotoUrl = photo_url) -> Card:
    """Build a deed's card from its summary: the one place that decides what a card holds.

    `photo_url` names the photos' address: a projection link serves them under its own.
    """
    return Card(
        id=deed.id,
        version=deed.version,
        url=url_for("deeds.show", deed_id=deed.id),
        thanks_url=url_for("deeds.thank", deed_id=deed.id),
        description=deed.description,
        unit=Place(deed.unit_id, deed.unit_name),
        municipality=Place(deed.municipality_id, deed.municipality_name),
        author=deed.author_name,
        author_id=deed.author_id,
        happened_on=deed.happened_on.isoformat(),
        happened_on_display=short_date(deed.happened_on),
        customer_type=deed.customer_type.value if deed.customer_type else None,
        customer_type_label=label(deed.customer_type) if deed.customer_type else None,
        visibility=deed.visibility,
        thanks_count=deed.thanks_count,
        photos=tuple(_card_photo(photo, photo_url) for photo in deed.photos if photo.sizes),
        featured=deed.featured,
        comment_count=deed.comment_count,
    )


def _card_photo(photo: PhotoSummary, photo_url: PhotoUrl) -> CardPhoto:
    """A photo with the URL of each stored size."""
    sizes = tuple(
        PhotoSize(size.name, photo_url(size.key), size.width, size.height) for size in photo.sizes
    )
    return CardPhoto(photo.width, photo.height, photo.placeholder, sizes)


def cards_of(deed_ids: Sequence[int], photo_url: PhotoUrl = photo_url) -> list[Card]:
    """Cards for these deeds, in this order."""
    return [card_from(deed, photo_url) for deed in summaries(deed_ids)]


def card_json(card: Card, thanked: bool) -> dict[str, Any]:
    """A card as JSON: the same data, whether the viewer has thanked it, its thanks in words."""
    data = asdict(card)
    data["thanked"] = thanked
    data["thanks_label"] = thanks_count_label(card.thanks_count)
    data["comment_label"] = comment_count_label(card.comment_count)
    return data


def page_html(
    page: BoardPage,
    first_screen: bool = True,
    link_args: Mapping[str, object] | None = None,
    eager_all: bool = False,
) -> Markup:
    """The cards of a board page, rendered by the one partial, from the cache where possible.

    On the first screen the first few photos load at once; further pages load them lazily.
    `link_args` (the board's filter) ride along on each card's link, so that the deed page
    leads back to the same filtered board. `eager_all` loads every photo at once (a page
    to print, where a lazy photo below the screen would print empty).
    """
    cache = _cache()
    locale = str(get_locale() or "fi")
    eager = len(page.refs) if eager_all else EAGER_CARDS if first_screen else 0
    query = urlencode({k: v for k, v in (link_args or {}).items() if v is not None})
    keys = {
        ref.id: (ref.id, ref.version, ref.thanks_count, locale, index < eager, query,
                 ref.comment_count)
        for index, ref in enumerate(page.refs)
    }
    rendered = {deed_id: cache.get(key) for deed_id, key in keys.items()}
    missing = [deed_id for deed_id, card in rendered.items() if card is None]
    if missing:
        texts = thanks_texts()
        for card in cards_of(missing):  # a deed gone since the page was read is left out
            key = keys[card.id]
            href = f"{card.url}?{query}" if query else card.url
            rendered[card.id] = cache.put(key, _render(card, key[2], key[4], texts, href, key[6]))
    return Markup("").join(
        rendered[ref.id].for_viewer(ref.thanked, ref.own) for ref in page.refs if rendered[ref.id]
    )


def _render(
    card: Card, thanks_count: int, eager: bool, texts: ThanksTexts, href: str, comment_count: int
) -> RenderedCard:
    """Render a card through the partial, as each kind of viewer sees it."""
    # A macro called from Python returns Markup already (the environment autoescapes).
    partial = _partial()
    max_width = current_app.config["CARD_MAX_WIDTH"]
    return RenderedCard(
        *(partial.card(card, thanks_count, thanked, eager, max_width, texts, href,
                       comment_count=comment_count, own=own)
          for thanked, own in ((False, False), (True, False), (False, True)))
    )


def _partial():
    """The card partial's macros (the template is compiled once and reloaded when it changes)."""
    return current_app.jinja_env.get_template("_card.html").module


class CardCache:
    """A bounded, thread-safe least-recently-used map from a card's key to its rendered HTML."""

    def __init__(self, entries: int) -> None:
        self._entries = entries
        self._items: OrderedDict[Hashable, RenderedCard] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> RenderedCard | None:
        """Return the cached HTML, marking it recently used."""
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Hashable, value: RenderedCard) -> RenderedCard:
        """Store the HTML, dropping the least recently used entry when full; return it."""
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._entries:
                self._items.popitem(last=False)
        return value


def init_app(app) -> None:
    """Give the app its own card cache (tests make many apps in one process)."""
    app.extensions["card_cache"] = CardCache(CACHE_ENTRIES)


def _cache() -> CardCache:
    """This app's card cache."""
    return current_app.extensions["card_cache"]
