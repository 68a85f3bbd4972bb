"""Backups: the database (SQLite online backup or pg_dump) and every stored file, with a
manifest of hashes; and restoring one into an empty instance.

A backup folder holds:
  manifest.json       written last, so a folder without it is an unfinished backup
  database.sqlite3    SQLite: a copy made by the online backup API (one consistent snapshot)
  database.pgdump     PostgreSQL: pg_dump's custom format (restored with pg_restore)
  files.jsonl         one line per stored file: {"key", "size", "sha256"}; a list, not one JSON
                      document, so that a million files are written and checked line by line
  files/<key>         the stored files, byte for byte
"""

import datetime as dt
import hashlib
import json
import mimetypes
import os
import shutil
import sqlite3
import subprocess  # to run pg_dump and pg_restore  # nosec B404
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.request import pathname2url

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from flask import current_app
from flask_migrate import upgrade

from app.extensions import db
from app.models import Deed, JobLock, User
from app.services import jobs
from app.services.errors import ServiceError
from app.storage import (
    KeyMissing,
    LocalStorage,
    StorageError,
    current_storage,
    is_valid_key,
)
from app.storage.base import CHUNK_SIZE

FORMAT = "tekotaulu-backup"
VERSION = 1
MANIFEST = "manifest.json"
FILE_LIST = "files.jsonl"
FILES = "files"
DUMPS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
PG_TIMEOUT = 6 * 60 * 60  # seconds pg_dump/pg_restore may take; as long as a job's lock lasts


class BackupRefused(ServiceError):
    """A backup or restore that cannot go ahead, in English words for the operator (only the
    admin commands run these, so the words are not in the web's table of refusals)."""

    reason = "backup_refused"

    def __init__(self, words: str) -> None:
        super().__init__(None, words=words)

    def __str__(self) -> str:
        return self.details["words"]


@dataclass(frozen=True)
class BackupReport:
    """What a backup holds, and the files deleted while it ran (erased deeds: not an error)."""

    folder: Path
    database: str
    revision: str | None
    files: int
    size: int
    vanished: list[str]


@dataclass(frozen=True)
class RestoreReport:
    """What a restore put back, and the revision the database had before and after."""

    database: str
    files: int
    size: int
    revision: str | None
    upgraded_to: str | None
    vanished: int  # files deleted while the backup ran: rows of the snapshot may name them


# --- backup -------------------------------------------------------------------------------


def back_up(dest: Path) -> BackupReport:
    """Snapshot the database, then copy every stored file, then write the manifest."""
    created = _refuse_used_folder(dest)
    with jobs.exclusive("backup"), _failures_in_words("The backup failed"):
        try:
            return _back_up_into(dest)
        except BaseException:
            _clear(dest, created)  # no half-made backup that looks like one
            raise


def _back_up_into(dest: Path) -> BackupReport:
    """Write the dump, the files and, last, the manifest into dest."""
    dest.mkdir(parents=True, exist_ok=True)
    kind = database_kind()
    revision = current_revision()
    dump = dest / DUMPS[kind]
    # The database first: every file its rows name was written before they were committed,
    # so the listing made afterwards has them all (uploads since are extra, harmless files).
    if kind == "sqlite":
        _dump_sqlite(dump)
    else:
        _dump_postgresql(dump)
    count, size, vanished = _copy_files(dest)
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "alembic_revision": revision,
        "database": {"kind": kind, "file": dump.name, **_digest_of(dump)},
        "files": {"count": count, "bytes": size},
        "file_list": {"file": FILE_LIST, **_digest_of(dest / FILE_LIST)},
        "vanished": vanished,
    }
    _write_atomically(dest / MANIFEST, json.dumps(manifest, indent=2) + "\n")
    return BackupReport(dest, kind, revision, count, size, vanished)


def _refuse_used_folder(dest: Path) -> bool:
    """Refuse a DEST that is a file or a folder with something in it, or one inside the upload
    folder (the backup would copy itself); tell whether it is new."""
    storage = current_storage()
    if isinstance(storage, LocalStorage) and dest.resolve().is_relative_to(storage.root.resolve()):
        raise BackupRefused(f"{dest} is inside the upload folder {storage.root}: give a folder "
                            "outside it.")
    if not dest.exists():
        return True
    if not dest.is_dir():
        raise BackupRefused(f"{dest} exists and is not a folder: give a new or empty folder.")
    if any(dest.iterdir()):
        raise BackupRefused(f"{dest} is not empty: give a new or empty folder for the backup.")
    return False


def _clear(dest: Path, created: bool) -> None:
    """Remove what a failed backup wrote (the folder too if it made it)."""
    if created:
        shutil.rmtree(dest, ignore_errors=True)
        return
    for entry in dest.iterdir() if dest.is_dir() else ():
        shutil.rmtree(entry) if entry.is_dir() else entry.unlink()


def _dump_sqlite(dump: Path) -> None:
    """Copy the live database with SQLite's online backup API: one read transaction, so a
    consistent snapshot while the app goes on writing (WAL lets it)."""
    with closing(sqlite3.connect(sqlite_file())) as live, closing(sqlite3.connect(dump)) as copy:
        live.execute("PRAGMA busy_timeout=15000")
        live.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it


def _dump_postgresql(dump: Path) -> None:
    """pg_dump in its custom format: one snapshot, taken while the app goes on writing."""
    _run_pg("pg_dump", "--format=custom", "--no-owner", "--no-privileges",
            f"--file={dump}")


def _copy_files(dest: Path) -> tuple[int, int, list[str]]:
    """Copy every stored file into dest/files as the listing streams, noting each in the list."""
    storage = current_storage()
    count, size, vanished = 0, 0, []
    with (dest / FILE_LIST).open("w", encoding="utf-8") as listed:
        for key in storage.keys():
            try:
                entry = _copy_file(storage.stream(key).chunks, dest / FILES / key)
            except KeyMissing:  # deleted since it was listed: its deed was erased or edited
                vanished.append(key)
                continue
            listed.write(json.dumps({"key": key, **entry}) + "\n")
            count, size = count + 1, size + entry["size"]
    return count, size, vanished


def _copy_file(chunks: Iterator[bytes], target: Path) -> dict[str, Any]:
    """Write the chunks to target as they come; return the size and SHA-256 written."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    try:
        with target.open("wb") as out:
            for chunk in chunks:
                digest.update(chunk)
                out.write(chunk)
                size += len(chunk)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return {"size": size, "sha256": digest.hexdigest()}


# --- restore ------------------------------------------------------------------------------


def restore(src: Path) -> RestoreReport:
    """Check the backup and the empty target, then load the database and put back the files."""
    manifest = read_manifest(src)
    kind = database_kind()
    if manifest["database"]["kind"] != kind:
        raise BackupRefused(
            f"The backup is of a {manifest['database']['kind']} database and this instance uses "
            f"{kind}: restore into an instance of the same kind.")
    revision = manifest["alembic_revision"]
    _refuse_unknown_revision(revision)
    with _failures_in_words("The restore failed; nothing was written"):
        _refuse_filled_instance()
        count, size = verify(src, manifest)  # every hash, before anything is written
    with _failures_in_words("The restore failed partway; empty this instance's database and "
                            "storage before restoring again"):
        if kind == "sqlite":
            _load_sqlite(src / DUMPS[kind])
        else:
            _load_postgresql(src / DUMPS[kind])
        _put_files(src)
        upgraded = _upgrade_if_older(revision)
    return RestoreReport(kind, count, size, revision, upgraded, len(manifest["vanished"]))


def read_manifest(src: Path) -> dict[str, Any]:
    """The backup's manifest, or a refusal saying why it cannot be used."""
    path = src / MANIFEST
    if not path.is_file():
        raise BackupRefused(f"{path} is missing: {src} is not a finished backup.")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        ok = (manifest["format"] == FORMAT and manifest["version"] == VERSION
              and manifest["database"]["kind"] in DUMPS and "alembic_revision" in manifest
              and isinstance(manifest["files"]["count"], int) and "file_list" in manifest
              and isinstance(manifest["vanished"], list))
    except (ValueError, KeyError, TypeError):
        ok = False
    if not ok:
        raise BackupRefused(f"{path} is not a version {VERSION} Tekotaulu backup manifest.")
    return manifest


def verify(src: Path, manifest: dict[str, Any]) -> tuple[int, int]:
    """Check the dump, the file list and every file against their hashes; return the file
    count and bytes. Refuses, naming the first file that differs."""
    _check_digest(src / DUMPS[manifest["database"]["kind"]], manifest["database"])
    _check_digest(src / FILE_LIST, manifest["file_list"])
    count, size = 0, 0
    for entry in _listed_files(src):
        _check_digest(src / FILES / entry["key"], entry)
        count, size = count + 1, size + entry["size"]
    if count != manifest["files"]["count"]:
        raise BackupRefused(f"{src / FILE_LIST} lists {count} files, the manifest "
                            f"{manifest['files']['count']}.")
    return count, size


def _listed_files(src: Path) -> Iterator[dict[str, Any]]:
    """The entries of the backup's file list, one line at a time, each key checked."""
    with (src / FILE_LIST).open(encoding="utf-8") as listed:
        for number, line in enumerate(listed, start=1):
            try:
                entry = json.loads(line)
                ok = is_valid_key(entry["key"]) and isinstance(entry["size"], int)
            except (ValueError, KeyError, TypeError):
                ok = False
            if not ok:
                raise BackupRefused(f"{src / FILE_LIST} line {number} is not a file entry.")
            yield entry


def _check_digest(path: Path, expected: dict[str, Any]) -> None:
    """Refuse, naming the file, when it is missing or its size or SHA-256 is not as listed."""
    if not path.is_file():
        raise BackupRefused(f"{path} is missing from the backup.")
    actual = _digest_of(path)
    if actual != {"size": expected.get("size"), "sha256": expected.get("sha256")}:
        raise BackupRefused(f"{path} does not match the manifest (size {actual['size']}, "
                            f"SHA-256 {actual['sha256']}): the backup is damaged or altered.")


def _refuse_unknown_revision(revision: str | None) -> None:
    """Refuse a backup whose schema this version of the app does not know (a newer one)."""
    try:
        known = revision is not None and migrations().get_revision(revision) is not None
    except CommandError:
        known = False
    if not known:
        raise BackupRefused(f"The backup's database revision {revision!r} is not one this "
                            "version of Tekotaulu knows: restore with the version that made it "
                            "(or a newer one).")


def _refuse_filled_instance() -> None:
    """Refuse a target that has users or deeds, or any stored file."""
    tables = sa.inspect(db.engine).get_table_names()
    for model in (User, Deed):
        name = model.__table__.name
        if name in tables and db.session.scalar(sa.select(sa.func.count()).select_from(model)):
            raise BackupRefused(f"This instance's database already has {name} rows: restore "
                                "only into an empty instance (a new, empty database).")
    db.session.remove()
    stored = next(iter(current_storage().keys()), None)
    if stored is not None:
        raise BackupRefused(f"This instance's storage already has files (e.g. {stored}): "
                            "restore only into an empty storage.")


def _load_sqlite(dump: Path) -> None:
    """Copy the backup into the configured database file, page by page (the backup API)."""
    target = sqlite_file()
    db.session.remove()
    db.engine.dispose()  # no open connection may keep reading the pages being replaced
    source_uri = f"file:{pathname2url(str(dump))}?mode=ro&immutable=1"
    with closing(sqlite3.connect(source_uri, uri=True)) as source, \
            closing(sqlite3.connect(target)) as copy:
        source.backup(copy)


def _load_postgresql(dump: Path) -> None:
    """Replace the (empty) schema, then pg_restore the dump into it in one transaction."""
    with db.engine.begin() as connection:
        schema = connection.exec_driver_sql("SELECT current_schema()").scalar()
        name = connection.dialect.identifier_preparer.quote(schema)
        # The migrations may have made empty tables and the places they seed: they go.
        connection.exec_driver_sql(f"DROP SCHEMA {name} CASCADE")
        connection.exec_driver_sql(f"CREATE SCHEMA {name}")
    db.session.remove()
    db.engine.dispose()
    _run_pg("pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
            "--single-transaction", str(dump))


def _put_files(src: Path) -> None:
    """Store every listed file again through the storage, checking each hash as it is read."""
    storage = current_storage()
    for entry in _listed_files(src):
        # Stored files are renditions the app made (a few MB at most): one in memory at a time.
        data = (src / FILES / entry["key"]).read_bytes()
        if hashlib.sha256(data).hexdigest() != entry["sha256"]:
            raise BackupRefused(f"{src / FILES / entry['key']} changed while being restored.")
        content_type = mimetypes.guess_type(entry["key"])[0] or "application/octet-stream"
        storage.save(entry["key"], data, content_type)


def _upgrade_if_older(revision: str | None) -> str | None:
    """Run the migrations a backup from an older version lacks; return the new revision."""
    head = migrations().get_current_head()
    if revision != head:
        upgrade()
    # A lock held while the backup was taken belongs to a process of the old instance.
    db.session.execute(sa.delete(JobLock))
    db.session.commit()
    return head if revision != head else None


# --- shared -------------------------------------------------------------------------------


def database_kind() -> str:
    """'sqlite' or 'postgresql'; refuse any other database."""
    kind = db.engine.dialect.name
    if kind not in DUMPS:
        raise BackupRefused(f"Backups support SQLite and PostgreSQL, not {kind}.")
    return kind


def sqlite_file() -> str:
    """The configured SQLite database's file."""
    path = db.engine.url.database
    if not path or path == ":memory:" or path.startswith("file:"):
        raise BackupRefused(f"The SQLite database {path!r} is not a plain file.")
    return path


def current_revision() -> str | None:
    """The alembic revision of the live database (None before the first migration)."""
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def migrations() -> ScriptDirectory:
    """The app's migration scripts (Flask-Migrate's alembic setup)."""
    migrate = current_app.extensions["migrate"]
    return ScriptDirectory.from_config(migrate.migrate.get_config(migrate.directory))


@contextmanager
def _failures_in_words(what: str) -> Iterator[None]:
    """Turn a failing disk, storage or database into a refusal that says what failed."""
    try:
        yield
    except (OSError, StorageError, sqlite3.Error, sa.exc.SQLAlchemyError,
            subprocess.SubprocessError) as exc:
        raise BackupRefused(f"{what}: {exc}") from exc


def _digest_of(path: Path) -> dict[str, Any]:
    """A file's size and SHA-256, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK_SIZE):
            digest.update(chunk)
    return {"size": path.stat().st_size, "sha256": digest.hexdigest()}


def _write_atomically(path: Path, text: str) -> None:
    """Write a temp file and rename it: the manifest appears whole or not at all."""
    temp = path.with_name(f".{path.name}.tmp")
    with temp.open("w", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    temp.replace(path)


def _run_pg(program: str, *arguments: str) -> None:
    """Run pg_dump or pg_restore against the configured database; refuse with its words."""
    path = shutil.which(program)
    if path is None:
        raise BackupRefused(f"{program} is not installed: install the PostgreSQL client "
                            "(Debian: apt install postgresql-client) of the server's version.")
    url = db.engine.url
    # The password goes in the environment, not the command line others can see in ps.
    target = url.set(drivername="postgresql", password=None).render_as_string()
    env = {**os.environ, **({"PGPASSWORD": url.password} if url.password else {})}
    # A fixed program found by path, fixed arguments, no shell.
    done = subprocess.run(  # noqa: S603  # nosec B603
        [path, *arguments, f"--dbname={target}"], env=env, capture_output=True, text=True,
        timeout=PG_TIMEOUT, check=False)
    if done.returncode != 0:
        raise BackupRefused(f"{program} failed (exit {done.returncode}): "
                            f"{done.stderr.strip() or done.stdout.strip()}")
