"""Nothing is public but the login, the privacy notice and a health check: every other route
and every photo needs a login; security headers everywhere."""

import io
import re
import tempfile
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from app import create_app
from app.extensions import db
from app.models import Rendition
from app.web.security import PUBLIC_ENDPOINTS
from tests.conftest import deed_form
from tests.imagegen import photo_like

# The only endpoints an anonymous visitor may reach. Adding to this set is a security decision.
EXPECTED_PUBLIC = {
    "auth.login", "auth.second_factor", "auth.setup", "auth.set_language", "static",
    "pages.health", "pages.privacy",
    # Whether the database and storage work, for the proxy: names a broken part, no details.
    "pages.ready",
    # A one-time link's page: it answers only to a valid token (tests/test_access_links.py).
    "auth.welcome",
    # A PIN sign-in: it answers only on a set-up shared tablet (tests/test_shared_tablet.py).
    "auth.pin_login",
    # The service worker's code, public like /static/ (an update check may come signed out).
    "pages.service_worker",
    # A projection link's pages: they answer only to a valid signed link (tests/test_authz.py).
    "projection.link_show", "projection.link_live", "projection.link_qr", "projection.link_photo",
}
# Past the gate, but only for someone between password and code: anyone else goes to /login.
PENDING_ONLY = {"auth.second_factor"}

# A value for each URL converter, so every rule can be built without real data.
DUMMY_VALUES = {"int": 1, "path": "photos/ab/abc.webp", "default": "x"}
ARGUMENT = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def rule_args(rule) -> dict[str, object]:
    """Return a dummy value for each argument in the rule, by converter type."""
    found = ARGUMENT.findall(rule.rule)
    return {name: DUMMY_VALUES.get(conv or "default", "x") for conv, name in found}


def route_cases(app) -> list[tuple[str, str, str]]:
    """Return (endpoint, method, url) for every rule and method other than HEAD/OPTIONS."""
    adapter = app.url_map.bind("localhost")
    cases = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            url = adapter.build(rule.endpoint, rule_args(rule), method=method)
            cases.append((rule.endpoint, method, url))
    return cases


def _collection_app():
    """An app built only to read its URL map at collection time (never connects)."""
    folder = tempfile.gettempdir()
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "collect",
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "UPLOAD_FOLDER": folder,
        }
    )


PROTECTED_CASES = [
    case for case in route_cases(_collection_app()) if case[0] not in EXPECTED_PUBLIC
]


def login_redirect(response) -> str | None:
    """Return the ?next= of a redirect to the login page, or None if it is not one."""
    if response.status_code not in (302, 303):
        return None
    location = urlsplit(response.headers["Location"])
    if location.path != "/login":
        return None
    return parse_qs(location.query).get("next", [""])[0]


def refused_to_anonymous(url: str, response) -> bool:
    """Tell whether an anonymous request was turned away the way its kind of route should be."""
    if url.startswith("/api/"):
        return response.status_code == 401 and response.is_json and response.json["error"]
    return login_redirect(response) is not None


def test_protected_cases_were_collected():
    """The walk covers the real routes (a broken enumeration would pass vacuously)."""
    endpoints = {endpoint for endpoint, _method, _url in PROTECTED_CASES}
    assert {"board.index", "deeds.new", "deeds.show", "deeds.photo", "api.deeds"} <= endpoints


@pytest.mark.parametrize(
    ("endpoint", "method", "url"),
    PROTECTED_CASES,
    ids=[f"{method} {url}" for _endpoint, method, url in PROTECTED_CASES],
)
def test_anonymous_is_refused(client, endpoint, method, url):
    """Every non-public route sends anonymous users to /login (HTML) or answers 401 (API)."""
    response = client.open(url, method=method)

    if url.startswith("/api/"):
        assert response.status_code == 401
        assert response.json == {"error": "Kirjaudu ensin sisään."}
    else:
        assert login_redirect(response) == url


def test_public_endpoints_are_exactly_the_expected_ones(app, client, world):
    """Walk the real URL map anonymously: only login, setup, language, static, health, the
    privacy notice and a projection link's pages answer (the link's with a 404 for a made-up
    link: nothing more without a real one)."""
    reachable = {
        endpoint
        for endpoint, method, url in route_cases(app)
        if not refused_to_anonymous(url, client.open(url, method=method))
    }

    assert reachable | PENDING_ONLY == EXPECTED_PUBLIC
    assert set(PUBLIC_ENDPOINTS) == EXPECTED_PUBLIC
    for endpoint in PENDING_ONLY:
        response = client.get(app.url_map.bind("localhost").build(endpoint))
        assert response.status_code == 302 and response.headers["Location"] == "/login"


def test_unknown_url_is_refused_to_anonymous(client):
    """Even a 404 does not tell an anonymous visitor which URLs exist."""
    assert login_redirect(client.get("/no-such-page")) == "/no-such-page"
    assert client.get("/api/no-such-thing").status_code == 401


def stored_rendition_key(app) -> str:
    """Return the key of one stored rendition."""
    with app.app_context():
        key = db.session.scalars(sa.select(Rendition.key)).first()
        db.session.remove()
    return key


def test_photo_needs_login(app, client, auth, world):
    """A real stored rendition is served privately to a logged-in user and refused otherwise."""
    auth.login()
    photo = (io.BytesIO(photo_like(64, 48)), "kuva.jpg")
    assert client.post("/deeds/new", data=deed_form(world.unit_id, photo=photo)).status_code == 302
    url = f"/photos/{stored_rendition_key(app)}"

    served = client.get(url)
    body = served.get_data()
    served.close()
    assert served.status_code == 200
    assert served.mimetype == "image/webp"
    assert body[:4] == b"RIFF" and body[8:12] == b"WEBP"
    assert "private" in served.headers["Cache-Control"]
    assert "public" not in served.headers["Cache-Control"]
    assert served.headers["X-Content-Type-Options"] == "nosniff"

    auth.logout()
    refused = client.get(url)
    assert login_redirect(refused) == url
    assert b"RIFF" not in refused.get_data()


def test_unknown_photo_key_is_404_when_logged_in(client, auth, world):
    """A key with no rendition row is not served, even if a file happened to exist."""
    auth.login()
    assert client.get("/photos/photos/ab/abc.webp").status_code == 404


def assert_security_headers(response) -> None:
    """CSP without inline script or style, nosniff and no framing."""
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def assert_no_inline_code(html: str) -> None:
    """The pages work under the CSP: no inline scripts, event handlers or style attributes."""
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert re.findall(r"\son[a-z]+\s*=", html) == []
    assert re.findall(r"\sstyle\s*=", html) == []


def test_security_headers_on_pages_and_errors(client, auth, world):
    """Login page, board, deed form and an error page all carry the headers."""
    login_page = client.get("/login")
    assert_security_headers(login_page)
    assert_no_inline_code(login_page.get_data(as_text=True))

    auth.login()
    for url in ("/", "/deeds/new"):
        page = client.get(url)
        assert page.status_code == 200
        assert_security_headers(page)
        assert_no_inline_code(page.get_data(as_text=True))

    missing = client.get("/deeds/999999")
    assert missing.status_code == 404
    assert_security_headers(missing)


def test_security_headers_on_api_refusal(client):
    """JSON answers carry the headers too."""
    response = client.get("/api/deeds")
    assert response.status_code == 401
    assert_security_headers(response)


def test_health_check_says_ok_and_nothing_else(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok"
    assert "no-store" in response.headers["Cache-Control"]
