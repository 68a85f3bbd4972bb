"""`storage check` merges the storage listing with the rendition rows as both stream: its
memory does not grow with the number of files, and it still finds orphans and missing files."""

import datetime as dt
import os
import tracemalloc
from pathlib import Path

import sqlalchemy as sa

from app.extensions import db
from app.models import Deed, Photo, Rendition, User
from app.services import upkeep


def store_photos(app, world, count: int, start: int = 0) -> list[str]:
    """Write `count` rendition rows and their files straight to the folder; return the keys."""
    folder = Path(app.config["UPLOAD_FOLDER"])
    keys = [f"photos/{n % 251:02x}/{n:08d}abcdef.webp" for n in range(start, start + count)]
    for key in keys:
        path = folder / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
        old = (dt.datetime.now() - dt.timedelta(days=1)).timestamp()
        os.utime(path, (old, old))
    with app.app_context():
        author = db.session.scalar(sa.select(User.id).where(User.username == "aino"))
        deed = Deed(description="Monta kuvaa", happened_on=dt.date(2026, 6, 1),
                    author_id=author, unit_id=world.unit_id, municipality_id=1)
        db.session.add(deed)
        db.session.flush()
        photos = [{"deed_id": deed.id, "position": n, "width": 1, "height": 1,
                   "content_hash": "0" * 64, "placeholder": ""} for n in range(count)]
        db.session.execute(sa.insert(Photo), photos)
        photo_ids = db.session.scalars(
            sa.select(Photo.id).where(Photo.deed_id == deed.id).order_by(Photo.position)).all()
        db.session.execute(sa.insert(Rendition), [
            {"photo_id": photo_id, "name": "small", "key": key, "width": 1, "height": 1,
             "content_type": "image/webp", "byte_size": 1}
            for photo_id, key in zip(photo_ids, keys, strict=True)])
        db.session.commit()
    return keys


def peak_memory_of_check(app) -> tuple[int, upkeep.StorageReport]:
    """Run the check; return the peak of Python allocations during it, and its report."""
    with app.app_context():
        tracemalloc.start()
        try:
            report = upkeep.check_storage()
            return tracemalloc.get_traced_memory()[1], report
        finally:
            tracemalloc.stop()


def test_memory_does_not_grow_with_the_number_of_files(app, world):
    store_photos(app, world, 3000)  # past one batch of rows, so the batch is in both runs
    small, report = peak_memory_of_check(app)
    assert report.checked == 3000 and not report.orphans and not report.missing
    store_photos(app, world, 9000, start=3000)
    large, report = peak_memory_of_check(app)
    assert report.checked == 12000 and not report.orphans and not report.missing
    print(f"peak allocations: {small} B at 3000 files, {large} B at 12000 files")
    assert large < 1.5 * small, "four times the files must not take (nearly) four times the memory"


def test_orphans_and_missing_files_are_still_found_in_one_pass(app, world):
    keys = store_photos(app, world, 300)
    folder = Path(app.config["UPLOAD_FOLDER"])
    (folder / keys[10]).unlink()
    (folder / keys[200]).unlink()
    stray = folder / "photos" / "00" / "00000000zzzz.webp"
    stray.write_bytes(b"x")
    old = (dt.datetime.now() - dt.timedelta(days=1)).timestamp()
    os.utime(stray, (old, old))
    with app.app_context():
        report = upkeep.check_storage()
        assert report.checked == 299
        assert report.missing == [keys[10], keys[200]]
        assert report.orphans == ["photos/00/00000000zzzz.webp"]
        upkeep.check_storage(fix=True)
    assert not stray.exists()
    assert all((folder / key).exists() for key in keys if key not in (keys[10], keys[200]))
