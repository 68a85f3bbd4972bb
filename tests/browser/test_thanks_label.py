"""board.js speaks the thanks count in the server's plural form after thanking in place."""

from tests.browser.test_board_scripts import log_in
from tests.test_board import add_deed

LABEL = "document.querySelector('.card .thanks-count-label').textContent.trim()"


def test_thanking_in_place_updates_the_spoken_count(app, world, live_server, page):
    """0 → 1 → 0 thanks without a reload: "0 kiitosta", "1 kiitos", "0 kiitosta"."""
    add_deed(app, world.unit_id, "Leivoin pullaa.", username="kalle")  # not one's own
    log_in(page, live_server)
    count = page.locator(".card .thanks-count").first
    assert page.locator(".card .thanks-count-label").first.inner_text().strip() == "0 kiitosta"
    page.locator(".card .thanks-button").first.click()
    page.wait_for_function(f"() => {LABEL} === '1 kiitos'")
    assert count.inner_text() == "1"
    page.locator(".card .thanks-button").first.click()
    page.wait_for_function(f"() => {LABEL} === '0 kiitosta'")
    assert count.inner_text() == "0"
    assert page.url == live_server + "/", "the page never reloaded"
