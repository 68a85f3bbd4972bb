"""A demo instance says so on every page; whether it is one is decided once, at create_app."""

import pytest
from flask import Flask

from app import configure
from tests.conftest import log_in

BANNER = "Esittelyversio: käyttäjät ja teot ovat keksittyjä."
TRANSLATED = {
    "sv": "Demoversion: användarna och gärningarna är påhittade.",
    "en": "Demo version: the users and deeds are made up.",
}


@pytest.fixture
def demo_config(app_config, tmp_path):
    """Settings of an instance that holds demo data (its logins file exists)."""
    logins = tmp_path / "demo-logins.txt"
    logins.write_text("admin\tk7qm-3vxa-pt9d-wnh4\tadmin\n")
    app_config["DEMO_LOGINS_FILE"] = str(logins)
    return app_config


def banners(html: str) -> int:
    """How many demo banners a page shows."""
    return html.count('class="demo-banner"')


def test_every_page_of_a_demo_instance_shows_the_banner(demo_config, request):
    """Login, privacy, error pages and, once logged in, the board and the forms."""
    request.getfixturevalue("world")
    client = request.getfixturevalue("client")
    anonymous = [client.get("/login"), client.get("/privacy")]
    log_in(client, "admin")
    pages = anonymous + [client.get(path) for path in ("/", "/deeds/new", "/admin/audit",
                                                       "/no-such-page")]
    for response in pages:
        assert response.status_code in (200, 404), response.request.path
        html = response.get_data(as_text=True)
        assert banners(html) == 1, response.request.path
        assert BANNER in html


def test_no_banner_without_demo_data(client, auth, world):
    """A real instance (no demo logins file) shows no banner."""
    assert banners(client.get("/login").get_data(as_text=True)) == 0
    auth.login()
    assert banners(client.get("/").get_data(as_text=True)) == 0


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_banner_is_translated(demo_config, request, lang):
    """Swedish and English pages say it in their language."""
    request.getfixturevalue("world")
    client = request.getfixturevalue("client")
    client.post("/language", data={"lang": lang, "next": "/login"})
    html = client.get("/login").get_data(as_text=True)
    assert TRANSLATED[lang] in html
    assert BANNER not in html


def test_flask_demo_turns_the_banner_on(app_config, tmp_path, request):
    """Filling an empty instance makes it a demo one at once, in the running app too."""
    app_config["DEMO_LOGINS_FILE"] = str(tmp_path / "demo-logins.txt")
    app = request.getfixturevalue("app")
    client = app.test_client()
    before = client.get("/setup")  # no user yet: the first admin's page
    assert before.status_code == 200
    assert banners(before.get_data(as_text=True)) == 0
    result = app.test_cli_runner().invoke(args=["demo", "--deeds", "0"])
    assert result.exit_code == 0, result.output
    after = client.get("/login")
    assert after.status_code == 200
    assert banners(after.get_data(as_text=True)) == 1


def test_decided_at_start_not_per_request(demo_config, tmp_path, request):
    """The file is looked at once, when the app is made: pages never touch the disk for it."""
    request.getfixturevalue("world")
    client = request.getfixturevalue("client")
    (tmp_path / "demo-logins.txt").unlink()
    assert banners(client.get("/login").get_data(as_text=True)) == 1


def bare_flask(folder) -> Flask:
    """A Flask object with its own instance folder, to run configure() on alone."""
    return Flask("app", instance_path=str(folder), instance_relative_config=True)


def test_the_instance_folder_logins_file_marks_a_demo_instance(tmp_path, monkeypatch):
    """A real start reads instance/demo-logins.txt; a test mapping never does (unless it names
    DEMO_LOGINS_FILE), so a developer's demo instance cannot leak into the tests."""
    monkeypatch.setenv("TEKOTAULU_SECRET_KEY", "test")
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    folder = tmp_path / "instance"
    plain = bare_flask(folder)
    configure(plain, None)
    assert plain.config["DEMO_INSTANCE"] is False
    assert plain.config["DEMO_LOGINS_FILE"] == str(folder / "demo-logins.txt")

    (folder / "demo-logins.txt").write_text("admin\tk7qm-3vxa-pt9d-wnh4\tadmin\n")
    demo = bare_flask(folder)
    configure(demo, None)
    assert demo.config["DEMO_INSTANCE"] is True

    tested = bare_flask(folder)
    configure(tested, {"SECRET_KEY": "test"})
    assert tested.config["DEMO_INSTANCE"] is False
    assert tested.config["DEMO_LOGINS_FILE"] == ""
