"""A cluster on one machine: two gunicorn app servers on one PostgreSQL database, one S3 bucket
(a moto server) and Redis. What is done through one server, the other shows; the login limiter
counts the attempts made on both; /readyz names a stopped storage.

Everything is set by environment variables only, as in production, and reached over HTTP.
"""

import json
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from urllib.parse import unquote

import boto3
import pyotp
import pytest
from moto.server import ThreadedMotoServer

from tests.cluster_support import (
    ROOT,
    AppServer,
    Browser,
    environment_without,
    gunicorns,
    multipart,
    redis_reachable,
    token_in,
)
from tests.conftest import PASSWORD, drop_database, new_database, server_url
from tests.imagegen import photo_like
from tests.s3_support import local_s3_server

pytestmark = [
    pytest.mark.cluster,
    pytest.mark.skipif(not (server_url() or "").startswith("postgresql"),
                       reason="the cluster needs TEST_DATABASE_URL on a PostgreSQL server"),
    pytest.mark.skipif(not redis_reachable(), reason="no Redis server on 127.0.0.1:6379"),
]

BUCKET, REGION = "tekotaulu-cluster", "eu-north-1"
REDIS = "redis://127.0.0.1:6379"
USERS = (("aino", "employee"), ("riitta", "supervisor"), ("admin", "admin"), ("eero", "employee"))
UNIT = "Juvan keskuskeittiö"
SEED_SECONDS = 120
JSON = {"Accept": "application/json"}
# LOGIN_RATE_LIMIT's default (app/config.py) is "5/minute;20/hour" per username + address.
FAILED_LOGINS_ALLOWED = 5


@dataclass
class Cluster:
    """Two app servers sharing everything, the S3 server behind them, and the client address
    this run's requests come from (all of 127/8 is this machine): the login counters that
    address leaves in the shared Redis are this run's alone."""

    a: AppServer
    b: AppServer
    s3: ThreadedMotoServer  # a test may stop it
    s3_endpoint: str
    address: str
    unit_id: int

    def output(self) -> str:
        """Both servers' logs, to read when something failed."""
        return "\n".join(f"--- server on port {server.port} ---\n{server.output()[-6000:]}"
                         for server in (self.a, self.b))


# The operator's commands, run in one process (each `flask` start would import the app again).
SEED = """
import sys
from app import create_app

runner = create_app().test_cli_runner()


def flask(*args, stdin=None):
    result = runner.invoke(args=list(args), input=stdin)
    print("$ flask", *args, "\\n" + result.output)
    if result.exit_code:
        sys.exit(f"flask {{' '.join(args)}} failed: {{result.exception!r}}")
    return result.output


flask("db", "upgrade")
flask("unit", "create", {unit!r}, "--municipality", "Juva")
for username, role in {users!r}:
    flask("user", "create", username, "--role", role, "--password-stdin", stdin={password!r})
unit_id = next(line.split("\\t")[0] for line in flask("unit", "list").splitlines()
               if line.endswith("\\t" + {unit!r}))
flask("unit", "supervisor", "add", unit_id, "riitta")
print("unit", unit_id)
"""


def seed(env: dict[str, str]) -> int:
    """Migrate the database, add the unit and users with the CLI; return the unit's id."""
    code = SEED.format(unit=UNIT, users=USERS, password=PASSWORD + "\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=SEED_SECONDS, check=False)
    assert done.returncode == 0, f"seeding failed:\n{done.stdout}\n{done.stderr}"
    return int(done.stdout.splitlines()[-1].removeprefix("unit "))


def cluster_environment(database_url: str, s3_endpoint: str) -> dict[str, str]:
    """What each app server and command is started with (and nothing from the shell's own
    TEKOTAULU_/GUNICORN_/AWS_ settings)."""
    env = environment_without(("TEKOTAULU_", "GUNICORN_", "AWS_", "DATABASE_URL"))
    return {
        **env,
        "DATABASE_URL": database_url,
        "TEKOTAULU_SECRET_KEY": uuid.uuid4().hex,  # one key, so either server reads the cookie
        "TEKOTAULU_SECURE_COOKIES": "0",  # plain http on the loopback
        "TEKOTAULU_STORAGE_BACKEND": "s3",
        "TEKOTAULU_S3_BUCKET": BUCKET,
        "TEKOTAULU_S3_ENDPOINT_URL": s3_endpoint,
        "TEKOTAULU_S3_REGION": REGION,
        "TEKOTAULU_RATELIMIT_STORAGE_URI": REDIS,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "NO_PROXY": "127.0.0.1,localhost",
        "GUNICORN_GRACEFUL_TIMEOUT": "5",
    }


def bucket_keys(endpoint: str) -> set[str]:
    """Every object name in the bucket, listed page by page."""
    with closing(boto3.client("s3", endpoint_url=endpoint, region_name=REGION)) as client:
        pages = client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
        return {item["Key"] for page in pages for item in page.get("Contents", ())}


def login_counters(address: str, *, forget: bool = False) -> list[bytes]:
    """The keys of the login counters this address has in Redis; deleted when asked."""
    import redis

    client = redis.Redis.from_url(REDIS)
    try:
        keys = list(client.scan_iter(match=f"*|{address}[|/]*"))
        if keys and forget:
            client.delete(*keys)
        return keys
    finally:
        client.close()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[Cluster]:
    """Start the S3 server, make and migrate a database, seed it, start two app servers."""
    folder = tmp_path_factory.mktemp("cluster")
    address = "127." + ".".join(str(1 + byte % 254) for byte in uuid.uuid4().bytes[:3])
    with local_s3_server() as (endpoint, s3):
        with closing(boto3.client("s3", endpoint_url=endpoint, region_name=REGION)) as client:
            client.create_bucket(Bucket=BUCKET,
                                 CreateBucketConfiguration={"LocationConstraint": REGION})
        database_url = new_database(folder, "cluster")
        try:
            env = cluster_environment(database_url, endpoint)
            unit_id = seed(env)
            with gunicorns(env, folder, 2, workers=1, threads=4) as (a, b):
                yield Cluster(a, b, s3, endpoint, address, unit_id)
        finally:
            drop_database(database_url)
            login_counters(address, forget=True)


@pytest.fixture
def open_browser(cluster, request) -> Iterator:
    """Browsers from this run's address; closed after the test, and the servers' logs shown
    when the test failed."""
    opened: list[Browser] = []

    def browser(server: AppServer) -> Browser:
        opened.append(Browser(server.port, address=cluster.address))
        return opened[-1]

    failed_before = request.session.testsfailed
    yield browser
    for each in opened:
        each.close()
    if request.session.testsfailed > failed_before:
        print(cluster.output())


def signed_in(open_browser, server: AppServer, username: str) -> Browser:
    """A browser signed in as the user through this server's login form."""
    browser = open_browser(server)
    assert browser.log_in(username, PASSWORD) == "/"
    return browser


def post_deed(browser: Browser, cluster: Cluster, description: str) -> int:
    """Post a deed with a camera-like JPEG through the browser's server's form; return its id."""
    token = browser.form_token("/deeds/new")
    body, kind = multipart({
        "csrf_token": token, "description": description, "unit": str(cluster.unit_id),
        "customer_type": "end_customer", "happened_on": "2026-06-02", "consent": "y",
    }, photo_like(1024, 768))
    status, headers, page = browser.request("POST", "/deeds/new", body, {"Content-Type": kind})
    assert (status, headers.get("location")) == (302, "/"), (status, page[:500])
    return card_titled(browser, browser.port, description)["id"]


def api_cards(browser: Browser, port: int) -> dict[int, dict]:
    """The board's newest cards as /api/deeds on this server gives them, by deed id."""
    status, _, body = browser.get("/api/deeds?limit=100", port=port, headers=JSON)
    assert status == 200, body[:500]
    return {card["id"]: card for card in json.loads(body)["deeds"]}


def card_titled(browser: Browser, port: int, description: str) -> dict:
    """The one card with this description on this server's board."""
    found = [card for card in api_cards(browser, port).values()
             if card["description"] == description]
    assert len(found) == 1, f"{len(found)} cards say {description!r}"
    return found[0]


def photo_urls(card: dict) -> list[str]:
    """The URL of every rendition the card offers."""
    urls = [size["url"] for photo in card["photos"] for size in photo["renditions"]]
    assert urls and all(url.startswith("/photos/") for url in urls), urls
    return urls


def test_a_deed_posted_on_one_server_is_on_the_others_board_with_its_photos(
        cluster, open_browser):
    aino = signed_in(open_browser, cluster.a, "aino")
    description = f"Kannoin asiakkaan kassit autoon ({uuid.uuid4().hex[:6]})"
    deed_id = post_deed(aino, cluster, description)

    riitta = signed_in(open_browser, cluster.b, "riitta")
    status, _, board = riitta.get("/")
    assert status == 200 and description.encode() in board
    card = card_titled(riitta, cluster.b.port, description)
    assert card["id"] == deed_id
    urls = photo_urls(card)
    assert len(urls) >= 2  # several sizes, each one object in the bucket
    for url in urls:
        status, headers, image = riitta.get(url)
        assert status == 200, url
        assert headers["content-type"] == "image/webp"
        assert image[:4] == b"RIFF" and image[8:12] == b"WEBP"


def test_a_thanks_given_on_one_server_is_counted_on_the_other(cluster, open_browser):
    aino = signed_in(open_browser, cluster.a, "aino")
    deed_id = post_deed(aino, cluster, f"Lämmitin vauvan ruoan ({uuid.uuid4().hex[:6]})")
    assert api_cards(aino, cluster.a.port)[deed_id]["thanks_count"] == 0
    status, _, board = aino.get("/")  # A renders the card, and keeps the rendering
    assert status == 200 and b"1 kiitos" not in board

    riitta = signed_in(open_browser, cluster.b, "riitta")
    token = riitta.form_token(f"/deeds/{deed_id}")
    status, _, body = riitta.post_form(f"/deeds/{deed_id}/thanks", {"csrf_token": token},
                                       headers=JSON)
    assert status == 200, body[:500]
    answer = json.loads(body)
    assert (answer["thanked"], answer["thanks_count"]) == (True, 1)

    card = api_cards(aino, cluster.a.port)[deed_id]
    assert (card["thanks_count"], card["thanks_label"]) == (1, "1 kiitos")
    status, _, board = aino.get("/")
    assert status == 200 and b"1 kiitos" in board  # only this deed has been thanked


def test_the_login_limiter_counts_attempts_on_both_servers_together(cluster, open_browser):
    guesser = open_browser(cluster.a)
    alternating = (cluster.a, cluster.b, cluster.a, cluster.b, cluster.a)
    assert len(alternating) == FAILED_LOGINS_ALLOWED  # and at most 3 on either server
    for server in alternating:
        token = guesser.form_token("/login", port=server.port)
        status, _, _ = guesser.post_form(
            "/login", {"csrf_token": token, "username": "eero", "password": "arvaus-123456"},
            port=server.port)
        assert status == 400
    for server in (cluster.b, cluster.a):  # locked on both, even with the right password
        token = guesser.form_token("/login", port=server.port)
        status, headers, _ = guesser.post_form(
            "/login", {"csrf_token": token, "username": "eero", "password": PASSWORD},
            port=server.port)
        assert status == 429 and int(headers["retry-after"]) > 0
    # The counts live in Redis: per user and address (a minute, an hour) and per address.
    assert len(login_counters(cluster.address)) >= 3


def test_a_deed_hidden_on_one_server_is_gone_from_the_others_api(cluster, open_browser):
    aino = signed_in(open_browser, cluster.a, "aino")
    deed_id = post_deed(aino, cluster, f"Neuvoin tien apteekkiin ({uuid.uuid4().hex[:6]})")
    assert deed_id in api_cards(aino, cluster.b.port)

    riitta = signed_in(open_browser, cluster.a, "riitta")
    token = riitta.form_token(f"/deeds/{deed_id}")
    status, _, body = riitta.post_form(
        f"/deeds/{deed_id}/hide", {"csrf_token": token, "reason": "Kuvassa näkyy asiakas"},
        headers=JSON)
    assert status == 200, body[:500]
    assert json.loads(body)["visibility"] == "hidden"

    assert deed_id not in api_cards(aino, cluster.b.port)


def test_erasing_on_one_server_removes_the_photos_from_the_bucket(cluster, open_browser):
    aino = signed_in(open_browser, cluster.a, "aino")
    deed_id = post_deed(aino, cluster, f"Korjasin hissin oven ({uuid.uuid4().hex[:6]})")
    urls = photo_urls(api_cards(aino, cluster.a.port)[deed_id])
    keys = {unquote(url.removeprefix("/photos/")) for url in urls}
    assert keys <= bucket_keys(cluster.s3_endpoint)

    admin = signed_in(open_browser, cluster.b, "admin")
    enrol_second_factor(admin)
    token = admin.form_token(f"/admin/deeds/{deed_id}/erase")
    status, headers, page = admin.post_form(f"/admin/deeds/{deed_id}/erase",
                                            {"csrf_token": token, "confirm": "y"})
    assert (status, headers.get("location")) == (302, "/"), page[:500]

    assert not keys & bucket_keys(cluster.s3_endpoint)
    assert deed_id not in api_cards(aino, cluster.a.port)
    assert aino.get(urls[0], port=cluster.a.port)[0] == 404


def enrol_second_factor(admin: Browser) -> None:
    """Set up the authenticator as an admin does on first visit (admin pages require it)."""
    status, _, page = admin.get("/account/two-factor")  # each showing makes a new secret
    assert status == 200
    secret = re.search(rb'<code class="secret">([A-Z2-7]+)</code>', page).group(1).decode()
    status, _, page = admin.post_form(
        "/account/two-factor", {"csrf_token": token_in(page), "code": pyotp.TOTP(secret).now()})
    assert status == 200, page[:500]


# Last: it stops the object storage that the tests above use.
def test_a_stopped_object_storage_makes_a_server_unready_but_alive(cluster, open_browser):
    probe = open_browser(cluster.a)
    assert probe.get("/readyz")[:1] == (200,)
    cluster.s3.stop()
    status, _, body = probe.get("/readyz")
    assert (status, body) == (503, b"unavailable: storage")
    status, _, body = probe.get("/healthz")
    assert (status, body) == (200, b"ok")
