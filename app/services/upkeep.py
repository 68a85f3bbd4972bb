"""Keeping files and rows in agreement."""

from dataclasses import dataclass

import sqlalchemy as sa

from app.extensions import db
from app.models import Rendition
from app.storage import current_storage

PHOTO_PREFIX = "photos/"


@dataclass(frozen=True)
class StorageReport:
    """Files without a row (orphans) and rows without a file (missing)."""

    checked: int
    orphans: list[str]
    missing: list[str]


def check_storage(fix: bool = False) -> StorageReport:
    """Compare stored photo files with rendition rows; delete orphans when fixing."""
    storage = current_storage()
    stored = set(storage.keys(PHOTO_PREFIX))
    referenced = set(db.session.scalars(sa.select(Rendition.key).distinct()))
    orphans = sorted(stored - referenced)
    if fix:
        for key in orphans:
            storage.delete(key)
    return StorageReport(len(stored), orphans, sorted(referenced - stored))
