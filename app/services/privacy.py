"""Personal data: erasing a user or a deed, retention, and exporting one user's data."""

import calendar
import datetime as dt
import json
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from app.database import write_transaction
from app.extensions import db
from app.models import (
    AuditAction,
    AuditEntry,
    Comment,
    Deed,
    Photo,
    Rendition,
    Role,
    Thanks,
    UnitSupervisor,
    User,
)
from app.models.base import utcnow
from app.permissions import Capability, require
from app.services import audit, deeds
from app.services.errors import NotFound, Refused
from app.storage import KeyMissing, current_storage

RETENTION_BATCH = 50  # deeds deleted per transaction by the retention run
RETENTION_MONTHS_MAX = 1200  # a hundred years: anything longer is a typing mistake
ERASED_ACTOR = ""  # actor_username of entries whose actor was erased (no username is empty)
SPOOL_BYTES = 32 * 1024 * 1024  # an export larger than this is written to a temp file


@dataclass(frozen=True)
class UserSummary:
    """A user as the admin pages list them, with how many deeds they have posted."""

    id: int
    username: str
    display_name: str
    role: Role
    active: bool
    deed_count: int = 0
    has_second_factor: bool = False


@dataclass(frozen=True)
class ErasurePreview:
    """What erasing a user would delete."""

    user: UserSummary
    deeds: int
    photos: int
    thanks_given: int


@dataclass(frozen=True)
class ExpiredDeed:
    """A deed past the retention period, as the retention run lists it (no description)."""

    id: int
    created_at: dt.datetime
    unit: str
    author: str


def _user_summary(user: User, deed_count: int) -> UserSummary:
    """The plain data of a user row."""
    return UserSummary(
        user.id, user.username, user.display_name, user.role, user.active, deed_count,
        user.totp_secret is not None,
    )


def erasure_preview(user_id: int) -> ErasurePreview:
    """Count what erasing the user would delete."""
    user = _existing_user(user_id)
    deed_ids = sa.select(Deed.id).where(Deed.author_id == user.id)
    return ErasurePreview(
        user=_user_summary(user, 0),
        deeds=_count(sa.select(sa.func.count()).select_from(deed_ids.subquery())),
        photos=_count(sa.select(sa.func.count(Photo.id)).where(Photo.deed_id.in_(deed_ids))),
        thanks_given=_count(sa.select(sa.func.count(Thanks.id)).where(Thanks.user_id == user.id)),
    )


def _count(query: sa.Select) -> int:
    """Run a count query."""
    return int(db.session.scalar(query) or 0)


def _existing_user(user_id: int) -> User:
    """Return the user with this id, or raise NotFound."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("user_not_found", name=user_id)
    return user


def check_erasable(actor: User, user: User) -> None:
    """Refuse erasing yourself.

    Only an active admin may erase, and never themselves, so an active admin always remains.
    """
    if user.id == actor.id:
        raise Refused("erase_self")


def erase_user(actor: User, user_id: int) -> int:
    """Delete a user with their deeds, photo files, thanks and supervisions; return deeds erased."""
    require(actor, Capability.ERASE_USER)
    with write_transaction():
        user = _existing_user(user_id)
        check_erasable(actor, user)  # under the write lock: two admins cannot erase each other
        _withdraw_thanks(user_id)
        _withdraw_comments(user_id)
        deed_ids = list(db.session.scalars(sa.select(Deed.id).where(Deed.author_id == user_id)))
        keys = [key for deed_id in deed_ids for key in deeds.remove_deed_rows(deed_id)]
        keys += deeds.remove_kept_photo_rows(user_id)
        db.session.execute(sa.delete(UnitSupervisor).where(UnitSupervisor.user_id == user_id))
        # The log keeps what they did, not who they were: no username (the page says so).
        db.session.execute(
            sa.update(AuditEntry)
            .where(AuditEntry.actor_id == user_id)
            .values(actor_id=None, actor_username=ERASED_ACTOR)
        )
        audit.record(actor, AuditAction.ERASE_USER, "user", user_id)
        db.session.delete(user)
    deeds.delete_files(keys)
    return len(deed_ids)


def _withdraw_thanks(user_id: int) -> None:
    """Delete the user's thanks and lower the counts of the deeds they thanked."""
    thanked = sa.select(Thanks.deed_id).where(Thanks.user_id == user_id)
    db.session.execute(
        sa.update(Deed).where(Deed.id.in_(thanked)).values(thanks_count=Deed.thanks_count - 1)
    )
    db.session.execute(sa.delete(Thanks).where(Thanks.user_id == user_id))


def _withdraw_comments(user_id: int) -> None:
    """Delete the user's comments and lower the counts of the deeds they commented on."""
    per_deed = (
        sa.select(sa.func.count(Comment.id))
        .where(Comment.deed_id == Deed.id, Comment.author_id == user_id)
        .scalar_subquery()
    )
    commented = sa.select(Comment.deed_id).where(Comment.author_id == user_id)
    db.session.execute(
        sa.update(Deed)
        .where(Deed.id.in_(commented))
        .values(comment_count=Deed.comment_count - per_deed)
    )
    db.session.execute(sa.delete(Comment).where(Comment.author_id == user_id))


def erase_deed(actor: User, deed_id: int) -> None:
    """Delete one deed, then (after the commit) its files."""
    with write_transaction():
        deed = deeds.visible_deed(actor, deed_id)
        require(actor, Capability.ERASE_DEED, deed)
        keys = deeds.remove_deed_rows(deed_id)
        audit.record(actor, AuditAction.ERASE_DEED, "deed", deed_id)
    deeds.delete_files(keys)


def months_before(moment: dt.datetime, months: int) -> dt.datetime:
    """Return the same moment `months` calendar months earlier (31.3. - 1 month = 28./29.2.)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month0 = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month0 + 1)[1])
    return moment.replace(year=year, month=month0 + 1, day=day)


def expired_deeds(months: int, now: dt.datetime | None = None) -> list[ExpiredDeed]:
    """Return the deeds stored longer ago than the retention period, oldest first."""
    if not 1 <= months <= RETENTION_MONTHS_MAX:
        raise Refused("retention_months_invalid", months=months, max=RETENTION_MONTHS_MAX)
    cutoff = months_before(now or utcnow(), months)
    query = (
        sa.select(Deed)
        .where(Deed.created_at < cutoff)
        .options(joinedload(Deed.unit), joinedload(Deed.author))
        .order_by(Deed.id)
    )
    return [
        ExpiredDeed(d.id, d.created_at, d.unit.name, d.author.username)
        for d in db.session.scalars(query)
    ]


def run_retention(
    months: int, *, dry_run: bool = False, now: dt.datetime | None = None
) -> list[ExpiredDeed]:
    """Delete deeds older than the retention period with their files; return what went."""
    expired = expired_deeds(months, now)
    db.session.commit()
    if dry_run:
        return expired
    for start in range(0, len(expired), RETENTION_BATCH):
        batch = expired[start : start + RETENTION_BATCH]
        with write_transaction():
            keys = [key for item in batch for key in deeds.remove_deed_rows(item.id)]
            for item in batch:
                audit.record(None, AuditAction.RETENTION, "deed", item.id)
        deeds.delete_files(keys)
    return expired


def export_user(actor: User, user_id: int) -> tuple[str, IO[bytes]]:
    """Return a file name and a ZIP of the user's data: deeds.json and each photo's largest file."""
    require(actor, Capability.EXPORT)
    user = _existing_user(user_id)
    authored = _authored_deeds(user_id)
    buffer = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # the caller sends and closes it
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        records = [_deed_record(deed, archive) for deed in authored]
        data = _user_record(user, records)
        archive.writestr("deeds.json", json.dumps(data, ensure_ascii=False, indent=2))
    name = f"tekotaulu-{user.username}-{utcnow():%Y%m%d}.zip"
    with write_transaction():
        audit.record(actor, AuditAction.EXPORT, "user", user_id)
    buffer.seek(0)
    return name, buffer


def _authored_deeds(user_id: int) -> Sequence[Deed]:
    """Return the user's deeds with unit, municipality and photo files loaded."""
    query = (
        sa.select(Deed)
        .where(Deed.author_id == user_id)
        .options(
            joinedload(Deed.unit),
            joinedload(Deed.municipality),
            selectinload(Deed.photos).selectinload(Photo.renditions),
        )
        .order_by(Deed.id)
    )
    return db.session.scalars(query).all()


def _user_record(user: User, deed_records: list[dict[str, Any]]) -> dict[str, Any]:
    """The user's own data, their deeds and the thanks they gave."""
    thanks = db.session.execute(
        sa.select(Thanks.deed_id, Thanks.created_at)
        .where(Thanks.user_id == user.id)
        .order_by(Thanks.id)
    )
    return {
        "exported_at": utcnow().isoformat(),
        "user": {
            "username": user.username,
            "display_name": user.display_name,
            "role": user.role.value,
            "active": user.active,
            "created_at": _iso(user.created_at),
        },
        "deeds": deed_records,
        "thanks_given": [{"deed_id": d, "created_at": _iso(at)} for d, at in thanks],
    }


def _deed_record(deed: Deed, archive: zipfile.ZipFile) -> dict[str, Any]:
    """One deed as JSON, writing its photos into the archive."""
    return {
        "id": deed.id,
        "description": deed.description,
        "happened_on": deed.happened_on.isoformat(),
        "created_at": _iso(deed.created_at),
        "unit": deed.unit.name,
        "municipality": deed.municipality.name,
        "customer_type": deed.customer_type.value if deed.customer_type else None,
        "visibility": deed.visibility.value,
        "consent_confirmed": deed.consent_confirmed,
        "consent_confirmed_at": _iso(deed.consent_confirmed_at),
        "thanks_count": deed.thanks_count,
        "photos": [_photo_record(deed, photo, archive) for photo in deed.photos],
    }


def _photo_record(deed: Deed, photo: Photo, archive: zipfile.ZipFile) -> dict[str, Any]:
    """Write the photo's largest stored file into the archive and describe it."""
    largest = _largest(photo.renditions)
    if largest is None:
        return {"file": None}
    extension = largest.key.rsplit(".", 1)[-1]
    name = f"photos/{deed.id}-{photo.position + 1}.{extension}"
    try:
        with current_storage().open(largest.key) as stored:
            archive.writestr(name, stored.read(), compress_type=zipfile.ZIP_STORED)
    except KeyMissing:
        return {"file": None, "missing": True}
    return {"file": name, "width": largest.width, "height": largest.height}


def _largest(renditions: Sequence[Rendition]) -> Rendition | None:
    """The original if it was kept, else the widest rendition."""
    original = next((r for r in renditions if r.name == "original"), None)
    return original or max(renditions, key=lambda r: r.width * r.height, default=None)


def _iso(value: dt.datetime | None) -> str | None:
    """ISO 8601 text of a datetime, or None."""
    return value.isoformat() if value is not None else None
