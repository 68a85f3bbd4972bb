"""Real app servers for tests and benchmarks: gunicorn processes on 127.0.0.1 with the
repository's gunicorn.conf.py, a browser-like HTTP client for them, and whether Redis answers."""

import http.client
import http.cookies
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"
START_SECONDS = 30.0  # importing the app and forking the workers takes 1-2 s
STOP_SECONDS = 15.0  # a graceful stop after that is killed
CSRF_FIELD = re.compile(rb'name="csrf_token" type="hidden" value="([^"]+)"')


def free_port() -> int:
    """A free TCP port on 127.0.0.1 (bound and released at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_reachable() -> bool:
    """Tell whether a Redis server answers on 127.0.0.1:6379 and the client is installed."""
    try:
        import redis  # noqa: F401
    except ImportError:
        return False
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


@dataclass
class AppServer:
    """One gunicorn master (with its workers) serving the app on a loopback port."""

    port: int
    process: subprocess.Popen
    log: Path  # what gunicorn and the app wrote: errors, and the access log unless sent away

    @property
    def pid(self) -> int:
        """The master's process id."""
        return self.process.pid

    def output(self) -> str:
        """Everything the server has written so far."""
        return self.log.read_text(encoding="utf-8", errors="replace")


@contextmanager
def gunicorn(env: Mapping[str, str], log_folder: Path, *, workers: int = 2,
             threads: int = 4) -> Iterator[AppServer]:
    """Serve app:create_app() with gunicorn.conf.py on a free loopback port until it answers
    /healthz; stop it at the end, however the block ends."""
    with gunicorns(env, log_folder, 1, workers=workers, threads=threads) as (server,):
        yield server


@contextmanager
def gunicorns(env: Mapping[str, str], log_folder: Path, count: int, *, workers: int,
              threads: int) -> Iterator[list[AppServer]]:
    """Start `count` servers of the same app together (they import it side by side), wait until
    each answers, and stop them all at the end."""
    servers: list[AppServer] = []
    try:
        for _ in range(count):
            servers.append(start(env, log_folder, workers, threads))
        for server in servers:
            wait_until_answering(server)
        yield servers
    finally:
        stop(server.process for server in servers)


def start(env: Mapping[str, str], log_folder: Path, workers: int, threads: int) -> AppServer:
    """Start gunicorn on a free port, its output going to a log file (and gunicornc's control
    socket beside it: the default path is one per user, which servers side by side would share)."""
    port = free_port()
    settings = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}",
                "GUNICORN_WORKERS": str(workers), "GUNICORN_THREADS": str(threads),
                "GUNICORN_CONTROL_SOCKET": str(log_folder / f"gunicorn-{port}.ctl")}
    log = log_folder / f"gunicorn-{port}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [str(GUNICORN), "-c", str(ROOT / "gunicorn.conf.py"), "app:create_app()"],
            cwd=ROOT, env=settings, stdin=subprocess.DEVNULL, stdout=sink,
            stderr=subprocess.STDOUT)
    return AppServer(port, process, log)


def wait_until_answering(server: AppServer) -> None:
    """Wait until /healthz answers 200; fail with the server's output if it stops or is slow."""
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.process.returncode}:\n"
                               + server.output())
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=2)
        try:
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        finally:
            connection.close()
        time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not answer in {START_SECONDS:.0f} s:\n" + server.output())


def stop(processes: Iterable[subprocess.Popen]) -> None:
    """Stop gunicorn masters gracefully (SIGTERM, all at once), killing any that do not stop
    in time."""
    running = [process for process in processes if process.poll() is None]
    for process in running:
        process.terminate()
    for process in running:
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_SECONDS)


def token_in(page: bytes) -> str:
    """The CSRF token of the page's first form."""
    found = CSRF_FIELD.search(page)
    if not found:
        raise AssertionError(f"no form token in {page[:300]!r}")
    return found.group(1).decode()


Answer = tuple[int, dict[str, str], bytes]  # status, headers (lower-case names), body


class Browser:
    """Keep-alive connections to app servers on 127.0.0.1 that share one cookie jar, as a
    browser behind a load balancer would (no redirects followed, no cookie paths)."""

    def __init__(self, port: int, *, address: str = "127.0.0.1", timeout: float = 30) -> None:
        self.port = port  # where requests go unless a request names another server
        self.address = address  # the client's own address: any of 127/8 is this machine
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self._connections: dict[int, http.client.HTTPConnection] = {}

    def cookie_header(self) -> str:
        """The Cookie header this browser sends."""
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def request(self, method: str, path: str, body: bytes | str | None = None,
                headers: Mapping[str, str] | None = None, *, port: int | None = None) -> Answer:
        """Send a request, keep the cookies it sets; return status, headers and body."""
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = self.cookie_header()
        port = port or self.port
        try:
            response = self._send(port, method, path, body, sent)
        except (http.client.RemoteDisconnected, ConnectionError):
            # The server closed the idle keep-alive connection (gunicorn: after a few seconds),
            # as it does to browsers too, which then connect again: so do we.
            self._connections.pop(port).close()
            response = self._send(port, method, path, body, sent)
        data = response.read()
        for line in response.msg.get_all("Set-Cookie") or ():
            self._keep(line)
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data

    def _send(self, port: int, method: str, path: str, body: bytes | str | None,
              headers: dict[str, str]) -> http.client.HTTPResponse:
        if port not in self._connections:
            self._connections[port] = http.client.HTTPConnection(
                "127.0.0.1", port, timeout=self.timeout, source_address=(self.address, 0))
        connection = self._connections[port]
        connection.request(method, path, body, headers)
        return connection.getresponse()

    def _keep(self, line: str) -> None:
        """Store a Set-Cookie, or forget the cookie it expires."""
        for name, morsel in http.cookies.SimpleCookie(line).items():
            if morsel.value and morsel["max-age"] not in ("0", 0):
                self.cookies[name] = morsel.value
            else:
                self.cookies.pop(name, None)

    def get(self, path: str, *, port: int | None = None,
            headers: Mapping[str, str] | None = None) -> Answer:
        """GET a path."""
        return self.request("GET", path, headers=headers, port=port)

    def form_token(self, path: str, *, port: int | None = None) -> str:
        """GET a page and return its form's CSRF token."""
        status, _, page = self.get(path, port=port)
        if status != 200:
            raise AssertionError(f"GET {path} answered {status}: {page[:300]!r}")
        return token_in(page)

    def post_form(self, path: str, fields: Mapping[str, str], *, port: int | None = None,
                  headers: Mapping[str, str] | None = None) -> Answer:
        """POST url-encoded fields."""
        sent = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
        return self.request("POST", path, urlencode(fields), sent, port=port)

    def log_in(self, username: str, password: str, *, port: int | None = None) -> str:
        """Sign in through the login form and open the page it leads to; return that page's
        path (the board, or the second-factor page)."""
        token = self.form_token("/login", port=port)
        status, headers, page = self.post_form(
            "/login", {"csrf_token": token, "username": username, "password": password},
            port=port)
        if status != 302:
            raise AssertionError(f"login as {username} answered {status}: {page[:300]!r}")
        # As a browser does: the first page stores the form token in the session cookie.
        self.get(headers["location"], port=port)
        return headers["location"]

    def close(self) -> None:
        """Close every connection."""
        for connection in self._connections.values():
            connection.close()
        self._connections.clear()


def multipart(fields: Mapping[str, str], photo: bytes) -> tuple[bytes, str]:
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


def environment_without(names_starting: tuple[str, ...]) -> dict[str, str]:
    """This process's environment less the variables whose names start so (a test's own
    settings must not mix with ones the developer's shell happens to hold)."""
    return {k: v for k, v in os.environ.items() if not k.startswith(names_starting)}
