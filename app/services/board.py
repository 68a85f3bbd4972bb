"""The board query: visible deeds, newest first, filtered, with cursor pagination."""

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from app.extensions import db
from app.models import Deed, Municipality, Photo, Thanks, Unit, User, Visibility
from app.services import moderation


@dataclass(frozen=True)
class BoardFilter:
    """What the viewer narrowed the board to; None means everything."""

    municipality_id: int | None = None
    unit_id: int | None = None


@dataclass(frozen=True)
class BoardPage:
    """One page of deeds and the cursor for the next page (None at the end)."""

    deeds: Sequence[Deed]
    next_cursor: int | None
    thanked_ids: frozenset[int]


def board_page(viewer: User, filters: BoardFilter, cursor: int | None, limit: int) -> BoardPage:
    """Return up to `limit` visible deeds older than the cursor, in a fixed number of queries."""
    # The board lists only deeds on the board; hidden ones stay reachable by link for the
    # people who answer for them. One plain condition lets the (visibility, id) index serve
    # "newest first" without sorting: an OR here would sort every matching row.
    query = on_board(filters).order_by(Deed.id.desc()).limit(limit + 1)
    if cursor is not None:
        query = query.where(Deed.id < cursor)
    deeds = list(db.session.scalars(query))
    has_more = len(deeds) > limit
    deeds = deeds[:limit]
    next_cursor = deeds[-1].id if has_more else None
    return BoardPage(deeds, next_cursor, thanked_by(viewer, [d.id for d in deeds]))


def visible_deeds(filters: BoardFilter, viewer: User | None = None) -> sa.Select:
    """Select the deeds the viewer may see matching the filters, with everything a card shows."""
    query = sa.select(Deed).where(moderation.visible_to(viewer)).options(*card_loads())
    return apply_filters(query, filters)


def on_board(filters: BoardFilter) -> sa.Select:
    """Select the deeds on the board matching the filters, with everything a card shows."""
    query = sa.select(Deed).where(Deed.visibility == Visibility.VISIBLE).options(*card_loads())
    return apply_filters(query, filters)


def apply_filters(query: sa.Select, filters: BoardFilter) -> sa.Select:
    """Narrow a deed query to a municipality and/or unit."""
    if filters.municipality_id is not None:
        query = query.where(Deed.municipality_id == filters.municipality_id)
    if filters.unit_id is not None:
        query = query.where(Deed.unit_id == filters.unit_id)
    return query


def card_loads() -> tuple:
    """Eager loads for a card, so a page costs the same few queries however long it is."""
    return (
        joinedload(Deed.author),
        joinedload(Deed.unit),
        joinedload(Deed.municipality),
        selectinload(Deed.photos).selectinload(Photo.renditions),
    )


def thanked_by(viewer: User, deed_ids: list[int]) -> frozenset[int]:
    """Return which of these deeds the viewer has thanked."""
    if not deed_ids:
        return frozenset()
    query = sa.select(Thanks.deed_id).where(
        Thanks.user_id == viewer.id, Thanks.deed_id.in_(deed_ids)
    )
    return frozenset(db.session.scalars(query))


def get_deed(deed_id: int, viewer: User | None = None) -> Deed | None:
    """Return one deed the viewer may see (without a viewer: a visible one), with its card data."""
    query = visible_deeds(BoardFilter(), viewer).where(Deed.id == deed_id)
    return db.session.scalar(query)


def municipalities() -> Sequence[Municipality]:
    """Return all municipalities by name."""
    return db.session.scalars(sa.select(Municipality).order_by(Municipality.name)).all()


def active_units() -> Sequence[Unit]:
    """Return the units in use, by municipality and name."""
    query = (
        sa.select(Unit)
        .join(Unit.municipality)
        .where(Unit.active.is_(True))
        .order_by(Municipality.name, Unit.name)
    )
    return db.session.scalars(query).all()
