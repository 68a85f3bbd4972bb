"""Projection screens under gunicorn: server CPU per screen-minute and post -> visible latency.

Starts gunicorn (2 workers x 4 threads, the 2-core machine) on 127.0.0.1 for a temp instance
with a leader, an employee and 24 deeds, then runs SCREENS projection clients that poll
/projection/live as the browser does (`since` cursor, If-None-Match, a 304 when nothing changed,
every `poll_seconds`, starting at random moments like screens switched on one by one):

1. POLL_SECONDS of polling only: the gunicorn processes' CPU time (utime + stime from /proc,
   the master and its workers) divided by screen-minutes: what one screen costs the server.
2. POST_SECONDS more with the employee posting a deed through POST /deeds/new every few
   seconds: for every (screen, deed) the time from the start of the POST until that screen's
   first poll answer holding the deed. Prints the median and the 90th percentile over all
   pairs, and the median over deeds of the first screen to see each.

Load goes to 127.0.0.1 only and stops after a bounded time.
Run: .venv/bin/python bench/projection.py   (last line: projection_latency_s=X)
"""

import http.client
import json
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._gunicorn import PASSWORD, THREADS, WORKERS, prepare, tree_cpu_seconds  # noqa: E402
from tests.cluster_support import Browser, gunicorn, multipart  # noqa: E402
from tests.imagegen import photo_like  # noqa: E402

SCREENS = 30
POLL_SECONDS = 20.0
POST_SECONDS = 24.0
POST_EVERY = 3.0
DEEDS = 24
LEADER, EMPLOYEE = "vetaja", "tyontekija"


class Screen(threading.Thread):
    """A projection screen's poll loop: the same requests the browser script makes."""

    def __init__(self, port: int, cookies: dict[str, str], live_url: str,
                 stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.browser = Browser(port)
        self.browser.cookies = dict(cookies)
        self.live_url = live_url
        self.stop = stop
        self.seen: dict[str, float] = {}  # description -> when this screen first received it
        self.requests = self.not_modified = self.errors = 0

    def run(self) -> None:
        since = None
        etag, etag_url = None, None
        poll = 3.0
        self.stop.wait(random.uniform(0, poll))  # noqa: S311  # nosec B311
        while not self.stop.is_set():
            url = self.live_url + (f"&since={since}" if since is not None else "")
            headers = {"Accept": "application/json", "Accept-Encoding": "br"}
            if etag and etag_url == url:
                headers["If-None-Match"] = etag
            try:
                status, answer_headers, body = self.browser.request("GET", url, None, headers)
            except (OSError, http.client.HTTPException):
                self.errors += 1
                self.browser.close()
                self.stop.wait(1.0)
                continue
            now = time.perf_counter()
            self.requests += 1
            if status == 304:
                self.not_modified += 1
            elif status == 200:
                data = json.loads(decompress(body, answer_headers.get("content-encoding")))
                etag, etag_url = answer_headers.get("etag"), url
                for card in data["cards"]:
                    self.seen.setdefault(card["description"], now)
                ids = [pair[0] for pair in data["present"]] + [data["newest"] or 0]
                since = max([since or 0, *ids])
                poll = float(data.get("poll_seconds") or poll)
            else:
                self.errors += 1
            self.stop.wait(poll)


def decompress(body: bytes, encoding: str | None) -> bytes:
    """Undo the server's compression."""
    if encoding == "br":
        import brotli

        return brotli.decompress(body)
    return body


def percentile(values: list[float], share: float) -> float:
    """The value below which this share of the values lie."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    """Start the server, run both phases, print the figures."""
    with tempfile.TemporaryDirectory() as folder:
        env, unit_id = prepare(Path(folder), [(LEADER, "leader"), (EMPLOYEE, "employee")], DEEDS)
        with gunicorn(env, Path(folder), workers=WORKERS, threads=THREADS) as server:
            port, server_pid = server.port, server.pid
            leader = Browser(port)
            leader.log_in(LEADER, PASSWORD)
            status, _, page = leader.request("GET", "/projection")
            assert status == 200, status
            live_url = re.search(rb'data-live-url="([^"]+)"', page).group(1).decode()
            live_url = live_url.replace("&amp;", "&")

            stop = threading.Event()
            screens = [Screen(port, leader.cookies, live_url, stop) for _ in range(SCREENS)]
            for screen in screens:
                screen.start()
            time.sleep(3.5)  # every screen has had its first, full answer
            counts = [(s.requests, s.not_modified) for s in screens]
            cpu_start, wall_start = tree_cpu_seconds(server_pid), time.perf_counter()
            time.sleep(POLL_SECONDS)
            cpu = tree_cpu_seconds(server_pid) - cpu_start
            minutes = (time.perf_counter() - wall_start) / 60
            polls = sum(s.requests for s in screens) - sum(c[0] for c in counts)
            not_modified = sum(s.not_modified for s in screens) - sum(c[1] for c in counts)

            poster = Browser(port)
            poster.log_in(EMPLOYEE, PASSWORD)
            posted: dict[str, float] = {}  # description -> when its POST started
            deadline = time.perf_counter() + POST_SECONDS
            n = 0
            while time.perf_counter() < deadline:
                token = poster.form_token("/deeds/new")
                description = f"Mittausteko {n}"
                body, kind = multipart({
                    "csrf_token": token, "description": description, "unit": str(unit_id),
                    "customer_type": "end_customer", "happened_on": time.strftime("%Y-%m-%d"),
                    "consent": "y",
                }, photo_like(640, 480))
                started = time.perf_counter()
                status, _, _ = poster.request("POST", "/deeds/new", body, {"Content-Type": kind})
                assert status in (201, 302, 303), status
                posted[description] = started
                n += 1
                time.sleep(POST_EVERY)
            time.sleep(4.0)  # the last deed reaches every screen
            stop.set()
            for screen in screens:
                screen.join(timeout=10)

    pairs = [s.seen[name] - t for s in screens for name, t in posted.items() if name in s.seen]
    firsts = [min(s.seen[name] for s in screens if name in s.seen) - t
              for name, t in posted.items() if any(name in s.seen for s in screens)]
    missed = len(posted) * SCREENS - len(pairs)
    errors = sum(s.errors for s in screens)
    print(f"screens={SCREENS} polls_while_measuring_cpu={polls} "
          f"answered_304={not_modified / max(1, polls):.0%} errors={errors}")
    print(f"server_cpu_s_per_screen_minute={cpu / (SCREENS * minutes):.4f} "
          f"(server CPU {cpu:.2f} s over {minutes * 60:.0f} s, {SCREENS} screens)")
    print(f"deeds_posted={len(posted)} screen_deed_pairs={len(pairs)} missed={missed}")
    print(f"first_screen_latency_s_median={statistics.median(firsts):.2f}")
    print(f"latency_s_p90={percentile(pairs, 0.9):.2f}")
    print(f"projection_latency_s={statistics.median(pairs):.2f}")


if __name__ == "__main__":
    main()
