"""P4: board page and /api/deeds at 100 and at 100,000 deeds (bar: time ratio <= 1.5); the
statistics page and a free-text search at both sizes (bar: ratio <= 3; `--only search` runs just
the search part). On SQLite and on PostgreSQL (`--database`, default both: a database of its own
on the server of `--server-url`, made and dropped by the bench); the last line,
`ratio_100k_vs_100=X`, is the worst board or API ratio of the databases run.

Rows are bulk-inserted (one photo with four renditions per deed) so the bench measures the
query, not the image pipeline. Prints SQL statements per request and median times; the last
lines are the ratios. The statistics are timed twice: with every deed in the period (the worst
case: the period's counts grow with its deeds), then with the deeds spread over ten years, as a
database of 100,000 deeds holds them, and the default period of twelve months.
Run: .venv/bin/python bench/board.py [--big 100000] [--database sqlite|postgresql|both]
"""

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy import event  # noqa: E402

from app.extensions import db  # noqa: E402
from app.models import Deed, Photo, Rendition, Role, User  # noqa: E402
from app.services import accounts  # noqa: E402
from bench._instance import PASSWORD, USERNAME, bench_app  # noqa: E402

SIZES = (("large", 1920, 1440), ("medium", 960, 720), ("small", 480, 360), ("thumb", 360, 270))
BATCH = 5000
STATS_USERNAME = "tilastoija"  # a workshop leader: the statistics are not for employees
SPREAD_DAYS = 3650  # ten years of deeds
BARS = {"stats": 3.0, "search": 3.0}  # the other pages' bar is 1.5
BOARD = ("board", "board_filtered", "api_first", "api_deep_cursor")  # P4: the last line
LOCAL_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def stats_urls(unit_id: int) -> dict[str, str]:
    """The statistics pages to time, by name."""
    return {"stats": "/stats", "stats_filtered": f"/stats?unit={unit_id}"}


def spread_over_years() -> None:
    """Give the deeds dates over the last ten years, one day apart in turn (as years of use
    would), so that the default twelve-month period holds a tenth of them."""
    if db.engine.dialect.name == "postgresql":
        days_back = "CAST(:today AS date) - (id % :spread)"
    else:
        days_back = "date(:today, '-' || (id % :spread) || ' days')"
    # In batches, as the fill: PostgreSQL's tally triggers would otherwise stack 100,000
    # versions of the one tally row every deed leaves, in one transaction.
    last = db.session.scalar(sa.select(sa.func.max(Deed.id))) or 0
    for start in range(0, last, BATCH):
        db.session.execute(
            sa.text(f"UPDATE deed SET happened_on = {days_back} "  # noqa: S608
                    "WHERE id > :start AND id <= :end"),
            {"today": dt.date.today().isoformat(), "spread": SPREAD_DAYS, "start": start,
             "end": start + BATCH})
        db.session.commit()
    analyze()


def analyze() -> None:
    """Refresh PostgreSQL's planner statistics after a bulk change, as autovacuum would in
    service (SQLite's queries carry their own hints instead)."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()


def fill(unit_id: int, count: int) -> None:
    """Bulk-insert `count` deeds, each with one photo and four renditions."""
    author_id = db.session.scalar(sa.select(User.id))
    unit_municipality = db.session.execute(sa.text(
        "SELECT municipality_id FROM unit WHERE id = :id"), {"id": unit_id}).scalar_one()
    now = dt.datetime.now(dt.UTC)
    for start in range(0, count, BATCH):
        ids = range(start + 1, min(count, start + BATCH) + 1)
        db.session.execute(sa.insert(Deed), [dict(
            id=i, description=f"Teko {i}", happened_on=dt.date(2026, 6, 2), created_at=now,
            author_id=author_id, unit_id=unit_id, municipality_id=unit_municipality,
            consent_confirmed=True, visibility="visible", thanks_count=0) for i in ids])
        db.session.execute(sa.insert(Photo), [dict(
            id=i, deed_id=i, position=0, width=4032, height=3024, content_hash=f"{i:064x}",
            placeholder="") for i in ids])
        db.session.execute(sa.insert(Rendition), [dict(
            photo_id=i, name=name, key=f"photos/{i % 256:02x}/{i:060x}{n}.webp", width=w,
            height=h, content_type="image/webp", byte_size=1000)
            for i in ids for n, (name, w, h) in enumerate(SIZES)])
        db.session.commit()
    analyze()


def timed(client, engine, url: str, repeat: int) -> tuple[float, int]:
    """Return the median seconds of GET url and the SQL statements of one request."""
    statements = []
    listener = lambda *args: statements.append(1)  # noqa: E731
    client.get(url)  # warm caches
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, response.status_code
    counts = []
    for _ in range(2):  # the fewer of two: a session writes its last-seen time once a minute
        statements.clear()
        event.listen(engine, "before_cursor_execute", listener)
        client.get(url)
        event.remove(engine, "before_cursor_execute", listener)
        counts.append(len(statements))
    return statistics.median(times), min(counts)


def measure(count: int, repeat: int, server: str | None) -> dict[str, tuple[float, int]]:
    """Fill an instance with `count` deeds and time the board pages."""
    with bench_app(server, WTF_CSRF_ENABLED=False) as (app, unit_id):
        with app.app_context():
            fill(unit_id, count)
            engine = db.engine
        # Requests outside that app context, as in production: each gets its own (and its g).
        client = app.test_client()
        client.post("/login", data={"username": USERNAME, "password": PASSWORD})
        middle = count // 2
        urls = {
            "board": "/",
            "board_filtered": f"/?unit={unit_id}",
            "api_first": "/api/deeds",
            "api_deep_cursor": f"/api/deeds?cursor={middle}",
        }
        times = {name: timed(client, engine, url, repeat) for name, url in urls.items()}
        leader = stats_client(app)
        for name, url in stats_urls(unit_id).items():
            times[f"{name}_all_in_period"] = timed(leader, engine, url, repeat)
        with app.app_context():
            spread_over_years()
        for name, url in stats_urls(unit_id).items():
            times[name] = timed(leader, engine, url, repeat)
        return times


def stats_client(app):
    """A test client signed in as a workshop leader."""
    with app.app_context():
        accounts.create_user(STATS_USERNAME, PASSWORD, role=Role.LEADER)
        db.session.remove()
    client = app.test_client()
    client.post("/login", data={"username": STATS_USERNAME, "password": PASSWORD})
    return client


def measure_search(count: int, repeat: int, server: str | None) -> dict[str, tuple[float, int]]:
    """Fill an instance with `count` deeds, every tenth about coffee, and time searches."""
    with bench_app(server, WTF_CSRF_ENABLED=False) as (app, unit_id):
        with app.app_context():
            fill(unit_id, count)
            # Through UPDATE, so the search index's triggers see edits as well as inserts.
            db.session.execute(sa.text(
                "UPDATE deed SET description = 'Keitin asiakkaalle kahvia ' || id "
                "WHERE id % 10 = 0"))
            db.session.commit()
            analyze()
            engine = db.engine
        client = app.test_client()
        client.post("/login", data={"username": USERNAME, "password": PASSWORD})
        urls = {
            "search": "/?q=kahv",
            "search_filtered": f"/?q=kahv&unit={unit_id}&from=2026-01-01&to=2026-12-31",
            "search_api": "/api/deeds?q=kahvia",
            "search_rare": f"/?q=kahvia+{count // 2}",
        }
        return {name: timed(client, engine, url, repeat) for name, url in urls.items()}


def print_ratios(small: dict, big: dict, sizes: tuple[int, int]) -> dict[str, float]:
    """Print each measure at both sizes, then the ratios; return the ratios."""
    for name in small:
        (t1, q1), (t2, q2) = small[name], big[name]
        print(f"{name}: {sizes[0]} deeds {t1 * 1000:.1f} ms ({q1} SQL), "
              f"{sizes[1]} deeds {t2 * 1000:.1f} ms ({q2} SQL)")
    ratios = {name: big[name][0] / small[name][0] for name in small}
    for name, ratio in ratios.items():
        bar = next((b for prefix, b in BARS.items() if name.startswith(prefix)), 1.5)
        print(f"ratio_{name}={ratio:.2f} (bar {bar})")
    same = all(small[name][1] == big[name][1] for name in small)
    print(f"statements_constant={same}")
    return ratios


def run(args: argparse.Namespace, server: str | None) -> dict[str, float]:
    """Time the parts asked for on one database; return their ratios."""
    ratios = {}
    if args.only != "board":
        small = measure_search(args.small, args.repeat, server)
        big = measure_search(args.big, args.repeat, server)
        ratios |= print_ratios(small, big, (args.small, args.big))
    if args.only != "search":
        small = measure(args.small, args.repeat, server)
        big = measure(args.big, args.repeat, server)
        ratios |= print_ratios(small, big, (args.small, args.big))
    return ratios


def main() -> None:
    """Print times and statement counts at both sizes and the ratios, per database."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--big", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--only", choices=["board", "search"], help="run one part")
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--server-url", default=os.environ.get("TEST_DATABASE_URL") or LOCAL_SERVER,
                        help="a PostgreSQL server's maintenance database, to make one on")
    args = parser.parse_args()
    servers = {"sqlite": None, "postgresql": args.server_url}
    if args.database != "both":
        servers = {args.database: servers[args.database]}
    board = []
    for name, server in servers.items():
        print(f"# {name}", flush=True)
        ratios = run(args, server)
        board += [ratios[part] for part in BOARD if part in ratios]
    if board:
        print(f"ratio_100k_vs_100={max(board):.2f}")


if __name__ == "__main__":
    main()
