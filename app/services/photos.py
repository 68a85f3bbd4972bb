"""Finding and sending stored photo files to the people allowed to see them."""

import sqlalchemy as sa
from flask import Response, request, send_file

from app.extensions import db
from app.models import Photo, Rendition, User
from app.services import moderation
from app.storage import KeyMissing, current_storage

YEAR = 365 * 24 * 3600


def visible_rendition(key: str, viewer: User | None = None) -> Rendition | None:
    """Return the rendition under the key if the viewer may see a deed that uses it."""
    query = (
        sa.select(Rendition)
        .join(Rendition.photo)
        .join(Photo.deed)
        .where(Rendition.key == key, moderation.visible_to(viewer))
        .limit(1)
    )
    return db.session.scalar(query)


def send_rendition(rendition: Rendition) -> Response:
    """Send the file with a content-hash ETag and a private, immutable year of caching."""
    etag = etag_of(rendition.key)
    if etag in request.if_none_match:  # answered before any file is opened
        return cache_forever(Response(status=304, headers={"ETag": f'"{etag}"'}))
    storage = current_storage()
    try:
        path = storage.local_path(rendition.key)
        source = path if path is not None else storage.open(rendition.key)
    except KeyMissing:
        return Response(status=404)
    response = send_file(
        source,
        mimetype=rendition.content_type,
        etag=etag,
        conditional=False,
        last_modified=None,
    )
    response.headers["Content-Disposition"] = "inline"
    return cache_forever(response)


def cache_forever(response: Response) -> Response:
    """Cache a photo for a year, privately: it needs a login, and its URL names its content."""
    response.cache_control.private = True
    response.cache_control.max_age = YEAR
    response.cache_control.immutable = True
    return response


def etag_of(key: str) -> str:
    """The content hash is in the key, so it makes a strong ETag."""
    return key.rsplit("/", 1)[-1].split(".", 1)[0]
