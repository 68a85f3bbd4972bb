"""The second factor: enrolment with a QR code, codes at login, recovery codes, admin pages."""

import re
import time

import pyotp
import sqlalchemy as sa

from app.extensions import db
from app.models import Role, User
from app.services import accounts
from tests.conftest import ADMIN_TOTP_SECRET, PASSWORD


def next_code(secret: str) -> str:
    """The app's next code (the current one may already be spent by the enrolment)."""
    return pyotp.TOTP(secret).at(time.time() + 30)


def password_step(client, username: str, password: str = PASSWORD):
    """The first half of a login."""
    return client.post("/login", data={"username": username, "password": password})


def enrol_via_pages(client) -> tuple[str, list[str]]:
    """Set the second factor up through the pages; return the secret and the recovery codes."""
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert 'class="qr-svg"' in page  # the QR code, drawn on the server, inline SVG
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page).group(1)
    done = client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([0-9a-f]{8}-[0-9a-f]{8})</code></li>", done.get_data(True))
    assert len(codes) == 10
    return secret, codes


def test_a_supervisor_sets_up_the_app_and_then_needs_a_code(app, client, world):
    """Optional for others: enrol, log out, then the password alone is not enough."""
    password_step(client, "riitta")
    wrong = client.post("/account/two-factor", data={"code": "000000"})
    assert wrong.status_code == 400
    secret, _codes = enrol_via_pages(client)
    client.post("/logout")
    response = password_step(client, "riitta")
    assert response.headers["Location"] == "/login/code"
    assert client.get("/").status_code == 302, "not signed in before the code"
    assert client.post("/login/code", data={"code": "123456"}).status_code == 400
    assert client.post("/login/code", data={"code": next_code(secret)}).status_code == 302
    assert client.get("/").status_code == 200


def test_a_code_works_only_once(app, world):
    """The same code cannot sign in twice (a code seen over a shoulder is spent)."""
    first, second = app.test_client(), app.test_client()
    code = next_code(ADMIN_TOTP_SECRET)
    for client in (first, second):
        password_step(client, "admin")
    assert first.post("/login/code", data={"code": code}).status_code == 302
    refused = second.post("/login/code", data={"code": code})
    assert refused.status_code == 400
    assert "Koodi ei kelpaa" in refused.get_data(as_text=True)


def test_recovery_codes_work_once_each(app, client, world):
    """A lost phone: a recovery code signs in once; the list counts down."""
    password_step(client, "riitta")
    _secret, codes = enrol_via_pages(client)
    client.post("/logout")
    password_step(client, "riitta")
    assert client.post("/login/code", data={"code": codes[0].upper()}).status_code == 302
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "Sinulla on 9 käyttämätöntä varakoodia." in page
    client.post("/logout")
    password_step(client, "riitta")
    assert client.post("/login/code", data={"code": codes[0]}).status_code == 400


def test_admins_must_set_up_the_app_first(app, client, world):
    """An admin without a second factor is sent to set one up, whatever page they ask for."""
    with app.app_context():
        accounts.create_user("uusi-admin", PASSWORD, role=Role.ADMIN)
    password_step(client, "uusi-admin")
    for path in ("/", "/admin/users", "/deeds/new"):
        assert client.get(path).headers["Location"] == "/account/two-factor", path
    enrol_via_pages(client)
    assert client.get("/admin/users").status_code == 200


def test_admin_pages_need_the_second_factor_even_when_roles_do_not(app_config, request):
    """With TWO_FACTOR_ROLES empty, /admin/ still asks an admin for the app."""
    app_config["TWO_FACTOR_ROLES"] = frozenset()
    app = request.getfixturevalue("app")
    client = request.getfixturevalue("client")
    with app.app_context():
        accounts.create_user("paakayttaja", PASSWORD, role=Role.ADMIN)
    password_step(client, "paakayttaja")
    assert client.get("/").status_code == 200
    assert client.get("/admin/users").headers["Location"] == "/account/two-factor"


def test_code_guessing_is_limited_like_passwords(app, client, world):
    """Five wrong codes, then 429 even for the right one."""
    password_step(client, "admin")
    for _ in range(5):
        assert client.post("/login/code", data={"code": "000000"}).status_code == 400
    right = client.post("/login/code", data={"code": next_code(ADMIN_TOTP_SECRET)})
    assert right.status_code == 429


def test_an_admin_removes_a_lost_second_factor(app, world):
    """The user sets the app up again at their next login; the audit log says who did it."""
    riitta, admin = app.test_client(), app.test_client()
    password_step(riitta, "riitta")
    enrol_via_pages(riitta)
    from tests.conftest import log_in

    log_in(admin, "admin")
    with app.app_context():
        riitta_id = accounts.find_user("riitta").id
        db.session.remove()
    assert admin.post(f"/admin/users/{riitta_id}/two-factor/reset").status_code == 302
    assert riitta.get("/").status_code == 302, "her sessions ended with it"
    assert password_step(riitta, "riitta").headers["Location"] == "/"
    with app.app_context():
        assert db.session.scalar(sa.select(User.totp_secret).where(User.id == riitta_id)) is None
        db.session.remove()
    audit = admin.get("/admin/audit").get_data(as_text=True)
    assert "poisti käyttäjän kaksivaiheisen tunnistautumisen" in audit
