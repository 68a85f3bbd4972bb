"""P5: board throughput under gunicorn vs a trivial route, same server, same run (bar: >= 30 %).

Starts gunicorn (2 workers x 4 threads, the 2-core machine) on 127.0.0.1 for a temp instance with
48 deeds, then runs a bounded closed-loop load (CONCURRENCY clients, SECONDS per route) against
/healthz and the logged-in board. Load goes to 127.0.0.1 only.
Run: .venv/bin/python bench/load.py
"""

import http.client
import re
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._gunicorn import PASSWORD, gunicorn, prepare  # noqa: E402

USERNAME = "kuorma"
CONCURRENCY = 8
SECONDS = 5.0
DEEDS = 48


def login_cookie(port: int) -> str:
    """Log in over HTTP and return the session cookie header value."""
    conn = http.client.HTTPConnection("127.0.0.1", port)
    conn.request("GET", "/login")
    response = conn.getresponse()
    page = response.read().decode()
    cookie = response.getheader("Set-Cookie").split(";")[0]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    body = f"csrf_token={token}&username={USERNAME}&password={PASSWORD}"
    conn.request("POST", "/login", body, {"Cookie": cookie,
                 "Content-Type": "application/x-www-form-urlencoded"})
    response = conn.getresponse()
    response.read()
    assert response.status == 302, response.status
    cookie = response.getheader("Set-Cookie").split(";")[0]
    # Follow the redirect as a browser would: the first page stores the form token in the
    # session cookie, and a browser sends the updated cookie from then on.
    conn.request("GET", response.getheader("Location"), headers={"Cookie": cookie})
    response = conn.getresponse()
    response.read()
    updated = response.getheader("Set-Cookie")
    return updated.split(";")[0] if updated else cookie


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
        with gunicorn(env) as (port, _pid):
            cookie = login_cookie(port)
            hello = load(port, "/healthz", cookie)
            board = load(port, "/", cookie)
    print(f"hello_rps={hello:.0f}")
    print(f"board_rps={board:.0f} (24 cards)")
    print(f"board_vs_hello={board / hello:.2f} (bar: >= 0.30)")


if __name__ == "__main__":
    main()
