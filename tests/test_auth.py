"""Login, logout, first-run setup, CSRF on the login form, and the language choice."""

import re
from urllib.parse import urlsplit

import sqlalchemy as sa

from app.extensions import db
from app.models import Role, User
from app.services import accounts
from tests.conftest import PASSWORD

WRONG_LOGIN = "Väärä käyttäjätunnus tai salasana."


def location(response) -> str:
    """Return the path (and query) a redirect points to."""
    parts = urlsplit(response.headers["Location"])
    return parts.path + (f"?{parts.query}" if parts.query else "")


def logged_in_user_id(client) -> str | None:
    """Return the user id kept in the session, if any."""
    with client.session_transaction() as session:
        return session.get("_user_id")


def setup_form(**overrides) -> dict[str, str]:
    """A valid first-run form; override any field."""
    data = {
        "display_name": "Ylläpitäjä Ylle",
        "username": "ylle",
        "password": "hyva-salasana",
        "password2": "hyva-salasana",
    }
    data.update(overrides)
    return data


def test_login_and_logout(client, auth, world):
    """A right password logs in and shows the board; logging out closes it again."""
    response = auth.login("aino")
    assert response.status_code == 302
    assert location(response) == "/"
    assert logged_in_user_id(client) is not None

    board = client.get("/")
    assert board.status_code == 200
    assert "Aino" in board.get_data(as_text=True)

    response = auth.logout()
    assert location(response) == "/login"
    assert logged_in_user_id(client) is None
    assert location(client.get("/")).startswith("/login")
    assert "Olet kirjautunut ulos." in client.get("/login").get_data(as_text=True)


def test_username_is_case_insensitive(client, auth, world):
    """Tablets capitalise the first letter; the login still works."""
    assert location(auth.login("  Aino ")) == "/"


WRONG_LOGINS = [
    ("aino", "väärä-salasana", WRONG_LOGIN),
    ("nobody", PASSWORD, WRONG_LOGIN),  # same words: no hint whether the user exists
    ("aino", "", "Pakollinen."),
    ("a" * 65, PASSWORD, 'class="field-error"'),
]


def test_wrong_login_is_refused(client, auth, world):
    """A wrong login answers 400 with a Finnish message and starts no session."""
    for username, password, message in WRONG_LOGINS:
        response = auth.login(username, password)

        assert response.status_code == 400, username
        assert message in response.get_data(as_text=True), username
        assert logged_in_user_id(client) is None


def test_deactivated_user_cannot_log_in(app, client, auth, world):
    """A deactivated user is refused at login and loses a session already open."""
    assert location(auth.login("aino")) == "/"
    with app.app_context():
        accounts.set_active("aino", False)
        db.session.remove()

    assert location(client.get("/")).startswith("/login")
    response = auth.login("aino")
    assert response.status_code == 400
    assert WRONG_LOGIN in response.get_data(as_text=True)
    assert location(client.get("/")).startswith("/login")


FOREIGN_TARGETS = [
    "//evil.com",
    "https://evil.com/",
    "/\\evil.com",
    "http:evil.com",
    "javascript:alert(1)",
    "///evil.com",
]


def test_next_cannot_leave_the_site(client, world):
    """?next= only ever leads to a path on this site (no open redirect)."""
    for target in FOREIGN_TARGETS:
        response = client.post(
            "/login", query_string={"next": target}, data={"username": "aino", "password": PASSWORD}
        )
        assert response.status_code == 302, target
        assert response.headers["Location"] == "/", target
        client.post("/logout")


def test_next_within_the_site_is_followed(client, world):
    """After a login redirect, the user lands where they were going."""
    assert location(client.get("/deeds/new")) == "/login?next=/deeds/new"
    response = client.post(
        "/login?next=/deeds/new", data={"username": "aino", "password": PASSWORD}
    )
    assert location(response) == "/deeds/new"


def test_session_cookie_is_safe(client, auth, world):
    """The session cookie is HttpOnly and SameSite=Lax; no remember-me cookie on tablets."""
    response = auth.login()
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("session="))
    assert "HttpOnly" in session_cookie
    assert "SameSite=Lax" in session_cookie
    assert not any(c.startswith("remember_token=") for c in cookies)


def test_logged_in_user_is_sent_from_login_to_board(client, auth, world):
    """An open session skips the login form."""
    auth.login()
    assert location(client.get("/login")) == "/"


def test_first_run_goes_to_setup(client):
    """With no users at all, /login leads to /setup, which asks for the first admin."""
    response = client.get("/login")
    assert location(response) == "/setup"
    page = client.get("/setup")
    assert page.status_code == 200
    assert "Luo ensin ylläpitäjän tunnus" in page.get_data(as_text=True)


def test_setup_creates_first_admin_and_logs_in(app, client):
    """/setup creates an admin, logs them in, asks them to set up the second factor, and then
    disappears."""
    response = client.post("/setup", data=setup_form())
    assert response.status_code == 302
    assert location(response) == "/"

    board = client.get("/")
    assert location(board) == "/account/two-factor"  # admins must use an authenticator app
    page = client.get("/account/two-factor")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Tervetuloa! Ylläpitäjä on luotu." in html
    assert "Ylläpitäjä Ylle" in html and "QR-koodi" in html
    with app.app_context():
        users = db.session.scalars(sa.select(User)).all()
        assert [(u.username, u.role, u.display_name) for u in users] == [
            ("ylle", Role.ADMIN, "Ylläpitäjä Ylle")
        ]
        db.session.remove()

    assert client.get("/setup").status_code == 404
    assert client.post("/setup", data=setup_form(username="toinen")).status_code == 404
    client.post("/logout")
    assert client.get("/login").status_code == 200


def test_setup_is_gone_once_a_user_exists(client, world):
    """Nobody can create another admin through /setup on a running instance."""
    assert client.get("/setup").status_code == 404
    response = client.post("/setup", data=setup_form(username="hyokkaaja"))
    assert response.status_code == 404
    assert "Sivua ei löytynyt." in response.get_data(as_text=True)
    assert logged_in_user_id(client) is None


SETUP_ERRORS = [
    ({"password2": "eri-salasana"}, "Salasanat eivät täsmää."),
    ({"password": "lyhyt", "password2": "lyhyt"}, "8"),
    ({"username": "Huono Tunnus"}, "Käyttäjätunnuksessa pitää olla 2–64 merkkiä"),
    ({"username": "../../etc"}, "Käyttäjätunnuksessa pitää olla 2–64 merkkiä"),
    ({"display_name": ""}, 'class="field-error"'),
    ({"username": ""}, 'class="field-error"'),
    ({"display_name": "x" * 121}, 'class="field-error"'),
]


def test_setup_validation_errors(app, client):
    """Bad setup input answers 400 with the reason, and creates nobody."""
    for overrides, message in SETUP_ERRORS:
        response = client.post("/setup", data=setup_form(**overrides))

        assert response.status_code == 400, overrides
        html = response.get_data(as_text=True)
        assert message in html, overrides
        assert 'class="field-error"' in html
        assert logged_in_user_id(client) is None
    with app.app_context():
        assert not accounts.has_users()
        db.session.remove()
    assert client.get("/login").headers["Location"] == "/setup"


CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def test_login_with_csrf_enabled(app_config, request):
    """With CSRF on, a login without the token is refused; with the form's token it works."""
    app_config["WTF_CSRF_ENABLED"] = True
    request.getfixturevalue("world")
    client = request.getfixturevalue("client")
    credentials = {"username": "aino", "password": PASSWORD}

    refused = client.post("/login", data=credentials)
    assert refused.status_code == 400
    assert logged_in_user_id(client) is None
    assert location(client.get("/")).startswith("/login")

    forged = client.post("/login", data={**credentials, "csrf_token": "forged"})
    assert forged.status_code == 400
    assert logged_in_user_id(client) is None

    token = CSRF_FIELD.search(client.get("/login").get_data(as_text=True)).group(1)
    accepted = client.post("/login", data={**credentials, "csrf_token": token})
    assert accepted.status_code == 302
    assert logged_in_user_id(client) is not None
    assert client.get("/").status_code == 200


def test_logout_needs_csrf_token(app_config, request):
    """A cross-site page cannot log a tablet out: logout without the token is refused."""
    app_config["WTF_CSRF_ENABLED"] = True
    request.getfixturevalue("world")
    client = request.getfixturevalue("client")
    token = CSRF_FIELD.search(client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"username": "aino", "password": PASSWORD, "csrf_token": token})

    assert client.post("/logout").status_code == 400
    assert logged_in_user_id(client) is not None


def test_language_choice(client, world):
    """The language is kept in the session; unknown languages and foreign next= are refused."""
    response = client.post("/language", data={"lang": "sv", "next": "/login"})
    assert location(response) == "/login"
    with client.session_transaction() as session:
        assert session["lang"] == "sv"
    assert 'lang="sv"' in client.get("/login").get_data(as_text=True)

    assert client.post("/language", data={"lang": "xx"}).status_code == 400
    escaped = client.post("/language", data={"lang": "fi", "next": "//evil.com"})
    assert escaped.headers["Location"] == "/"


def test_language_survives_login(client, world):
    """Choosing a language before logging in keeps it after the fresh session starts."""
    client.post("/language", data={"lang": "en"})
    client.post("/login", data={"username": "aino", "password": PASSWORD})
    with client.session_transaction() as session:
        assert session["lang"] == "en"
        assert session["_user_id"]


def test_reactivation_does_not_revive_an_old_session(app, client, auth, world):
    auth.login("aino")
    assert client.get("/").status_code == 200
    with app.app_context():
        accounts.set_active("aino", False)
        accounts.set_active("aino", True)
    assert client.get("/").status_code == 302, "the tablet must log in again"
    auth.login("aino")
    assert client.get("/").status_code == 200


def test_new_password_ends_other_sessions(app, client, auth, world):
    auth.login("aino")
    with app.app_context():
        accounts.set_password("aino", "uusi-kesakeitto-7")
    assert client.get("/").status_code == 302
    assert auth.login("aino", "uusi-kesakeitto-7").status_code == 302
    assert client.get("/").status_code == 200
