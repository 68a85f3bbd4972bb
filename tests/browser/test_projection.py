"""The projection in a browser: slideshow by key and timer, live wall, spotlight, fit on screen."""

import time

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Deed, Visibility
from app.projection.views import link_token
from app.services import accounts, projection
from tests.browser.test_board_scripts import log_in
from tests.imagegen import photo_like
from tests.test_board import add_deed

STORE = "tekotaulu.projection."
# Photos of the shapes people post: landscape, portrait, wide, square (small, so quick to make).
SHAPES = ((160, 120), (120, 160), (180, 120), (140, 140))
WORDS = (
    "Leivoin ateriapalvelun asiakkaalle syntymäpäiväpullan ja kirjoitin kortin.",
    "Koulun lounaspöytään tuli tänään kukkia. Oppilaat huomasivat heti!",
    "Kannoin ruokakassit asiakkaan keittiöön asti, kun portaat olivat liukkaat.",
    "Siivosin osaston kahvihuoneen ja jätin kiitoslapun hoitajille.",
)


@pytest.fixture
def quick_polls(monkeypatch):
    """Screens poll every second rather than every 3 s (the real pace has its own test)."""
    monkeypatch.setattr("app.projection.views.POLL_SECONDS", 1)


def add_deeds(app, world, count: int) -> list[int]:
    """Post `count` deeds with photos of varied shapes; return their ids, oldest first."""
    return [
        add_deed(app, world.unit_id, f"{WORDS[n % len(WORDS)]} ({n})",
                 photo=photo_like(*SHAPES[n % len(SHAPES)]))
        for n in range(count)
    ]


def open_projection(browser, live_server, size=(1280, 720), **settings):
    """A leader's projection in a new context with these remembered settings; return the page."""
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="fi-FI")
    stored = {"layout": "wall", "interval": "60", "names": "1", "qr": "0", "shuffle": "0",
              **{name: str(value) for name, value in settings.items()}}
    script = "".join(f"localStorage.setItem({STORE + k!r}, {v!r});" for k, v in stored.items())
    page = context.new_page()
    log_in(page, live_server, "kalle")
    page.evaluate(script)
    page.goto(live_server + "/projection")
    return page


def slide_id(page) -> str | None:
    """The deed on the slideshow's screen now."""
    return page.get_attribute("#slides", "data-deed-id")


def wait_for_other_slide(page, shown: str, timeout: float = 5000) -> str:
    """Wait until the slideshow shows another deed than `shown`; return it."""
    page.wait_for_function(
        "shown => document.getElementById('slides').dataset.deedId !== shown", arg=shown,
        timeout=timeout,
    )
    return slide_id(page)


def test_slideshow_advances_by_timer_and_by_key(app, world, browser, live_server, quick_polls):
    """The timer moves on; paused, the arrow keys go forward and back; no deed twice in a round."""
    add_deeds(app, world, 3)
    page = open_projection(browser, live_server, layout="slideshow", interval=1)
    page.wait_for_selector("#slides .slide.is-current")
    first = slide_id(page)
    second = wait_for_other_slide(page, first, timeout=4000)  # by the 1 s timer
    page.keyboard.press("Space")  # pause
    held = slide_id(page)
    page.keyboard.press("PageDown")  # a clicker's "next"
    after_key = wait_for_other_slide(page, held)
    page.wait_for_timeout(1500)
    assert slide_id(page) == after_key, "paused: the timer does not move on"
    assert len({first, second, held, after_key} - {None}) == 3, "each deed once before repeats"
    page.keyboard.press("ArrowLeft")
    assert wait_for_other_slide(page, after_key) == held
    assert page.locator("[data-action=pause]").get_attribute("aria-pressed") == "true"
    # A deed posted now is the next one shown, made ready (decoded) before it is asked for.
    new_id = add_deed(app, world.unit_id, "Toin lähitilan mansikoita päiväkodin välipalalle.")
    page.wait_for_selector(f'#slides .slide.is-preparing[data-deed-id="{new_id}"] img',
                           state="attached", timeout=5000)
    page.keyboard.press("ArrowRight")
    assert wait_for_other_slide(page, held) == str(new_id)
    page.context.close()


def test_a_new_deed_appears_on_the_wall_within_5_s(app, world, browser, live_server):
    """A deed posted elsewhere is added to the wall by the poll, marked new; after a dropped
    network the wall catches up by itself, with no card twice."""
    add_deeds(app, world, 2)
    page = open_projection(browser, live_server)
    page.wait_for_function("() => document.querySelectorAll('#wall .pcard').length === 2")
    started = time.monotonic()
    new_id = add_deed(app, world.unit_id, "Toin lähitilan mansikoita päiväkodin välipalalle.")
    card = page.locator(f'#wall .pcard[data-deed-id="{new_id}"]')
    card.wait_for(state="visible", timeout=5000)
    assert time.monotonic() - started < 5
    assert "is-new" in card.get_attribute("class")
    # The network drops: a quiet notice; back again, the wall heals by itself, each deed once.
    page.context.set_offline(True)
    page.wait_for_selector("#offline", state="visible", timeout=5000)
    later_id = add_deed(app, world.unit_id, "Kannoin ruokakassit keittiöön asti.")
    page.context.set_offline(False)
    page.wait_for_selector(f'#wall .pcard[data-deed-id="{later_id}"]', timeout=8000)
    page.wait_for_selector("#offline", state="hidden")
    ids = page.eval_on_selector_all("#wall .pcard", "cards => cards.map(c => c.dataset.deedId)")
    assert len(ids) == len(set(ids)) == 4
    page.context.close()


def test_the_remote_puts_a_deed_in_the_spotlight_until_released(app, world, browser, live_server,
                                                               quick_polls):
    """A tap on the remote fills the projection with that deed; "Vapauta" gives the screen back."""
    older, newer = add_deeds(app, world, 2)
    screen = open_projection(browser, live_server)
    screen.wait_for_selector("#wall .pcard")
    remote_context = browser.new_context(viewport={"width": 390, "height": 844}, locale="fi-FI")
    remote = remote_context.new_page()
    log_in(remote, live_server, "kalle")
    remote.goto(live_server + "/projection/remote")
    remote.click(f'.remote-tile[data-deed-id="{older}"] .remote-pick')
    remote.wait_for_selector(f'.remote-tile.is-spotlit[data-deed-id="{older}"]')
    assert remote.url.endswith("/projection/remote"), "no reload: the script posted it"
    screen.wait_for_selector(f'#spotlight.is-on[data-deed-id="{older}"] .slide.is-current',
                             timeout=5000)
    assert "Leivoin" in screen.inner_text("#spotlight")
    remote.click(".remote-release-button")
    remote.wait_for_selector("#release-form", state="hidden")
    screen.wait_for_selector("#spotlight.is-on", state="detached", timeout=5000)
    remote_context.close()
    screen.context.close()


def check_fits(page, selector: str) -> None:
    """Each element inside the viewport, description type at least 28 px, nothing scrolls."""
    found = page.evaluate(
        """selector => {
          const boxes = Array.from(document.querySelectorAll(selector)).map(el => {
            const r = el.getBoundingClientRect();
            return [r.left, r.top, r.right, r.bottom];
          });
          const texts = Array.from(document.querySelectorAll(
              selector.split(',').map(s => s.trim() + ' :is(.pcard-text, .slide-text)').join(',')))
            .map(el => { const s = getComputedStyle(el); return [parseFloat(s.fontSize),
                                                                parseFloat(s.lineHeight)]; });
          const qr = document.getElementById('qr');
          const q = qr.hidden ? null : qr.getBoundingClientRect();
          return {boxes, texts, qr: q && [q.left, q.top, q.right, q.bottom],
                  width: innerWidth, height: innerHeight,
                  scroll: [document.documentElement.scrollHeight,
                           document.documentElement.scrollWidth]};
        }""",
        selector,
    )
    assert found["boxes"] and found["texts"]
    for left, top, right, bottom in found["boxes"]:
        assert left >= 0 and top >= 0, (left, top)
        assert right <= found["width"] + 0.5 and bottom <= found["height"] + 0.5, (right, bottom)
        if found["qr"]:
            q_left, q_top, q_right, q_bottom = found["qr"]
            overlaps = left < q_right and right > q_left and top < q_bottom and bottom > q_top
            assert not overlaps, "a card under the QR code"
    for font_size, line_height in found["texts"]:
        assert font_size >= 28 and line_height >= 28, (font_size, line_height)
    assert found["scroll"][0] <= found["height"] and found["scroll"][1] <= found["width"]


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 720)])
def test_wall_and_slideshow_fit_the_screen(app, world, browser, live_server, tmp_path, size):
    """Screenshots of both layouts: every card whole on screen, large type, no scrolling."""
    add_deeds(app, world, 12)
    page = open_projection(browser, live_server, size=size, qr=int(size[0] == 1280))
    page.wait_for_selector("#wall .pcard")
    page.wait_for_function("() => !document.querySelector('#wall .is-entering, #wall .is-leaving')")
    page.evaluate("document.body.classList.add('is-idle')")  # the control bar fades out
    page.wait_for_timeout(1000)  # the cards' (and the bar's) transitions
    page.screenshot(path=str(tmp_path / f"wall-{size[0]}x{size[1]}.png"))
    check_fits(page, "#wall .pcard")
    page.keyboard.press("s")
    page.wait_for_selector("#slides .slide.is-current")
    page.wait_for_timeout(900)  # the cross-fade
    page.screenshot(path=str(tmp_path / f"slideshow-{size[0]}x{size[1]}.png"))
    check_fits(page, ", ".join(f"#slides .slide.is-current {part}" for part in
                               (".slide-photo", ".slide-words", ".pcard-place", ".pcard-author")))
    page.context.close()


def test_a_projection_link_shows_the_wall_without_a_login(app, world, browser, live_server,
                                                          quick_polls):
    """The room's computer opens the link: photos load through it; a hidden deed leaves the
    wall; once revoked, the page refuses to open again."""
    kept, hidden = add_deeds(app, world, 2)
    with app.app_context():
        leader = accounts.find_user("kalle")
        link = projection.create_link(leader, f"unit={world.unit_id}", None)
        token = link_token(link.id)
        db.session.remove()
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="fi-FI")
    page = context.new_page()
    page.goto(f"{live_server}/p/{token}")
    page.wait_for_function("() => document.querySelectorAll('#wall .pcard').length === 2")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#wall img')].every(i => i.complete && i.naturalWidth)"
    )
    sources = page.eval_on_selector_all("#wall img", "imgs => imgs.map(i => i.currentSrc)")
    assert sources and all(f"/p/{token}/photos/" in src for src in sources)
    with app.app_context():
        db.session.execute(
            sa.update(Deed).where(Deed.id == hidden).values(visibility=Visibility.HIDDEN)
        )
        db.session.commit()
        db.session.remove()
    page.wait_for_selector(f'#wall .pcard[data-deed-id="{hidden}"]', state="detached",
                           timeout=5000)
    assert page.locator(f'#wall .pcard[data-deed-id="{kept}"]').is_visible()
    with app.app_context():
        projection.revoke_link(accounts.find_user("kalle"), link.id)
        db.session.remove()
    response = page.reload()
    assert response.status == 410 and "peruttu" in page.content()
    context.close()
