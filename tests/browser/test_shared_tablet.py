"""A shared tablet in Chromium, at portrait-tablet and phone sizes: set up by a supervisor
(the form then presets its unit), a PIN sign-in by tapping a name, the idle countdown and
sign-out, the sign-out after posting, and the signed-in name in view throughout."""

import re
import time

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import User
from app.web import device as device_cookie
from tests.browser import test_accessibility as axe
from tests.browser.test_posting import new_context
from tests.conftest import PASSWORD
from tests.imagegen import photo_like
from tests.security_support import make_deed, make_device, supervise
from tests.test_shared_tablet import PIN, allow_pins, give_pin

SIZES = ((768, 1024), (390, 844))


@pytest.fixture(autouse=True)
def with_csrf(app_config):
    """Form tokens on, as in production: the PIN form's, the keep-alive's and the idle logout's
    tokens are part of what is tested."""
    app_config["WTF_CSRF_ENABLED"] = True


def tablet_page(browser, app, live_server, unit_id, size, bypass_csp=False, **settings):
    """A fresh browser at the size whose cookie makes it a tablet set up for the unit."""
    _device_id, token = make_device(app, unit_id, **settings)
    with app.test_request_context():
        value = device_cookie._serializer().dumps(token)
        name = device_cookie.cookie_name()
    context = new_context(browser, *size, bypass_csp=bypass_csp)
    context.add_cookies([{"name": name, "value": value, "url": live_server, "httpOnly": True}])
    return context, context.new_page()


def sign_in_with_password(page, live_server, username="aino"):
    """The tablet's password form (folded under "Kirjaudu salasanalla" when PINs are on)."""
    page.goto(live_server + "/login")
    folded = page.locator("details.password-login:not([open]) > summary")
    if folded.count():
        folded.click()
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form:has(input[name=password]) button[type=submit]")
    page.wait_for_url(live_server + "/")


def name_in_view(page, first_name: str) -> None:
    """The signed-in person's name is shown in the header, inside the screen, not covered."""
    chip = page.locator(".nav-user-toggle")
    assert first_name in chip.inner_text()
    box = chip.bounding_box()
    width = page.viewport_size["width"]
    assert box and box["width"] > 0 and box["x"] >= 0 and box["x"] + box["width"] <= width
    centre = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    on_top = page.evaluate("([x, y]) => document.elementFromPoint(x, y).closest('.nav-user-toggle')"
                           " !== null", list(centre))
    assert on_top, "nothing covers the name"


@pytest.mark.parametrize("size", SIZES)
def test_a_supervisor_sets_up_a_tablet_and_its_form_presets_the_unit(app, world, live_server,
                                                                     browser, size):
    """Set up in the browser; the supervisor is signed out; the next person's deed form has
    the tablet's unit chosen, though their own last unit is another."""
    supervise(app, world.unit_id, "riitta")
    with app.app_context():
        db.session.execute(sa.update(User).where(User.username == "aino").values(
            default_unit_id=world.other_unit_id))
        db.session.commit()
        db.session.remove()
    context = new_context(browser, *size)
    page = context.new_page()
    sign_in_with_password(page, live_server, "riitta")
    page.goto(live_server + "/devices")
    page.fill("input[name=name]", "Keittiön tabletti")
    page.fill("input[name=idle_minutes]", "5")
    page.click("text=Ota tabletti yhteiseen käyttöön >> nth=-1")
    page.wait_for_url(live_server + "/login")

    assert "Keittiön tabletti on nyt yhteisessä käytössä" in page.inner_text("main")
    assert "Yhteinen tabletti: Keittiön tabletti" in page.inner_text("main")
    sign_in_with_password(page, live_server, "aino")
    page.goto(live_server + "/deeds/new")
    assert page.input_value("select[name=unit]") == str(world.unit_id)
    name_in_view(page, "Aino")
    context.close()


@pytest.mark.parametrize("size", SIZES)
def test_tapping_a_name_and_typing_the_pin_signs_in(app, world, live_server, browser, size):
    """The unit's recent posters are large targets; a tap fills the name and focuses the PIN."""
    allow_pins(app)
    give_pin(app)
    make_deed(app, world.unit_id, "aino", seed=1)
    make_deed(app, world.unit_id, "kalle", seed=2)
    context, page = tablet_page(browser, app, live_server, world.unit_id, size)
    page.goto(live_server + "/login")
    tile = page.locator(".poster-tile", has_text="Aino")
    box = tile.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44
    assert page.locator(".poster-tile").all_inner_texts() == ["Aino", "Kalle"]

    tile.click()

    assert page.input_value("input[name='pin-username']") == "aino"
    assert page.evaluate("document.activeElement.name") == "pin-pin"
    assert page.get_attribute("input[name='pin-pin']", "inputmode") == "numeric"
    page.keyboard.type(PIN)
    page.keyboard.press("Enter")
    page.wait_for_url(live_server + "/")
    name_in_view(page, "Aino")
    context.close()


@pytest.mark.parametrize("size", SIZES)
def test_an_idle_tablet_counts_down_then_signs_out(app_config, request, browser, size):
    """A bar counts down in the last part of the idle time (the name still in view); "Jatka"
    starts the time again; left alone, the tablet lands on the login page with the reason."""
    app_config["DEVICE_IDLE_SECONDS"] = 8
    app = request.getfixturevalue("app")
    world = request.getfixturevalue("world")
    live_server = request.getfixturevalue("live_server")
    context, page = tablet_page(browser, app, live_server, world.unit_id, size)
    sign_in_with_password(page, live_server)
    loaded = time.monotonic()
    bar = page.locator("#idle-bar")
    assert bar.is_hidden()

    bar.wait_for(state="visible", timeout=8000)
    assert re.fullmatch(r"Kirjaudutaan ulos 0:0[1-4] kuluttua", page.inner_text(".idle-text"))
    name_in_view(page, "Aino")
    page.click("#idle-continue")
    assert bar.is_hidden()
    assert page.url == live_server + "/"
    # Past the first deadline: the server kept the session, as "Jatka" told it (a GET now).
    page.wait_for_timeout(max(0, loaded + 8.7 - time.monotonic()) * 1000)
    assert bar.is_hidden() or "0:0" in page.inner_text(".idle-text")
    assert page.request.get(live_server + "/api/deeds").status == 200

    bar.wait_for(state="visible", timeout=8000)
    page.wait_for_url(re.compile(re.escape(live_server) + r"/login.*"), timeout=10000)
    assert "ei käytetty vähään aikaan" in page.inner_text("main")
    page.goto(live_server + "/")
    assert "/login" in page.url, "the session ended on the server too"
    context.close()


@pytest.mark.parametrize("size", SIZES)
def test_posting_on_the_tablet_signs_out(app, world, live_server, browser, size, tmp_path):
    """The deed goes to the board; the poster lands on the login page, told why."""
    photo = tmp_path / "kuva.jpg"
    photo.write_bytes(photo_like(1200, 900))
    context, page = tablet_page(browser, app, live_server, world.unit_id, size)
    sign_in_with_password(page, live_server)
    page.goto(live_server + "/deeds/new")
    page.set_input_files("input[name=photo]", str(photo))
    page.fill("textarea[name=description]", "Vein asiakkaalle lehden ovelle.")
    page.check("input[name=consent]")
    page.click("#send-button")
    page.wait_for_url(live_server + "/login")

    assert "Teko on taululla. Sinut kirjattiin ulos." in page.inner_text("main")
    page.goto(live_server + "/")
    assert "/login" in page.url
    context.close()


def test_the_tablet_login_and_pin_page_pass_axe(app, world, live_server, browser):
    """The tablet's login (names and PIN form) and the PIN page at the three sizes: nothing
    serious for axe, and every control at least a fingertip."""
    allow_pins(app)
    make_deed(app, world.unit_id, "aino", seed=1)
    problems: list[str] = []
    for size in axe.SIZES:
        context, page = tablet_page(browser, app, live_server, world.unit_id, size,
                                    bypass_csp=True)
        axe.check(page, live_server, "/login", size, problems, expect=200)
        sign_in_with_password(page, live_server)
        axe.check(page, live_server, "/account/pin", size, problems, expect=200)
        context.close()
    assert not problems, "\n".join(problems)
