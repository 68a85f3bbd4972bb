"""flask backup / flask restore: a backup restored into a fresh instance shows the same board,
the same files and the same audit log; damaged backups, used folders and filled targets are
refused in words."""

import json
import sqlite3
import threading
from contextlib import closing
from pathlib import Path

import boto3
import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app.extensions import db
from app.models import AuditEntry, Deed, JobLock, Photo, Rendition, User
from app.services import accounts, backup, demo, jobs, moderation, privacy, upkeep
from app.storage import LocalStorage, current_storage
from tests.conftest import (
    deed_form,
    drop_database,
    jpeg_upload,
    log_in,
    new_database,
    server_url,
)
from tests.s3_support import local_s3_server

REGION = "eu-north-1"
VIEWERS = ("aino", "esihenkilo")  # an employee, and a supervisor who also sees hidden deeds


# --- fixtures and helpers -------------------------------------------------------------------


@pytest.fixture(scope="module")
def s3_endpoint():
    """One local S3 server for the module."""
    with local_s3_server() as (endpoint, _server):
        yield endpoint


def new_bucket(endpoint: str, name: str) -> dict[str, str]:
    """Make an empty bucket; return the settings that store an app's photos in it."""
    boto3.client("s3", endpoint_url=endpoint, region_name=REGION).create_bucket(
        Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    return {"STORAGE_BACKEND": "s3", "S3_BUCKET": name, "S3_ENDPOINT_URL": endpoint,
            "S3_REGION": REGION}


@pytest.fixture
def fresh_instance(tmp_path, make_app):
    """Make apps on a new database (migrated or not) and a new storage, as a restore target."""
    made = []

    def make(migrated: bool = False, **storage):
        url = new_database(tmp_path, "restored")
        other = make_app(SQLALCHEMY_DATABASE_URI=url,
                         UPLOAD_FOLDER=str(tmp_path / f"restored-uploads-{len(made)}"), **storage)
        made.append((other, url))
        if migrated:
            with other.app_context():
                upgrade()
                db.session.remove()
        return other

    yield make
    for other, url in made:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()
        drop_database(url)


def fill_like_the_demo(app, runner, folder: Path) -> dict[str, str]:
    """Units, users, deeds with photos, thanks and comments (`flask demo`), a hidden deed and
    a featured one in the audit log; return the demo passwords by username."""
    app.config["DEMO_LOGINS_FILE"] = str(folder / "demo-logins.txt")
    result = runner.invoke(args=["demo", "--deeds", "6"])
    assert result.exit_code == 0, result.output
    passwords = {login.username: login.password
                 for login in demo.read_logins(app.config["DEMO_LOGINS_FILE"])}
    with app.app_context():
        supervisor = accounts.find_user("esihenkilo")
        first, last = db.session.execute(
            sa.select(sa.func.min(Deed.id), sa.func.max(Deed.id))).one()
        moderation.hide_deed(supervisor, first, "Kuvassa näkyy asiakkaan nimi.")
        moderation.set_featured(accounts.find_user("admin"), last, True)
        db.session.remove()
    return passwords


def board_of(app, passwords: dict[str, str]) -> dict[str, object]:
    """What each viewer's board says (/api/deeds), and the bytes of every photo it shows."""
    seen = {}
    for username in VIEWERS:
        client = app.test_client()
        assert log_in(client, username, passwords[username]).status_code == 302
        cards = client.get("/api/deeds?limit=100").get_json()["deeds"]
        photos = {}
        for card in cards:
            for url in _photo_urls(card):
                with client.get(url) as response:
                    assert response.status_code == 200, url
                    photos[url] = response.get_data()
        seen[username] = {"cards": cards, "photos": photos}
    return seen


def _photo_urls(value) -> list[str]:
    """Every /photos/ URL in a card's JSON."""
    if isinstance(value, dict):
        return [url for item in value.values() for url in _photo_urls(item)]
    if isinstance(value, list):
        return [url for item in value for url in _photo_urls(item)]
    return [value] if isinstance(value, str) and value.startswith("/photos/") else []


def stored_files(app) -> dict[str, bytes]:
    """Every stored file's bytes by key, read through the app's storage."""
    with app.app_context():
        storage = current_storage()
        files = {}
        for key in storage.keys():
            with storage.open(key) as stored:
                files[key] = stored.read()
        return files


def audit_log(app) -> list[dict[str, object]]:
    """Every audit entry, column by column."""
    with app.app_context():
        rows = db.session.execute(sa.select(AuditEntry.__table__).order_by(AuditEntry.id))
        entries = [dict(row._mapping) for row in rows]
        db.session.remove()
        return entries


def listed_files(backup_folder: Path) -> list[dict[str, object]]:
    """The entries of a backup's file list."""
    lines = (backup_folder / "files.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def back_up(app, dest: Path):
    """Run `flask backup DEST` on the app."""
    return app.test_cli_runner().invoke(args=["backup", str(dest)])


def restore(app, src: Path):
    """Run `flask restore SRC` on the app."""
    return app.test_cli_runner().invoke(args=["restore", str(src)])


def row_count(app, model) -> int:
    """How many rows the model's table has."""
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(model))
        db.session.remove()
        return count


def assert_same_instance(source, restored, passwords) -> None:
    """The restored instance shows the same board, files and audit log as the source."""
    assert board_of(restored, passwords) == board_of(source, passwords)
    files = stored_files(source)
    assert any(key.startswith("photos/") for key in files)
    assert stored_files(restored) == files
    entries = audit_log(source)
    assert {entry["action"] for entry in entries} >= {"hide", "feature"}
    assert audit_log(restored) == entries


# --- a backup restored -------------------------------------------------------------------


@pytest.mark.parametrize("migrated", [False, True], ids=["empty-database", "migrated-database"])
def test_a_restored_instance_has_the_same_board_files_and_audit_log(
        app, runner, fresh_instance, tmp_path, migrated):
    passwords = fill_like_the_demo(app, runner, tmp_path)
    backed_up = back_up(app, tmp_path / "backup")
    assert backed_up.exit_code == 0, backed_up.output
    assert "Backed up the" in backed_up.output

    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    listed = listed_files(tmp_path / "backup")
    with app.app_context():
        assert manifest["alembic_revision"] == backup.migrations().get_current_head()
    assert manifest["files"]["count"] == len(listed) == len(stored_files(app))
    assert {entry["key"] for entry in listed} == set(stored_files(app))

    if manifest["database"]["kind"] == "sqlite":  # the snapshot has the backup's own lock
        with closing(sqlite3.connect(tmp_path / "backup" / "database.sqlite3")) as snapshot:
            assert snapshot.execute("SELECT name FROM job_lock").fetchall() == [("backup",)]

    target = fresh_instance(migrated=migrated)
    restored = restore(target, tmp_path / "backup")
    assert restored.exit_code == 0, restored.output
    assert f"{len(listed)} files" in restored.output
    assert_same_instance(app, target, passwords)
    assert row_count(target, JobLock) == 0  # that lock belongs to the old instance's process
    assert_new_deeds_can_be_posted(target, passwords)


def assert_new_deeds_can_be_posted(app, passwords) -> None:
    """The restored ids go on from where they were (sequences, AUTOINCREMENT), not collide."""
    newest = max_deed_id(app)
    client = app.test_client()
    log_in(client, "aino", passwords["aino"])
    with app.app_context():
        unit_id = accounts.find_user("aino").default_unit_id
        db.session.remove()
    response = client.post("/deeds/new", content_type="multipart/form-data",
                           data=deed_form(unit_id))
    assert response.status_code == 302
    assert max_deed_id(app) > newest


@pytest.mark.skipif(not server_url(), reason="PostgreSQL only (set TEST_DATABASE_URL)")
def test_postgresql_and_s3_restore_into_a_fresh_database_and_bucket(
        app_config, s3_endpoint, fresh_instance, tmp_path, request):
    app_config.update(new_bucket(s3_endpoint, "backup-source"))
    app = request.getfixturevalue("app")
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
    passwords = fill_like_the_demo(app, app.test_cli_runner(), tmp_path)
    backed_up = back_up(app, tmp_path / "backup")
    assert backed_up.exit_code == 0, backed_up.output
    assert (tmp_path / "backup" / "database.pgdump").is_file()

    target = fresh_instance(migrated=True, **new_bucket(s3_endpoint, "backup-target"))
    restored = restore(target, tmp_path / "backup")
    assert restored.exit_code == 0, restored.output
    assert_same_instance(app, target, passwords)
    assert_new_deeds_can_be_posted(target, passwords)


@pytest.mark.skipif(not server_url(), reason="PostgreSQL only (set TEST_DATABASE_URL)")
def test_without_pg_dump_the_backup_says_what_to_install(app, world, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH with no programs on it
    result = back_up(app, tmp_path / "backup")
    assert result.exit_code == 1
    assert "pg_dump is not installed: install the PostgreSQL client" in result.output
    assert not (tmp_path / "backup").exists()  # nothing half-made left behind


def test_s3_backups_restore_too(app_config, s3_endpoint, fresh_instance, tmp_path,
                                request):
    app_config.update(new_bucket(s3_endpoint, "any-database-source"))
    app = request.getfixturevalue("app")
    passwords = fill_like_the_demo(app, app.test_cli_runner(), tmp_path)
    assert back_up(app, tmp_path / "backup").exit_code == 0
    target = fresh_instance(**new_bucket(s3_endpoint, "any-database-target"))
    restored = restore(target, tmp_path / "backup")
    assert restored.exit_code == 0, restored.output
    assert_same_instance(app, target, passwords)


def test_a_backup_of_an_older_version_is_upgraded_after_restoring(fresh_instance, tmp_path):
    older = fresh_instance(migrated=True)
    made = older.test_cli_runner().invoke(args=["user", "create", "aino", "--password-stdin"],
                                          input="kuusi-jarvea-7\n")
    assert made.exit_code == 0, made.output
    with older.app_context():  # the user is made by today's code, then the schema goes back
        head = backup.migrations().get_current_head()
        previous = backup.migrations().get_revision(head).down_revision
        db.session.remove()
        downgrade(revision=previous)
    assert back_up(older, tmp_path / "backup").exit_code == 0
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert manifest["alembic_revision"] == previous

    target = fresh_instance()
    restored = restore(target, tmp_path / "backup")
    assert restored.exit_code == 0, restored.output
    assert f"Upgraded the database to revision {head}." in restored.output
    with target.app_context():
        assert backup.current_revision() == head
        assert accounts.find_user("aino").username == "aino"
        db.session.remove()


def test_a_backup_taken_while_deeds_are_posted_and_erased_restores_consistently(
        app, client, world, fresh_instance, tmp_path):
    """An employee posts deeds and erases every other one while backups run; each restored
    instance has a file for every photo its rows name, byte for byte."""
    log_in(client, "aino")
    done, posted, errors = threading.Event(), [], []

    def post_and_erase():
        while not done.is_set():
            try:
                response = client.post("/deeds/new", content_type="multipart/form-data",
                                       data=deed_form(world.unit_id, photo=jpeg_upload()))
                assert response.status_code == 302
                posted.append(response)
                if len(posted) % 2 == 0:
                    deed_id = max_deed_id(app)
                    erased = client.post(f"/deeds/{deed_id}/delete", data={"confirm": "y"})
                    assert erased.status_code == 302
            except Exception as exc:  # reported below, in the test's thread
                errors.append(exc)
                return

    poster = threading.Thread(target=post_and_erase)
    poster.start()
    overlapped = []  # backups during which a deed was posted (or erased)
    try:
        while not posted and not errors:
            threading.Event().wait(0.01)
        for attempt in range(500):  # back to back, until two backups each saw a post
            before = len(posted)
            result = back_up(app, tmp_path / f"backup-{attempt}")
            assert result.exit_code == 0, result.output
            if len(posted) > before:
                overlapped.append(tmp_path / f"backup-{attempt}")
            if len(overlapped) == 2 or errors:
                break
    finally:
        done.set()
        poster.join(timeout=60)
    assert not errors, errors
    assert len(overlapped) == 2

    target = fresh_instance()
    restored = restore(target, overlapped[-1])
    assert restored.exit_code == 0, restored.output
    with target.app_context():
        report = upkeep.check_storage()
        assert report.missing == []  # a deed posted during the backup: its row or none at all
        keys = db.session.scalars(sa.select(Rendition.key)).all()
        assert keys
        db.session.remove()
    source_files, restored_files = stored_files(app), stored_files(target)
    kept = [key for key in keys if key in source_files]  # the rest were erased since
    assert kept and all(restored_files[key] == source_files[key] for key in kept)


class ErasingMidway(LocalStorage):
    """The app's local files, where the backup's first read of a file waits while another
    thread (another server, say) erases the deed that file belongs to."""

    def __init__(self, app):
        super().__init__(app.config["UPLOAD_FOLDER"])
        self.app, self.erased = app, None

    def stream(self, key):
        if self.erased is None:
            self.erased = key
            eraser = threading.Thread(target=self.erase_deed_of, args=(key,))
            eraser.start()
            eraser.join(timeout=60)
        return super().stream(key)

    def erase_deed_of(self, key: str) -> None:
        with self.app.app_context():
            deed_id = db.session.scalar(sa.select(Photo.deed_id).join(Rendition)
                                        .where(Rendition.key == key))
            privacy.erase_deed(accounts.find_user("admin"), deed_id)
            db.session.remove()


def test_a_file_erased_during_the_backup_is_skipped_not_an_error(
        app, client, auth, world, fresh_instance, tmp_path):
    auth.login()
    for _ in range(2):
        client.post("/deeds/new", content_type="multipart/form-data",
                    data=deed_form(world.unit_id))
    app.extensions["storage"] = ErasingMidway(app)
    result = back_up(app, tmp_path / "backup")
    assert result.exit_code == 0, result.output
    erased = app.extensions["storage"].erased
    assert f"skipped file: {erased} (deleted while the backup ran)" in result.output
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert erased in manifest["vanished"]
    assert erased not in {entry["key"] for entry in listed_files(tmp_path / "backup")}

    target = fresh_instance()
    restored = restore(target, tmp_path / "backup")
    assert restored.exit_code == 0, restored.output
    assert "deleted while the backup ran" in restored.output
    with target.app_context():  # the snapshot still had the deed: its rows name the file
        assert erased in upkeep.check_storage().missing
        db.session.remove()


def max_deed_id(app) -> int:
    """The newest deed's id."""
    with app.app_context():
        newest = db.session.scalar(sa.select(sa.func.max(Deed.id)))
        db.session.remove()
        return newest


# --- refusals ----------------------------------------------------------------------------


def test_restore_refuses_an_instance_with_users_or_files(app, runner, world, fresh_instance,
                                                        tmp_path):
    assert back_up(app, tmp_path / "backup").exit_code == 0
    into_itself = restore(app, tmp_path / "backup")
    assert into_itself.exit_code == 1
    assert "already has user rows" in into_itself.output
    assert "Traceback" not in into_itself.output

    target = fresh_instance(migrated=True)
    with target.app_context():
        current_storage().save("photos/left-over.webp", b"not empty", "image/webp")
    with_a_file = restore(target, tmp_path / "backup")
    assert with_a_file.exit_code == 1
    assert "already has files (e.g. photos/left-over.webp)" in with_a_file.output
    assert row_count(target, User) == 0


def test_a_tampered_file_is_refused_by_name_before_anything_is_written(
        app, client, auth, world, fresh_instance, tmp_path):
    auth.login()
    client.post("/deeds/new", content_type="multipart/form-data",
                data=deed_form(world.unit_id))
    assert back_up(app, tmp_path / "backup").exit_code == 0
    listed = listed_files(tmp_path / "backup")
    tampered = tmp_path / "backup" / "files" / listed[-1]["key"]
    data = bytearray(tampered.read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size, other bytes
    tampered.write_bytes(bytes(data))

    target = fresh_instance()
    result = restore(target, tmp_path / "backup")
    assert result.exit_code == 1
    assert str(tampered) in result.output and "does not match the manifest" in result.output
    assert stored_files(target) == {}
    with target.app_context():
        assert sa.inspect(db.engine).get_table_names() == []  # the database was not touched
        db.session.remove()


def test_a_damaged_manifest_or_dump_is_refused(app, world, fresh_instance, tmp_path):
    assert back_up(app, tmp_path / "backup").exit_code == 0
    target = fresh_instance()
    dump = next(p for p in (tmp_path / "backup").iterdir() if p.name.startswith("database."))
    with dump.open("ab") as grown:
        grown.write(b"\0")
    result = restore(target, tmp_path / "backup")
    assert result.exit_code == 1 and f"{dump} does not match the manifest" in result.output

    manifest_file = tmp_path / "backup" / "manifest.json"
    manifest = json.loads(manifest_file.read_text())
    for change, words in (
        ({"alembic_revision": "f00dfeedbeef"}, "revision 'f00dfeedbeef' is not one this version"),
        ({"database": {**manifest["database"], "kind": other_kind(manifest)}},
         f"this instance uses {manifest['database']['kind']}"),
    ):
        manifest_file.write_text(json.dumps({**manifest, **change}))
        result = restore(target, tmp_path / "backup")
        assert result.exit_code == 1 and words in result.output

    manifest_file.write_text("{not json")
    result = restore(target, tmp_path / "backup")
    assert result.exit_code == 1 and "is not a version 1 Tekotaulu backup manifest" in result.output

    (tmp_path / "backup" / "manifest.json").unlink()
    result = restore(target, tmp_path / "backup")
    assert result.exit_code == 1 and "is not a finished backup" in result.output


def other_kind(manifest) -> str:
    """The database kind the backup is not of."""
    return {"sqlite": "postgresql", "postgresql": "sqlite"}[manifest["database"]["kind"]]


def test_backup_refuses_a_folder_in_use(app, world, tmp_path):
    used = tmp_path / "used"
    used.mkdir()
    (used / "notes.txt").write_text("keep me")
    result = back_up(app, used)
    assert result.exit_code == 1
    assert f"{used} is not empty" in result.output
    assert sorted(p.name for p in used.iterdir()) == ["notes.txt"]

    result = back_up(app, used / "notes.txt")
    assert result.exit_code == 1 and "is not a folder" in result.output

    uploads = Path(app.config["UPLOAD_FOLDER"])
    result = back_up(app, uploads / "backup")
    assert result.exit_code == 1 and "is inside the upload folder" in result.output
    assert not (uploads / "backup").exists()

    empty = tmp_path / "empty"
    empty.mkdir()
    assert back_up(app, empty).exit_code == 0
    assert (empty / "manifest.json").is_file()


def test_a_second_backup_is_refused_while_one_runs(app, world, tmp_path):
    with app.app_context(), jobs.exclusive("backup"):
        result = back_up(app, tmp_path / "backup")
    assert result.exit_code == 1
    assert "on jo käynnissä" in result.output  # the job lock's words, as for retention
    assert not (tmp_path / "backup").exists()
    assert back_up(app, tmp_path / "backup").exit_code == 0  # free once the first is done
