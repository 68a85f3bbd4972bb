"""The board's search box, its further filters and export links, at tablet and phone sizes."""

import os
from pathlib import Path

import pytest

from tests.browser.test_accessibility import serious_violations, small_targets
from tests.browser.test_board_scripts import log_in
from tests.imagegen import photo_like
from tests.test_board import add_deed

SIZES = ((1024, 768), (768, 1024), (390, 844))
SHOTS = os.environ.get("SCREENSHOTS")  # a folder to keep the screenshots in, to look at


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_search_and_filters_work_by_touch(app, world, browser, live_server, size):
    """Type a word and search; open the further filters: all reachable, nothing too small."""
    coffee = add_deed(app, world.unit_id, "Keitin asiakkaalle kahvia.", photo=photo_like(160, 120))
    add_deed(app, world.other_unit_id, "Toin kukkia pöytään.", photo=photo_like(120, 160))
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="fi-FI",
                                  bypass_csp=True)  # for axe
    page = context.new_page()
    log_in(page, live_server, "riitta")
    page.fill("#filter-q", "kahv")
    page.press("#filter-q", "Enter")
    page.wait_for_url("**/?q=kahv**")
    assert page.eval_on_selector_all("#board .card", "cards => cards.map(c => c.dataset.deedId)") \
        == [str(coffee)]
    page.click(".more-filters > summary")
    for field in ("#filter-type", "#filter-from", "#filter-to", "input[name=author]"):
        assert page.is_visible(field), field
    assert page.evaluate("() => document.documentElement.scrollWidth <= innerWidth")
    assert small_targets(page) == []
    assert serious_violations(page, "/?q=kahv") == []
    assert page.is_visible("a[href^='/board/export.zip?q=kahv']")
    if SHOTS:
        Path(SHOTS).mkdir(exist_ok=True)
        page.screenshot(path=f"{SHOTS}/board-search-{size[0]}x{size[1]}.png", full_page=True)
    page.select_option("#filter-type", "colleague")  # submits by itself
    page.wait_for_url("**type=colleague**")
    assert "Yksikään teko ei osu rajaukseen." in page.text_content("main")
    assert page.input_value("#filter-q") == "kahv"
    context.close()
