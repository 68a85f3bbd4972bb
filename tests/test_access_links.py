"""One-time links: a new user sets a first password, a forgetful one a new password; once."""

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AccessLink, AuditEntry, AuthSession, Role
from app.services import accounts, site
from tests.conftest import PASSWORD, log_in

LINK = re.compile(r"https?://[^/\s<]+(/welcome/[A-Za-z0-9_-]{32})")
GONE = "Linkki ei ole enää voimassa."
NEW_PASSWORD = "pitkä-kesäinen-järvi-42"


def admin_client(app):
    """A new client signed in as the admin."""
    client = app.test_client()
    assert log_in(client, "admin").status_code == 302
    return client


def add_user(app, username="uusi", role="employee") -> str:
    """Add a user as the admin; return the path of their link."""
    response = admin_client(app).post("/admin/users/new", data={
        "username": username, "display_name": "Uusi Ihminen", "role": role})
    assert response.status_code == 200
    return LINK.search(response.text).group(1)


def reset_link(app, username: str) -> str:
    """Make a password reset link for the user as the admin; return its path."""
    with app.app_context():
        user_id = accounts.find_user(username).id
    response = admin_client(app).post(f"/admin/users/{user_id}/link")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    return LINK.search(response.text).group(1)


def set_password(client, path: str, password: str = NEW_PASSWORD, again: str | None = None):
    """Post the welcome form."""
    return client.post(path, data={"password": password,
                                   "password_again": password if again is None else again})


def assert_gone(client, path: str) -> None:
    """The link answers with the one Finnish 404 page, GET and POST alike."""
    for response in (client.get(path), set_password(client, path)):
        assert response.status_code == 404
        assert GONE in response.text
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["Cache-Control"] == "no-store"


def test_new_user_sets_a_password_and_is_signed_in(app, client, world):
    path = add_user(app)
    page = client.get(path)
    assert page.status_code == 200
    assert "Hei Uusi Ihminen!" in page.text and "uusi" in page.text
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["Cache-Control"] == "no-store"
    response = set_password(client, path)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    board = client.get("/")
    assert board.status_code == 200
    assert "Salasana on tallennettu. Tervetuloa Tekotauluun!" in board.text
    with app.app_context():
        user = accounts.find_user("uusi")
        assert user.has_usable_password() and user.check_password(NEW_PASSWORD)
        entry = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert (entry.action, entry.actor_username, entry.changes) == (
            "use_access_link", "uusi", None)
    # Used once: the same link is gone, and the password works at the login.
    assert_gone(app.test_client(), path)
    assert log_in(app.test_client(), "uusi", NEW_PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("password", "again", "message"),
    [
        ("lyhyt", None, "vähintään 12 merkkiä"),
        ("uusi-uusi-uusi-uusi", None, "Salasanassa ei saa olla käyttäjätunnusta."),
        ("salasana123456", None, "liian helppo arvata"),
        (NEW_PASSWORD, "toinen-salasana-99", "Salasanat eivät täsmää."),
        ("", "", "Kirjoita uusi salasana."),
    ],
)
def test_password_rules_apply_and_the_link_stays_usable(app, client, world, password, again,
                                                       message):
    path = add_user(app)
    response = set_password(client, path, password, again)
    assert response.status_code == 400
    assert message in response.text
    with app.app_context():
        assert not accounts.find_user("uusi").has_usable_password()
    assert client.get("/").status_code == 302  # not signed in
    assert set_password(client, path).status_code == 302  # a good one still goes through


def test_expired_link(app, client, world):
    path = add_user(app)
    with app.app_context():
        db.session.execute(sa.update(AccessLink).values(
            expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
        db.session.commit()
    assert_gone(client, path)
    with app.app_context():
        assert not accounts.find_user("uusi").has_usable_password()


def test_tampered_and_made_up_links(app, client, world):
    path = add_user(app)
    token = path.rsplit("/", 1)[1]
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    for bad in (flipped, token[:-1], token + "x", "x" * 32):  # under the 5 a minute limit
        response = client.get(f"/welcome/{bad}")
        assert response.status_code == 404, bad
        assert GONE in response.text
    assert client.get(path).status_code == 200  # the real one still works


def test_a_newer_link_replaces_the_older(app, client, world):
    first = add_user(app)
    second = reset_link(app, "uusi")
    assert first != second
    assert_gone(client, first)
    assert set_password(client, second).status_code == 302


def test_inactive_user_link(app, client, world):
    path = add_user(app)
    with app.app_context():
        accounts.set_active("uusi", False)  # the CLI way
        db.session.remove()
    assert_gone(client, path)
    with app.app_context():
        accounts.set_active("uusi", True)
        db.session.remove()
    assert client.get(path).status_code == 404  # reactivating does not revive the link


def test_reset_ends_other_sessions_and_old_password(app, client, world):
    tablet = app.test_client()
    assert log_in(tablet, "aino").status_code == 302
    path = reset_link(app, "aino")
    assert "vanha salasanasi lakkaa toimimasta" in client.get(path).text.lower()
    assert log_in(app.test_client(), "aino").status_code == 302  # still works before the reset
    assert set_password(client, path).status_code == 302
    assert tablet.get("/").status_code == 302  # signed out
    with app.app_context():
        user_id = accounts.find_user("aino").id
        open_sessions = db.session.scalar(sa.select(sa.func.count(AuthSession.id)).where(
            AuthSession.user_id == user_id, AuthSession.ended_at.is_(None)))
        assert open_sessions == 1  # the one the link just began
    assert log_in(app.test_client(), "aino", PASSWORD).status_code == 400
    assert log_in(app.test_client(), "aino", NEW_PASSWORD).status_code == 302


def test_reset_keeps_the_second_factor(app, client, world):
    path = reset_link(app, "admin")
    response = set_password(client, path)
    assert response.headers["Location"] == "/login/code"
    assert client.get("/admin/users").status_code == 302  # not signed in yet


def test_new_admin_sets_up_the_second_factor_next(app, client, world):
    path = add_user(app, "uusi.admin", role="admin")
    assert set_password(client, path).status_code == 302
    assert client.get("/").headers["Location"] == "/account/two-factor"


def test_pin_is_offered_when_allowed(app, client, world):
    with app.app_context():
        site.set_pins_allowed(accounts.find_user("admin"), True)
        db.session.remove()
    path = add_user(app)
    response = set_password(client, path)
    assert response.headers["Location"] == "/account/pin"
    assert "Voit vielä asettaa PIN-koodin" in client.get("/account/pin").text
    # Not for a role that must use a second factor.
    admin_path = add_user(app, "toinen.admin", role=Role.ADMIN.value)
    other = app.test_client()
    assert set_password(other, admin_path).headers["Location"] == "/"


def test_link_attempts_are_rate_limited(app, client, world):
    app.config["RATELIMIT_ENABLED"] = True
    path = add_user(app)
    statuses = [client.get(f"/welcome/{'z' * 32}").status_code for _ in range(6)]
    assert statuses[:5] == [404] * 5
    assert statuses[5] == 429
    assert "Liian monta yritystä" in client.get(path).text
