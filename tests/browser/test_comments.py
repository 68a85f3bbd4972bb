"""The comment form in a real browser: its counter follows the typing, the comment shows."""

from tests.browser.test_board_scripts import log_in
from tests.test_board import add_deed


def test_comment_counter_and_sending(app, world, live_server, page):
    """char-count.js counts as one types (no inline script); sending shows the comment."""
    deed_id = add_deed(app, world.unit_id, "Leivoin pullaa.", username="kalle")
    log_in(page, live_server)
    page.goto(f"{live_server}/deeds/{deed_id}")
    box = page.locator("#comments textarea")
    box.fill("Hienoa työtä!")
    page.wait_for_function("() => document.getElementById('comment-count').textContent === '13'")
    page.get_by_role("button", name="Lähetä kommentti").click()
    page.wait_for_url(f"**/deeds/{deed_id}#comment-*")
    assert page.locator(".comment-body").inner_text() == "Hienoa työtä!"
    assert page.locator(".comments-count").inner_text() == "(1)"
    page.goto(live_server + "/")
    assert page.locator(".card .comment-count .visually-hidden").inner_text().strip() == (
        "1 kommentti"
    )
