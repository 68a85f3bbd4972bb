"""Finnish error pages for 400, 403, 404, 413, 429 and 500: no stack trace, and each one logged."""

import io
import logging
import re

import pytest

from tests.security_support import login

NO_TRACE = ("Traceback", "File \"", "werkzeug", "sqlalchemy", "Exception")


def boom():
    """A view that fails like a bug would."""
    raise RuntimeError("secret internals: password=hunter2")


@pytest.fixture
def app_with_bug(app):
    """The app with one route that raises (added before the first request)."""
    app.add_url_rule("/boom", "boom", boom)
    app.add_url_rule("/api/boom", "api_boom", boom)
    return app


def assert_error_page(response, status: int, message: str) -> None:
    """The status, the Finnish message, the way back, and nothing internal."""
    html = response.get_data(as_text=True)
    assert response.status_code == status
    assert message in html
    headline = re.search(r"<h1>(.*?)</h1>", html, re.S).group(1)
    assert message in headline  # the words are the headline, not the bare code
    assert str(status) not in headline
    assert f'<p class="error-code">Virhekoodi {status}</p>' in html
    assert "Takaisin taululle" in html
    for leak in NO_TRACE:
        assert leak not in html


def test_400(client, world, caplog):
    """Nonsense in a filter."""
    login(client, "aino")
    with caplog.at_level(logging.INFO):
        response = client.get("/?cursor=abc")
    assert_error_page(response, 400, "Rajaus ei kelpaa")
    assert "GET / -> 400" in caplog.text


def test_403(client, world, caplog):
    """An employee on an admin page."""
    login(client, "aino")
    with caplog.at_level(logging.WARNING):
        response = client.get("/admin/users")
    assert_error_page(response, 403, "Sinulla ei ole oikeutta tähän.")
    assert "GET /admin/users -> 403" in caplog.text


def test_404(client, world, caplog):
    """A page that does not exist, and JSON under /api/."""
    login(client, "aino")
    with caplog.at_level(logging.INFO):
        response = client.get("/ei-ole")
    assert_error_page(response, 404, "Sivua ei löytynyt.")
    assert "GET /ei-ole -> 404" in caplog.text
    api = client.get("/api/ei-ole")
    assert api.status_code == 404
    assert api.json == {"error": "Sivua ei löytynyt."}


@pytest.fixture
def small_limit_client(app_config, request):
    """A client of an app that takes at most 1 MB per request (built during setup, so the
    migrations' logging set-up runs before caplog starts capturing)."""
    app_config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    request.getfixturevalue("world")
    return request.getfixturevalue("client")


def test_413_body_too_large(small_limit_client, caplog):
    """A photo over the size limit says how large a photo may be."""
    client = small_limit_client
    login(client, "aino")
    with caplog.at_level(logging.INFO):
        response = client.post(
            "/deeds/new", data={"photo": (io.BytesIO(b"x" * 1_100_000), "k.jpg")}
        )
    response.request.environ["wsgi.input"].close()
    assert_error_page(response, 413, "Kuva on liian suuri (yli 1 Mt). Valitse pienempi kuva.")
    assert "POST /deeds/new -> 413" in caplog.text


def test_413_too_many_form_parts(client, world):
    """Too many form fields is not about the photo size, and says so."""
    login(client, "aino")
    data = {f"field{n}": "x" for n in range(1001)}
    response = client.post("/deeds/new", data=data, content_type="multipart/form-data")
    assert_error_page(response, 413, "Lomakkeessa on liian monta osaa.")


def test_429(client, world, caplog):
    """Too many wrong passwords."""
    with caplog.at_level(logging.WARNING):
        for _ in range(6):
            response = client.post("/login", data={"username": "aino", "password": "väärä"})
    assert_error_page(response, 429, "Liian monta yritystä.")
    assert "POST /login -> 429" in caplog.text


def test_500(app_with_bug, client, world, caplog):
    """A bug shows a calm page; the traceback goes to the log, never to the browser."""
    login(client, "aino")
    with caplog.at_level(logging.ERROR):
        response = client.get("/boom")
        api = client.get("/api/boom")
    assert_error_page(response, 500, "Jokin meni vikaan. Yritä hetken päästä uudelleen.")
    assert "hunter2" not in response.get_data(as_text=True)
    assert api.status_code == 500
    assert api.json == {"error": "Jokin meni vikaan. Yritä hetken päästä uudelleen."}
    assert "Unhandled error on /boom" in caplog.text
    assert "RuntimeError: secret internals" in caplog.text  # the log has the traceback


def test_500_when_the_error_page_itself_fails(app_with_bug, client, world, monkeypatch):
    """If even rendering the error page fails (database down), a plain Finnish text answers."""
    login(client, "aino")
    import app.web.errors as errors

    def broken(*args, **kwargs):
        raise RuntimeError("template broke")

    monkeypatch.setattr(errors, "render_template", broken)
    response = client.get("/boom")
    assert response.status_code == 500
    assert response.get_data(as_text=True) == errors.FALLBACK_500


WAITS = {
    "fi": "Liian monta yritystä. Yritä uudelleen noin %s minuutin kuluttua.",
    "sv": "För många försök. Försök igen om ungefär %s %s.",
    "en": "Too many attempts. Try again in about %s %s.",
}
UNITS = {"sv": ("minut", "minuter"), "en": ("minute", "minutes"), "fi": ()}
HINTS = {
    "fi": "Jos salasana on unohtunut, pyydä ylläpitäjää vaihtamaan se.",
    "sv": "Om du har glömt lösenordet, be administratören byta det.",
    "en": "If you have forgotten your password, ask the administrator to change it.",
}


def wait_words(lang: str, minutes: int) -> str:
    """The 429 sentence expected for this language and wait."""
    if lang == "fi":
        return WAITS[lang] % minutes
    return WAITS[lang] % (minutes, UNITS[lang][minutes != 1])


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
@pytest.mark.parametrize(("limit", "minutes"), [("5/minute", 1), ("3 per 10 minutes", 10)])
def test_429_says_in_words_when_to_try_again(app_config, request, lang, limit, minutes):
    """The wait comes from the limit that was hit, in words, on the page and in JSON; the
    headline is the sentence, not the code."""
    app_config["LOGIN_RATE_LIMIT"] = limit
    client = request.getfixturevalue("client")
    request.getfixturevalue("world")
    client.post("/language", data={"lang": lang, "next": "/login"})
    tries = int(limit.split("/")[0].split()[0])
    for _ in range(tries):
        assert client.post("/login", data={"username": "aino", "password": "x"}).status_code == 400
    page = client.post("/login", data={"username": "aino", "password": "x"})
    words = wait_words(lang, minutes)
    headline = re.search(r"<h1>(.*?)</h1>", page.get_data(as_text=True), re.S).group(1)
    assert page.status_code == 429
    assert words in headline and "429" not in headline
    assert HINTS[lang] in page.get_data(as_text=True)  # below the headline, on the page only
    assert (minutes - 1) * 60 < int(page.headers["Retry-After"]) <= minutes * 60

    answer = client.post(
        "/login", json={"username": "aino", "password": "x"},
        headers={"Accept": "application/json"},
    )
    assert answer.status_code == 429
    assert answer.json["error"] == words
    assert int(answer.headers["Retry-After"]) <= minutes * 60
