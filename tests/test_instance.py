"""The instance folder: private from the start (0700, files 0600), one secret for every worker.

These start real processes under umask 022 (what most servers run with) on a fresh instance
folder, as `flask run` or gunicorn would, and look at the modes the files end up with.
"""

import hashlib
import json
import os
import secrets as secrets_module
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import flask
import pytest
import sqlalchemy as sa

import app as app_package
from app.config import SETTINGS
from app.extensions import db

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 8
PROCESSES = 4  # each imports the whole app: four show the cross-process case at half the cost

# One worker: point Flask at the given instance folder, wait for the go file, run create_app,
# write to its SQLite database (so the -wal and -shm files exist), report what it saw.
WORKER = """
import hashlib, json, os, sys, time
os.umask(0o022)
import flask
import sqlalchemy as sa
instance, go, ready = sys.argv[1], sys.argv[2], sys.argv[3]
flask.Flask.auto_find_instance_path = lambda self: instance
from app import create_app
from app.extensions import db
open(ready, "w").close()
while not os.path.exists(go):
    time.sleep(0.001)
app = create_app()
modes = {}
with app.app_context():
    db.session.execute(sa.text("CREATE TABLE IF NOT EXISTS probe (x INTEGER)"))
    db.session.commit()
    for name in sorted(os.listdir(instance)):
        modes[name] = oct(os.stat(os.path.join(instance, name)).st_mode & 0o777)
    db.session.remove()
    db.engine.dispose()
print(json.dumps({
    "secret": hashlib.sha256(app.config["SECRET_KEY"].encode()).hexdigest(),
    "folder": oct(os.stat(instance).st_mode & 0o777),
    "modes": modes,
}))
"""


def clean_environment() -> dict[str, str]:
    """The environment without any setting, so each worker uses the instance folder defaults."""
    names = {setting.env for setting in SETTINGS} | {"SECRET_KEY", "TEKOTAULU_DATABASE_URL"}
    env = {k: v for k, v in os.environ.items() if k not in names}
    env["PYTHONPATH"] = str(ROOT)
    return env


def start_workers(instance: Path, count: int) -> list[dict]:
    """Start `count` workers, release them at once when all are ready, return their reports."""
    go = instance.parent / "go"
    readies = [instance.parent / f"ready-{n}" for n in range(count)]
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(instance), str(go), str(ready)],
            cwd=ROOT, env=clean_environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True,
        )
        for ready in readies
    ]
    deadline = time.monotonic() + 60
    while not all(ready.exists() for ready in readies) and time.monotonic() < deadline:
        time.sleep(0.01)
    go.touch()
    reports = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        reports.append(json.loads(out.strip().splitlines()[-1]))
    return reports


def mode(path: Path) -> int:
    """The permission bits of a file or folder."""
    return stat.S_IMODE(path.stat().st_mode)


def test_a_fresh_instance_is_private_under_umask_022(tmp_path):
    """Folder 0700; secret_key, app.db and its -wal/-shm 0600, whatever the umask allows."""
    instance = tmp_path / "instance"
    (report,) = start_workers(instance, 1)

    assert report["folder"] == oct(0o700)
    assert report["modes"]["secret_key"] == oct(0o600)
    assert report["modes"]["app.db"] == oct(0o600)
    assert report["modes"]["app.db-wal"] == oct(0o600)
    assert report["modes"]["app.db-shm"] == oct(0o600)
    assert mode(instance) == 0o700
    assert mode(instance / "secret_key") == 0o600
    assert mode(instance / "app.db") == 0o600


def test_workers_starting_together_share_one_secret(tmp_path):
    """Processes run create_app() at once on a fresh folder: one secret, read by all."""
    instance = tmp_path / "instance"
    reports = start_workers(instance, PROCESSES)

    secret = (instance / "secret_key").read_text().strip()
    assert len(secret) == 64
    assert {report["secret"] for report in reports} == {
        hashlib.sha256(secret.encode()).hexdigest()
    }
    assert mode(instance / "secret_key") == 0o600
    assert mode(instance / "app.db") == 0o600


def test_threads_starting_together_share_one_secret(tmp_path, monkeypatch):
    """The same in one process: eight threads released by one barrier fetch the secret, while
    making one is slow (so every thread is past any "is there a file?" check in time).

    The threads call the secret step of create_app() rather than all of it: CPython 3.11's
    compile() is not safe in several threads at once, and Werkzeug compiles each URL rule.
    """
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o700)
    token_hex = secrets_module.token_hex

    def slow_token_hex(nbytes: int) -> str:
        time.sleep(0.05)
        return token_hex(nbytes)

    monkeypatch.setattr(secrets_module, "token_hex", slow_token_hex)
    for setting in SETTINGS:
        monkeypatch.delenv(setting.env, raising=False)
    barrier = threading.Barrier(WORKERS)
    secrets, errors = [], []

    def start() -> None:
        barrier.wait()
        try:
            secrets.append(app_package.instance_secret(str(instance)))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=start) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(secrets) == WORKERS
    assert set(secrets) == {(instance / "secret_key").read_text().strip()}


def test_an_open_instance_folder_is_made_private(tmp_path, monkeypatch):
    """A folder an earlier version left world-readable (0755) is tightened to 0700."""
    monkeypatch.delenv("TEKOTAULU_SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    folder = tmp_path / "instance"
    folder.mkdir()
    folder.chmod(0o755)
    app = flask.Flask("app", instance_path=str(folder), instance_relative_config=True)
    app_package.configure(app, None)
    assert mode(folder) == 0o700


def connect(app) -> None:
    """Open the app's database once (SQLite makes the file now, if it is new), then close it."""
    with app.app_context():
        db.session.execute(sa.text("SELECT 1"))
        db.session.remove()
        db.engine.dispose()


def test_only_a_new_database_file_is_made_private(tmp_path, monkeypatch):
    """The file appears at the first connection, 0600; an existing one keeps mode and data."""
    folder = tmp_path / "instance"
    monkeypatch.setattr(flask.Flask, "auto_find_instance_path", lambda self: str(folder))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    database = folder / "app.db"
    old_umask = os.umask(0o022)
    try:
        first = app_package.create_app({"SECRET_KEY": "test"})
        assert not database.exists()  # an app that never connects leaves no file behind
        connect(first)
        assert mode(database) == 0o600
        with first.app_context():
            db.session.execute(sa.text("CREATE TABLE kept (x INTEGER)"))
            db.session.commit()
            db.session.remove()
            db.engine.dispose()

        database.chmod(0o640)  # the operator's choice for an existing database
        second = app_package.create_app({"SECRET_KEY": "test"})
        connect(second)
        assert mode(database) == 0o640
        with second.app_context():
            assert db.session.execute(sa.text("SELECT count(*) FROM kept")).scalar() == 0
            db.session.remove()
            db.engine.dispose()
    finally:
        os.umask(old_umask)


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_no_file_for_a_memory_database(tmp_path, monkeypatch, url):
    """A memory database gets no file in the instance folder."""
    folder = tmp_path / "instance"
    monkeypatch.setattr(flask.Flask, "auto_find_instance_path", lambda self: str(folder))
    connect(app_package.create_app({"SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": url}))
    assert os.listdir(folder) == []
