"""Onboarding in a real browser on a portrait tablet: an admin adds a person, prints the slip,
the person opens the link on their own device, sets a password and posts a deed."""

from app.extensions import db
from app.services import accounts, two_factor
from tests.conftest import PASSWORD
from tests.imagegen import photo_like

TABLET = {"width": 768, "height": 1024}
NEW_PASSWORD = "keltainen-polkupyörä-17"


def admin_login(app, page, live_server) -> None:
    """Sign in as the admin with a recovery code for the second factor."""
    page.goto(live_server + "/login")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server + "/login/code")
    with app.app_context():
        code = two_factor.regenerate_recovery_codes(accounts.find_user("admin").id)[0]
        db.session.remove()
    page.fill("input[name=code]", code)
    page.click("button[type=submit]")
    page.wait_for_url(live_server + "/")


def test_admin_adds_a_user_who_sets_a_password_and_posts(app, world, live_server, browser,
                                                          tmp_path):
    admin_context = browser.new_context(viewport=TABLET, locale="fi-FI")
    page = admin_context.new_page()
    admin_login(app, page, live_server)

    page.goto(live_server + "/admin/users")
    # A portrait tablet still shows a table, not cards.
    assert page.locator(".user-table thead").is_visible()
    page.click("text=Lisää käyttäjä")
    page.wait_for_url(live_server + "/admin/users/new")
    page.fill("input[name=username]", "tiina.t")
    page.fill("input[name=display_name]", "Tiina T.")
    page.select_option("select[name=role]", "employee")
    page.select_option("select[name=default_unit]", str(world.unit_id))
    page.click("form.panel button[type=submit]")
    page.wait_for_selector(".slip")
    assert "Käyttäjä tiina.t on lisätty." in page.inner_text("main")
    url = page.inner_text(".link-url-once").strip()
    assert url.startswith(live_server + "/welcome/")

    # The print view keeps only the slip: name, username, QR code, the URL, the expiry.
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.locator(".link-panel").is_visible()
    slip = page.locator(".slip")
    assert slip.is_visible()
    text = slip.inner_text()
    assert "Tiina T." in text and "tiina.t" in text and url in text
    assert "asti" in text  # the expiry date
    box = slip.locator("svg.qr-svg").bounding_box()
    assert box and box["width"] > 80  # about 32 mm
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
    (tmp_path / "slip.pdf").write_bytes(pdf)
    page.emulate_media(media="screen")
    admin_context.close()

    # The new person, on their own phone or tablet.
    person = browser.new_context(viewport=TABLET, locale="fi-FI")
    own = person.new_page()
    own.goto(url)
    assert "Hei Tiina T.!" in own.inner_text("h1")
    own.fill("input[name=password]", NEW_PASSWORD)
    own.fill("input[name=password_again]", NEW_PASSWORD)
    own.click("button[type=submit]")
    own.wait_for_url(live_server + "/")
    assert "Tervetuloa Tekotauluun!" in own.inner_text(".flash")

    photo = tmp_path / "kuva.jpg"
    photo.write_bytes(photo_like(800, 600))
    own.goto(live_server + "/deeds/new")
    own.set_input_files("input[name=photo]", str(photo))
    own.wait_for_selector("#photo-preview:visible, #blur-canvas:visible")
    own.fill("textarea[name=description]", "Näytin uudelle asiakkaalle, missä kahvi on.")
    assert own.input_value("select[name=unit]") == str(world.unit_id)  # her own unit first
    own.select_option("select[name=customer_type]", "end_customer")
    own.check("input[name=consent]")
    own.click("#send-button")
    own.wait_for_url(live_server + "/")
    assert "Kiitos! Tekosi on nyt taululla." in own.inner_text(".flash")
    card = own.locator(".card").first
    assert "Näytin uudelle asiakkaalle" in card.inner_text()
    assert "Tiina T." in card.inner_text()

    # The link worked once.
    again = browser.new_context(viewport=TABLET, locale="fi-FI").new_page()
    response = again.goto(url)
    assert response.status == 404
    assert "Linkki ei ole enää voimassa" in again.inner_text("main")
    again.context.close()
    person.close()
