"""The repository's gunicorn.conf.py: it serves the app, logs one JSON line per request with
timing and status and no secrets, and refuses oversized request lines."""

import http.client
import json
import os
import time

import pytest
from gunicorn import version_info as gunicorn_version

from tests.cluster_support import gunicorn

TOKEN = "Zq3x9Lw2Pk7Rt5Yv1Bn8Mc4Hd6Jf0Gs"


def get(port: int, path: str) -> int:
    """GET a path; return the status."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    finally:
        connection.close()


@pytest.fixture
def served(app_config, tmp_path):
    """gunicorn with the repository's config on this test's database; yields (port, log)."""
    log = tmp_path / "access.log"
    env = {**os.environ, "DATABASE_URL": app_config["SQLALCHEMY_DATABASE_URI"],
           "TEKOTAULU_UPLOAD_FOLDER": app_config["UPLOAD_FOLDER"],
           "TEKOTAULU_SECRET_KEY": "gunicorn-test", "TEKOTAULU_SECURE_COOKIES": "0",
           "GUNICORN_ACCESSLOG": str(log)}
    with gunicorn(env, tmp_path, workers=1, threads=2) as server:
        yield server.port, log


def test_one_json_line_per_request_with_timing_and_no_secrets(served):
    port, log = served
    assert get(port, "/readyz") == 200
    assert get(port, f"/p/{TOKEN}?cursor=5") in {302, 404}
    time.sleep(0.5)  # the log is written after the answer is sent
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    ready = [line for line in lines if line["path"] == "/readyz"]
    assert ready and ready[0]["status"] == 200 and ready[0]["method"] == "GET"
    assert isinstance(ready[0]["ms"], float) and ready[0]["ms"] >= 0
    assert TOKEN not in log.read_text()
    assert "cursor" not in log.read_text()
    assert any(line["path"] == "/p/…" for line in lines)


def test_an_oversized_request_line_is_refused(served):
    port, _ = served
    assert get(port, "/" + "a" * 3000) == 302  # under the limit: the app answers (to /login)
    assert get(port, "/" + "a" * 5000) == 414  # over it: gunicorn refuses before the app
    assert get(port, "/healthz") == 200  # the worker lives on


@pytest.mark.skipif(gunicorn_version < (25, 1), reason="no control socket before gunicorn 25.1")
def test_each_server_has_a_control_socket_of_its_own(served, tmp_path):
    """GUNICORN_CONTROL_SOCKET: two servers on one machine must not share gunicornc's socket."""
    port, _ = served
    assert (tmp_path / f"gunicorn-{port}.ctl").is_socket()
