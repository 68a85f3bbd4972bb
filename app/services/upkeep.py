"""Keeping files and rows in agreement."""

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from app.extensions import db
from app.models import PendingPhoto, Rendition
from app.services import deeds
from app.storage import current_storage

PHOTO_PREFIX = "photos/"


@dataclass(frozen=True)
class StorageReport:
    """Files without a row (orphans), split by age, and rows without a file (missing)."""

    checked: int
    orphans: list[str]  # older than the grace period: deleted when fixing
    new_orphans: list[str]  # younger: perhaps an upload that has not committed its row yet
    missing: list[str]


def check_storage(fix: bool = False) -> StorageReport:
    """Compare stored photo files with rendition rows; when fixing, delete orphans past grace."""
    storage = current_storage()
    if fix:
        deeds.sweep_kept_photos()  # their files become orphans: deleted below once past grace
    cutoff = grace_cutoff()
    stored = {item.key: item.modified for item in storage.listing(PHOTO_PREFIX)}
    db.session.commit()  # rows read now are at least as new as the listing
    referenced = set(db.session.scalars(sa.select(Rendition.key))) | kept_keys()
    orphans = sorted(stored.keys() - referenced)
    old = [key for key in orphans if stored[key] < cutoff]
    if fix:
        for key in old:
            storage.delete(key)
    new = [key for key in orphans if stored[key] >= cutoff]
    return StorageReport(len(stored), old, new, sorted(referenced - stored.keys()))


def grace_cutoff() -> dt.datetime:
    """Files written after this moment may belong to an upload still on its way to commit."""
    minutes = current_app.config["ORPHAN_GRACE_MINUTES"]
    return dt.datetime.now(dt.UTC) - dt.timedelta(minutes=minutes)


def kept_keys() -> set[str]:
    """The files of photos kept for a refused form's next try: in use, not orphans."""
    manifests = db.session.scalars(sa.select(PendingPhoto.manifest))
    return {r.key for text in manifests for r in deeds.StoredPhoto.from_json(text).renditions}
