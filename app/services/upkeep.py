"""Keeping files and rows in agreement."""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from app.extensions import db
from app.models import PendingPhoto, Rendition
from app.services import deeds
from app.storage import StoredObject, current_storage

PHOTO_PREFIX = "photos/"
ROW_BATCH = 2000  # rendition keys fetched per round trip while merging with the listing


@dataclass(frozen=True)
class StorageReport:
    """Files without a row (orphans), split by age, and rows without a file (missing)."""

    checked: int
    orphans: list[str]  # older than the grace period: deleted when fixing
    new_orphans: list[str]  # younger: perhaps an upload that has not committed its row yet
    missing: list[str]


def check_storage(fix: bool = False) -> StorageReport:
    """Compare stored photo files with rendition rows; when fixing, delete orphans past grace.

    The listing and the rows are both read in key order and merged as they stream, so memory
    stays bounded by the problems found, whatever the number of files.
    """
    storage = current_storage()
    if fix:
        deeds.sweep_kept_photos()  # their files become orphans: deleted below once past grace
    cutoff = grace_cutoff()
    kept = kept_keys()  # a handful: photos of refused forms, for the next try
    checked, old, new, missing = 0, [], [], []
    pairs = _merged(storage.listing(PHOTO_PREFIX), _referenced_keys())
    for key, stored, referenced in pairs:
        if stored is None:
            missing.append(key)
            continue
        checked += 1
        if referenced or key in kept:
            continue
        (old if stored.modified < cutoff else new).append(key)
        if fix and stored.modified < cutoff:
            storage.delete(key)
    db.session.commit()
    return StorageReport(checked, old, new, missing)


def _referenced_keys() -> Iterator[str]:
    """Every rendition's key once, in byte order, streamed from the database."""
    key = Rendition.key
    if db.session.get_bind().dialect.name == "postgresql":
        key = sa.collate(Rendition.key, "C")  # byte order, as the storage lists
    query = sa.select(key).distinct().order_by(key)
    # Core, not the ORM, and a server-side cursor where there is one: rows arrive in batches.
    connection = db.session.connection().execution_options(stream_results=True,
                                                           yield_per=ROW_BATCH)
    yield from connection.execute(query).scalars()


def _merged(
    listing: Iterator[StoredObject], rows: Iterator[str]
) -> Iterator[tuple[str, StoredObject | None, bool]]:
    """Join two ascending key streams: (key, the stored object or None, whether a row has it)."""
    stored, row = next(listing, None), next(rows, None)
    while stored is not None or row is not None:
        if row is None or (stored is not None and stored.key.encode() < row.encode()):
            yield stored.key, stored, False
            stored = next(listing, None)
        elif stored is None or row.encode() < stored.key.encode():
            yield row, None, True
            row = next(rows, None)
        else:
            yield stored.key, stored, True
            stored, row = next(listing, None), next(rows, None)


def grace_cutoff() -> dt.datetime:
    """Files written after this moment may belong to an upload still on its way to commit."""
    minutes = current_app.config["ORPHAN_GRACE_MINUTES"]
    return dt.datetime.now(dt.UTC) - dt.timedelta(minutes=minutes)


def kept_keys() -> set[str]:
    """The files of photos kept for a refused form's next try: in use, not orphans."""
    manifests = db.session.scalars(sa.select(PendingPhoto.manifest))
    return {r.key for text in manifests for r in deeds.StoredPhoto.from_json(text).renditions}
