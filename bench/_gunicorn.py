"""A throwaway instance served by gunicorn on 127.0.0.1, for benchmarks that need real workers."""

import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PASSWORD = "kuusi-jarvea-7"
WORKERS, THREADS = 2, 4

SEED = """
import io, datetime as dt
from app import create_app
from app.models import Role
from app.services import accounts, deeds
from flask_migrate import upgrade
from tests.imagegen import photo_like
app = create_app()
with app.app_context():
    upgrade()
    unit = accounts.create_unit("Juvan keskuskeittiö", "Juva")
    users = [accounts.create_user(name, {password!r}, role=Role(role), default_unit_id=unit.id)
             for name, role in {users!r}]
    for n in range({deeds}):
        new = deeds.NewDeed(f"Teko {{n}}", unit.id, dt.date(2026, 6, 2), None, True)
        deeds.create_deed(users[-1], new, [io.BytesIO(photo_like(640, 480))])
    print(unit.id)
"""


def free_port() -> int:
    """Return a free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare(folder: Path, users: list[tuple[str, str]], deeds: int) -> tuple[dict[str, str], int]:
    """Migrate an instance in the folder with these (username, role) users and deeds by the last
    one; return gunicorn's environment and the id of the one unit."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder / 'bench.db'}",
           "TEKOTAULU_UPLOAD_FOLDER": str(folder / "uploads"), "TEKOTAULU_SECRET_KEY": "bench",
           "TEKOTAULU_SECURE_COOKIES": "0", "TEKOTAULU_RATELIMIT_ENABLED": "0"}
    code = SEED.format(password=PASSWORD, users=users, deeds=deeds)
    done = subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=Path.cwd(),
                          capture_output=True, text=True)
    return env, int(done.stdout.strip().splitlines()[-1])


@contextmanager
def gunicorn(env: dict[str, str]) -> Iterator[tuple[int, int]]:
    """Serve the instance with gunicorn until it answers; yield its port and master's pid."""
    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-w", str(WORKERS), "--threads",
         str(THREADS), "-b", f"127.0.0.1:{port}", "--log-level", "warning", "app:create_app()"],
        env=env)
    try:
        for _ in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", port).request("GET", "/healthz")
                break
            except OSError:
                time.sleep(0.1)
        yield port, server.pid
    finally:
        server.terminate()
        server.wait(timeout=10)
