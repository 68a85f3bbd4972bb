"""Sending photo files: the one place that decides how bytes reach the browser.

Today the app streams the file itself; this is where X-Accel-Redirect (nginx) or presigned
S3 URLs would go, without any route or service knowing.
"""

from flask import Response, abort, request, send_file

from app.services.photos import PhotoFile
from app.storage import KeyMissing, current_storage

YEAR = 365 * 24 * 3600


def send_photo(photo: PhotoFile) -> Response:
    """Send the file with a content-hash ETag and a private, immutable year of caching."""
    etag = etag_of(photo.key)
    if etag in request.if_none_match:  # answered before any file is opened
        return cache_forever(Response(status=304, headers={"ETag": f'"{etag}"'}))
    storage = current_storage()
    try:
        path = storage.local_path(photo.key)
        source = path if path is not None else storage.open(photo.key)
    except KeyMissing:
        abort(404)
    response = send_file(
        source, mimetype=photo.content_type, etag=etag, conditional=False, last_modified=None
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
