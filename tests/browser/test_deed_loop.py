"""The deed loop in a real browser: log in, post a photo through the file input, see it."""

import sqlalchemy as sa

from app.extensions import db
from app.models import Deed
from tests.conftest import PASSWORD
from tests.imagegen import photo_like


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
    assert page.is_visible("#photo-preview")
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
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
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
    assert page.locator(".board-column").count() == 3  # 1024 px wide: three columns
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not overflow
    texts = page.locator(".card-text").all_inner_texts()
    assert sorted(texts) == [f"Teko numero {n}" for n in range(4)]
