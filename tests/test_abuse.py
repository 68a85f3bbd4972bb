"""Abuse from outside: simultaneous guessing, malformed bodies and headers (ASVS level 2)."""

import io
import threading

import pytest

from app.models import User
from tests.conftest import PASSWORD

MALFORMED = "Lähetetyt tiedot eivät kelpaa"


def count_password_checks(monkeypatch) -> list[int]:
    """Count User.check_password calls (the expensive, guessable step); return the counter."""
    calls = [0]
    lock = threading.Lock()
    real = User.check_password

    def counting(self, password):
        with lock:
            calls[0] += 1
        return real(self, password)

    monkeypatch.setattr(User, "check_password", counting)
    return calls


@pytest.mark.parametrize("attempts", [30, 100])
def test_simultaneous_guesses_check_at_most_the_limit(app, world, monkeypatch, attempts):
    """N requests at the same instant for one username and IP check at most 5 passwords."""
    checks = count_password_checks(monkeypatch)
    start = threading.Barrier(attempts, timeout=30)

    @app.before_request
    def all_at_once() -> None:
        start.wait()
    statuses = []

    def guess(n: int) -> None:
        client = app.test_client()
        response = client.post(
            "/login", data={"username": "aino", "password": f"arvaus-numero-{n}"},
            environ_base={"REMOTE_ADDR": "10.9.9.9"},
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(statuses) == attempts
    assert checks[0] <= 5
    assert statuses.count(400) == checks[0] and statuses.count(429) == attempts - checks[0]


def test_form_and_json_logins_share_the_usernames_bucket(client, world):
    """Guessing through JSON instead of the form does not get a fresh set of tries."""
    for _ in range(3):
        form = client.post("/login", data={"username": "aino", "password": "väärä-1"})
        assert form.status_code == 400
    for _ in range(2):
        json = client.post("/login", json={"username": "AINO ", "password": "väärä-2"})
        assert json.status_code == 400
    assert client.post("/login", json={"username": "aino", "password": PASSWORD}).status_code == 429


@pytest.mark.parametrize(
    "body",
    [
        {"username": {"$ne": ""}, "password": "x"},
        {"username": 12345, "password": "x"},
        {"username": ["aino"], "password": "x"},
        {"username": "aino", "password": None},
        ["aino", "x"],
    ],
    ids=["object", "number", "list", "null", "array-body"],
)
def test_json_logins_with_odd_values_are_400(client, world, body):
    """No 500 for a username that is not text: a Finnish 400, and nobody signed in."""
    response = client.post("/login", json=body)
    assert response.status_code == 400
    assert MALFORMED in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_a_username_sent_as_a_file_is_400(client, world):
    """A multipart file part where text belongs is refused, not handed to the form."""
    response = client.post(
        "/login",
        data={"username": (io.BytesIO(b"aino"), "aino.txt"), "password": PASSWORD},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert MALFORMED in response.get_data(as_text=True)


def test_deeply_nested_json_is_400(client, auth, world):
    """'[' x 100 000 posted as JSON is malformed input, not a crash."""
    deep = client.post("/login", data="[" * 100_000, content_type="application/json")
    assert deep.status_code == 400
    auth.login()
    for path in ("/deeds/new", "/account/password"):
        response = client.post(path, data="[" * 100_000, content_type="application/json")
        assert response.status_code == 400, path


def test_a_next_with_cr_lf_goes_to_the_board(client, world):
    """Header injection in next=: the login succeeds and lands on the board, never a 500."""
    for target in ("/%0d%0aSet-Cookie:x=1", "/\r\nLocation: https://evil.example", "/\x7f"):
        response = client.post(
            "/login", query_string={"next": target},
            data={"username": "aino", "password": PASSWORD},
        )
        assert response.status_code == 302
        location = response.headers["Location"]
        assert "\r" not in location and "\n" not in location
        assert location in ("/", "/%0d%0aSet-Cookie:x=1"), location
        client.post("/logout")
