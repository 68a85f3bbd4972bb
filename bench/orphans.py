"""`storage check` at scale: its memory stays bounded from 10,000 to 1,000,000 objects in S3.

For each size, a moto S3 bucket (in-process, `mock_aws`) gets that many small objects under
content-hash keys like the app's, and a fresh SQLite database gets rendition rows for most of
them: every ORPHAN_EVERY-th object has no row (an orphan) and one row per MISSING_EVERY objects
has no object (missing). Then app.services.upkeep.check_storage() runs unchanged through the
app's S3 storage (boto3's ListObjectsV2 pages of 1000, merged with the rows as both stream), and
prints how much the process's peak resident memory grew during the check (Linux VmHWM, reset
just before it; everything the process allocates counts, Python or C, client or moto), the
orphans and missing files found against those planted, and the ratio of the 1M figure to the
10k one. (tracemalloc would slow the million-object check from ~10 minutes to over an hour.)

The bucket is filled through moto's backend directly (a PUT over HTTP per object would take an
hour). moto's own ListObjectsV2 sorts the whole bucket for every page (a thousand sorts of a
million keys); the bench gives it a sorted index instead (same pages, same order, same tokens
for the client), so only the fake server is made faster, not the code under test.
Run: .venv/bin/python bench/orphans.py   (last line: memory_1m_vs_10k=X)
"""

import bisect
import datetime as dt
import gc
import hashlib
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

os.environ.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                   "AWS_DEFAULT_REGION": "us-east-1"})

import boto3  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from flask import Flask  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from moto import mock_aws  # noqa: E402
from moto.core import DEFAULT_ACCOUNT_ID  # noqa: E402
from moto.s3.models import S3Backend, s3_backends  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Deed, Photo, Rendition, Role  # noqa: E402
from app.services import accounts, upkeep  # noqa: E402
from app.storage import current_storage  # noqa: E402

SIZES = (10_000, 1_000_000)
ORPHAN_EVERY = 1000  # objects per one without a row
MISSING_EVERY = 2000  # objects per row without an object
BUCKET = "tekotaulu-bench"
NAMES = ("large", "medium", "small", "original")  # renditions per photo row
ROW_BATCH = 20_000  # rows inserted per statement while filling
WRITTEN = dt.datetime(2026, 1, 1)  # objects are old: orphans are past the grace period


def key_of(n: int) -> str:
    """The n-th object's key, shaped like the app's: photos/<2 hex>/<sha256>-<token>.webp."""
    digest = hashlib.sha256(str(n).encode()).hexdigest()
    return f"photos/{digest[:2]}/{digest}-{n:032x}.webp"


def is_orphan(n: int) -> bool:
    """Whether the n-th object is planted without a row."""
    return n % ORPHAN_EVERY == ORPHAN_EVERY // 2


def row_keys(objects: int) -> Iterator[str]:
    """The keys that get a row: every object's but the orphans', then the missing ones."""
    yield from (key_of(n) for n in range(objects) if not is_orphan(n))
    yield from (key_of(n) for n in range(objects, objects + objects // MISSING_EVERY))


class SortedIndex:
    """A sorted list of a bucket's key names for the ListObjectsV2 below, rebuilt when the
    bucket's size changes (the bench only adds objects, and before the check)."""

    names: list[str] = []
    size = -1

    @classmethod
    def of(cls, bucket) -> list[str]:
        """The bucket's names in order."""
        if len(bucket.keys) != cls.size:
            cls.names, cls.size = sorted(bucket.keys.keys()), len(bucket.keys)
        return cls.names


def list_objects_v2(self, bucket, prefix, delimiter, continuation_token, start_after, max_keys):
    """moto's S3Backend.list_objects_v2 (no delimiter) from a sorted index: O(page), not O(N)."""
    assert delimiter is None, "the app lists without a delimiter"
    names = SortedIndex.of(bucket)
    after = continuation_token or start_after
    start = bisect.bisect_right(names, after) if after else bisect.bisect_left(names, prefix or "")
    page = [name for name in names[start : start + max_keys + 1] if name.startswith(prefix or "")]
    truncated = len(page) > max_keys
    page = page[:max_keys]
    return [bucket.keys[name] for name in page], truncated, page[-1] if truncated else None


def fill_bucket(objects: int) -> None:
    """Put the objects straight into moto's backend, dated WRITTEN."""
    boto3.client("s3").create_bucket(Bucket=BUCKET)
    backend: S3Backend = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]
    for n in range(objects):
        stored = backend.put_object(BUCKET, key_of(n), b"x")
        stored.last_modified = WRITTEN
        # moto works out an object's ETag when it is first listed and keeps it (~100 bytes an
        # object, 100 MB at a million): done now, so it is not counted as the check's memory.
        stored.etag  # noqa: B018
    SortedIndex.of(backend.get_bucket(BUCKET))  # built now, not while the check is measured


def fill_rows(app: Flask, objects: int) -> None:
    """One deed whose photos hold the rendition rows, inserted in batches."""
    with app.app_context():
        upgrade()
        unit = accounts.create_unit("Juvan keskuskeittiö", "Juva")
        author = accounts.create_user("mittari", "kuusi-jarvea-7", role=Role.EMPLOYEE,
                                      default_unit_id=unit.id)
        deed = Deed(description="Paljon kuvia", happened_on=dt.date(2026, 1, 1),
                    author_id=author.id, unit_id=unit.id, municipality_id=unit.municipality_id)
        db.session.add(deed)
        db.session.commit()
        batch: list[str] = []
        first_photo = 1
        for key in row_keys(objects):
            batch.append(key)
            if len(batch) == ROW_BATCH:
                first_photo = insert_rows(deed.id, first_photo, batch)
                batch = []
        insert_rows(deed.id, first_photo, batch)
        db.session.commit()


def insert_rows(deed_id: int, first_photo: int, keys: list[str]) -> int:
    """Insert photos with len(NAMES) renditions each for the keys; return the next photo id."""
    photos = range(first_photo, first_photo + -(-len(keys) // len(NAMES)))
    db.session.execute(sa.insert(Photo), [
        {"id": photo, "deed_id": deed_id, "position": photo, "width": 1, "height": 1,
         "content_hash": "0" * 64, "placeholder": ""} for photo in photos])
    db.session.execute(sa.insert(Rendition), [
        {"photo_id": first_photo + i // len(NAMES), "name": NAMES[i % len(NAMES)], "key": key,
         "width": 1, "height": 1, "content_type": "image/webp", "byte_size": 1}
        for i, key in enumerate(keys)])
    return photos.stop


def resident_kb(field: str) -> int:
    """A memory figure of this process from /proc/self/status, in kB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


def measure_check(app: Flask) -> tuple[int, float, upkeep.StorageReport]:
    """Run the check; return the growth of peak resident memory during it (kB), its seconds
    and its report."""
    with app.app_context():
        current_storage().keys("warm-up/")  # the S3 client and its service model: loaded once
        gc.collect()
        Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS from here on
        rss = resident_kb("VmRSS")
        started = time.perf_counter()
        report = upkeep.check_storage()
        return resident_kb("VmHWM") - rss, time.perf_counter() - started, report


def run(objects: int, folder: Path) -> int:
    """Fill, check and print one size; return the check's peak memory growth (kB)."""
    planted_orphans = sum(1 for n in range(objects) if is_orphan(n))
    planted_missing = objects // MISSING_EVERY
    app = create_app({
        "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.db'}",
        "UPLOAD_FOLDER": str(folder / "uploads"), "STORAGE_BACKEND": "s3",
        "S3_BUCKET": BUCKET, "S3_REGION": "us-east-1",
    })
    started = time.perf_counter()
    fill_rows(app, objects)
    with mock_aws(), mock.patch.object(S3Backend, "list_objects_v2", list_objects_v2):
        fill_bucket(objects)
        print(f"{objects} objects, {objects - planted_orphans + planted_missing} rows: "
              f"filled in {time.perf_counter() - started:.0f} s")
        peak, seconds, report = measure_check(app)
    found = (len(report.orphans) + len(report.new_orphans), len(report.missing))
    print(f"  check: {seconds:.0f} s, checked {report.checked}, "
          f"peak memory growth {peak / 1024:.1f} MB")
    print(f"  orphans found {found[0]} (planted {planted_orphans}), "
          f"missing found {found[1]} (planted {planted_missing})")
    if found != (planted_orphans, planted_missing) or report.checked != objects:
        sys.exit("the check did not find exactly what was planted")
    return peak


def main() -> None:
    """Both sizes, then the ratio of their peaks."""
    peaks = []
    for objects in SIZES:
        with tempfile.TemporaryDirectory() as folder:
            peaks.append(run(objects, Path(folder)))
    print(f"memory_1m_vs_10k={peaks[1] / peaks[0]:.2f}")


if __name__ == "__main__":
    main()
