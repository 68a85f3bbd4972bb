"""Sending photo files: the one place that decides how bytes reach the browser.

The login and the deed's visibility are checked before this; then the bytes come from the app
(streamed in chunks), from nginx (X-Accel-Redirect to an internal location) or straight from
S3 (a short-lived presigned redirect), as PHOTO_DELIVERY says.
"""

from flask import Response, abort, current_app, redirect, request, send_file

from app.services.photos import PhotoFile
from app.storage import KeyMissing, StorageError, current_storage

YEAR = 365 * 24 * 3600


def send_photo(photo: PhotoFile) -> Response:
    """Send the file with a content-hash ETag and a private, immutable year of caching."""
    etag = etag_of(photo.key)
    if etag in request.if_none_match:  # answered before any file is opened
        return cache_forever(Response(status=304, headers={"ETag": f'"{etag}"'}))
    delivery = current_app.config["PHOTO_DELIVERY"]
    if delivery == "nginx":
        return cache_forever(handed_to_nginx(photo, etag))
    if delivery == "presigned":
        url = current_storage().presigned_url(photo.key, current_app.config["PHOTO_URL_SECONDS"])
        if url is not None:
            return redirected(url)
    return cache_forever(streamed(photo, etag))


def streamed(photo: PhotoFile, etag: str) -> Response:
    """The file's bytes from the app: a local file by sendfile, an S3 object chunk by chunk."""
    storage = current_storage()
    try:
        path = storage.local_path(photo.key)
        if path is not None:
            return inline(send_file(path, mimetype=photo.content_type, etag=etag,
                                    conditional=False, last_modified=None))
        source = storage.stream(photo.key)
    except KeyMissing:
        abort(404)
    except StorageError:
        current_app.logger.exception("photo %s could not be read", photo.key)
        abort(503)
    response = Response(source.chunks, mimetype=photo.content_type, direct_passthrough=True)
    response.content_length = source.length
    response.set_etag(etag)
    return inline(response)


def handed_to_nginx(photo: PhotoFile, etag: str) -> Response:
    """An empty answer telling nginx which internal location holds the bytes."""
    prefix = current_app.config["PHOTO_ACCEL_PREFIX"]
    response = inline(Response(mimetype=photo.content_type))
    response.headers["X-Accel-Redirect"] = prefix + photo.key
    response.set_etag(etag)
    return response


def redirected(url: str) -> Response:
    """A redirect to a presigned URL, cached no longer than the URL works."""
    response = redirect(url, code=302)
    seconds = current_app.config["PHOTO_URL_SECONDS"]
    response.cache_control.private = True
    response.cache_control.max_age = max(0, seconds - 60)
    return response


def inline(response: Response) -> Response:
    """Show the photo in the page, never as a download."""
    response.headers["Content-Disposition"] = "inline"
    return response


def cache_forever(response: Response) -> Response:
    """Cache a photo for a year, privately: it needs a login, and its URL names its content."""
    response.cache_control.private = True
    response.cache_control.max_age = YEAR
    response.cache_control.immutable = True
    return response


def etag_of(key: str) -> str:
    """The content hash is in the key, so it makes a strong ETag."""
    return key.rsplit("/", 1)[-1].split(".", 1)[0]
