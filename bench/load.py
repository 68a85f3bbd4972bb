"""P5: board throughput under gunicorn vs a trivial route, same server, same run (bar: >= 30 %).

Starts gunicorn (2 workers x 4 threads, the 2-core machine) on 127.0.0.1 for a temp instance with
48 deeds, then runs a bounded closed-loop load (CONCURRENCY clients, SECONDS per route) against
/healthz and the logged-in board. Load goes to 127.0.0.1 only.
Run: .venv/bin/python bench/load.py
"""

import http.client
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._gunicorn import PASSWORD, THREADS, WORKERS, prepare  # noqa: E402
from tests.cluster_support import Browser, gunicorn  # noqa: E402

USERNAME = "kuorma"
CONCURRENCY = 8
SECONDS = 5.0
DEEDS = 48


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


def main() -> None:
    """Print both throughputs and their ratio."""
    with tempfile.TemporaryDirectory() as folder:
        env, _unit = prepare(Path(folder), [(USERNAME, "employee")], DEEDS)
        with gunicorn(env, Path(folder), workers=WORKERS, threads=THREADS) as server:
            browser = Browser(server.port)
            browser.log_in(USERNAME, PASSWORD)
            cookie = browser.cookie_header()
            hello = load(server.port, "/healthz", cookie)
            board = load(server.port, "/", cookie)
    print(f"hello_rps={hello:.0f}")
    print(f"board_rps={board:.0f} (24 cards)")
    print(f"board_vs_hello={board / hello:.2f} (bar: >= 0.30)")


if __name__ == "__main__":
    main()
