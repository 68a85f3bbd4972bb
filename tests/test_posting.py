"""Posting that never fails: a refused form keeps its photo; the outbox's retries never double."""

import datetime as dt
import hashlib
import io
import re
import threading
import uuid

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Deed, PendingPhoto, Photo, Rendition
from app.services import deeds as deed_service
from app.services import upkeep
from tests.conftest import PASSWORD, deed_form, jpeg_upload, log_in
from tests.imagegen import photo_like

KEPT = re.compile(r'name="kept_photo" type="hidden" value="([^"]+)"')


def kept_token(html: str) -> str:
    """The kept photo's token in a re-rendered form."""
    match = KEPT.search(html)
    assert match, "the form carries no kept photo"
    return match.group(1)


def count(app, model) -> int:
    """How many rows of the model exist."""
    with app.app_context():
        n = db.session.scalar(sa.select(sa.func.count()).select_from(model))
        db.session.remove()
    return n


def stored_keys(app) -> set[str]:
    """Every stored photo file's key."""
    return set(app.extensions["storage"].keys("photos/"))


def rendition_keys(app) -> set[str]:
    """Every key a rendition row points at."""
    with app.app_context():
        keys = set(db.session.scalars(sa.select(Rendition.key)))
        db.session.remove()
    return keys


def only_photo_hash(app) -> str:
    """The content hash of the one posted photo."""
    with app.app_context():
        value = db.session.scalars(sa.select(Photo.content_hash)).one()
        db.session.remove()
    return value


# --- Without JavaScript: the server keeps the photo --------------------------------------------

def test_forgotten_consent_keeps_the_photo_for_the_next_submit(app, client, auth, world):
    """The form comes back with the photo kept; sending again without a file posts that photo."""
    auth.login()
    photo = photo_like(800, 600)
    refused = client.post("/deeds/new", data=deed_form(
        world.unit_id, photo=(io.BytesIO(photo), "kuva.jpg"), consent=None))
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "Kuva on tallessa" in html
    assert "Rastita ruutu" in html
    token = kept_token(html)
    thumb = re.search(r'id="photo-preview" alt="" src="([^"]+)"', html).group(1)
    with client.get(thumb) as shown:  # the kept thumbnail shows to its owner
        assert shown.status_code == 200 and shown.content_type.startswith("image/")

    sent = client.post("/deeds/new", data=deed_form(world.unit_id, photo="", kept_photo=token))

    assert sent.status_code == 302
    assert only_photo_hash(app) == hashlib.sha256(photo).hexdigest()
    assert count(app, PendingPhoto) == 0
    assert stored_keys(app) == rendition_keys(app)  # the kept files became the deed's: no copy


def test_a_kept_photo_is_used_once(app, client, auth, world):
    """The token is one-time: a second post with it is refused in Finnish, and makes no deed."""
    auth.login()
    token = kept_token(client.post(
        "/deeds/new", data=deed_form(world.unit_id, consent=None)).get_data(as_text=True))
    assert client.post("/deeds/new", data=deed_form(world.unit_id, photo="", kept_photo=token)
                       ).status_code == 302

    again = client.post("/deeds/new", data=deed_form(world.unit_id, photo="", kept_photo=token))

    assert again.status_code == 400
    assert "Edellinen kuva ei ole enää tallessa" in again.get_data(as_text=True)
    assert count(app, Deed) == 1


def test_a_kept_photo_cannot_be_used_from_another_session(app, client, auth, world):
    """The same user signed in on another tablet cannot use (or see) this session's kept photo."""
    auth.login()
    html = client.post("/deeds/new", data=deed_form(world.unit_id, consent=None)
                       ).get_data(as_text=True)
    token = kept_token(html)
    other = app.test_client()
    log_in(other, "aino", PASSWORD)

    response = other.post("/deeds/new", data=deed_form(world.unit_id, photo="", kept_photo=token))

    assert response.status_code == 400
    assert count(app, Deed) == 0
    assert count(app, PendingPhoto) == 1  # still there for its own session


def test_a_new_file_replaces_the_kept_photo(app, client, auth, world):
    """Choosing a new photo after a refusal posts the new one."""
    auth.login()
    token = kept_token(client.post(
        "/deeds/new", data=deed_form(world.unit_id, consent=None)).get_data(as_text=True))
    new_photo = photo_like(640, 480, marker=True)

    client.post("/deeds/new", data=deed_form(
        world.unit_id, photo=(io.BytesIO(new_photo), "uusi.jpg"), kept_photo=token))

    assert only_photo_hash(app) == hashlib.sha256(new_photo).hexdigest()


def test_expired_kept_photos_are_swept_with_their_files(app, client, auth, world, runner):
    """After the kept minutes, `storage check --fix` removes the row and every file of it."""
    auth.login()
    client.post("/deeds/new", data=deed_form(world.unit_id, consent=None))
    assert stored_keys(app)
    with app.app_context():
        report = upkeep.check_storage()
        assert report.new_orphans == [] and report.orphans == []  # kept files are in use
        old = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=31)
        db.session.execute(sa.update(PendingPhoto).values(created_at=old))
        db.session.commit()
        upkeep.check_storage(fix=True)
        db.session.remove()

    assert count(app, PendingPhoto) == 0
    assert stored_keys(app) == set()


# --- The JSON endpoint and its idempotency key -------------------------------------------------

def api_post(client, unit_id, client_id=None, **overrides):
    """POST /api/deeds as the outbox does."""
    data = deed_form(unit_id, **overrides)
    if client_id:
        data["client_id"] = client_id
    return client.post("/api/deeds", data=data, headers={"Accept": "application/json"})


def test_api_posts_a_deed_once_per_client_id(app, client, auth, world):
    """201 the first time; a retry answers 200 with the same deed, and stores nothing more."""
    auth.login()
    client_id = str(uuid.uuid4())

    first = api_post(client, world.unit_id, client_id)
    keys_after_first = stored_keys(app)
    retry = api_post(client, world.unit_id, client_id)

    assert first.status_code == 201 and retry.status_code == 200
    assert first.json["id"] == retry.json["id"]
    assert first.json["created"] is True and retry.json["created"] is False
    assert count(app, Deed) == 1
    assert stored_keys(app) == keys_after_first == rendition_keys(app)


def test_api_field_errors_have_the_forms_words(client, auth, world):
    """A refusal names the field and uses the same Finnish as the form."""
    auth.login()
    response = api_post(client, world.unit_id, str(uuid.uuid4()), consent=None, description="")

    assert response.status_code == 400
    assert response.json["errors"]["consent"][0].startswith("Rastita ruutu")
    assert response.json["errors"]["description"] == ["Kerro lyhyesti, mitä teit."]


def test_api_refuses_a_bad_photo_with_its_reason(app, client, auth, world):
    """A photo the pipeline refuses: 400 under `photo`, no row, no file."""
    auth.login()
    bad = (io.BytesIO(b"ei kuva" * 50), "kuva.jpg")
    response = api_post(client, world.unit_id, str(uuid.uuid4()), photo=bad)

    assert response.status_code == 400
    assert response.json["errors"]["photo"][0].startswith("Tiedosto ei ole kuva.")
    assert count(app, Deed) == 0 and stored_keys(app) == set()


@pytest.mark.parametrize("client_id", ["abc", "x" * 300])
def test_api_refuses_a_malformed_client_id(app, client, auth, world, client_id):
    """The key must be a UUID."""
    auth.login()
    response = api_post(client, world.unit_id, client_id)
    assert response.status_code == 400
    assert "client_id" in response.json["errors"]
    assert count(app, Deed) == 0


def test_api_needs_a_login(client, world):
    """Signed out: 401 JSON, so the outbox asks to sign in again and keeps the deed."""
    response = api_post(client, world.unit_id, str(uuid.uuid4()))
    assert response.status_code == 401


def test_a_retry_losing_the_race_answers_with_the_winners_deed(app, client, auth, world,
                                                               monkeypatch):
    """When the unique key refuses the second insert, the loser's files go and the first deed is
    the answer (the early look-up is made to miss, as when both retries arrive at once)."""
    auth.login()
    client_id = str(uuid.uuid4())
    first = api_post(client, world.unit_id, client_id)
    kept = stored_keys(app)
    real = deed_service.deed_by_client_id
    calls = []

    def miss_first(author_id, key):
        calls.append(key)
        return None if len(calls) == 1 else real(author_id, key)

    monkeypatch.setattr(deed_service, "deed_by_client_id", miss_first)
    retry = api_post(client, world.unit_id, client_id)

    assert len(calls) == 2  # the miss, then the look-up after the IntegrityError
    assert retry.status_code == 200 and retry.json["id"] == first.json["id"]
    assert count(app, Deed) == 1
    assert stored_keys(app) == kept


def test_simultaneous_retries_make_one_deed(app, world):
    """Four sessions of the same user send the same queued deed at once: one deed, no stray file."""
    clients = [app.test_client() for _ in range(4)]
    for each in clients:
        assert log_in(each, "aino", PASSWORD).status_code == 302
    client_id = str(uuid.uuid4())
    start = threading.Barrier(len(clients))
    statuses: list[int] = []

    def post(each):
        data = deed_form(world.unit_id, photo=jpeg_upload(width=640, height=480))
        data["client_id"] = client_id
        start.wait()
        statuses.append(each.post("/api/deeds", data=data).status_code)

    threads = [threading.Thread(target=post, args=(each,)) for each in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(statuses) == [200, 200, 200, 201]
    assert count(app, Deed) == 1
    assert stored_keys(app) == rendition_keys(app)


def test_api_takes_the_csrf_token_from_the_header(app_config, request):
    """With CSRF on: the page's token in X-CSRFToken passes; without it the answer says why."""
    app_config["WTF_CSRF_ENABLED"] = True
    app = request.getfixturevalue("app")
    world = request.getfixturevalue("world")
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/login", data={"username": "aino", "password": PASSWORD, "csrf_token": token})
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"',
                      client.get("/deeds/new").get_data(as_text=True)).group(1)
    data = deed_form(world.unit_id)
    data["client_id"] = str(uuid.uuid4())

    refused = client.post("/api/deeds", data=dict(data), headers={"Accept": "application/json"})
    data["photo"] = jpeg_upload()
    made = client.post("/api/deeds", data=data,
                       headers={"Accept": "application/json", "X-CSRFToken": token})

    assert refused.status_code == 400 and refused.json["reason"] == "csrf"
    assert made.status_code == 201


def test_erasing_a_user_takes_their_kept_photo_too(app, client, auth, world):
    """A photo kept for aino's next try goes, files and row, when an admin erases her."""
    auth.login()
    client.post("/deeds/new", data=deed_form(world.unit_id, consent=None))
    assert count(app, PendingPhoto) == 1 and stored_keys(app)
    with app.app_context():
        from app.services import accounts, privacy

        privacy.erase_user(accounts.find_user("admin"), accounts.find_user("aino").id)
        db.session.remove()

    assert count(app, PendingPhoto) == 0
    assert stored_keys(app) == set()


# --- The PWA's server side ---------------------------------------------------------------------

def test_the_service_worker_is_served_from_the_root_and_never_cached_long(client):
    """Root scope allowed, checked for updates at once, a script type (nosniff is on)."""
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.content_type.startswith("text/javascript")
    assert "caches" in response.get_data(as_text=True)


def test_pages_link_the_manifest_and_icons(client, auth, world):
    """The head names the manifest and the apple-touch icon; all of them are served."""
    auth.login()
    html = client.get("/").get_data(as_text=True)
    manifest_url = re.search(r'<link rel="manifest" href="([^"]+)"', html).group(1)
    with client.get(manifest_url) as manifest:
        assert manifest.content_type == "application/manifest+json"
        data = manifest.json
    assert data["display"] == "standalone" and data["start_url"] == "/"
    assert {"192x192", "512x512"} <= {icon["sizes"] for icon in data["icons"]}
    assert any(icon.get("purpose") == "maskable" for icon in data["icons"])
    for url in [icon["src"] for icon in data["icons"]] + ["/static/icons/apple-touch-icon.png"]:
        with client.get(url) as icon:
            assert icon.status_code == 200, url


def test_logout_clears_the_cache_but_not_the_outbox(client, auth, world):
    """"cache" goes (the shell holds the user's name and token); "storage" would take the
    outbox's deeds from their makers."""
    auth.login()
    response = auth.logout()
    assert response.headers["Clear-Site-Data"] == '"cache"'
