"""The board query: visible deeds, newest first, filtered, with cursor pagination, as plain data."""

import datetime as dt
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import sqlalchemy as sa

from app.extensions import db
from app.models import (
    CustomerType,
    Deed,
    Municipality,
    Photo,
    Rendition,
    Thanks,
    Unit,
    User,
    Visibility,
)
from app.permissions import visible_to
from app.services.errors import NotFound
from app.services.workshops import Round


@dataclass(frozen=True)
class BoardFilter:
    """What the viewer narrowed the board to; None means everything."""

    municipality_id: int | None = None
    unit_id: int | None = None
    round: Round | None = None
    # The period the deeds happened in (?from=, ?to=), both days included.
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def is_empty(self) -> bool:
        """Tell whether nothing narrows the board."""
        return (self.municipality_id is None and self.unit_id is None and self.round is None
                and self.date_from is None and self.date_to is None)

    def values(self) -> dict[str, object]:
        """The filter's bind parameters for the board queries."""
        return {
            "municipality_id": self.municipality_id,
            "unit_id": self.unit_id,
            "round_starts": self.round.starts if self.round else None,
            "round_ends": self.round.ends if self.round else None,
            "date_from": self.date_from,
            "date_to": self.date_to,
        }

    def shape(self) -> tuple[bool, ...]:
        """Which conditions the filter sets: the key of the query built for it."""
        values = self.values()
        return tuple(values[name] is not None for name in FILTER_COLUMNS)  # type: ignore[return-value]


# Each filter value and the condition it sets on the deed table.
FILTER_COLUMNS = {
    "municipality_id": lambda deed, value: deed.municipality_id == value,
    "unit_id": lambda deed, value: deed.unit_id == value,
    "round_starts": lambda deed, value: deed.created_at >= value,
    "round_ends": lambda deed, value: deed.created_at < value,
    "date_from": lambda deed, value: deed.happened_on >= value,
    "date_to": lambda deed, value: deed.happened_on <= value,
}


@dataclass(frozen=True)
class DeedRef:
    """A deed on a board page: enough to find its card in a cache and show its thanks."""

    id: int
    version: int
    thanks_count: int
    thanked: bool  # by the viewer


@dataclass(frozen=True)
class BoardPage:
    """One page of deeds and the cursor for the next page (None at the end)."""

    refs: Sequence[DeedRef]
    next_cursor: int | None

    @property
    def thanked_ids(self) -> frozenset[int]:
        """The deeds on this page the viewer has thanked."""
        return frozenset(ref.id for ref in self.refs if ref.thanked)


@dataclass(frozen=True)
class StoredSize:
    """One stored file of a photo: its size name, storage key and pixel size."""

    name: str
    key: str
    width: int
    height: int


@dataclass(frozen=True)
class PhotoSummary:
    """A deed's photo: full size, placeholder, and its stored sizes, widest first."""

    width: int
    height: int
    placeholder: str
    sizes: tuple[StoredSize, ...]


@dataclass(frozen=True)
class DeedSummary:
    """Everything the interface shows of a deed, read in a fixed number of queries."""

    id: int
    version: int
    description: str
    happened_on: dt.date
    customer_type: CustomerType | None
    visibility: Visibility
    thanks_count: int
    author_id: int
    author_name: str
    unit_id: int
    unit_name: str
    municipality_id: int
    municipality_name: str
    photos: tuple[PhotoSummary, ...] = ()


@dataclass(frozen=True)
class UnitPlace:
    """A unit in use, with its municipality, for filters and forms."""

    id: int
    name: str
    municipality_id: int
    municipality_name: str


@dataclass(frozen=True)
class Places:
    """The municipalities and the units in use, by name."""

    municipalities: tuple[tuple[int, str], ...]
    units: tuple[UnitPlace, ...]

    def units_by_municipality(self) -> list[tuple[str, list[UnitPlace]]]:
        """The units grouped under their municipality's name (they come sorted that way)."""
        groups: dict[str, list[UnitPlace]] = {}
        for unit in self.units:
            groups.setdefault(unit.municipality_name, []).append(unit)
        return list(groups.items())

    def consistent(self, filters: BoardFilter) -> BoardFilter:
        """The filter without a unit outside the chosen municipality (an old link, no script)."""
        unit = next((u for u in self.units if u.id == filters.unit_id), None)
        if unit and filters.municipality_id not in (None, unit.municipality_id):
            return replace(filters, unit_id=None)
        return filters


def board_page(viewer: User, filters: BoardFilter, cursor: int | None, limit: int) -> BoardPage:
    """Return up to `limit` deeds on the board older than the cursor, in one query."""
    query = _page_query(filters.shape(), cursor is not None)
    values = {"viewer_id": viewer.id, "limit": limit + 1, "cursor": cursor, **filters.values()}
    refs = [DeedRef(*row) for row in db.session.execute(query, values)]
    has_more = len(refs) > limit
    refs = refs[:limit]
    return BoardPage(refs, refs[-1].id if has_more else None)


@functools.cache
def _page_query(shape: tuple[bool, ...], after_cursor: bool) -> sa.Select:
    """The board page query for one combination of filters, built once (the board is hot)."""
    # One plain condition lets the (visibility, id) index serve "newest first" without sorting:
    # an OR here would sort every matching row. Hidden deeds stay reachable by link only.
    # The viewer's own thanks come along through the (deed_id, user_id) unique index.
    # Table columns rather than model attributes: the ORM would cost more than the query.
    deed, thanks = Deed.__table__.c, Thanks.__table__.c
    mine = sa.and_(thanks.deed_id == deed.id, thanks.user_id == sa.bindparam("viewer_id"))
    query = (
        sa.select(deed.id, deed.version, deed.thanks_count, thanks.id.is_not(None))
        .select_from(Deed.__table__.outerjoin(Thanks.__table__, mine))
        .where(deed.visibility == Visibility.VISIBLE)
        .order_by(deed.id.desc())
        .limit(sa.bindparam("limit"))
    )
    query = filtered(query, shape)
    if after_cursor:
        query = query.where(deed.id < sa.bindparam("cursor"))
    return query


def filtered(query: sa.Select, shape: tuple[bool, ...]) -> sa.Select:
    """Add the conditions of a filter of this shape, each with a bind parameter of its name."""
    deed = Deed.__table__.c
    for (name, condition), used in zip(FILTER_COLUMNS.items(), shape, strict=True):
        if used:
            query = query.where(condition(deed, sa.bindparam(name)))
    return query


def thanked_by(viewer: User, deed_ids: Iterable[int]) -> frozenset[int]:
    """Return which of these deeds the viewer has thanked."""
    deed_ids = list(deed_ids)
    if not deed_ids:
        return frozenset()
    query = sa.select(Thanks.deed_id).where(
        Thanks.user_id == viewer.id, Thanks.deed_id.in_(deed_ids)
    )
    return frozenset(db.session.scalars(query))


def summaries(deed_ids: Sequence[int], *, with_photos: bool = True) -> list[DeedSummary]:
    """Return the deeds with these ids as plain data, in the given order (two queries)."""
    if not deed_ids:
        return []
    photos = _photos_of(deed_ids) if with_photos else {}
    rows = db.session.execute(_summary_query().where(Deed.id.in_(deed_ids)))
    found = {row.id: _summary(row, photos.get(row.id, ())) for row in rows}
    return [found[deed_id] for deed_id in deed_ids if deed_id in found]


def _summary_query() -> sa.Select:
    """Select a deed's own columns with its author's, unit's and municipality's names."""
    return (
        sa.select(
            Deed.id, Deed.version, Deed.description, Deed.happened_on, Deed.customer_type,
            Deed.visibility, Deed.thanks_count, Deed.author_id,
            User.display_name.label("author_name"), Deed.unit_id,
            Unit.name.label("unit_name"), Deed.municipality_id,
            Municipality.name.label("municipality_name"),
        )
        .join(User, User.id == Deed.author_id)
        .join(Unit, Unit.id == Deed.unit_id)
        .join(Municipality, Municipality.id == Deed.municipality_id)
    )


def _summary(row: sa.Row, photos: tuple[PhotoSummary, ...]) -> DeedSummary:
    """Build a summary from one row of _summary_query."""
    return DeedSummary(**row._asdict(), photos=photos)


def _photos_of(deed_ids: Sequence[int]) -> dict[int, tuple[PhotoSummary, ...]]:
    """Return each deed's photos with their stored sizes (the kept original left out)."""
    query = (
        sa.select(
            Photo.deed_id, Photo.id, Photo.width, Photo.height, Photo.placeholder,
            Rendition.name, Rendition.key, Rendition.width.label("r_width"),
            Rendition.height.label("r_height"),
        )
        .join(Rendition, Rendition.photo_id == Photo.id)
        .where(Photo.deed_id.in_(deed_ids), Rendition.name != "original")
        .order_by(Photo.deed_id, Photo.position, Rendition.width.desc(), Rendition.id)
    )
    grouped: dict[int, dict[int, list]] = {}
    for row in db.session.execute(query):
        photo = grouped.setdefault(row.deed_id, {}).setdefault(
            row.id, [row.width, row.height, row.placeholder, []]
        )
        photo[3].append(StoredSize(row.name, row.key, row.r_width, row.r_height))
    return {
        deed_id: tuple(PhotoSummary(w, h, p, tuple(sizes)) for w, h, p, sizes in photos.values())
        for deed_id, photos in grouped.items()
    }


def get_summary(deed_id: int, viewer: User | None) -> DeedSummary:
    """Return one deed the viewer may see; NotFound otherwise (hidden ones look missing)."""
    row = db.session.execute(_summary_query().where(Deed.id == deed_id, visible_to(viewer))).first()
    if row is None:
        raise NotFound("deed_not_found")
    return _summary(row, _photos_of([deed_id]).get(deed_id, ()))


@functools.cache
def _places_query() -> sa.Select:
    """Every municipality with its units in use, built once (of plain table columns)."""
    municipality, unit = Municipality.__table__.c, Unit.__table__.c
    in_use = sa.and_(unit.municipality_id == municipality.id, unit.active.is_(True))
    return (
        sa.select(municipality.id, municipality.name, unit.id, unit.name)
        .select_from(Municipality.__table__.outerjoin(Unit.__table__, in_use))
        .order_by(municipality.name, unit.name)
    )


def places() -> Places:
    """Return every municipality and the units in use, in one query."""
    municipalities: dict[int, str] = {}
    units = []
    for municipality_id, municipality_name, unit_id, unit_name in db.session.execute(
        _places_query()
    ):
        municipalities[municipality_id] = municipality_name
        if unit_id is not None:
            units.append(UnitPlace(unit_id, unit_name, municipality_id, municipality_name))
    return Places(tuple(municipalities.items()), tuple(units))
