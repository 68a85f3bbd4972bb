"""A demo instance says so on every page; whether it is one is decided once, at create_app."""

import pytest
from flask import Flask

from app import configure
from tests.conftest import log_in
from tests.review_support import HIDE

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


def demo_with_logins(app_config, tmp_path, request, deeds: int = 12):
    """Run `flask demo` in an empty instance; return the app and each user's password."""
    app_config["DEMO_LOGINS_FILE"] = str(tmp_path / "demo-logins.txt")
    app = request.getfixturevalue("app")
    result = app.test_cli_runner().invoke(args=["demo", "--deeds", str(deeds)])
    assert result.exit_code == 0, result.output
    from app.services import demo

    logins = {x.username: x.password for x in demo.read_logins(app_config["DEMO_LOGINS_FILE"])}
    return app, logins


def test_demo_supervisors_answer_for_units_and_see_hide_buttons(app_config, tmp_path, request):
    """After `flask demo` the supervisor esihenkilo can hide the deeds of Juva and Rantasalmi
    at once, and the second supervisor those of Sulkava; neither can hide the other's."""
    import sqlalchemy as sa

    from app.extensions import db
    from app.models import Deed, Unit
    from app.services import demo, moderation

    app, logins = demo_with_logins(app_config, tmp_path, request)
    with app.app_context():
        pairs = {(unit.name, user.username) for unit, user in moderation.supervisions()}
        towns = dict(db.session.execute(
            sa.select(Deed.id, Unit.name).join(Unit, Unit.id == Deed.unit_id)).all())
        db.session.remove()
    expected = {(demo.UNITS[i][0], name) for name, units in demo.SUPERVISES.items()
                for i in units}
    assert pairs == expected
    assert {name for name, _ in pairs} == {name for name, _ in demo.UNITS}  # every unit
    own = {demo.UNITS[i][0] for i in demo.SUPERVISES["esihenkilo"]}
    client = app.test_client()
    assert log_in(client, "esihenkilo", logins["esihenkilo"]).status_code == 302
    seen = {"own": 0, "other": 0}
    for deed_id, unit_name in towns.items():
        page = client.get(f"/deeds/{deed_id}").get_data(as_text=True)
        kind = "own" if unit_name in own else "other"
        assert ("Piilota taululta" in page) == (kind == "own"), unit_name
        seen[kind] += 1
    assert seen["own"] > 0 and seen["other"] > 0
    own_deed = next(d for d, name in towns.items() if name in own)
    other_deed = next(d for d, name in towns.items() if name not in own)
    assert client.post(f"/deeds/{own_deed}/hide", data=HIDE).status_code == 302
    assert client.post(f"/deeds/{other_deed}/hide", data=HIDE).status_code == 403


def test_demo_thanks_and_comments_keep_their_counts(app_config, tmp_path, request):
    """Demo deeds come thanked and commented, and every count matches its rows."""
    import sqlalchemy as sa

    from app.extensions import db
    from app.models import Comment, Deed, Thanks

    app, _ = demo_with_logins(app_config, tmp_path, request, deeds=20)
    with app.app_context():
        deeds = db.session.scalars(sa.select(Deed)).all()
        thanks = dict(db.session.execute(
            sa.select(Thanks.deed_id, sa.func.count()).group_by(Thanks.deed_id)).all())
        comments = dict(db.session.execute(
            sa.select(Comment.deed_id, sa.func.count()).group_by(Comment.deed_id)).all())
        authors_thanking_themselves = db.session.scalar(
            sa.select(sa.func.count()).select_from(Thanks).join(Deed, Deed.id == Thanks.deed_id)
            .where(Thanks.user_id == Deed.author_id))
        for deed in deeds:
            assert deed.thanks_count == thanks.get(deed.id, 0)
            assert deed.comment_count == comments.get(deed.id, 0)
        db.session.remove()
    assert sum(thanks.values()) > 0 and sum(comments.values()) > 0
    assert authors_thanking_themselves == 0
