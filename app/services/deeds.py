"""Posting, thanking and deleting deeds, with their photo files."""

import datetime as dt
import hashlib
import io
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import BinaryIO

import sqlalchemy as sa
from flask import current_app

from app import images
from app.database import write_transaction
from app.extensions import db
from app.models import CustomerType, Deed, Photo, Rendition, Thanks, Unit, User
from app.models.base import utcnow
from app.permissions import Capability, may_see, require
from app.services.errors import NotFound, Refused
from app.storage import current_storage

UPLOAD_TOKEN_BYTES = 8  # the random part of a photo's keys: 16 hex digits
# Keys from before every upload got files of its own: identical photos shared one such file, so
# another deed may still use it. No new row ever refers to one, so checking after the commit
# is safe.
SHARED_KEY = re.compile(r"photos/[0-9a-f]{2}/[0-9a-f]{64}\.[a-z0-9]+")
KEY_BATCH = 500  # shared keys checked per query
# What the photo input offers to pick: exactly the formats the image pipeline decodes.
PHOTO_ACCEPT = images.ACCEPT


@dataclass(frozen=True)
class NewDeed:
    """What the poster tells about a deed."""

    description: str
    unit_id: int
    happened_on: dt.date
    customer_type: CustomerType | None
    consent: bool


@dataclass(frozen=True)
class StoredPhoto:
    """A processed photo whose renditions are already in storage."""

    processed: images.ProcessedImage
    content_hash: str
    keys: dict[str, str]


def create_deed(author: User, new: NewDeed, uploads: Sequence[BinaryIO]) -> Deed:
    """Process the photos, store their files, then commit the deed; on failure keep nothing."""
    if not new.consent:  # the poster did not confirm nobody identifiable is shown without consent
        raise Refused("consent_missing")
    unit = active_unit(new.unit_id)
    db.session.commit()  # no read transaction stays open during image work
    processed = [process_upload(upload) for upload in uploads]
    written: list[str] = []
    try:
        stored = [store_photo(photo, data, written) for photo, data in processed]
        with write_transaction():
            deed = insert_deed(author, unit.id, new, stored)
    except BaseException:
        delete_files(written)  # this upload's own files: no other row or upload can use them
        raise
    return deed


def active_unit(unit_id: int) -> Unit:
    """Return the unit if it exists and is in use."""
    unit = db.session.get(Unit, unit_id)
    if unit is None or not unit.active:
        raise Refused("unit_unknown")
    return unit


def process_upload(upload: BinaryIO) -> tuple[images.ProcessedImage, bytes]:
    """Run one upload through the image pipeline; return the result and the raw bytes."""
    data = upload.read()
    config = current_app.config
    try:
        processed = images.process_image(
            io.BytesIO(data),
            config["RENDITION_SIZES"],
            max_pixels=config["MAX_IMAGE_PIXELS"],
            quality=config["RENDITION_QUALITY"],
            keep_original=config["KEEP_ORIGINAL"],
            avif=config["RENDITION_AVIF"],
            decode_slots=current_app.extensions["image_decode_slots"],
        )
    except images.ImageRejected as rejected:
        raise Refused(f"photo_{rejected.reason}") from rejected
    return processed, data


def store_photo(processed: images.ProcessedImage, data: bytes, written: list[str]) -> StoredPhoto:
    """Save every rendition under keys of this upload's own; record each key before its write."""
    storage = current_storage()
    token = secrets.token_hex(UPLOAD_TOKEN_BYTES)
    keys: dict[str, str] = {}
    for rendition in all_renditions(processed):
        key = rendition_key(rendition, token)
        if key not in keys.values():  # a small photo's renditions can come out identical
            written.append(key)  # first, so that a write failing half-way is cleaned up too
            storage.save(key, rendition.data, rendition.content_type)
        keys[rendition.name] = key
    return StoredPhoto(processed, hashlib.sha256(data).hexdigest(), keys)


def all_renditions(processed: images.ProcessedImage) -> list[images.Rendition]:
    """Return the renditions plus the original when one was kept."""
    extra = [processed.original] if processed.original is not None else []
    return [*processed.renditions, *extra]


def rendition_key(rendition: images.Rendition, token: str) -> str:
    """Name a file by its content hash plus the upload's random token."""
    # The token gives every upload files of its own, even for identical photos: deleting one
    # deed's files (or a failed upload's) can never take a file another deed or upload uses.
    digest = hashlib.sha256(rendition.data).hexdigest()
    return f"photos/{digest[:2]}/{digest}-{token}.{rendition.extension}"


def insert_deed(author: User, unit_id: int, new: NewDeed, stored: list[StoredPhoto]) -> Deed:
    """Add the deed, photo and rendition rows, and remember the author's unit."""
    unit = active_unit(unit_id)
    deed = Deed(
        description=new.description,
        happened_on=new.happened_on,
        author_id=author.id,
        unit_id=unit.id,
        municipality_id=unit.municipality_id,
        customer_type=new.customer_type,
        consent_confirmed=new.consent,
        consent_confirmed_at=utcnow(),
    )
    deed.photos = [photo_row(position, photo) for position, photo in enumerate(stored)]
    db.session.add(deed)
    db.session.execute(sa.update(User).where(User.id == author.id).values(default_unit_id=unit.id))
    return deed


def photo_row(position: int, stored: StoredPhoto) -> Photo:
    """Build the Photo row with one Rendition row per stored file."""
    processed = stored.processed
    return Photo(
        position=position,
        width=processed.width,
        height=processed.height,
        content_hash=stored.content_hash,
        placeholder=processed.placeholder,
        renditions=[
            Rendition(
                name=r.name,
                key=stored.keys[r.name],
                width=r.width,
                height=r.height,
                content_type=r.content_type,
                byte_size=len(r.data),
            )
            for r in all_renditions(processed)
        ],
    )


def delete_files(keys: Iterable[str]) -> None:
    """Delete the files of rows that are gone (after the commit) or that never committed."""
    own, shared = [], []
    for key in keys:
        (shared if SHARED_KEY.fullmatch(key) else own).append(key)
    storage = current_storage()
    for key in [*own, *unused(shared)]:
        storage.delete(key)


def unused(keys: list[str]) -> list[str]:
    """Return the keys that no rendition row refers to any more."""
    if not keys:
        return []
    db.session.commit()  # read what is committed now, after the caller's own commit
    used: set[str] = set()
    for start in range(0, len(keys), KEY_BATCH):
        batch = keys[start : start + KEY_BATCH]
        used.update(db.session.scalars(sa.select(Rendition.key).where(Rendition.key.in_(batch))))
    return [key for key in keys if key not in used]


def remove_deed_rows(deed_id: int) -> list[str]:
    """Delete a deed's rows in the caller's transaction; return its file keys to clean up after."""
    deed = db.session.get(Deed, deed_id)
    if deed is None:
        return []
    keys = [r.key for photo in deed.photos for r in photo.renditions]
    db.session.execute(sa.delete(Thanks).where(Thanks.deed_id == deed_id))
    db.session.delete(deed)
    db.session.flush()
    return keys


def toggle_thanks(user: User, deed_id: int) -> tuple[bool, int]:
    """Thank a deed, or take the thanks back; return whether the user now thanks it, and the count.
    """
    with write_transaction():
        deed = visible_deed(user, deed_id)
        require(user, Capability.THANK, deed)
        existing = db.session.scalar(
            sa.select(Thanks).where(Thanks.deed_id == deed_id, Thanks.user_id == user.id)
        )
        if existing:
            db.session.delete(existing)
        else:
            db.session.add(Thanks(deed_id=deed_id, user_id=user.id))
        step = -1 if existing else 1
        db.session.execute(
            sa.update(Deed).where(Deed.id == deed_id).values(thanks_count=Deed.thanks_count + step)
        )
        db.session.refresh(deed, ["thanks_count"])
        count = deed.thanks_count
    return existing is None, count


def visible_deed(user: User | None, deed_id: int) -> Deed:
    """Return the deed if the user may see it; a deed they may not see is as good as missing."""
    deed = db.session.get(Deed, deed_id)
    if deed is None or not may_see(user, deed):
        raise NotFound("deed_not_found")
    return deed
