"""flask commands: users, units, demo data and the storage check."""

import datetime as dt
import io
import os
import re
import stat
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import create_app
from app.extensions import db
from app.models import CustomerType, Deed, Rendition, Role, Unit, User
from app.services import accounts, deeds, workshops
from tests.conftest import BASE_CONFIG, PASSWORD, drop_database, new_database
from tests.imagegen import photo_like

NEW_PASSWORD = "uusi-salasana-9"
README = Path(__file__).resolve().parent.parent / "README.md"


def create_user(runner, username: str, password: str = NEW_PASSWORD, *options: str):
    """Run `flask user create USERNAME ... --password-stdin` with the password on stdin."""
    return runner.invoke(
        args=["user", "create", username, *options, "--password-stdin"], input=f"{password}\n"
    )


def login(client, username: str, password: str):
    """Log in through the form; return the response."""
    return client.post("/login", data={"username": username, "password": password})


def count(app, model) -> int:
    """Count the rows of a model."""
    with app.app_context():
        total = db.session.scalar(sa.select(sa.func.count()).select_from(model))
        db.session.remove()
    return total


def test_user_create_then_login(app, runner, client):
    """A user made on the command line can log in through the web form."""
    result = create_user(
        runner, "sanna", NEW_PASSWORD, "--role", "supervisor", "--display-name", "Sanna Sävel"
    )

    assert result.exit_code == 0, result.output
    assert "Created supervisor sanna" in result.output
    with app.app_context():
        user = accounts.find_user("sanna")
        assert (user.role, user.display_name, user.active) == (Role.SUPERVISOR, "Sanna Sävel", True)
        assert user.password_hash != NEW_PASSWORD
        db.session.remove()
    response = login(client, "sanna", NEW_PASSWORD)
    assert response.status_code == 302
    assert "Sanna Sävel" in client.get("/").get_data(as_text=True)


def test_user_create_defaults_to_employee(app, runner):
    """Without --role the user is an employee, shown by the username."""
    assert create_user(runner, "Mikko").exit_code == 0
    with app.app_context():
        user = accounts.find_user("mikko")
        assert (user.username, user.role, user.display_name) == ("mikko", Role.EMPLOYEE, "mikko")
        db.session.remove()


def test_user_create_refuses_duplicate(app, runner, world):
    """An existing username (in any case) fails with a message and a non-zero exit."""
    result = create_user(runner, "AINO")
    assert result.exit_code != 0
    assert "Käyttäjätunnus on jo käytössä." in result.output
    assert count(app, User) == 4


def test_user_create_refuses_short_password(app, runner):
    """A password under 8 characters fails with a message and creates nobody."""
    result = create_user(runner, "sanna", "lyhyt")
    assert result.exit_code != 0
    assert "vähintään 12 merkkiä" in result.output
    assert count(app, User) == 0


def test_user_create_refuses_bad_username_and_role(app, runner):
    """A username with spaces and an unknown role are refused."""
    bad_name = create_user(runner, "huono nimi")
    assert bad_name.exit_code != 0
    assert "Käyttäjätunnuksessa" in bad_name.output
    bad_role = create_user(runner, "sanna", NEW_PASSWORD, "--role", "king")
    assert bad_role.exit_code != 0
    assert "king" in bad_role.output
    assert count(app, User) == 0


def test_user_list(runner, world):
    """`user list` shows each user with role and state."""
    result = runner.invoke(args=["user", "list"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert [line.split("\t")[0] for line in lines] == ["admin", "aino", "kalle", "riitta"]
    assert "aino\temployee\tactive\tAino" in lines


def test_user_deactivate_stops_login(runner, client, world):
    """A deactivated user cannot log in and shows as inactive."""
    result = runner.invoke(args=["user", "deactivate", "aino"])
    assert result.exit_code == 0
    assert "Deactivated aino" in result.output

    assert login(client, "aino", PASSWORD).status_code == 400
    assert "aino\temployee\tinactive" in runner.invoke(args=["user", "list"]).output
    assert login(client, "riitta", PASSWORD).status_code == 302


def test_user_deactivate_unknown_fails(runner, world):
    """Deactivating someone who does not exist is an error."""
    result = runner.invoke(args=["user", "deactivate", "nobody"])
    assert result.exit_code != 0
    assert "Käyttäjää ei löytynyt" in result.output


def test_unit_create(app, runner):
    """`unit create` adds a unit to an existing municipality (case-insensitive)."""
    result = runner.invoke(
        args=["unit", "create", "Rantasalmen koulun keittiö", "--municipality", "rantasalmi"]
    )
    assert result.exit_code == 0, result.output
    assert "Created unit Rantasalmen koulun keittiö (Rantasalmi)" in result.output
    with app.app_context():
        unit = db.session.scalars(sa.select(Unit)).one()
        assert (unit.name, unit.municipality.name, unit.active) == (
            "Rantasalmen koulun keittiö",
            "Rantasalmi",
            True,
        )
        db.session.remove()
    listed = runner.invoke(args=["unit", "list"]).output
    assert "Rantasalmi\tRantasalmen koulun keittiö" in listed


def test_unit_create_refuses_unknown_municipality_and_duplicate(app, runner, world):
    """An unknown municipality or an existing unit fails with a message."""
    unknown = runner.invoke(args=["unit", "create", "Keittiö", "--municipality", "Mikkeli"])
    assert unknown.exit_code != 0
    assert "Kuntaa ei löytynyt: Mikkeli" in unknown.output

    duplicate = runner.invoke(
        args=["unit", "create", "Juvan keskuskeittiö", "--municipality", "Juva"]
    )
    assert duplicate.exit_code != 0
    assert "Kunnassa on jo tämän niminen yksikkö." in duplicate.output
    assert count(app, Unit) == 2


LOGIN_LINE = re.compile(r"^  (\S+) +(\S+)  (admin|supervisor|leader|employee)$", re.MULTILINE)


@pytest.fixture
def demo_app(app_config, tmp_path, request):
    """An app whose demo logins file is in this test's folder (never the real instance's)."""
    app_config["DEMO_LOGINS_FILE"] = str(tmp_path / "demo-logins.txt")
    return request.getfixturevalue("app")


def printed_logins(output: str) -> dict[str, str]:
    """username -> password of the logins `flask demo` printed."""
    return {name: password for name, password, _role in LOGIN_LINE.findall(output)}


def test_demo_fills_an_empty_instance(demo_app, tmp_path):
    """`demo --deeds 3` creates units, users and 3 deeds; every printed login works."""
    app = demo_app
    result = app.test_cli_runner().invoke(args=["demo", "--deeds", "3"])

    assert result.exit_code == 0, result.output
    assert count(app, Deed) == 3
    assert count(app, Unit) >= 3
    assert count(app, Rendition) > 0
    logins = printed_logins(result.output)
    assert len(logins) == count(app, User) == 11
    for username, password in logins.items():
        client = app.test_client()
        assert login(client, username, password).status_code == 302, username
    board = client.get("/").get_data(as_text=True)
    assert len(re.findall(r'<article class="card"', board)) == 3
    with app.app_context():
        assert accounts.find_user("admin").role == Role.ADMIN
        # Three workshops; the deeds (the last three days) are in the coming one's round.
        listed = workshops.workshops()
        assert [w.deed_count for w in listed] == [3, 0, 0]
        db.session.remove()


def test_demo_passwords_are_random_per_instance_and_kept_privately(app_config, tmp_path,
                                                                    request):
    """Each instance gets its own random passwords (12+ characters, none shared, none in the
    README), kept in a logins file only the owner may read."""
    logins_file = tmp_path / "demo-logins.txt"
    app_config["DEMO_LOGINS_FILE"] = str(logins_file)
    app = request.getfixturevalue("app")
    old_umask = os.umask(0o022)
    try:
        first = app.test_cli_runner().invoke(args=["demo", "--deeds", "0"])
    finally:
        os.umask(old_umask)
    assert first.exit_code == 0, first.output
    passwords = printed_logins(first.output)
    assert stat.S_IMODE(logins_file.stat().st_mode) == 0o600
    saved = logins_file.read_text(encoding="utf-8")
    assert all(f"{name}\t{password}\t" in saved for name, password in passwords.items())
    assert str(logins_file) in first.output

    assert all(len(password) >= 12 for password in passwords.values())
    assert len(set(passwords.values())) == len(passwords)
    readme = README.read_text(encoding="utf-8")
    assert "tekotaulu-demo" not in readme
    assert not any(password in readme for password in passwords.values())
    assert "instance/demo-logins.txt" in readme

    second = demo_in_another_instance(tmp_path / "second", request)
    assert second.exit_code == 0, second.output
    again = printed_logins(second.output)
    assert again.keys() == passwords.keys()
    assert not set(again.values()) & set(passwords.values())


def demo_in_another_instance(folder: Path, request):
    """Run `flask demo` in a second, empty instance of its own; return the result."""
    url = new_database(folder.parent, "second", request.getfixturevalue("migrated_template").source)
    other = create_app({
        **BASE_CONFIG,
        "SQLALCHEMY_DATABASE_URI": url,
        "UPLOAD_FOLDER": str(folder / "uploads"),
        "DEMO_LOGINS_FILE": str(folder.parent / "second-logins.txt"),
    })
    try:
        return other.test_cli_runner().invoke(args=["demo", "--deeds", "0"])
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()
        drop_database(url)


def test_demo_if_empty_prints_the_logins_again(demo_app):
    """run.sh runs `demo --if-empty` at every start: a restarted demo prints its logins again,
    except for a user whose password has changed since."""
    runner = demo_app.test_cli_runner()
    created = printed_logins(runner.invoke(args=["demo", "--deeds", "0"]).output)
    assert len(created) == 11
    with demo_app.app_context():
        accounts.set_password("aino", NEW_PASSWORD)
        db.session.remove()

    restart = runner.invoke(args=["demo", "--if-empty", "--deeds", "3"])
    assert restart.exit_code == 0, restart.output
    assert "demo data not added" in restart.output
    shown = printed_logins(restart.output)
    assert shown == {k: v for k, v in created.items() if k != "aino"}
    assert count(demo_app, Deed) == 0


def test_demo_refuses_a_non_empty_instance(demo_app, world):
    """Demo data never goes into an instance that has users."""
    result = demo_app.test_cli_runner().invoke(args=["demo", "--deeds", "3"])
    assert result.exit_code != 0
    assert "already has users" in result.output
    assert count(demo_app, Deed) == 0
    assert count(demo_app, User) == 4
    assert not Path(demo_app.config["DEMO_LOGINS_FILE"]).exists()


def test_demo_if_empty_is_a_noop_on_a_non_empty_instance(demo_app, world):
    """`demo --if-empty` on an instance with real users changes nothing, prints no login."""
    result = demo_app.test_cli_runner().invoke(args=["demo", "--if-empty", "--deeds", "3"])
    assert result.exit_code == 0
    assert "demo data not added" in result.output
    assert printed_logins(result.output) == {}
    assert count(demo_app, Deed) == 0
    assert count(demo_app, User) == 4


@pytest.mark.parametrize("options", [[], ["--if-empty"]])
def test_demo_refuses_when_secure_cookies_are_on(app_config, tmp_path, request, options):
    """Secure cookies mean production: no demo data there, even in an empty instance."""
    app_config["DEMO_LOGINS_FILE"] = str(tmp_path / "demo-logins.txt")
    app_config["SESSION_COOKIE_SECURE"] = True
    app = request.getfixturevalue("app")
    result = app.test_cli_runner().invoke(args=["demo", *options, "--deeds", "0"])
    assert result.exit_code == 1
    assert "Secure cookies are on" in result.output
    assert "Traceback" not in result.output
    assert count(app, User) == 0
    assert not (tmp_path / "demo-logins.txt").exists()


def add_deed(app, unit_id: int) -> None:
    """Post one deed through the service."""
    with app.app_context():
        new = deeds.NewDeed(
            "Leivoin pullaa.", unit_id, dt.date(2026, 6, 2), CustomerType.END_CUSTOMER, True
        )
        deeds.create_deed(accounts.find_user("aino"), new, [io.BytesIO(photo_like(64, 48))])
        db.session.remove()


ORPHAN = "photos/ab/abc.webp"


def test_storage_check_on_a_clean_instance(app, runner, world):
    """Files and rows agree after posting: 0 orphans, 0 missing, exit 0."""
    add_deed(app, world.unit_id)
    result = runner.invoke(args=["storage", "check"])
    assert result.exit_code == 0, result.output
    assert "0 orphans, 0 missing" in result.output
    checked = int(re.search(r"(\d+) files? checked", result.output).group(1))
    with app.app_context():
        keys = set(db.session.scalars(sa.select(Rendition.key)))
        db.session.remove()
    assert checked == len(keys) > 0


def test_storage_check_finds_and_fixes_an_orphan(app, runner, world):
    """A planted file without a row, older than the grace period, is reported (exit 1) and
    deleted with --fix."""
    add_deed(app, world.unit_id)
    storage = app.extensions["storage"]
    storage.save(ORPHAN, b"x", "image/webp")
    two_hours_ago = time.time() - 2 * 3600
    os.utime(Path(app.config["UPLOAD_FOLDER"]) / ORPHAN, (two_hours_ago, two_hours_ago))

    found = runner.invoke(args=["storage", "check"])
    assert found.exit_code == 1
    assert f"orphan file: {ORPHAN}" in found.output
    assert "1 orphan," in found.output
    assert storage.exists(ORPHAN)

    fixed = runner.invoke(args=["storage", "check", "--fix"])
    assert fixed.exit_code == 0
    assert f"orphan file: {ORPHAN} (deleted)" in fixed.output
    assert not storage.exists(ORPHAN)

    again = runner.invoke(args=["storage", "check"])
    assert again.exit_code == 0
    assert "0 orphans, 0 missing" in again.output
    assert count(app, Rendition) > 0  # the real files and rows were left alone


def test_storage_check_reports_missing_files(app, runner, world):
    """A rendition row whose file is gone is reported and fails the check."""
    add_deed(app, world.unit_id)
    with app.app_context():
        key = db.session.scalars(sa.select(Rendition.key)).first()
        db.session.remove()
    app.extensions["storage"].delete(key)

    result = runner.invoke(args=["storage", "check", "--fix"])
    assert result.exit_code == 1
    assert f"missing file: {key}" in result.output
