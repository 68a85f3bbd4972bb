"""The deed loop in a real browser: log in, post a photo through the file input, see it."""

import sqlalchemy as sa

from app.extensions import db
from app.models import Deed
from tests.conftest import PASSWORD
from tests.imagegen import animated, other_format, photo_like


def test_post_deed_and_see_it_on_board(app, world, live_server, page, tmp_path):
    photo = tmp_path / "kuva.jpg"
    photo.write_bytes(photo_like(1600, 1200, orientation=6))

    page.goto(live_server + "/deeds/new")
    assert page.url.startswith(live_server + "/login")
    page.fill("input[name=username]", "aino")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server + "/deeds/new")

    page.set_input_files("input[name=photo]", str(photo))
    # The preview, or the blur editor that takes its place once the photo is drawn.
    page.wait_for_selector("#photo-preview:visible, #blur-canvas:visible")
    page.fill("textarea[name=description]", "Kannoin kauppakassit keittiöön asti.")
    page.select_option("select[name=unit]", str(world.unit_id))
    page.select_option("select[name=customer_type]", "end_customer")
    page.check("input[name=consent]")
    page.click("#send-button")

    page.wait_for_url(live_server + "/")
    assert "Kiitos! Tekosi on nyt taululla." in page.inner_text(".flash")
    card = page.locator(".card").first
    assert "Kannoin kauppakassit keittiöön asti." in card.inner_text()
    assert "Juvan keskuskeittiö" in card.inner_text()
    image = card.locator("img")
    image.scroll_into_view_if_needed()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )
    natural = image.evaluate("img => [img.naturalWidth, img.naturalHeight]")
    assert natural[1] > natural[0], "EXIF orientation 6 makes the stored photo portrait"

    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Deed.id))) == 1


def test_board_layout_is_masonry_without_overflow(app, world, live_server, page, tmp_path):
    photo = tmp_path / "kuva.jpg"
    photo.write_bytes(photo_like(800, 600))
    page.goto(live_server + "/login")
    page.fill("input[name=username]", "aino")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    for n in range(4):
        page.goto(live_server + "/deeds/new")
        page.set_input_files("input[name=photo]", str(photo))
        page.fill("textarea[name=description]", f"Teko numero {n}")
        page.check("input[name=consent]")
        page.click("#send-button")
        page.wait_for_url(live_server + "/")
    page.wait_for_selector("#board.is-masonry")
    lefts = page.eval_on_selector_all(".card", "cards => cards.map(c => c.offsetLeft)")
    assert len(set(lefts)) == 3  # 1024 px wide: three columns
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not overflow
    texts = page.locator(".card-text").all_inner_texts()
    assert sorted(texts) == [f"Teko numero {n}" for n in range(4)]


def login(page, live_server, username="aino"):
    """Log in through the form and wait for the board."""
    page.goto(live_server + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server + "/")


def throttle(page, mbit: float = 10, latency_ms: int = 40) -> None:
    """Emulate a slow mobile link in Chromium."""
    cdp = page.context.new_cdp_session(page)
    rate = mbit * 1_000_000 / 8
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": latency_ms,
            "downloadThroughput": rate,
            "uploadThroughput": rate,
        },
    )


def test_large_photo_is_shrunk_in_the_browser_with_progress(
    app, world, live_server, page, tmp_path
):
    from app.models import Photo

    photo = tmp_path / "iso.jpg"
    photo.write_bytes(photo_like(4032, 3024, orientation=6))
    login(page, live_server)
    throttle(page, mbit=4)
    page.goto(live_server + "/deeds/new")
    page.set_input_files("input[name=photo]", str(photo))
    page.fill("textarea[name=description]", "Iso kuva kutistuu selaimessa.")
    page.check("input[name=consent]")
    page.click("#send-button")
    page.wait_for_function(
        "() => /^\\d+ %$/.test(document.getElementById('upload-percent').textContent)"
    )
    assert page.is_disabled("#send-button"), "no double posting while sending"
    page.wait_for_url(live_server + "/", timeout=60_000)
    assert "Kiitos! Tekosi on nyt taululla." in page.inner_text(".flash")
    with app.app_context():
        stored = db.session.scalars(sa.select(Photo)).one()
        # Upright portrait, shrunk to 1920 px on the long side before it left the browser.
        assert (stored.width, stored.height) == (1440, 1920)  # the largest rendition


def test_refusal_shows_the_message_in_the_form(app, world, live_server, page, tmp_path):
    photo = tmp_path / "kuva.jpg"
    photo.write_bytes(photo_like(800, 600))
    login(page, live_server)
    page.goto(live_server + "/deeds/new")
    page.set_input_files("input[name=photo]", str(photo))
    page.fill("textarea[name=description]", "Unohdin luvan.")
    page.click("#send-button")
    error = page.locator(".field-error")
    error.first.wait_for()
    assert "Rastita ruutu" in error.first.inner_text()
    assert page.url == live_server + "/deeds/new"
    assert page.input_value("textarea[name=description]") == "Unohdin luvan."
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Deed.id))) == 0


def test_animations_get_a_note_before_sending(app, world, live_server, page, tmp_path):
    """Picking an animated GIF, APNG or WebP shows that only the first frame is kept."""
    login(page, live_server)
    page.goto(live_server + "/deeds/new")
    note = page.locator("#photo-animated")
    still = {"kuva.jpg": photo_like(320, 240), "kuva.gif": other_format("GIF")}
    moving = {f"liike.{fmt.lower()}": animated(fmt) for fmt in ("GIF", "PNG", "WEBP")}
    for name, data in {**moving, **still}.items():
        path = tmp_path / name
        path.write_bytes(data)
        page.set_input_files("input[name=photo]", str(path))
        expected = "visible" if name in moving else "hidden"
        note.wait_for(state=expected, timeout=5000)
    page.set_input_files("input[name=photo]", str(tmp_path / "liike.gif"))
    note.wait_for(state="visible", timeout=5000)
    assert "ensimmäinen kuva" in note.inner_text()
