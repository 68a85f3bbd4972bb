"""Posting, thanking and deleting deeds, with their photo files."""

import datetime as dt
import hashlib
import io
import json
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import BinaryIO

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from app import images
from app.database import write_transaction
from app.extensions import db
from app.models import (
    AuditAction,
    Comment,
    CustomerType,
    Deed,
    PendingPhoto,
    Photo,
    Rendition,
    Thanks,
    Unit,
    User,
    Visibility,
)
from app.models.base import utcnow
from app.permissions import Capability, can, may_see, require
from app.services import audit, site
from app.services.errors import NotAllowed, NotFound, Refused
from app.storage import current_storage

UPLOAD_TOKEN_BYTES = 8  # the random part of a photo's keys: 16 hex digits
# Keys from before every upload got files of its own: identical photos shared one such file, so
# another deed may still use it. No new row ever refers to one, so checking after the commit
# is safe.
SHARED_KEY = re.compile(r"photos/[0-9a-f]{2}/[0-9a-f]{64}\.[a-z0-9]+")
KEY_BATCH = 500  # shared keys checked per query
# What the photo input offers to pick: exactly the formats the image pipeline decodes.
PHOTO_ACCEPT = images.ACCEPT
THUMB = "thumb"  # the rendition a kept photo is shown with on the form


@dataclass(frozen=True)
class NewDeed:
    """What the poster tells about a deed."""

    description: str
    unit_id: int
    happened_on: dt.date
    customer_type: CustomerType | None
    consent: bool


@dataclass(frozen=True)
class StoredRendition:
    """One rendition file in storage and what its row will say."""

    name: str
    key: str
    width: int
    height: int
    content_type: str
    byte_size: int


@dataclass(frozen=True)
class StoredPhoto:
    """A processed photo whose renditions are already in storage (plain data: it can be kept)."""

    width: int
    height: int
    placeholder: str
    content_hash: str
    renditions: list[StoredRendition]

    @classmethod
    def from_json(cls, text: str) -> "StoredPhoto":
        """Read a kept photo's manifest back."""
        data = json.loads(text)
        renditions = [StoredRendition(**r) for r in data.pop("renditions")]
        return cls(**data, renditions=renditions)


@dataclass(frozen=True)
class KeptPhotoClaim:
    """Who asks to use a kept photo: the token the form carried, the user and their session."""

    token: str
    session_id: int


@dataclass(frozen=True)
class Posted:
    """A deed after posting: made now, or found already made under the same client id."""

    deed: Deed
    created: bool


def create_deed(author: User, new: NewDeed, uploads: Sequence[BinaryIO]) -> Deed:
    """Process the photos, store their files, then commit the deed; on failure keep nothing."""
    return post_deed(author, new, uploads).deed


def post_deed(
    author: User,
    new: NewDeed,
    uploads: Sequence[BinaryIO],
    *,
    client_id: str | None = None,
    kept: KeptPhotoClaim | None = None,
) -> Posted:
    """Post a deed once per client id: a retry answers with the deed already made."""
    if client_id and (existing := deed_by_client_id(author.id, client_id)):
        return Posted(existing, created=False)
    if not new.consent:  # the poster did not confirm nobody identifiable is shown without consent
        raise Refused("consent_missing")
    unit = active_unit(new.unit_id)
    kept_photo = kept_manifest(author.id, kept) if kept and not uploads else None
    db.session.commit()  # no read transaction stays open during image work
    written: list[str] = []
    try:
        stored = [store_photo(*process_upload(upload), written) for upload in uploads]
        with write_transaction():
            if kept_photo is not None:
                stored = [claim_kept(author.id, kept)]
            deed = insert_deed(author, unit.id, new, stored, client_id)
    except IntegrityError:
        delete_files(written)
        existing = deed_by_client_id(author.id, client_id) if client_id else None
        if existing is None:
            raise
        return Posted(existing, created=False)  # a concurrent retry committed first
    except BaseException:
        delete_files(written)  # this upload's own files: no other row or upload can use them
        raise
    return Posted(deed, created=True)


def deed_by_client_id(author_id: int, client_id: str) -> Deed | None:
    """Return the author's deed posted under this client id, if any."""
    return db.session.scalar(
        sa.select(Deed).where(Deed.author_id == author_id, Deed.client_id == client_id)
    )


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
    renditions: list[StoredRendition] = []
    for rendition in all_renditions(processed):
        key = rendition_key(rendition, token)
        if key not in written:  # a small photo's renditions can come out identical
            written.append(key)  # first, so that a write failing half-way is cleaned up too
            storage.save(key, rendition.data, rendition.content_type)
        renditions.append(StoredRendition(
            rendition.name, key, rendition.width, rendition.height, rendition.content_type,
            len(rendition.data),
        ))
    return StoredPhoto(
        processed.width, processed.height, processed.placeholder,
        hashlib.sha256(data).hexdigest(), renditions,
    )


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


def insert_deed(
    author: User, unit_id: int, new: NewDeed, stored: list[StoredPhoto], client_id: str | None
) -> Deed:
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
        client_id=client_id,
        # With approval on, only the author and the unit's supervisors see it until approved.
        visibility=Visibility.PENDING if site.approval_required() else Visibility.VISIBLE,
    )
    deed.photos = [photo_row(position, photo) for position, photo in enumerate(stored)]
    db.session.add(deed)
    db.session.flush()  # a second deed under the same client id fails here, before the commit
    db.session.execute(sa.update(User).where(User.id == author.id).values(default_unit_id=unit.id))
    return deed


def photo_row(position: int, stored: StoredPhoto) -> Photo:
    """Build the Photo row with one Rendition row per stored file."""
    return Photo(
        position=position,
        width=stored.width,
        height=stored.height,
        content_hash=stored.content_hash,
        placeholder=stored.placeholder,
        renditions=[Rendition(**asdict(r)) for r in stored.renditions],
    )


def keep_photo(author_id: int, session_id: int, upload: BinaryIO) -> str:
    """Process and store a photo of a refused form for a short while; return its one-time token."""
    sweep_kept_photos()
    db.session.commit()
    written: list[str] = []
    try:
        stored = store_photo(*process_upload(upload), written)
        token = secrets.token_urlsafe(24)
        with write_transaction():
            db.session.add(PendingPhoto(
                token_hash=hashlib.sha256(token.encode()).hexdigest(),
                user_id=author_id,
                session_id=session_id,
                thumb_key=thumb_of(stored).key,
                manifest=json.dumps(asdict(stored)),
            ))
    except BaseException:
        delete_files(written)
        raise
    return token


def thumb_of(stored: StoredPhoto) -> StoredRendition:
    """The small rendition the form shows a kept photo with."""
    by_name = {r.name: r for r in stored.renditions}
    return by_name.get(THUMB) or min(stored.renditions, key=lambda r: r.width)


def kept_query(author_id: int, claim: KeptPhotoClaim) -> sa.Select:
    """The unexpired kept photo of this token, user and session."""
    return sa.select(PendingPhoto).where(
        PendingPhoto.token_hash == hashlib.sha256(claim.token.encode()).hexdigest(),
        PendingPhoto.user_id == author_id,
        PendingPhoto.session_id == claim.session_id,
        PendingPhoto.created_at >= kept_cutoff(),
    )


def kept_manifest(author_id: int, claim: KeptPhotoClaim) -> StoredPhoto:
    """Read a kept photo this user's session may use; refuse a gone, used or foreign one."""
    row = db.session.scalar(kept_query(author_id, claim))
    if row is None:
        raise Refused("photo_kept_gone")
    return StoredPhoto.from_json(row.manifest)


def kept_thumb(author_id: int, claim: KeptPhotoClaim) -> str | None:
    """The thumbnail key of a kept photo this session may use, or None."""
    row = db.session.scalar(kept_query(author_id, claim))
    return row.thumb_key if row else None


def claim_kept(author_id: int, claim: KeptPhotoClaim) -> StoredPhoto:
    """Take a kept photo for a deed inside the caller's write transaction: once, never twice."""
    row = db.session.scalar(kept_query(author_id, claim))
    if row is None:  # used by a parallel submit, or swept, since it was read
        raise Refused("photo_kept_gone")
    db.session.delete(row)
    db.session.flush()
    return StoredPhoto.from_json(row.manifest)


def kept_cutoff() -> dt.datetime:
    """Kept photos made before this moment are expired."""
    return utcnow() - dt.timedelta(minutes=current_app.config["KEPT_PHOTO_MINUTES"])


def remove_kept_photo_rows(user_id: int) -> list[str]:
    """Delete a user's kept photos in the caller's transaction; return their file keys."""
    rows = list(db.session.scalars(sa.select(PendingPhoto).where(PendingPhoto.user_id == user_id)))
    for row in rows:
        db.session.delete(row)
    keys = [r.key for row in rows for r in StoredPhoto.from_json(row.manifest).renditions]
    return list(dict.fromkeys(keys))


def sweep_kept_photos() -> int:
    """Delete expired kept photos, their rows first and then their files; return how many."""
    with write_transaction():
        rows = list(db.session.scalars(
            sa.select(PendingPhoto).where(PendingPhoto.created_at < kept_cutoff())
        ))
        keys = [r.key for row in rows for r in StoredPhoto.from_json(row.manifest).renditions]
        for row in rows:
            db.session.delete(row)
    delete_files(dict.fromkeys(keys))
    return len(rows)


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
    db.session.execute(sa.delete(Comment).where(Comment.deed_id == deed_id))
    db.session.delete(deed)
    db.session.flush()
    return keys


@dataclass(frozen=True)
class DeedEdit:
    """What the author may change of a posted deed."""

    description: str
    unit_id: int
    happened_on: dt.date
    customer_type: CustomerType | None


def edit_deed(user: User, deed_id: int, edit: DeedEdit) -> bool:
    """Change the author's own deed; a new card version and an audit entry when anything changed.

    Return whether anything changed. The log names the changed fields, never the text itself.
    """
    with write_transaction():
        deed = visible_deed(user, deed_id)
        require(user, Capability.EDIT_DEED, deed)
        before = edited_facts(deed)
        if edit.unit_id != deed.unit_id:
            deed.municipality_id = active_unit(edit.unit_id).municipality_id
        deed.unit_id = edit.unit_id
        deed.happened_on = edit.happened_on
        deed.customer_type = edit.customer_type
        changes = audit.changed_fields(before, edited_facts(deed))
        if edit.description != deed.description:
            deed.description = edit.description
            changes["description"] = (False, True)  # that it changed; the words stay out of the log
        if not changes:
            return False
        deed.version = Deed.version + 1  # in SQL: two edits at once both raise it
        audit.record(user, AuditAction.EDIT_DEED, "deed", deed_id, changes=changes)
    return True


def edited_facts(deed: Deed) -> dict[str, object]:
    """The editable fields but the text, as plain values for the audit log."""
    return {
        "unit_id": deed.unit_id,
        "happened_on": deed.happened_on.isoformat(),
        "customer_type": deed.customer_type.value if deed.customer_type else None,
    }


def toggle_thanks(user: User, deed_id: int) -> tuple[bool, int]:
    """Thank a deed, or take the thanks back; return whether the user now thanks it, and the count.
    """
    with write_transaction():
        deed = visible_deed(user, deed_id)
        if not can(user, Capability.THANK, deed):
            if deed.author_id == user.id:  # the table's not_author rule, said in plain words
                raise NotAllowed("thanks_own_deed")
            raise NotAllowed(capability=str(Capability.THANK))
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
