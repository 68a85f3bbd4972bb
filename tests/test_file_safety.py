"""No deed ever points at deleted files: each interleaving of uploads, erasure and the orphan
sweep is forced with events (no sleeps), on SQLite and on PostgreSQL alike."""

import datetime as dt
import io
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Deed, Photo, Rendition
from app.services import accounts, privacy, upkeep
from app.services import deeds as deed_service
from tests import imagegen
from tests.security_support import login

WAIT = 30  # seconds an event may take before the test gives up (never reached when it works)
PHOTO = imagegen.photo_like(320, 240)


@pytest.fixture
def app_config(app_config):
    """Two small renditions: the interleavings, not the image work, are under test."""
    app_config["RENDITION_SIZES"] = (("large", 320), ("small", 80))
    return app_config


class Pause:
    """Stop chosen threads right after they wrote a photo's files, until told to go on."""

    def __init__(self) -> None:
        self.written: dict[str, threading.Event] = {}
        self.go: dict[str, threading.Event] = {}

    def add(self, thread_name: str) -> None:
        """Pause the thread of this name after its files are written."""
        self.written[thread_name] = threading.Event()
        self.go[thread_name] = threading.Event()

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Wrap the service's store_photo so that paused threads wait after it returns."""
        real = deed_service.store_photo

        def store_then_wait(*args, **kwargs):
            stored = real(*args, **kwargs)
            name = threading.current_thread().name
            if name in self.written:
                self.written[name].set()
                assert self.go[name].wait(WAIT), f"{name} was never resumed"
            return stored

        monkeypatch.setattr(deed_service, "store_photo", store_then_wait)

    def reached(self, thread_name: str) -> bool:
        """Wait until the thread has written its files (False if it never does)."""
        return self.written[thread_name].wait(WAIT)

    def release_all(self) -> None:
        """Let every paused thread go on (also when a test fails half-way)."""
        for event in self.go.values():
            event.set()


@pytest.fixture
def pause(monkeypatch):
    """A Pause installed for this test, releasing its threads at the end whatever happens."""
    paused = Pause()
    paused.install(monkeypatch)
    yield paused
    paused.release_all()


class Upload(threading.Thread):
    """Post a deed with a photo (PHOTO unless told) through the service, in its own thread and
    app context."""

    def __init__(self, app, unit_id: int, name: str, photo: bytes = PHOTO) -> None:
        super().__init__(name=name, daemon=True)
        self.app, self.unit_id, self.photo = app, unit_id, photo
        self.deed_id: int | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        with self.app.app_context():
            try:
                new = deed_service.NewDeed(self.name, self.unit_id, dt.date(2026, 6, 2), None, True)
                author = accounts.find_user("aino")
                self.deed_id = deed_service.create_deed(author, new, [io.BytesIO(self.photo)]).id
            except BaseException as error:  # reported to the test thread
                self.error = error
            finally:
                db.session.remove()

    def finish(self) -> None:
        """Wait for the thread to end."""
        self.join(WAIT)
        assert not self.is_alive(), f"{self.name} did not finish"


def post_now(app, unit_id: int, name: str, photo: bytes = PHOTO) -> int:
    """Post a deed and wait for it; return its id."""
    upload = Upload(app, unit_id, name, photo)
    upload.start()
    upload.finish()
    assert upload.error is None, upload.error
    return upload.deed_id


def keys_of(app, deed_id: int) -> set[str]:
    """The storage keys of a deed's renditions."""
    with app.app_context():
        query = sa.select(Rendition.key).join(Rendition.photo).where(Photo.deed_id == deed_id)
        keys = set(db.session.scalars(query))
        db.session.remove()
    return keys


def stored_keys(app) -> set[str]:
    """Every photo file in storage."""
    with app.app_context():
        return set(app.extensions["storage"].keys("photos/"))


def deed_ids(app) -> list[int]:
    """The ids of all deeds."""
    with app.app_context():
        ids = list(db.session.scalars(sa.select(Deed.id).order_by(Deed.id)))
        db.session.remove()
    return ids


def assert_served(client, keys: set[str]) -> None:
    """Every key is answered with its file (200 and bytes), not 404."""
    assert keys
    for key in sorted(keys):
        with client.get(f"/photos/{key}") as response:
            assert response.status_code == 200, key
            assert response.get_data()


def erase(app, deed_id: int) -> None:
    """Erase a deed completely, rows and files, as an admin."""
    with app.app_context():
        privacy.erase_deed(accounts.find_user("admin"), deed_id)
        db.session.remove()


def while_paused(upload: Upload, pause: Pause, action: Callable[[], object]) -> object:
    """Start the upload, run the action once its files are written, then let it commit."""
    pause.add(upload.name)
    upload.start()
    try:
        assert pause.reached(upload.name), upload.error
        return action()
    finally:
        pause.release_all()
        upload.finish()


def age(app, key: str, minutes: float) -> None:
    """Set a local file's modification time this many minutes back."""
    timestamp = time.time() - minutes * 60
    os.utime(Path(app.config["UPLOAD_FOLDER"]) / key, (timestamp, timestamp))


def test_erasing_a_deed_while_its_photo_is_uploaded_again_loses_no_file(app, world, client, pause):
    """(a) X is erased, rows and files, while an upload of the identical photo waits between
    writing its files and committing: the new deed keeps every file, served with 200."""
    first = post_now(app, world.unit_id, "X")
    first_keys = keys_of(app, first)
    second = Upload(app, world.unit_id, "again")

    while_paused(second, pause, lambda: erase(app, first))

    assert second.error is None, second.error
    assert deed_ids(app) == [second.deed_id]
    new_keys = keys_of(app, second.deed_id)
    assert len(new_keys) == 2
    assert stored_keys(app) == new_keys
    assert not new_keys & first_keys
    login(client, "aino")
    assert_served(client, new_keys)
    for key in first_keys:
        assert client.get(f"/photos/{key}").status_code == 404


def test_a_failed_upload_deletes_none_of_an_identical_upload_that_commits(
    app, world, client, pause, monkeypatch
):
    """(b) Two uploads of identical bytes: A writes its files, B writes (or finds) its own, A's
    insert fails and A cleans up, then B commits. B's files all exist; nothing of A remains."""
    real_insert = deed_service.insert_deed

    def insert_fails_for_a(*args, **kwargs):
        if threading.current_thread().name == "A":
            raise RuntimeError("database went away")
        return real_insert(*args, **kwargs)

    monkeypatch.setattr(deed_service, "insert_deed", insert_fails_for_a)
    failing, committing = Upload(app, world.unit_id, "A"), Upload(app, world.unit_id, "B")
    pause.add("A")
    failing.start()
    assert pause.reached("A"), failing.error

    def a_fails_and_cleans_up():
        pause.go["A"].set()
        failing.finish()

    while_paused(committing, pause, a_fails_and_cleans_up)

    assert isinstance(failing.error, RuntimeError)
    assert committing.error is None, committing.error
    assert deed_ids(app) == [committing.deed_id]
    keys = keys_of(app, committing.deed_id)
    assert len(keys) == 2
    assert stored_keys(app) == keys  # all of B's files, none of A's
    login(client, "aino")
    assert_served(client, keys)


def test_orphan_sweep_during_an_upload_deletes_only_old_orphans(app, world, client, pause, runner):
    """(c) `storage check --fix` runs while an upload waits between writing files and
    committing: inside the grace period nothing of it goes; a two-hour-old orphan does."""
    post_now(app, world.unit_id, "earlier", imagegen.photo_like(240, 320))
    old_orphan = "photos/ab/" + "ab" * 32 + "-0123456789abcdef.webp"
    with app.app_context():
        app.extensions["storage"].save(old_orphan, b"left behind", "image/webp")
    age(app, old_orphan, 120)
    upload = Upload(app, world.unit_id, "slow")
    before = stored_keys(app)

    def sweep():
        written = stored_keys(app) - before
        return written, runner.invoke(args=["storage", "check", "--fix"])

    written, swept = while_paused(upload, pause, sweep)

    assert upload.error is None, upload.error
    assert len(written) == 2
    assert keys_of(app, upload.deed_id) == written
    assert stored_keys(app) == before - {old_orphan} | written
    assert swept.exit_code == 0, swept.output
    assert f"orphan file: {old_orphan} (deleted)" in swept.output
    for key in written:
        assert f"orphan file: {key} (too new to delete)" in swept.output
    after = runner.invoke(args=["storage", "check"])
    assert after.exit_code == 0, after.output
    assert "0 orphans, 0 missing" in after.output
    login(client, "aino")
    assert_served(client, written)


def test_sweep_keeps_young_orphans_without_failing_and_deletes_them_once_old(app, world, runner):
    """A file younger than the grace period is reported, kept and no failure; once older than
    TEKOTAULU_ORPHAN_GRACE_MINUTES it is an ordinary orphan: reported (exit 1), then deleted."""
    orphan = "photos/cd/" + "cd" * 32 + "-fedcba9876543210.webp"
    with app.app_context():
        app.extensions["storage"].save(orphan, b"x", "image/webp")

    young = runner.invoke(args=["storage", "check", "--fix"])
    assert young.exit_code == 0, young.output
    assert f"orphan file: {orphan} (too new to delete)" in young.output
    assert orphan in stored_keys(app)

    age(app, orphan, 61)
    found = runner.invoke(args=["storage", "check"])
    assert found.exit_code == 1
    assert f"orphan file: {orphan}\n" in found.output
    fixed = runner.invoke(args=["storage", "check", "--fix"])
    assert fixed.exit_code == 0, fixed.output
    assert f"orphan file: {orphan} (deleted)" in fixed.output
    assert stored_keys(app) == set()


def test_grace_period_follows_the_setting(app_config, request):
    """ORPHAN_GRACE_MINUTES decides which orphans are old enough to delete."""
    app_config["ORPHAN_GRACE_MINUTES"] = 5
    app = request.getfixturevalue("app")
    orphans = {f"photos/ef/{n}" + "e" * 63 + "-0123456789abcdef.webp": n for n in (4, 6)}
    with app.app_context():
        for key in orphans:
            app.extensions["storage"].save(key, b"x", "image/webp")
    for key, minutes in orphans.items():
        age(app, key, minutes)

    with app.app_context():
        report = upkeep.check_storage(fix=True)
        db.session.remove()

    young, old = sorted(orphans, key=orphans.get)
    assert (report.orphans, report.new_orphans) == ([old], [young])
    assert stored_keys(app) == {young}
