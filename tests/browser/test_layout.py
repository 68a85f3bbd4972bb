"""The board and the deed page as people see and reach them: masonry whose DOM (and tab) order
is date order, two columns on phones, the signed-in name and the user menu, touch targets,
and a landscape deed page with "Kiitos!" above the fold."""

import pytest

from tests.browser.test_accessibility import TOUCH, small_targets
from tests.browser.test_board_scripts import log_in
from tests.imagegen import photo_like
from tests.test_board import add_deed

# Photos of the shapes people post, and words of different lengths: cards of different heights.
SHAPES = ((160, 120), (120, 160), (180, 100), (140, 140))
WORDS = ("Leivoin pullaa.", "Kannoin ruokakassit asiakkaan keittiöön asti, kun portaat olivat "
         "liukkaat ja hänen selkänsä oli kipeä.", "Siivosin kahvihuoneen.")
SIZES = ((1024, 768), (768, 1024), (390, 844))
PHONE = (390, 844)

CARD_BOXES = """() => [...document.querySelectorAll('#board .card')].map(card => {
  const box = card.getBoundingClientRect();
  return {id: Number(card.dataset.deedId), x: Math.round(box.left), y: box.top + scrollY,
          bottom: box.bottom + scrollY, width: box.width};
})"""


def add_varied_deeds(app, world, count: int) -> list[int]:
    """Post deeds with photos and words of varied sizes; return their ids, oldest first."""
    return [
        add_deed(app, world.unit_id, f"{WORDS[n % len(WORDS)]} ({n})",
                 photo=photo_like(*SHAPES[n % len(SHAPES)]))
        for n in range(count)
    ]


def open_board(browser, live_server, size, path="/", **options):
    """A signed-in employee's page at this size, showing `path` with the masonry laid out."""
    context = browser.new_context(viewport={"width": size[0], "height": size[1]},
                                  locale="fi-FI", **options)
    page = context.new_page()
    log_in(page, live_server)
    if path != "/":
        page.goto(live_server + path)
    page.wait_for_function("() => !document.getElementById('board') || "
                           "document.getElementById('board').classList.contains('is-masonry')")
    return page


def assert_masonry(boxes: list[dict], columns: int) -> None:
    """Cards sit in `columns` columns, each column's cards one under the other, none overlapping."""
    lefts = sorted({box["x"] for box in boxes})
    assert len(lefts) == columns, f"expected {columns} columns, cards start at {lefts}"
    for left in lefts:
        column = sorted((b for b in boxes if b["x"] == left), key=lambda b: b["y"])
        for upper, lower in zip(column, column[1:], strict=False):
            assert upper["bottom"] <= lower["y"] + 0.5, f"cards overlap: {upper} {lower}"
            assert lower["y"] - upper["bottom"] < 30, f"a hole in the column: {upper} {lower}"


@pytest.mark.parametrize("size,columns", [((1024, 768), 3), ((390, 844), 2)])
def test_dom_and_tab_order_are_date_order_in_a_masonry(app, world, browser, live_server,
                                                        size, columns):
    """Newest first in the DOM and under Tab, while the cards stack like a photo board."""
    ids = add_varied_deeds(app, world, 9)
    page = open_board(browser, live_server, size)
    boxes = page.evaluate(CARD_BOXES)
    assert [box["id"] for box in boxes] == ids[::-1]
    assert_masonry(boxes, columns)
    page.focus(".card .card-photo")
    seen: list[int] = []
    for _ in range(len(ids) * 2):  # each card holds its photo link and its thanks button
        card = page.evaluate("() => document.activeElement.closest('.card')?.dataset.deedId")
        if card and (not seen or seen[-1] != int(card)):
            seen.append(int(card))
        page.keyboard.press("Tab")
    assert seen == ids[::-1], "Tab walks the cards newest first"
    page.context.close()


def test_phone_board_has_two_columns_that_fetch_small_photos(app, world, browser, live_server):
    """At 390 px two cards side by side, each photo from the smallest rendition that fills it."""
    for n in range(4):
        add_deed(app, world.unit_id, f"Teko {n}", photo=photo_like(1200, 900))
    page = open_board(browser, live_server, PHONE)
    boxes = page.evaluate(CARD_BOXES)
    assert len({box["x"] for box in boxes}) == 2
    assert all(box["width"] < PHONE[0] / 2 for box in boxes)
    page.wait_for_function("() => [...document.querySelectorAll('.card img')]"
                           ".every(img => img.complete && img.currentSrc)")
    chosen = page.eval_on_selector_all(".card img", """imgs => imgs.map(img => {
      const candidate = img.srcset.split(', ').find(c => c.startsWith(
          new URL(img.currentSrc).pathname));
      return Number(candidate.split(' ')[1].replace('w', ''));
    })""")
    # 178 CSS px at device pixel ratio 1: the 360 px thumb is enough (100vw would take 480 px).
    assert chosen == [360] * 4
    page.context.close()


def test_turning_the_tablet_lays_the_cards_out_again(app, world, browser, live_server):
    """A new width (a turned tablet) gives new columns, still without overlaps or holes."""
    ids = add_varied_deeds(app, world, 9)
    page = open_board(browser, live_server, (1024, 768))
    page.set_viewport_size({"width": 768, "height": 1024})
    page.wait_for_function("() => new Set([...document.querySelectorAll('#board .card')]"
                           ".map(c => c.getBoundingClientRect().left)).size === 2")
    page.wait_for_timeout(300)  # the layout waits for the resizing to settle
    boxes = page.evaluate(CARD_BOXES)
    assert [box["id"] for box in boxes] == ids[::-1]
    assert_masonry(boxes, 2)
    page.context.close()


def test_load_more_keeps_date_order_and_the_masonry(app_config, request, browser, live_server):
    """Cards that "load more" brings come after the others in the DOM and fill the columns."""
    app_config["BOARD_PAGE_SIZE"] = 4
    app, world = request.getfixturevalue("app"), request.getfixturevalue("world")
    ids = add_varied_deeds(app, world, 11)
    page = open_board(browser, live_server, PHONE)
    page.wait_for_selector("#load-more", state="detached")  # scrolled in by itself
    page.wait_for_function("() => document.querySelectorAll('#board .card').length === 11")
    boxes = page.evaluate(CARD_BOXES)
    assert [box["id"] for box in boxes] == ids[::-1]
    assert_masonry(boxes, 2)
    page.context.close()


def test_choosing_a_municipality_narrows_the_unit_list_at_once(app, world, browser,
                                                               live_server):
    """Before the page reloads (slow on a weak link), only that municipality's units are left."""
    add_deed(app, world.unit_id, "Juvan teko")
    add_deed(app, world.other_unit_id, "Sulkavan teko")
    page = open_board(browser, live_server, PHONE)
    page.evaluate("() => { HTMLFormElement.prototype.submit = () => {}; }")  # stay on the page
    juva = page.eval_on_selector(
        "#filter-municipality", "s => [...s.options].find(o => o.text === 'Juva').value")
    page.select_option("#filter-unit", str(world.other_unit_id))
    page.select_option("#filter-municipality", juva)
    choosable = page.eval_on_selector_all(
        "#filter-unit option", "os => os.filter(o => !o.disabled && !o.parentNode.disabled)"
                               ".map(o => o.value)")
    assert choosable == ["", str(world.unit_id)]
    assert page.input_value("#filter-unit") == ""
    page.context.close()


def test_the_signed_in_name_shows_at_every_width(app, world, browser, live_server):
    """The next colleague sees who is signed in: the name, or on a phone a short chip of it."""
    for size in SIZES:
        page = open_board(browser, live_server, size)
        shown = [el.inner_text() for el in page.locator(".nav-menu summary span").all()
                 if el.is_visible()]
        assert any("Aino" in text for text in shown), f"no name at {size}: {shown}"
        page.context.close()


def test_user_menu_closes_on_outside_tap_and_escape(app, world, browser, live_server):
    """A tap elsewhere closes the open menu; so does Escape, giving focus back to its button."""
    add_deed(app, world.unit_id, "Leivoin pullaa.")
    page = open_board(browser, live_server, PHONE, has_touch=True)
    menu = page.locator("details.nav-menu")
    summary = menu.locator("summary")
    summary.tap()
    assert menu.get_attribute("open") is not None
    page.touchscreen.tap(PHONE[0] // 2, PHONE[1] - 200)  # on the board, away from the menu
    page.wait_for_function("() => !document.querySelector('details.nav-menu').open")
    summary.tap()
    menu.locator(".nav-menu-link").first.focus()
    page.keyboard.press("Escape")
    page.wait_for_function("() => !document.querySelector('details.nav-menu').open")
    assert page.evaluate("() => document.activeElement.tagName") == "SUMMARY"
    summary.tap()
    menu.locator("a.nav-menu-link").nth(1).tap()  # a tap inside follows the link
    page.wait_for_url("**/workshops")
    page.context.close()


@pytest.mark.parametrize("path", ["/", "/?municipality=1", "/deeds/1"])
def test_touch_targets_are_at_least_44_px(app, world, browser, live_server, path):
    """Every control on the board and the deed page, at every size, is 44x44 px or more."""
    add_varied_deeds(app, world, 3)
    for size in SIZES:
        page = open_board(browser, live_server, size, path)
        page.locator("details.nav-menu summary").click()  # its links count too
        small = small_targets(page)
        assert not small, f"targets under {TOUCH} px at {size} on {path}: {small}"
        page.context.close()


def test_deed_page_shows_photo_words_and_thanks_at_once(app, world, browser, live_server):
    """At 1024x768 photo and words stand side by side, "Kiitos!" above the fold even under the
    longest description; portrait tablets and phones show it too for words of a usual length."""
    # Another's deeds: the viewer is offered "Kiitos!" (not on their own deeds).
    longest = add_deed(app, world.unit_id, ("Autoin uutta työkaveria. " * 25)[:500].strip(),
                       photo=photo_like(900, 1200), username="kalle")
    usual = add_deed(app, world.unit_id, WORDS[1], photo=photo_like(900, 1200), username="kalle")
    for size in SIZES:
        deed_id = longest if size == (1024, 768) else usual
        page = open_board(browser, live_server, size, f"/deeds/{deed_id}")
        photo = page.locator(".deed-photo img").bounding_box()
        words = page.locator(".deed-text").bounding_box()
        thanks = page.locator(".deed .thanks-button").bounding_box()
        assert thanks["y"] + thanks["height"] <= size[1], f"Kiitos! below the fold at {size}"
        if size == (1024, 768):
            assert photo["x"] + photo["width"] <= words["x"], "photo and words side by side"
            assert photo["y"] + photo["height"] <= size[1]
        page.context.close()
