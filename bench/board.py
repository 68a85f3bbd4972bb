"""P4: board page and /api/deeds at 100 and at 100,000 deeds (bar: time ratio <= 1.5), and a
free-text search at both sizes (bar: ratio <= 3; `--only search` runs just that part).

Rows are bulk-inserted (one photo with four renditions per deed) so the bench measures the
query, not the image pipeline. Prints SQL statements per request and median times; the last
lines are the ratios. Run: .venv/bin/python bench/board.py [--big 100000]
"""

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy import event  # noqa: E402

from app.extensions import db  # noqa: E402
from app.models import Deed, Photo, Rendition, User  # noqa: E402
from bench._instance import PASSWORD, USERNAME, bench_app  # noqa: E402

SIZES = (("large", 1920, 1440), ("medium", 960, 720), ("small", 480, 360), ("thumb", 360, 270))
BATCH = 5000


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
    event.listen(engine, "before_cursor_execute", listener)
    client.get(url)
    event.remove(engine, "before_cursor_execute", listener)
    return statistics.median(times), len(statements)


def measure(count: int, repeat: int) -> dict[str, tuple[float, int]]:
    """Fill an instance with `count` deeds and time the board pages."""
    with bench_app(WTF_CSRF_ENABLED=False) as (app, unit_id):
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
        return {name: timed(client, engine, url, repeat) for name, url in urls.items()}


def measure_search(count: int, repeat: int) -> dict[str, tuple[float, int]]:
    """Fill an instance with `count` deeds, every tenth about coffee, and time searches."""
    with bench_app(WTF_CSRF_ENABLED=False) as (app, unit_id):
        with app.app_context():
            fill(unit_id, count)
            # Through UPDATE, so the search index's triggers see edits as well as inserts.
            db.session.execute(sa.text(
                "UPDATE deed SET description = 'Keitin asiakkaalle kahvia ' || id "
                "WHERE id % 10 = 0"))
            db.session.commit()
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


def print_ratios(small: dict, big: dict, sizes: tuple[int, int]) -> None:
    """Print each measure at both sizes, then the ratios."""
    for name in small:
        (t1, q1), (t2, q2) = small[name], big[name]
        print(f"{name}: {sizes[0]} deeds {t1 * 1000:.1f} ms ({q1} SQL), "
              f"{sizes[1]} deeds {t2 * 1000:.1f} ms ({q2} SQL)")
    for name in small:
        print(f"ratio_{name}={big[name][0] / small[name][0]:.2f}")


def search_main(args: argparse.Namespace) -> None:
    """Free-text search at both sizes (bar: ratio <= 3, the same statements)."""
    small = measure_search(args.small, args.repeat)
    big = measure_search(args.big, args.repeat)
    print_ratios(small, big, (args.small, args.big))


def main() -> None:
    """Print times and statement counts at both sizes and the ratios."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--big", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--only", choices=["board", "search"], help="run one part")
    args = parser.parse_args()
    if args.only != "board":
        search_main(args)
    if args.only == "search":
        return
    small = measure(args.small, args.repeat)
    big = measure(args.big, args.repeat)
    print_ratios(small, big, (args.small, args.big))


if __name__ == "__main__":
    main()
