"""Exports of a filtered board: its deeds as rows, and their photos' files, read in batches."""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from app.database import write_transaction
from app.extensions import db
from app.models import (
    AuditAction,
    CustomerType,
    Deed,
    Municipality,
    Photo,
    Rendition,
    Unit,
    User,
    Visibility,
)
from app.permissions import Capability, require
from app.services import audit
from app.services.board import BoardFilter, filtered
from app.storage import KeyMissing, current_storage

BATCH = 200  # deeds read at a time: a long export never holds the whole board
CHUNK = 64 * 1024  # bytes of a photo file read at a time


@dataclass(frozen=True)
class ExportPhoto:
    """A photo's largest stored size (the original is never exported): key and file type."""

    key: str
    extension: str


@dataclass(frozen=True)
class ExportRow:
    """One deed of an export, as plain data."""

    id: int
    happened_on: str
    municipality: str
    unit: str
    customer_type: CustomerType | None
    author: str
    description: str
    thanks: int
    comments: int
    photos: tuple[ExportPhoto, ...]


def begin(actor: User, action: AuditAction, filter_text: str) -> None:
    """Check that the person may export the board and log the export with its filter."""
    require(actor, Capability.EXPORT_BOARD)
    with write_transaction():
        audit.record(actor, action, "board", 0, changes={"filter": (None, filter_text)})


def rows(filters: BoardFilter, before: int | None = None) -> Iterator[ExportRow]:
    """Yield the deeds on the board under this filter (older than `before`, if given), newest
    first, a batch at a time."""
    cursor = before
    while ids := _ids(filters, cursor):
        yield from _rows(ids)
        cursor = ids[-1]


def _ids(filters: BoardFilter, cursor: int | None) -> list[int]:
    """The ids of the next batch of the filter's visible deeds, older than the cursor."""
    deed = Deed.__table__.c
    query = (
        sa.select(deed.id)
        .where(deed.visibility == Visibility.VISIBLE)
        .order_by(deed.id.desc())
        .limit(BATCH)
    )
    if cursor is not None:
        query = query.where(deed.id < cursor)
    return list(db.session.scalars(filtered(query, filters.shape()), filters.values()))


def _rows(ids: Sequence[int]) -> list[ExportRow]:
    """The rows of these deeds, in this order (two queries)."""
    query = (
        sa.select(
            Deed.id, Deed.happened_on, Municipality.name, Unit.name, Deed.customer_type,
            User.display_name, Deed.description, Deed.thanks_count, Deed.comment_count,
        )
        .join(User, User.id == Deed.author_id)
        .join(Unit, Unit.id == Deed.unit_id)
        .join(Municipality, Municipality.id == Deed.municipality_id)
        .where(Deed.id.in_(ids))
    )
    photos = _photos_of(ids)
    found = {
        row[0]: ExportRow(row[0], row[1].isoformat(), *row[2:], photos=photos.get(row[0], ()))
        for row in db.session.execute(query)
    }
    return [found[deed_id] for deed_id in ids if deed_id in found]


def _photos_of(ids: Sequence[int]) -> dict[int, tuple[ExportPhoto, ...]]:
    """Each deed's photos in order, each as its widest stored size."""
    query = (
        sa.select(Photo.deed_id, Photo.id, Rendition.key)
        .join(Rendition, Rendition.photo_id == Photo.id)
        .where(Photo.deed_id.in_(ids), Rendition.name != "original")
        .order_by(Photo.deed_id, Photo.position, Rendition.width.desc(), Rendition.id)
    )
    widest: dict[int, dict[int, str]] = {}
    for deed_id, photo_id, key in db.session.execute(query):
        widest.setdefault(deed_id, {}).setdefault(photo_id, key)
    return {
        deed_id: tuple(ExportPhoto(key, key.rsplit(".", 1)[-1]) for key in keys.values())
        for deed_id, keys in widest.items()
    }


def photo_chunks(key: str) -> Iterator[bytes]:
    """Yield a stored file in chunks; nothing when it is missing (an export goes on)."""
    try:
        stored = current_storage().open(key)
    except KeyMissing:
        return
    with stored:
        while chunk := stored.read(CHUNK):
            yield chunk
