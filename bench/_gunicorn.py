"""A throwaway instance served by gunicorn on 127.0.0.1, for benchmarks that need real workers,
and a minimal browser for it."""

import http.client
import os
import re
import runpy
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "kuusi-jarvea-7"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# The repository's production settings (workers from the core count, threads, timeouts).
CONFIG = ROOT / "gunicorn.conf.py"
WORKERS, THREADS = (runpy.run_path(str(CONFIG))[name] for name in ("workers", "threads"))
# ... less what would disturb a measurement: a log line per request, and workers recycled
# (re-importing the app) mid-run.
QUIET = {"GUNICORN_ACCESSLOG": os.devnull, "GUNICORN_LOGLEVEL": "warning",
         "GUNICORN_MAX_REQUESTS": "0"}

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
    """Serve the instance with gunicorn.conf.py until it answers; yield port and master pid."""
    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", str(CONFIG), "app:create_app()"],
        env={**env, **QUIET, "GUNICORN_BIND": f"127.0.0.1:{port}"}, cwd=ROOT)
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


class Browser:
    """One keep-alive connection with a cookie, like a browser tab (enough for these pages)."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookie = ""

    def request(self, method: str, path: str, body: bytes | str | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        """Send a request, keep any new cookie; return status, headers and body."""
        sent = dict(headers or {})
        if self.cookie:
            sent["Cookie"] = self.cookie
        try:
            self.conn.request(method, path, body, sent)
            response = self.conn.getresponse()
        except (http.client.RemoteDisconnected, ConnectionError):
            # The server closed the idle keep-alive connection (gunicorn: after 2 s), as it
            # does to browsers too, which then connect again: so do we.
            self.conn.close()
            self.conn.request(method, path, body, sent)
            response = self.conn.getresponse()
        data = response.read()
        cookie = response.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";")[0]
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data

    def form_token(self, path: str) -> str:
        """GET a page and return its CSRF token."""
        status, _, page = self.request("GET", path)
        assert status == 200, (path, status)
        found = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page)
        return found.group(1).decode()

    def log_in(self, username: str) -> None:
        """Sign in through the login form."""
        token = self.form_token("/login")
        body = f"csrf_token={token}&username={username}&password={PASSWORD}"
        status, headers, _ = self.request(
            "POST", "/login", body, {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 302, status
        self.request("GET", headers["location"])  # the first page stores the form token


def multipart(fields: dict[str, str], photo: bytes) -> tuple[bytes, str]:
    """A multipart/form-data body with the fields and one JPEG; return it and its content type."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; filename="kuva.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n".encode() + photo + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def tree_cpu_seconds(master: int) -> float:
    """CPU seconds (user + system) of the gunicorn master and its workers so far."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        pid, ppid = int(entry), int(fields[1])
        if pid == master or ppid == master:
            total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return total
