"""CSRF, sessions, fresh logins for admin pages, login limits, passwords, headers, inline code."""

import re
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from app import create_app
from app.extensions import db
from app.models import User
from app.services import accounts, two_factor
from app.services.errors import Refused
from app.web.errors import message_of
from app.web.guards import AUTH_AT
from tests.cluster_support import redis_reachable
from tests.conftest import PASSWORD
from tests.security_support import (
    build_matrix_world,
    csrf_token,
    login,
    make_deed,
    make_user,
    supervise,
)


@pytest.fixture
def csrf_app(app_config, request):
    """The app with CSRF protection on, as in production."""
    app_config["WTF_CSRF_ENABLED"] = True
    return request.getfixturevalue("app")


@pytest.fixture
def csrf_client(csrf_app):
    """A client of the CSRF-protected app."""
    return csrf_app.test_client()


def logged_in_user(client) -> str | None:
    """The user id in the client's session."""
    with client.session_transaction() as session:
        return session.get("_user_id")


def csrf_login(client, username="aino", password=PASSWORD):
    """Log in through the real forms, tokens included (and a recovery code if asked)."""
    token = csrf_token(client, "/login")
    response = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )
    if response.headers.get("Location") != "/login/code":
        return response
    with client.application.app_context():
        code = two_factor.regenerate_recovery_codes(accounts.find_user(username).id)[0]
        db.session.remove()
    token = csrf_token(client, "/login/code")
    return client.post("/login/code", data={"code": code, "csrf_token": token})


# --- CSRF -------------------------------------------------------------------------------------


def test_every_post_route_refuses_a_request_without_token(csrf_app, csrf_client, world):
    """Each state-changing route in the URL map answers 400 with a Finnish hint, token missing."""
    deed = make_deed(csrf_app, world.unit_id)
    assert csrf_login(csrf_client, "admin").status_code == 302
    posts = [
        rule for rule in csrf_app.url_map.iter_rules() if rule.methods & {"POST", "PUT", "DELETE"}
    ]
    assert len(posts) >= 8
    for rule in posts:
        path = re.sub(r"<int:\w+>", str(deed), rule.rule)
        response = csrf_client.post(path, data={"confirm": "y", "lang": "fi"})
        assert response.status_code == 400, rule.rule
        said = response.get_json()["error"] if response.is_json else response.get_data(as_text=True)
        assert "Päivitä sivu ja yritä uudelleen." in said, rule.rule
    assert logged_in_user(csrf_client) is not None  # the refused logout did not log out


def test_login_without_token_is_refused(csrf_client, world):
    """A login form without its token does not log in."""
    response = csrf_client.post("/login", data={"username": "aino", "password": PASSWORD})
    assert response.status_code == 400
    assert "Lomake on vanhentunut." in response.get_data(as_text=True)
    assert logged_in_user(csrf_client) is None


def test_page_exposes_token_for_scripts(csrf_app, csrf_client, world):
    """base.html puts the token in a meta tag; JSON requests send it as X-CSRFToken."""
    deed = make_deed(csrf_app, world.unit_id, "kalle")
    csrf_login(csrf_client)
    token = csrf_token(csrf_client, "/")
    json_headers = {"Accept": "application/json"}

    refused = csrf_client.post(f"/deeds/{deed}/thanks", headers=json_headers)
    accepted = csrf_client.post(
        f"/deeds/{deed}/thanks", headers={**json_headers, "X-CSRFToken": token}
    )

    assert refused.status_code == 400
    assert accepted.status_code == 200
    assert accepted.json == {"thanked": True, "thanks_count": 1, "thanks_label": "1 kiitos"}


def test_hide_needs_token_too(csrf_app, csrf_client, world):
    """Moderation is state-changing: without the token the deed stays on the board."""
    deed = make_deed(csrf_app, world.unit_id)
    supervise(csrf_app, world.unit_id, "riitta")
    csrf_login(csrf_client, "riitta")
    assert csrf_client.post(f"/deeds/{deed}/hide").status_code == 400
    token = csrf_token(csrf_client, f"/deeds/{deed}")
    hidden = csrf_client.post(f"/deeds/{deed}/hide", data={"csrf_token": token, "reason": "Syy"})
    assert hidden.status_code == 302
    assert "Tämä teko on piilotettu" in csrf_client.get(f"/deeds/{deed}").get_data(as_text=True)


# --- Sessions ---------------------------------------------------------------------------------


def test_session_cookie_flags(app_config, request):
    """HttpOnly, SameSite=Lax and (in production) Secure; no remember-me cookie."""
    app_config["SESSION_COOKIE_SECURE"] = True
    request.getfixturevalue("world")
    client = request.getfixturevalue("client")
    response = login(client, "aino")
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("__Host-session="))
    assert "HttpOnly" in session_cookie
    assert "SameSite=Lax" in session_cookie
    assert "Secure" in session_cookie
    assert "Path=/" in session_cookie and "Domain" not in session_cookie  # what __Host- needs
    assert not any(c.startswith("remember_token=") for c in cookies)


def test_secure_cookies_are_the_default(monkeypatch, tmp_path):
    """Unless TEKOTAULU_SECURE_COOKIES turns it off (plain http on a laptop), cookies are Secure."""
    settings = {"SECRET_KEY": "x", "UPLOAD_FOLDER": str(tmp_path)}
    monkeypatch.delenv("TEKOTAULU_SECURE_COOKIES", raising=False)
    assert create_app(settings).config["SESSION_COOKIE_SECURE"] is True
    monkeypatch.setenv("TEKOTAULU_SECURE_COOKIES", "0")
    assert create_app(settings).config["SESSION_COOKIE_SECURE"] is False


def test_login_starts_a_fresh_session(client, world):
    """Whatever was in the session before login is gone (no session fixation)."""
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
        session["_user_id"] = "999"
    login(client, "aino")
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] != "999"
        assert isinstance(session[AUTH_AT], int)


def test_logout_clears_everything(client, world):
    """After logout only the goodbye message is left in the session."""
    login(client, "aino")
    with client.session_transaction() as session:
        session["extra"] = "x"
    client.post("/logout")
    with client.session_transaction() as session:
        assert set(session.keys()) <= {"_flashes"}
    assert client.get("/").status_code == 302


def test_strong_session_protection(client, world):
    """A session cookie replayed from another browser (other user agent) is not logged in."""
    login(client, "aino")
    assert client.get("/").status_code == 200
    stolen = client.get("/", headers={"User-Agent": "Other browser"})
    assert stolen.status_code == 302
    assert "/login" in stolen.headers["Location"]


# --- Fresh login for admin pages --------------------------------------------------------------


def age_login(client, minutes: int) -> None:
    """Pretend the password was entered `minutes` ago."""
    with client.session_transaction() as session:
        session[AUTH_AT] = int(time.time()) - minutes * 60


def test_admin_pages_need_a_recent_password(client, world):
    """After 15 minutes the admin must type the password again, then lands where they were."""
    login(client, "admin")
    assert client.get("/admin/users").status_code == 200
    age_login(client, 16)

    response = client.get("/admin/users")
    assert response.status_code == 302
    assert response.headers["Location"] == "/reauth?next=/admin/users"
    page = client.get("/reauth?next=/admin/users").get_data(as_text=True)
    assert "Vahvista salasanasi" in page

    wrong = client.post("/reauth?next=/admin/users", data={"password": "väärä-salasana"})
    assert wrong.status_code == 400
    assert "Salasana ei ole oikein." in wrong.get_data(as_text=True)
    right = client.post("/reauth?next=/admin/users", data={"password": PASSWORD})
    assert right.headers["Location"] == "/admin/users"
    assert client.get("/admin/users").status_code == 200


def test_stale_login_cannot_erase(app, client, world):
    """A POST to erase with an old login is sent to the password page and erases nothing."""
    victim = make_user(app, "poistettava")
    login(client, "admin")
    age_login(client, 60)
    response = client.post(f"/admin/users/{victim}/erase", data={"confirm": "y"})
    assert response.headers["Location"] == f"/reauth?next=/admin/users/{victim}/erase"
    with app.app_context():
        assert db.session.get(User, victim) is not None


def test_reauth_does_not_redirect_off_site(client, world):
    """The next= parameter cannot send the user to another site."""
    login(client, "admin")
    response = client.post("/reauth?next=//evil.example/x", data={"password": PASSWORD})
    assert response.headers["Location"] == "/"


# --- Login rate limiting ----------------------------------------------------------------------


def fail_login(client, username="aino", ip="10.0.0.5"):
    """One wrong password from an IP address."""
    return client.post(
        "/login",
        data={"username": username, "password": "väärä-salasana"},
        environ_base={"REMOTE_ADDR": ip},
    )


def test_five_wrong_passwords_lock_that_username_on_that_ip(client, world):
    """The sixth try gets a Finnish 429 page, even with the right password."""
    for _ in range(5):
        assert fail_login(client).status_code == 400
    locked = client.post(
        "/login",
        data={"username": "aino", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.0.0.5"},
    )
    assert locked.status_code == 429
    assert "Liian monta yritystä" in locked.get_data(as_text=True)
    assert int(locked.headers["Retry-After"]) > 0
    assert logged_in_user(client) is None


def test_lock_is_per_username_and_ip(client, world):
    """Colleagues on the same tablet, and the same user elsewhere, can still log in."""
    for _ in range(5):
        fail_login(client)
    colleague = client.post(
        "/login",
        data={"username": "kalle", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.0.0.5"},
    )
    assert colleague.status_code == 302
    client.post("/logout")
    elsewhere = client.post(
        "/login",
        data={"username": "aino", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.0.0.6"},
    )
    assert elsewhere.status_code == 302


def test_successful_logins_do_not_count(client, world):
    """A shared tablet logs people in all day; only failures count against the limit."""
    for _ in range(8):
        assert login(client, "aino").status_code == 302
        client.post("/logout")


def test_one_ip_cannot_guess_many_usernames(app_config, request):
    """A looser limit per IP stops trying one password against every username."""
    app_config["LOGIN_IP_RATE_LIMIT"] = "3/hour"
    request.getfixturevalue("world")
    client = request.getfixturevalue("client")
    for name in ("a1", "a2", "a3"):
        assert fail_login(client, name).status_code == 400
    assert fail_login(client, "a4").status_code == 429
    assert fail_login(client, "a4", ip="10.0.0.9").status_code == 400


def test_reauth_is_rate_limited(client, world):
    """Guessing the password on the re-entry page is limited like the login."""
    login(client, "admin")
    for _ in range(5):
        assert client.post("/reauth", data={"password": "väärä"}).status_code == 400
    assert client.post("/reauth", data={"password": PASSWORD}).status_code == 429


@pytest.mark.skipif(not redis_reachable(), reason="no Redis server on 127.0.0.1:6379")
def test_limits_can_live_in_redis(app_config, request):
    """TEKOTAULU_RATELIMIT_STORAGE_URI=redis://... shares limits between app servers."""
    app_config["RATELIMIT_STORAGE_URI"] = "redis://127.0.0.1:6379"
    # Redis outlives the test run: a fresh prefix keeps earlier runs' per-IP counts out.
    app_config["RATELIMIT_KEY_PREFIX"] = f"test-{uuid.uuid4().hex}"
    request.getfixturevalue("world")
    first = request.getfixturevalue("app").test_client()
    second = request.getfixturevalue("app").test_client()  # as if another server
    name = f"redis-{uuid.uuid4().hex[:12]}"
    for client in (first, second, first, second, first):
        assert fail_login(client, name).status_code == 400
    assert fail_login(second, name).status_code == 429


# --- Passwords --------------------------------------------------------------------------------


@pytest.mark.real_password_hashing
def test_passwords_are_hashed_with_scrypt_at_owasps_parameters(app):
    """scrypt with N=2^17, r=8, p=1 (OWASP's recommendation); never the password itself."""
    with app.app_context():
        accounts.create_user("aino", PASSWORD)
        stored = db.session.scalar(sa.select(User.password_hash).where(User.username == "aino"))
    assert stored.startswith("scrypt:131072:8:1$")
    assert PASSWORD not in stored


@pytest.mark.real_password_hashing
def test_an_older_hash_is_made_again_at_login(app, client):
    """A hash with weaker parameters (werkzeug's old scrypt default) is upgraded at login."""
    with app.app_context():
        user = accounts.create_user("aino", PASSWORD)
        user.password_hash = generate_password_hash(PASSWORD, method="scrypt:32768:8:1")
        db.session.commit()
        db.session.remove()
    assert login(client, "aino").status_code == 302
    with app.app_context():
        stored = db.session.scalar(sa.select(User.password_hash).where(User.username == "aino"))
        db.session.remove()
    assert stored.startswith("scrypt:131072:8:1$")


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ("liisa", "lyhyt", "vähintään 12 merkkiä"),
        ("liisa", "kissakissa12", "liian helppo"),  # 12 characters, still a guess away
        ("liisa", "liisa1234567", "käyttäjätunnusta"),
        ("liisa", "LIISA-LIISA-LIISA", "käyttäjätunnusta"),
        ("liisa", "salasana1234", "liian helppo"),
        ("liisa", "Password1234", "liian helppo"),
        ("liisa", "123456789012", "liian helppo"),
        ("liisa", "aaaaaaaaaaaa", "liian helppo"),
        ("liisa", "qwertyuiopasdf", "liian helppo"),  # a keyboard row (zxcvbn)
        ("liisa", "Tekotaulu2026", "liian helppo"),  # the app's own name and a year
        ("liisa", "x" * 300, "liian pitkä"),
    ],
)
def test_weak_passwords_are_refused(app, username, password, message):
    """Rules that fit non-IT staff: 12 characters, not the username, not a guessable one."""
    with app.test_request_context(), pytest.raises(Refused) as refused:
        accounts.create_user(username, password)
    with app.test_request_context():
        assert message in message_of(refused.value)


def test_a_plain_long_phrase_is_fine(app):
    """A few words are a good password and are accepted."""
    with app.app_context():
        assert accounts.create_user("liisa", "pullaa ja kahvia").id


def test_setup_refuses_a_common_password(client):
    """The first admin gets the same rules, with the message on the form."""
    form = {"display_name": "Ylle", "username": "ylle", "password": "salasana1234",
            "password2": "salasana1234"}
    response = client.post("/setup", data=form)
    assert response.status_code == 400
    assert "liian helppo" in response.get_data(as_text=True)


def test_set_password_command(app, runner, world):
    """An admin can give a user a new password from the command line."""
    result = runner.invoke(args=["user", "set-password", "aino", "--password-stdin"],
                           input="uusi pitkä salasana\n")
    assert result.exit_code == 0, result.output
    weak = runner.invoke(args=["user", "set-password", "aino", "--password-stdin"],
                         input="salasana\n")
    assert weak.exit_code != 0
    with app.app_context():
        assert accounts.authenticate("aino", "uusi pitkä salasana") is not None


# --- Headers and inline code ------------------------------------------------------------------


def assert_security_headers(response, path: str) -> None:
    """The headers every response carries."""
    csp = response.headers.get("Content-Security-Policy", "")
    assert "default-src 'self'" in csp, path
    assert "frame-ancestors 'none'" in csp, path
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, path
    assert response.headers["X-Content-Type-Options"] == "nosniff", path
    # A one-time link's page sends no referrer at all.
    expected = "no-referrer" if path.startswith("/welcome/") else "same-origin"
    assert response.headers["Referrer-Policy"] == expected, path
    assert response.headers["X-Frame-Options"] == "DENY", path


@pytest.fixture
def matrix_world(app, world):
    """Deeds in every state, supervisors and a victim user (see tests/test_authz.py)."""
    return build_matrix_world(app, world)


def admin_get_pages(app, ids) -> list[str]:
    """Every GET route filled with real ids, as the authorization matrix uses them."""
    from tests.test_authz import MATRIX

    return [c.path.format(**ids) for c in MATRIX if c.method == "GET" and c.endpoint != "static"]


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "<style> element"),
    (re.compile(r"\sstyle\s*=", re.I), "style= attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "on...= event handler"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def closed(response):
    """The response, its body read and closed (as a WSGI server does after sending it)."""
    response.get_data()
    response.close()
    return response


def test_every_page_has_headers_and_no_inline_code(app, client, matrix_world):
    """Render every GET page as admin (and the public ones anonymously): CSP-clean HTML."""
    anonymous = [client.get("/login"), client.get("/privacy"), client.get("/nothing-here"),
                 client.get("/api/deeds")]
    login(client, "admin")
    pages = admin_get_pages(app, matrix_world) + ["/nothing-here", "/?unit=abc"]
    # Closed one by one: a streamed export's generator must end before the next request.
    responses = anonymous + [closed(client.get(path)) for path in pages]
    checked = 0
    for response in responses:
        response.close()
        path = response.request.path
        assert_security_headers(response, path)
        if response.mimetype == "text/html":
            checked += 1
            html = response.get_data(as_text=True)
            for pattern, what in INLINE:
                assert not pattern.search(html), f"{what} on {path}"
            assert response.headers["Cache-Control"] == "no-store", path
    assert checked >= 12


def test_static_files_and_photos_have_headers(app, client, world):
    """Photos carry a fixed image type, nosniff and private caching."""
    deed = make_deed(app, world.unit_id)
    login(client, "aino")
    html = client.get(f"/deeds/{deed}").get_data(as_text=True)
    photo_path = re.search(r'src="(/photos/[^"]+)"', html).group(1)
    photo = client.get(photo_path)
    css = client.get("/static/css/app.css")
    for response in (photo, css):
        response.close()
        assert_security_headers(response, response.request.path)
    assert photo.mimetype == "image/webp"
    assert "private" in photo.headers["Cache-Control"]


def test_hsts_only_over_https(client, world):
    """HSTS is sent when the request came over HTTPS, never over plain http."""
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = client.get("/login", base_url="https://tekotaulu.example")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def test_trusted_proxy_sets_scheme_and_client_address(app_config, request):
    """Behind one proxy, X-Forwarded-Proto turns on HSTS and X-Forwarded-For keys the limits."""
    app_config["TRUSTED_PROXIES"] = 1
    request.getfixturevalue("world")
    client = request.getfixturevalue("client")
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "192.0.2.7"}
    assert "Strict-Transport-Security" in client.get("/login", headers=headers).headers

    def attempt(client_ip: str, password: str = "väärä-salasana"):
        form = {"username": "aino", "password": password}
        return client.post("/login", data=form, headers={"X-Forwarded-For": client_ip})

    for _ in range(5):
        assert attempt("192.0.2.7").status_code == 400
    assert attempt("192.0.2.7", PASSWORD).status_code == 429
    assert attempt("192.0.2.8", PASSWORD).status_code == 302  # another client, same proxy


TRUSTED = "tekotaulu.example.fi"


@pytest.fixture
def trusted_client(monkeypatch, request):
    """A logged-in client of an app started with TEKOTAULU_TRUSTED_HOSTS set, as in production."""
    monkeypatch.setenv("TEKOTAULU_TRUSTED_HOSTS", f"{TRUSTED}, .intra.example")
    request.getfixturevalue("world")
    client = request.getfixturevalue("client")
    response = client.post("/login", data={"username": "aino", "password": PASSWORD},
                           headers={"Host": TRUSTED})
    assert response.status_code == 302
    return client


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/"), ("GET", "/deeds//1"), ("GET", "//"), ("GET", "/login"), ("POST", "/login"),
     ("GET", "/privacy"), ("GET", "/static/css/app.css"), ("GET", "/healthz"),
     ("GET", "/api/deeds"), ("GET", "/no-such-page")],
)
def test_another_host_gets_a_400_never_a_redirect_to_it(trusted_client, method, path):
    """`Host: evil.com` is refused with the Finnish error page; no Location, no echo of it."""
    response = trusted_client.open(path, method=method, headers={"Host": "evil.com"})
    assert response.status_code == 400
    assert "Location" not in response.headers
    body = response.get_data(as_text=True)
    assert "evil.com" not in body
    if path.startswith("/api/"):
        assert response.json["error"]
    else:
        assert "Tiedoissa oli jotain vikaa." in body
        assert '<html lang="fi">' in body
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_trusted_hosts_are_served_as_before(trusted_client):
    """The named host, subdomains of a .name, and a port on either, answer normally."""
    assert trusted_client.get("/", headers={"Host": TRUSTED}).status_code == 200
    for host in (TRUSTED, f"{TRUSTED}:8443", "taulu.intra.example", "TAULU.intra.example"):
        assert trusted_client.get("/healthz", headers={"Host": host}).status_code == 200, host
    merged = trusted_client.get("/deeds//1", headers={"Host": TRUSTED})
    assert merged.headers["Location"].startswith(f"http://{TRUSTED}/deeds/1")


def test_without_trusted_hosts_any_host_answers(client, world, monkeypatch):
    """Empty (the default, for scripts/run.sh on 127.0.0.1): every host is served, as before."""
    monkeypatch.delenv("TEKOTAULU_TRUSTED_HOSTS", raising=False)
    assert client.get("/login", headers={"Host": "127.0.0.1:5000"}).status_code == 200
    assert client.get("/login", headers={"Host": "anything.example"}).status_code == 200


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("", None), (" Taulu.Example.fi , .example.fi ,", ["taulu.example.fi", ".example.fi"]),
     ("localhost,127.0.0.1", ["localhost", "127.0.0.1"])],
)
def test_trusted_hosts_setting(monkeypatch, tmp_path, raw, expected):
    """Comma-separated names, spaces and case ignored; empty means any host."""
    monkeypatch.setenv("TEKOTAULU_TRUSTED_HOSTS", raw)
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "UPLOAD_FOLDER": str(tmp_path)})
    assert app.config["TRUSTED_HOSTS"] == expected


@pytest.mark.parametrize("raw", ["https://taulu.example.fi", "taulu.example.fi:443", "a b"])
def test_a_trusted_host_that_is_not_a_name_stops_the_start(monkeypatch, tmp_path, raw):
    """A URL or a port instead of a name is a mistake worth stopping for."""
    monkeypatch.setenv("TEKOTAULU_TRUSTED_HOSTS", raw)
    with pytest.raises(ValueError, match="TEKOTAULU_TRUSTED_HOSTS"):
        create_app({"TESTING": True, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                    "UPLOAD_FOLDER": str(tmp_path)})


def test_no_template_has_inline_code():
    """Every template, rendered or not: scripts and styles come from files only (CSP)."""
    root = Path(__file__).parent.parent / "templates"
    templates = sorted(root.rglob("*.html"))
    assert len(templates) >= 15
    for template in templates:
        text = template.read_text()
        for pattern, what in INLINE:
            assert not pattern.search(text), f"{what} in {template.relative_to(root)}"
