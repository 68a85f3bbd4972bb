"""Sessions kept on the server: logout ends them, idle and absolute limits, the sessions page."""

import datetime as dt
import logging

import sqlalchemy as sa

from app.extensions import db
from app.models import AuthSession
from app.models.base import as_utc
from app.services import accounts
from tests.conftest import PASSWORD, log_in


def copy_cookies(source, target) -> None:
    """Give `target` the cookies of `source`, as an attacker with a copied cookie would."""
    for cookie in source._cookies.values():
        target.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)


def signed_in(client) -> bool:
    """Tell whether the client gets the board (200) rather than the login page (302)."""
    return client.get("/").status_code == 200


def session_rows(app, username: str) -> list[AuthSession]:
    """Every session row of a user."""
    with app.app_context():
        user_id = accounts.find_user(username).id
        rows = db.session.scalars(sa.select(AuthSession).where(AuthSession.user_id == user_id))
        rows = list(rows)
        db.session.expunge_all()
        db.session.remove()
    return rows


def age_session(app, username: str, **deltas: dt.timedelta) -> None:
    """Move a user's sessions back in time: last_seen_at and/or created_at."""
    with app.app_context():
        user_id = accounts.find_user(username).id
        values = {column: dt.datetime.now(dt.UTC) - delta for column, delta in deltas.items()}
        db.session.execute(
            sa.update(AuthSession).where(AuthSession.user_id == user_id).values(**values)
        )
        db.session.commit()
        db.session.remove()


def test_logout_ends_the_session_for_a_copied_cookie(app, client, auth, world):
    """A cookie copied before logout is worth nothing after it (the shared-tablet risk)."""
    auth.login("aino")
    thief = app.test_client()
    copy_cookies(client, thief)
    assert signed_in(thief)
    assert client.post("/logout").status_code == 302
    assert not signed_in(thief)
    assert not signed_in(client)
    (row,) = session_rows(app, "aino")
    assert row.ended_at is not None


def test_the_cookie_holds_a_random_token_and_the_table_only_its_hash(app, client, auth, world):
    """No user id in the cookie; the database cannot be replayed as a cookie."""
    auth.login("aino")
    with client.session_transaction() as session:
        token = session["_user_id"]
    (row,) = session_rows(app, "aino")
    assert len(token) >= 40 and not token.isdigit()
    assert row.token_hash != token and len(row.token_hash) == 64


def test_an_idle_session_ends_and_says_why(app, client, auth, world):
    """After SESSION_IDLE_MINUTES without a request the next one meets the login page."""
    auth.login("aino")
    age_session(app, "aino", last_seen_at=dt.timedelta(minutes=31))
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Sinut kirjattiin ulos" in page
    assert session_rows(app, "aino")[0].ended_at is not None


def test_a_used_session_ends_after_its_lifetime(app, client, auth, world):
    """However busy, a session ends SESSION_MAX_HOURS after login."""
    auth.login("aino")
    age_session(app, "aino", created_at=dt.timedelta(hours=12, minutes=1))
    assert not signed_in(client)


def test_use_keeps_a_session_alive(app, client, auth, world):
    """A request after 29 idle minutes counts as use: the clock starts again."""
    auth.login("aino")
    age_session(app, "aino", last_seen_at=dt.timedelta(minutes=29))
    assert signed_in(client)
    (row,) = session_rows(app, "aino")
    assert dt.datetime.now(dt.UTC) - as_utc(row.last_seen_at) < dt.timedelta(minutes=1)


def test_the_limits_are_settings(app_config, request):
    """SESSION_IDLE_MINUTES shortens the idle limit (the coming shared-tablet mode uses it)."""
    app_config["SESSION_IDLE_MINUTES"] = 5
    app = request.getfixturevalue("app")
    request.getfixturevalue("world")
    client = request.getfixturevalue("client")
    log_in(client, "aino")
    age_session(app, "aino", last_seen_at=dt.timedelta(minutes=6))
    assert not signed_in(client)


def test_the_sessions_page_lists_and_ends_sessions(app, world):
    """A user sees where they are signed in and ends one session, then all the others."""
    tablet, phone, laptop = (app.test_client() for _ in range(3))
    tablet.environ_base["HTTP_USER_AGENT"] = "Mozilla/5.0 (Linux; Android 14) Chrome/130"
    phone.environ_base["HTTP_USER_AGENT"] = "Mozilla/5.0 (iPhone) Safari/604.1"
    for client in (tablet, phone, laptop):
        log_in(client, "aino")
    page = laptop.get("/account/sessions").get_data(as_text=True)
    assert "Chrome, Android" in page and "Safari, iPhone" in page and "tämä laite" in page
    rows = {row.device: row.id for row in session_rows(app, "aino")}
    ended = laptop.post(f"/account/sessions/{rows['Chrome, Android']}/end")
    assert ended.status_code == 302
    assert not signed_in(tablet) and signed_in(phone) and signed_in(laptop)
    assert laptop.post("/account/sessions/end-others").status_code == 302
    assert not signed_in(phone) and signed_in(laptop)


def test_nobody_ends_someone_elses_session(app, world):
    """A session id of another user is as good as missing (404) and stays open."""
    kalle, aino = app.test_client(), app.test_client()
    log_in(kalle, "kalle")
    log_in(aino, "aino")
    (kalles,) = session_rows(app, "kalle")
    assert aino.post(f"/account/sessions/{kalles.id}/end").status_code == 404
    assert signed_in(kalle)


def test_an_admin_ends_a_users_sessions(app, world):
    """From the users page an admin signs a user out everywhere; the audit log says so."""
    admin, aino = app.test_client(), app.test_client()
    log_in(aino, "aino")
    log_in(admin, "admin")
    with app.app_context():
        aino_id = accounts.find_user("aino").id
        db.session.remove()
    assert admin.post(f"/admin/users/{aino_id}/sessions/end").status_code == 302
    assert not signed_in(aino)
    assert "lopetti käyttäjän kirjautumiset" in admin.get("/admin/audit").get_data(as_text=True)


def test_deactivation_and_a_new_password_end_every_session(app, world):
    """The session-version behaviour, now with rows: both end all sessions at once."""
    one, two = app.test_client(), app.test_client()
    log_in(one, "aino")
    log_in(two, "aino")
    with app.app_context():
        accounts.set_password("aino", "uusi-kesakeitto-7")
    assert not signed_in(one) and not signed_in(two)
    log_in(one, "aino", "uusi-kesakeitto-7")
    with app.app_context():
        accounts.set_active("aino", False)
        accounts.set_active("aino", True)
    assert not signed_in(one)


def test_changing_ones_password_keeps_this_session_and_ends_the_others(app, world):
    """The current password first; the new one passes the rules; other devices sign out."""
    here, there = app.test_client(), app.test_client()
    log_in(here, "aino")
    log_in(there, "aino")
    wrong = here.post("/account/password", data={
        "current": "väärä", "new": "kolme-sinista-kukkaa", "new_again": "kolme-sinista-kukkaa"})
    assert wrong.status_code == 400
    assert "Nykyinen salasana ei ole oikein." in wrong.get_data(as_text=True)
    weak = here.post("/account/password", data={
        "current": PASSWORD, "new": "salasana1234", "new_again": "salasana1234"})
    assert weak.status_code == 400 and "liian helppo" in weak.get_data(as_text=True)
    done = here.post("/account/password", data={
        "current": PASSWORD, "new": "kolme-sinista-kukkaa", "new_again": "kolme-sinista-kukkaa"})
    assert done.status_code == 302
    assert signed_in(here) and not signed_in(there)
    assert log_in(there, "aino", "kolme-sinista-kukkaa").status_code == 302


def test_an_old_short_password_still_works_once_then_must_change(app, client, world):
    """Passwords set before the 12-character rule log in, then lead to the change page only."""
    with app.app_context():
        user = accounts.find_user("aino")
        user.set_password("lyhyt7")  # as the old 8-character rule might have left it
        db.session.commit()
        db.session.remove()
    assert log_in(client, "aino", "lyhyt7").status_code == 302
    for path in ("/", "/deeds/new", "/account/sessions"):
        response = client.get(path)
        assert response.headers["Location"] == "/account/password", path
    page = client.get("/account/password").get_data(as_text=True)
    assert "ei enää täytä vaatimuksia" in page
    client.post("/account/password", data={
        "current": "lyhyt7", "new": "kolme-sinista-kukkaa", "new_again": "kolme-sinista-kukkaa"})
    assert signed_in(client)


def test_sign_in_events_are_logged_without_secrets(app, client, world, caplog):
    """Success, failure, lockout and logout: who, from where; never the password."""
    caplog.set_level(logging.INFO, logger="tekotaulu.auth")
    client.post("/login", data={"username": "aino", "password": "väärä-salasana-1"},
                environ_base={"REMOTE_ADDR": "10.1.2.3"})
    log_in(client, "aino", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    client.post("/logout", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    for _ in range(6):
        client.post("/login", data={"username": "kalle", "password": "väärä-salasana-1"},
                    environ_base={"REMOTE_ADDR": "10.1.2.4"})
    text = caplog.text
    assert "auth login_failed user=aino ip=10.1.2.3" in text
    assert "auth login user=aino ip=10.1.2.3" in text
    assert "auth logout user=aino ip=10.1.2.3" in text
    assert "auth lockout user=kalle ip=10.1.2.4" in text
    assert "väärä-salasana-1" not in text and PASSWORD not in text
