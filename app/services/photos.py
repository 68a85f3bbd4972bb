"""Finding and sending stored photo files to the people allowed to see them."""

import sqlalchemy as sa
from flask import Response, send_file

from app.extensions import db
from app.models import Deed, Photo, Rendition, Visibility
from app.storage import KeyMissing, current_storage

YEAR = 365 * 24 * 3600


def visible_rendition(key: str) -> Rendition | None:
    """Return the rendition stored under the key if its deed is on the board."""
    query = (
        sa.select(Rendition)
        .join(Rendition.photo)
        .join(Photo.deed)
        .where(Rendition.key == key, Deed.visibility == Visibility.VISIBLE)
        .limit(1)
    )
    return db.session.scalar(query)


def send_rendition(rendition: Rendition) -> Response:
    """Send the file with a content-hash ETag and a private, immutable year of caching."""
    storage = current_storage()
    try:
        path = storage.local_path(rendition.key)
        source = path if path is not None else storage.open(rendition.key)
    except KeyMissing:
        return Response(status=404)
    response = send_file(
        source,
        mimetype=rendition.content_type,
        etag=etag_of(rendition.key),
        conditional=True,
        max_age=YEAR,
        last_modified=None,
    )
    response.cache_control.public = False
    response.cache_control.private = True
    response.cache_control.immutable = True
    response.headers["Content-Disposition"] = "inline"
    return response


def etag_of(key: str) -> str:
    """The content hash is in the key, so it makes a strong ETag."""
    return key.rsplit("/", 1)[-1].split(".", 1)[0]
