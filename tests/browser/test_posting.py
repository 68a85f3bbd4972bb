"""Posting that never fails, in Chromium: the photo survives a refusal (with and without
JavaScript), the consent box is in view with "Lähetä", and the outbox sends a deed made offline,
after a lost answer or after a lapsed session exactly once."""

import hashlib

import pytest
import sqlalchemy as sa

from app.database import write_transaction
from app.extensions import db
from app.models import Deed, Photo
from app.services import accounts, sessions
from tests.browser.test_deed_loop import login
from tests.imagegen import photo_like

SIZES = ((1024, 768), (768, 1024), (390, 844))
WAITING_ONE = "1 teko odottaa lähetystä"
SENT = "Odottanut teko on nyt lähetetty taululle."


@pytest.fixture
def photo(tmp_path):
    """A camera-like photo small enough that the browser sends it unchanged (so its hash holds)."""
    path = tmp_path / "kuva.jpg"
    path.write_bytes(photo_like(1200, 900))
    return path


def deeds_made(app) -> list[tuple[str, str]]:
    """(description, photo hash) of every deed."""
    with app.app_context():
        rows = db.session.execute(
            sa.select(Deed.description, Photo.content_hash).join(Photo, Photo.deed_id == Deed.id)
        ).all()
        db.session.remove()
    return [tuple(row) for row in rows]


def fill(page, photo, text: str, consent: bool = True) -> None:
    """Choose the photo and write the description; tick the consent box if asked."""
    page.set_input_files("input[name=photo]", str(photo))
    page.fill("textarea[name=description]", text)
    if consent:
        page.check("input[name=consent]")


def new_context(browser, width=1024, height=768, **kwargs):
    """A fresh context (no cookies) at the size; no service worker unless asked for."""
    kwargs.setdefault("service_workers", "block")
    return browser.new_context(viewport={"width": width, "height": height}, locale="fi-FI",
                               **kwargs)


@pytest.mark.parametrize("width,height", SIZES)
def test_a_forgotten_consent_keeps_the_photo_and_its_error_clears(app, world, live_server,
                                                                   browser, photo, width, height):
    """With JavaScript, at each size: the error shows in place without a reload, focused and
    marked invalid; it goes when the box is ticked; the same photo arrives."""
    context = new_context(browser, width, height)
    page = context.new_page()
    login(page, live_server)
    page.goto(live_server + "/deeds/new")
    fill(page, photo, "Unohdin ensin rastin.", consent=False)
    page.evaluate("window.samePage = true")

    page.click("#send-button")
    error = page.locator(".checkbox-field .field-error")
    error.wait_for()

    assert "Rastita ruutu" in error.inner_text()
    assert page.evaluate("window.samePage === true"), "no reload: the chosen photo is still there"
    assert page.evaluate("document.getElementById('photo-preview').src").startswith("blob:")
    assert page.evaluate("document.activeElement.name") == "consent"
    assert page.get_attribute("input[name=consent]", "aria-invalid") == "true"
    page.check("input[name=consent]")
    assert error.count() == 0, "the error goes as soon as the field is fixed"
    page.click("#send-button")
    page.wait_for_url(live_server + "/")

    assert deeds_made(app) == [("Unohdin ensin rastin.", hashlib.sha256(photo.read_bytes())
                                .hexdigest())]
    context.close()


def test_without_javascript_the_server_keeps_the_photo(app, world, live_server, browser, photo):
    """No scripts: the refused form shows the kept photo; the second submit needs no new pick."""
    context = new_context(browser, java_script_enabled=False)
    page = context.new_page()
    login(page, live_server)
    page.goto(live_server + "/deeds/new")
    fill(page, photo, "Ilman skriptejä.", consent=False)
    page.click("#send-button")

    assert "Kuva on tallessa" in page.inner_text("#photo-kept")
    page.wait_for_function("document.getElementById('photo-preview').naturalWidth > 0")
    page.check("input[name=consent]")
    page.click("#send-button")
    page.wait_for_url(live_server + "/")

    assert deeds_made(app) == [("Ilman skriptejä.", hashlib.sha256(photo.read_bytes())
                                .hexdigest())]
    context.close()


def test_the_consent_box_is_in_view_with_the_send_button(world, live_server, browser):
    """At each size, on first view: when "Lähetä" can be reached, the consent box and its words
    are wholly in the viewport and nothing covers them."""
    context = new_context(browser)
    page = context.new_page()
    login(page, live_server)
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.goto(live_server + "/deeds/new")
        found = page.evaluate("""() => {
            const send = document.getElementById('send-button').getBoundingClientRect();
            const label = document.querySelector('.checkbox-field .checkbox');
            const box = label.getBoundingClientRect();
            const hit = (x, y) => label.contains(document.elementFromPoint(x, y));
            return {
                sendInView: send.top >= 0 && send.bottom <= innerHeight,
                inView: box.top >= 0 && box.bottom <= innerHeight && box.left >= 0
                    && box.right <= innerWidth,
                uncovered: hit(box.left + 14, box.top + 14)
                    && hit(box.left + box.width / 2, box.bottom - 4),
                scrolled: scrollY,
            };
        }""")
        assert found["sendInView"], (width, height)
        assert found == {"sendInView": True, "inView": True, "uncovered": True, "scrolled": 0}, (
            width, height)
    context.close()


def outbox_count(page) -> str:
    """The outbox's headline."""
    return page.inner_text("#outbox-count")


def wait_until_sent(page) -> None:
    """Wait for the outbox to say its deeds went to the board."""
    page.wait_for_function(
        "sent => document.getElementById('outbox-count').textContent === sent", arg=SENT,
        timeout=15_000,
    )


def test_a_deed_made_offline_is_sent_once_when_the_connection_returns(app, world, live_server,
                                                                       browser, photo):
    """Offline: the deed waits (count 1, on the form and on the board); online: it arrives once."""
    context = new_context(browser)
    page = context.new_page()
    login(page, live_server)
    page.goto(live_server + "/deeds/new")
    context.set_offline(True)
    fill(page, photo, "Tehty ilman yhteyttä.")
    page.click("#send-button")

    page.locator("#outbox").wait_for()  # shown once a deed waits (the empty count is hidden)
    assert outbox_count(page) == WAITING_ONE
    assert "Ei yhteyttä" in page.inner_text("#outbox-note")
    assert deeds_made(app) == []
    context.set_offline(False)  # the "online" event sends it
    wait_until_sent(page)
    page.evaluate("window.TekotauluOutbox.flush()")  # one more try changes nothing

    page.goto(live_server + "/")
    assert [d for d, _ in deeds_made(app)] == ["Tehty ilman yhteyttä."]
    assert page.locator(".card").filter(has_text="Tehty ilman yhteyttä.").count() == 1
    context.close()


# The server's answer reaches the network but not the page: the form's request fires "error"
# instead of "load" (Chromium's interception cannot pass on a request's file upload).
LOSE_FIRST_ANSWER = """() => {
  const proto = XMLHttpRequest.prototype;
  const add = proto.addEventListener;
  let lost = false;
  proto.addEventListener = function (type, listener) {
    if (type === "error") { (this.errorListeners = this.errorListeners || []).push(listener); }
    if (type !== "load") { return add.apply(this, arguments); }
    return add.call(this, "load", function (event) {
      if (lost) { return listener.call(this, event); }
      lost = true;
      const lostEvent = new ProgressEvent("error");
      (this.errorListeners || []).forEach((onError) => onError.call(this, lostEvent));
    });
  };
}"""


def test_a_lost_answer_after_the_commit_makes_no_second_deed(app, world, live_server, browser,
                                                             photo):
    """The server makes the deed but its answer never arrives: the outbox's resend under the same
    id is answered with that deed."""
    context = new_context(browser)
    page = context.new_page()
    login(page, live_server)
    page.goto(live_server + "/deeds/new")
    page.evaluate(LOSE_FIRST_ANSWER)
    fill(page, photo, "Vastaus katosi.")
    with page.expect_response("**/api/deeds") as first:
        page.click("#send-button")
    page.locator("#outbox").wait_for()  # shown once a deed waits (the empty count is hidden)
    assert first.value.status == 201 and len(deeds_made(app)) == 1  # made, but never heard of
    assert outbox_count(page) == WAITING_ONE

    with page.expect_response("**/api/deeds") as resent:
        page.click("#outbox-send")
    assert resent.value.status == 200  # the deed already made
    wait_until_sent(page)
    assert [d for d, _ in deeds_made(app)] == ["Vastaus katosi."]
    context.close()


def test_a_lapsed_session_asks_to_sign_in_and_then_sends(app, world, live_server, browser, photo):
    """The session ends while the deed is made: it waits and asks for a sign-in; after it the
    deed is sent once; a colleague signing in on the same tablet never sends it."""
    context = new_context(browser)
    page = context.new_page()
    login(page, live_server)
    page.goto(live_server + "/deeds/new")
    with app.app_context():
        with write_transaction():
            sessions.end_all(accounts.find_user("aino").id)
        db.session.remove()
    fill(page, photo, "Istunto ehti vanhentua.")
    page.click("#send-button")

    page.wait_for_selector("#outbox-signin", state="visible")
    assert outbox_count(page) == WAITING_ONE
    assert "Kirjaudu uudelleen" in page.inner_text("#outbox-note")
    page.goto(live_server + "/login")
    login(page, live_server, username="riitta")  # a colleague: the deed is not theirs to send
    assert page.locator("#outbox").is_hidden()
    assert deeds_made(app) == []
    page.click(".nav-menu summary")
    page.click("form[action='/logout'] button")
    page.wait_for_url(live_server + "/login")
    login(page, live_server)
    wait_until_sent(page)

    assert [d for d, _ in deeds_made(app)] == ["Istunto ehti vanhentua."]
    context.close()


def test_taps_from_the_board_to_a_posted_deed(world, live_server, browser, photo):
    """A first-time poster needs at most five taps besides taking the photo and typing."""
    context = new_context(browser, 390, 844)
    page = context.new_page()
    login(page, live_server)
    taps = 0

    page.click(".nav-new")
    taps += 1
    page.set_input_files("input[name=photo]", str(photo))  # taking the photo
    page.fill("textarea[name=description]", "Viisi napautusta.")  # typing
    page.select_option("select[name=unit]", str(world.unit_id))
    taps += 2  # open the list, pick the unit (remembered after the first deed)
    page.check("input[name=consent]")
    taps += 1
    page.click("#send-button")
    taps += 1
    page.wait_for_url(live_server + "/")

    assert page.locator(".card").filter(has_text="Viisi napautusta.").count() == 1
    assert taps <= 5
    context.close()


CACHED_PATHS = """async () => {
  const names = await caches.keys();
  const paths = [];
  for (const name of names) {
    for (const request of await (await caches.open(name)).keys()) {
      paths.push(new URL(request.url).pathname);
    }
  }
  return paths;
}"""


def test_the_app_shell_works_offline_and_goes_at_sign_out(world, live_server, browser):
    """The service worker keeps styles, scripts, icons and the deed form, never the board, photos
    or API answers; offline the form opens; signing out empties the cache."""
    context = new_context(browser, service_workers="allow")
    page = context.new_page()
    login(page, live_server)
    shell = ["/deeds/new", "/static/css/app.css", "/static/js/outbox.js",
             "/static/manifest.webmanifest"]
    page.wait_for_function(
        f"shell => ({CACHED_PATHS})().then(p => shell.every(path => p.includes(path)))",
        arg=shell, timeout=15_000,
    )
    paths = page.evaluate(CACHED_PATHS)
    assert all(p == "/deeds/new" or p.startswith("/static/") for p in paths), paths

    # The worker must be active (not still activating) before it can answer a navigation.
    page.wait_for_function(
        "navigator.serviceWorker.ready.then(r => r.active && r.active.state === 'activated')",
        timeout=15_000,
    )
    context.set_offline(True)
    response = page.goto(live_server + "/deeds/new")
    assert response.from_service_worker
    assert page.locator("#deed-form").count() == 1
    context.set_offline(False)

    page.goto(live_server + "/")
    page.click(".nav-menu summary")
    page.click("form[action='/logout'] button")
    page.wait_for_url(live_server + "/login")
    page.wait_for_function(f"({CACHED_PATHS})().then(p => p.length === 0)", timeout=10_000)
    context.close()
