"""P5 and P6 under gunicorn with the repository's gunicorn.conf.py (on this 2-core machine: 2
workers x 4 threads), one run, a server for each. Load goes to 127.0.0.1 only, bounded in time
and count.

P5: board throughput vs a trivial route (bar: >= 30 %): CONCURRENCY keep-alive clients for
SECONDS each against /healthz and the logged-in board of a temp instance with 48 deeds.
P6: 12-megapixel photo uploads through the deed form, as a tablet without scripts sends them
(signed in, the form's CSRF token, a multipart POST of the camera's JPEG): rounds of
UPLOAD_SECONDS with one client and with UPLOADERS clients, alternating. Every upload must be
answered 2xx/3xx (failures are printed). upload_scaling = throughput with 20 / (2 x throughput
with 1): the share of two cores' worth of one-client throughput that 20 clients get (bar: >=
0.70). It is the app's figure only on an otherwise idle machine: each line says how many cores
other processes kept busy meanwhile.
Run: .venv/bin/python bench/load.py   (last line: upload_scaling=Y)
"""

import http.client
import os
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._gunicorn import (  # noqa: E402
    CLOCK_TICKS,
    PASSWORD,
    THREADS,
    WORKERS,
    prepare,
    tree_cpu_seconds,
)
from tests.cluster_support import Browser, gunicorn, multipart  # noqa: E402
from tests.imagegen import photo_like  # noqa: E402

USERNAME = "kuorma"
CONCURRENCY = 8
SECONDS = 5.0
DEEDS = 48
UPLOADERS = 20
UPLOAD_SECONDS = 15.0  # per round
ROUNDS = 2  # of each: 1, 20, 1, 20 clients
MAX_UPLOADS_PER_CLIENT = 200  # a second bound besides the time
PHOTO_SIZE = (4000, 3000)  # 12 MP, as a tablet's or phone's camera stores it
SCALING_BAR = 0.70


def load(port: int, path: str, cookie: str) -> float:
    """Run CONCURRENCY keep-alive clients for SECONDS; return requests per second."""
    counts = [0] * CONCURRENCY
    deadline = time.perf_counter() + SECONDS

    def client(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.perf_counter() < deadline:
            conn.request("GET", path, headers={"Cookie": cookie, "Accept-Encoding": "br"})
            response = conn.getresponse()
            response.read()
            assert response.status == 200, (path, response.status)
            counts[index] += 1
        conn.close()

    start = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(CONCURRENCY)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.perf_counter() - start)


@dataclass
class Uploads:
    """What rounds of uploads achieved, and the server CPU they took."""

    done: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    others_cpu_seconds: float = 0.0  # what the rest of the machine used meanwhile
    failures: list[str] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        """Uploads answered 2xx/3xx per second."""
        return self.done / self.seconds

    def add(self, other: "Uploads") -> None:
        """Count another round in."""
        self.done += other.done
        self.seconds += other.seconds
        self.cpu_seconds += other.cpu_seconds
        self.others_cpu_seconds += other.others_cpu_seconds
        self.failures += other.failures

    def summary(self, label: str) -> str:
        """One line: count, time, rate and server CPU per upload."""
        return (f"{label}={self.done} in {self.seconds:.1f} s: {self.per_second:.2f}/s, "
                f"server CPU {self.cpu_seconds / max(1, self.done):.2f} s per upload, "
                f"{self.cpu_seconds / self.seconds:.1f} cores busy; other processes kept "
                f"{self.others_cpu_seconds / self.seconds:.1f} cores busy")


class Uploader:
    """A signed-in poster with the deed form filled in once, ready to send it again and again."""

    def __init__(self, port: int, username: str, unit_id: int, photo: bytes) -> None:
        browser = Browser(port)
        browser.log_in(username, PASSWORD)
        token = browser.form_token("/deeds/new")
        self.body, kind = multipart({
            "csrf_token": token, "description": "Kuormateko", "unit": str(unit_id),
            "customer_type": "end_customer", "happened_on": time.strftime("%Y-%m-%d"),
            "consent": "y",
        }, photo)
        # The cookie stays the signed-in one: the "thanks" flashed by each post would otherwise
        # pile up in it, as the redirect that shows them is not followed here.
        self.headers = {"Cookie": browser.cookie_header(), "Content-Type": kind}
        browser.close()
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def post(self) -> str | None:
        """Send the form once; return None when it was taken, else what went wrong."""
        try:
            self.conn.request("POST", "/deeds/new", self.body, self.headers)
            response = self.conn.getresponse()
            response.read()
        except (OSError, http.client.HTTPException) as error:
            self.conn.close()  # the next request connects again
            return f"{type(error).__name__}: {error}"
        if 200 <= response.status < 400:
            return None
        return f"HTTP {response.status}"


def machine_cpu_seconds() -> float:
    """CPU seconds all processes of the machine have used (all cores, not idle or I/O wait)."""
    with open("/proc/stat") as stat:
        user, nice, system, _idle, _iowait, irq, softirq, steal = map(
            int, stat.readline().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


def upload_round(uploaders: list[Uploader], seconds: float, server: int) -> Uploads:
    """Every uploader posts back to back until the time is up; count what was taken and the
    CPU the server (master pid) spent meanwhile."""
    result = Uploads()
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def run(uploader: Uploader) -> None:
        uploader.conn.close()  # a fresh connection: the server closes idle ones after 5 s
        for _ in range(MAX_UPLOADS_PER_CLIENT):
            if time.perf_counter() >= deadline:
                return
            failure = uploader.post()
            with lock:
                if failure is None:
                    result.done += 1
                else:
                    result.failures.append(failure)

    cpu, start = tree_cpu_seconds(server), time.perf_counter()
    machine, own = machine_cpu_seconds(), time.process_time()
    threads = [threading.Thread(target=run, args=(u,)) for u in uploaders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - start  # until the last upload in flight answered
    result.cpu_seconds = tree_cpu_seconds(server) - cpu
    ours = result.cpu_seconds + time.process_time() - own
    result.others_cpu_seconds = max(0.0, machine_cpu_seconds() - machine - ours)
    return result


def measure_uploads(port: int, server: int, unit_id: int,
                    names: list[str]) -> tuple[Uploads, Uploads]:
    """Uploads per second with one client and with all, in alternating rounds (so that a
    change in the machine's other load falls on both); a short warm-up first."""
    photo = photo_like(*PHOTO_SIZE)
    print(f"photo: {PHOTO_SIZE[0]}x{PHOTO_SIZE[1]} JPEG, {len(photo) / 1e6:.1f} MB")
    uploaders = [Uploader(port, name, unit_id, photo) for name in names]
    warm_up = upload_round(uploaders[: WORKERS * THREADS], 3.0, server)  # every thread once
    one, many = Uploads(), Uploads()
    for _ in range(ROUNDS):
        one.add(upload_round(uploaders[:1], UPLOAD_SECONDS, server))
        many.add(upload_round(uploaders, UPLOAD_SECONDS, server))
    for label, uploads in (("warm-up", warm_up), ("1 client", one), ("20 clients", many)):
        for failure in uploads.failures:
            print(f"FAILED upload ({label}): {failure}")
    return one, many


def board_vs_hello() -> None:
    """P5 on an instance of one user and DEEDS deeds (more users lengthen the board's filters)."""
    with tempfile.TemporaryDirectory() as folder:
        env, _unit = prepare(Path(folder), [(USERNAME, "employee")], DEEDS)
        with gunicorn(env, Path(folder), workers=WORKERS, threads=THREADS) as server:
            reader = Browser(server.port)
            reader.log_in(USERNAME, PASSWORD)
            hello = load(server.port, "/healthz", reader.cookie_header())
            board = load(server.port, "/", reader.cookie_header())
    print(f"hello_rps={hello:.0f}")
    print(f"board_rps={board:.0f} (24 cards)")
    print(f"board_vs_hello={board / hello:.2f} (bar: >= 0.30)")


def upload_scaling() -> None:
    """P6 on an instance of UPLOADERS users; upload_scaling last."""
    names = [f"tabletti{n:02d}" for n in range(UPLOADERS)]
    with tempfile.TemporaryDirectory() as folder:
        env, unit_id = prepare(Path(folder), [(name, "employee") for name in names], 0)
        with gunicorn(env, Path(folder), workers=WORKERS, threads=THREADS) as server:
            one, many = measure_uploads(server.port, server.pid, unit_id, names)
    failures = len(one.failures) + len(many.failures)
    print(one.summary("uploads_1_client"))
    print(many.summary(f"uploads_{UPLOADERS}_clients"))
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print(f"upload_failures={failures} (must be 0); upload_scaling bar: >= {SCALING_BAR}")
    print(f"upload_scaling={many.per_second / (2 * one.per_second):.2f}")
    if failures:
        sys.exit(1)


def main() -> None:
    """P5, then P6, each on a gunicorn of its own."""
    print(f"gunicorn: {WORKERS} workers x {THREADS} threads on {os.cpu_count()} cores; "
          f"load average before: {os.getloadavg()[0]:.2f}")
    board_vs_hello()
    upload_scaling()


if __name__ == "__main__":
    main()
