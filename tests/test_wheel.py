"""A non-editable install works: the wheel, put in a fresh venv from requirements.lock, serves.

The wheel is built from a copy of the checkout and installed with the locked, hashed
dependencies into a new venv; everything then runs from a folder outside the checkout, so the
app can only find its templates, static files, migrations and translations as package data.
"""

import http.cookiejar
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
import tomllib
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from app.config import SETTINGS

ROOT = Path(__file__).resolve().parent.parent
NOT_COPIED = (".git", ".venv", "instance", "build", "*.egg-info", "__pycache__", ".hypothesis")
INSTALL_SECONDS = 240
START_SECONDS = 30

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("TEST_DATABASE_URL")),
    reason="packaging does not depend on the database: checked once, on the SQLite pass",
)


def test_every_app_package_is_in_the_wheel():
    """pyproject lists each package folder of app/, so none is left out of the wheel."""
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "packages"])
    folders = {
        ".".join(path.parent.relative_to(ROOT).parts) for path in (ROOT / "app").rglob("*.py")
    }
    assert folders - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"


@pytest.mark.slow
def test_wheel_installs_migrates_and_serves(tmp_path):
    """Build, install into a fresh venv, `flask db upgrade`, start gunicorn, fetch pages."""
    wheel = build_wheel(tmp_path)
    venv = tmp_path / "venv"
    site_packages = install(wheel, venv)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = installed_environment()
    python, flask = str(venv / "bin" / "python"), str(venv / "bin" / "flask")
    package = call([python, "-c", "import app; print(app.__file__)"], elsewhere, env)
    assert Path(package.strip()).is_relative_to(site_packages)
    before = snapshot(site_packages / "app")

    call([flask, "--app", "app", "db", "upgrade"], elsewhere, env)
    assert "(head)" in call([flask, "--app", "app", "db", "current"], elsewhere, env)
    # With a user the instance is set up, so /login is the login page rather than /setup's.
    call([flask, "--app", "app", "user", "create", "aino", "--password-stdin"], elsewhere, env,
         stdin=secrets.token_urlsafe(16) + "\n")
    with gunicorn(venv, elsewhere, env) as base:
        check_pages(base)

    # Flask's instance folder for an installed package: <prefix>/var/app-instance, never the code.
    instance = venv / "var" / "app-instance"
    assert {"app.db", "secret_key"} <= {p.name for p in instance.iterdir()}
    assert snapshot(site_packages / "app") == before, "the app wrote into site-packages"


def build_wheel(tmp_path: Path) -> Path:
    """Build the wheel from a copy of the checkout (an in-tree build would leave build/ there)."""
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_COPIED))
    dist = tmp_path / "dist"
    # The build backend is the one requirements-test.lock pinned into this venv: no download.
    call([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
          str(source), "-w", str(dist)], tmp_path)
    (wheel,) = dist.glob("tekotaulu-*.whl")
    return wheel


def install(wheel: Path, venv: Path) -> Path:
    """A new venv with requirements.lock (hashes required) and the wheel; its site-packages."""
    # This venv's pip installs into the new one: ensurepip would add a slow step and nothing else.
    call([sys.executable, "-m", "venv", "--without-pip", str(venv)], venv.parent)
    pip = [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python")]
    call([*pip, "install", "--quiet", "--no-compile", "--require-hashes", "-r",
          str(ROOT / "requirements.lock")], venv)
    call([*pip, "install", "--quiet", "--no-deps", str(wheel)], venv)
    call([*pip, "check"], venv)  # the lock holds all that pyproject asks for
    (site_packages,) = venv.glob("lib/python3*/site-packages")
    return site_packages


def installed_environment() -> dict[str, str]:
    """This environment without the app's settings or a path back to the checkout."""
    names = {setting.env for setting in SETTINGS} | {"PYTHONPATH", "FLASK_APP", "VIRTUAL_ENV"}
    env = {k: v for k, v in os.environ.items() if k not in names}
    env["TEKOTAULU_SECURE_COOKIES"] = "0"  # plain http on 127.0.0.1, as scripts/run.sh
    return env


def call(command: list[str], cwd: Path, env: dict[str, str] | None = None,
         stdin: str | None = None) -> str:
    """Run a command to its end; its output, or a failure that shows all it printed."""
    done = subprocess.run(command, input=stdin, cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=INSTALL_SECONDS)
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def snapshot(folder: Path) -> dict[str, int]:
    """Every file under folder with its modification time."""
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*")}


@contextmanager
def gunicorn(venv: Path, cwd: Path, env: dict[str, str]) -> Iterator[str]:
    """The installed app under gunicorn on a port the system picks; its URL, stopped on leaving."""
    log = cwd / "gunicorn.log"
    command = [str(venv / "bin" / "gunicorn"), "--workers", "1", "--bind", "127.0.0.1:0",
               "--error-logfile", str(log), "app:create_app()"]
    process = subprocess.Popen(command, cwd=cwd, env=env)
    try:
        yield listening_address(process, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def listening_address(process: subprocess.Popen, log: Path) -> str:
    """Where gunicorn says it listens; a failure with its log if it stops or takes too long."""
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        found = re.search(r"Listening at: (http://\S+)", log.read_text() if log.exists() else "")
        if found:
            return found.group(1)
        time.sleep(0.1)
    pytest.fail("gunicorn is not listening:\n" + (log.read_text() if log.exists() else ""))


def check_pages(base: str) -> None:
    """The Finnish login page, its stylesheet, and the same page in Swedish and English."""
    browser = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = fetch(browser, base + "/login")
    assert '<html lang="fi">' in page and "Kirjaudu sisään" in page

    stylesheet = re.search(r'href="(/static/css/app\.css\?v=\w+)"', page).group(1)
    with browser.open(base + stylesheet, timeout=10) as response:
        assert response.status == 200 and response.headers["Content-Type"].startswith("text/css")
        assert response.read() == (ROOT / "static" / "css" / "app.css").read_bytes()

    for lang, words in (("sv", "Logga in"), ("en", "Log in")):
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        form = {"lang": lang, "next": "/login", "csrf_token": token}
        page = fetch(browser, base + "/language", urllib.parse.urlencode(form).encode())
        assert f'<html lang="{lang}">' in page and words in page


def fetch(browser: urllib.request.OpenerDirector, url: str, form: bytes | None = None) -> str:
    """GET (or POST a form to) a URL, following redirects; the page, which must be a 200."""
    with browser.open(url, data=form, timeout=10) as response:
        assert response.status == 200, url
        return response.read().decode()
