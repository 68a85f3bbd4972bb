"""Finding the stored photo files a person may see."""

from dataclasses import dataclass

import sqlalchemy as sa

from app.extensions import db
from app.models import Deed, PendingPhoto, Photo, Rendition, User, Visibility
from app.permissions import visible_to
from app.services.board import BoardFilter, filtered
from app.services.errors import NotFound


@dataclass(frozen=True)
class PhotoFile:
    """A stored photo file: where it is and what it holds."""

    key: str
    content_type: str


def visible_file(key: str, viewer: User | None) -> PhotoFile:
    """Return the file under the key if the viewer may see a deed that uses it; else NotFound."""
    query = (
        sa.select(Rendition.key, Rendition.content_type)
        .join(Rendition.photo)
        .join(Photo.deed)
        .where(Rendition.key == key, visible_to(viewer))
        .limit(1)
    )
    row = db.session.execute(query).first()
    if row is None:
        return kept_thumb_file(key, viewer)
    return PhotoFile(row.key, row.content_type)


def kept_thumb_file(key: str, viewer: User | None) -> PhotoFile:
    """The thumbnail of a photo kept for the viewer's refused form; else NotFound."""
    if viewer is None or not viewer.is_authenticated:
        raise NotFound("photo_not_found")
    found = db.session.scalar(
        sa.select(PendingPhoto.thumb_key).where(
            PendingPhoto.thumb_key == key, PendingPhoto.user_id == viewer.id
        )
    )
    if found is None:
        raise NotFound("photo_not_found")
    return PhotoFile(key, images_type(key))


def images_type(key: str) -> str:
    """The content type of a stored rendition, told by its extension."""
    return {"webp": "image/webp", "avif": "image/avif", "png": "image/png"}.get(
        key.rsplit(".", 1)[-1], "image/jpeg"
    )


def file_in_filter(key: str, filters: BoardFilter) -> PhotoFile:
    """Return the file under the key if a visible deed of the filter uses it; else NotFound."""
    deed = Deed.__table__.c
    query = (
        sa.select(Rendition.key, Rendition.content_type)
        .join(Photo, Photo.id == Rendition.photo_id)
        .join(Deed.__table__, deed.id == Photo.deed_id)
        .where(Rendition.key == key, deed.visibility == Visibility.VISIBLE)
        .limit(1)
    )
    row = db.session.execute(filtered(query, filters.shape()), filters.values()).first()
    if row is None:
        raise NotFound("photo_not_found")
    return PhotoFile(row.key, row.content_type)
