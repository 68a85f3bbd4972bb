"""P3: bytes a tablet downloads for the first screen of a 24-card board (bar: <= 1.0 MB).

Posts 24 deeds made from 12-megapixel photo-like JPEGs through the real pipeline, opens the board
in headless Chromium at 1024x768, and sums what crossed the wire (HTML, CSS, JS, images).
Run: .venv/bin/python bench/board_bytes.py
"""

import io
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import sync_playwright  # noqa: E402

from app.extensions import db  # noqa: E402
from app.models import CustomerType  # noqa: E402
from app.services import accounts, deeds  # noqa: E402
from bench._instance import PASSWORD, USERNAME, bench_app, served  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.imagegen import photo_like  # noqa: E402

CARDS = 24


def post_deeds(app, unit_id: int) -> int:
    """Post CARDS deeds with 12 MP photos; return the bytes of the originals."""
    import datetime as dt

    total = 0
    with app.app_context():
        author = accounts.find_user(USERNAME)
        for index in range(CARDS):
            original = photo_like(4032, 3024, orientation=1 + index % 2 * 5, quality=92)
            total += len(original)
            new = deeds.NewDeed(f"Teko {index}: pieni ilahduttava teko asiakkaalle.", unit_id,
                                dt.date(2026, 6, 2), CustomerType.END_CUSTOMER, True)
            deeds.create_deed(author, new, [io.BytesIO(original)])
        db.session.remove()
    return total


def measure(base: str, scroll: bool) -> dict[str, int]:
    """Load the board once; return transferred bytes per resource type."""
    totals: dict[str, int] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1024, "height": 768})
        page.goto(base + "/login?next=/deeds/new")  # not the board: its images would be cached
        page.fill("input[name=username]", USERNAME)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        page.context.new_cdp_session(page).send("Network.clearBrowserCache")  # count CSS/JS too
        responses = []
        page.on("requestfinished", lambda request: responses.append(request))
        page.goto(base + "/")
        page.wait_for_load_state("networkidle")
        if scroll:  # bring every card into view so lazy images load too
            for _ in range(30):
                page.mouse.wheel(0, 700)
                page.wait_for_timeout(60)
            page.wait_for_load_state("networkidle")
        for request in responses:
            sizes = request.sizes()
            kind = request.resource_type
            wire = max(0, sizes["responseBodySize"]) + max(0, sizes["responseHeadersSize"])
            totals[kind] = totals.get(kind, 0) + wire
        browser.close()
    return totals


def main() -> None:
    """Print bytes for the first screen and for all 24 cards."""
    with bench_app() as (app, unit_id):
        originals = post_deeds(app, unit_id)
        with served(app) as base:
            first = measure(base, scroll=False)
            everything = measure(base, scroll=True)
    print(f"originals_total_mb={originals / 1e6:.1f}")
    for label, totals in (("first_screen", first), ("all_24_cards", everything)):
        detail = ", ".join(f"{k}={v / 1000:.0f}kB" for k, v in sorted(totals.items()))
        print(f"{label}: {detail}")
    print(f"first_screen_mb={sum(first.values()) / 1e6:.3f}")
    print(f"all_24_cards_mb={sum(everything.values()) / 1e6:.3f} (bar: <= 1.0)")


if __name__ == "__main__":
    main()
