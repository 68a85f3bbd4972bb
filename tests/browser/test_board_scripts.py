"""The board's scripts in a browser: "load more" adds server-rendered cards; thanks in place."""

from tests.conftest import PASSWORD
from tests.test_board import add_deed


def log_in(page, live_server, username="aino"):
    page.goto(live_server + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server + "/")


def test_load_more_appends_the_next_cards(app_config, request, live_server, page):
    """Near "Näytä lisää" the older cards come by themselves, each once, then the button goes."""
    app_config["BOARD_PAGE_SIZE"] = 4
    app = request.getfixturevalue("app")
    world = request.getfixturevalue("world")
    for n in range(10):
        add_deed(app, world.unit_id, f"Teko numero {n}")
    log_in(page, live_server)
    page.wait_for_selector("#load-more", state="detached")  # the board fits the first screen
    assert page.locator(".card").count() == 10
    ids = page.eval_on_selector_all(".card", "cards => cards.map(c => c.dataset.deedId)")
    assert sorted(ids, key=int) == [str(n) for n in range(1, 11)]
    last = page.locator('.card[data-deed-id="1"]')
    assert "Teko numero 0" in last.inner_text()
    assert last.locator("img").get_attribute("loading") == "lazy"
    assert page.url == live_server + "/", "the page never reloaded"


def test_thanks_changes_in_place_and_stays(app, world, live_server, page):
    """Tapping "Kiitos!" presses the button and counts it without leaving the board."""
    add_deed(app, world.unit_id, "Leivoin pullaa.", username="kalle")  # not one's own
    log_in(page, live_server)
    button = page.locator(".card .thanks-button").first
    assert button.get_attribute("aria-pressed") == "false"
    button.click()
    page.wait_for_function(
        "() => document.querySelector('.card .thanks-button').ariaPressed === 'true'"
    )
    assert button.locator(".thanks-count").inner_text() == "1"
    assert page.url == live_server + "/"
    page.reload()
    assert page.locator(".card .thanks-button").first.get_attribute("aria-pressed") == "true"
    assert page.locator(".card .thanks-count").first.inner_text() == "1"
