"""The projection's server side: live data, the spotlight, the QR code and projection links."""

import datetime as dt
import re
import threading
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import (
    AuditAction,
    AuditEntry,
    Deed,
    Projection,
    ProjectionLink,
    Visibility,
    Workshop,
)
from app.services import accounts, privacy, projection
from app.services.board import BoardFilter
from tests.conftest import log_in
from tests.security_support import deed_keys
from tests.test_board import add_deed, municipality_id
from tests.test_workshops import T1, add_workshop, deed_at

LINK_URL = re.compile(r'value="(http://localhost/p/[^"]+)"')


def live(client, query: str = "", **headers):
    """GET the live data of the projection (the filter in query)."""
    return client.get(f"/projection/live?{query}", headers=headers)


def set_visibility(app, deed_id: int, visibility: Visibility) -> None:
    """Hide or show a deed directly (as moderation does)."""
    with app.app_context():
        db.session.execute(
            sa.update(Deed).where(Deed.id == deed_id).values(visibility=visibility)
        )
        db.session.commit()
        db.session.remove()


@pytest.fixture
def leader(client, world):
    """The test client, signed in as the leader."""
    log_in(client, "kalle")
    return client


def test_live_gives_every_deed_then_only_newer_ones(app, leader, world):
    """Without since: the whole window; with since: only newer deeds, all still listed."""
    first, second = add_deed(app, world.unit_id, "Eka"), add_deed(app, world.unit_id, "Toka")
    data = live(leader).json
    assert [card["id"] for card in data["cards"]] == [second, first]
    assert data["present"] == [[second, 1], [first, 1]]
    assert data["newest"] == second and data["spotlight"] is None
    third = add_deed(app, world.unit_id, "Kolmas")
    newer = live(leader, f"since={second}").json
    assert [card["id"] for card in newer["cards"]] == [third]
    assert [item[0] for item in newer["present"]] == [third, second, first]
    assert newer["cards"][0]["description"] == "Kolmas"
    assert newer["cards"][0]["photos"][0]["renditions"][0]["url"].startswith("/photos/")


def test_live_answers_304_until_something_changes(app, leader, world):
    """The ETag covers the window and the spotlight: unchanged is a bodiless 304."""
    deed_id = add_deed(app, world.unit_id)
    first = live(leader, f"since={deed_id}")
    assert first.status_code == 200 and first.headers["ETag"]
    assert "no-cache" in first.headers["Cache-Control"]
    again = live(leader, f"since={deed_id}", **{"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    newer = add_deed(app, world.unit_id)
    changed = live(leader, f"since={deed_id}", **{"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200
    assert [card["id"] for card in changed.json["cards"]] == [newer]


def test_a_hidden_or_erased_deed_leaves_a_running_projection(app, leader, world):
    """`present` stops listing it, so the screen drops it; it is never sent again."""
    keep, hide, erase = (add_deed(app, world.unit_id) for _ in range(3))
    etag = live(leader, f"since={erase}").headers["ETag"]
    set_visibility(app, hide, Visibility.HIDDEN)
    with app.app_context():
        privacy.erase_deed(accounts.find_user("admin"), erase)
        db.session.remove()
    data = live(leader, f"since={erase}", **{"If-None-Match": etag})
    assert data.status_code == 200
    assert data.json["present"] == [[keep, 1]] and data.json["cards"] == []
    assert [card["id"] for card in live(leader).json["cards"]] == [keep]


def test_a_changed_card_is_sent_again_when_asked(app, leader, world):
    """A new version (an erased author's byline, say) shows in present; refresh= fetches it."""
    deed_id = add_deed(app, world.unit_id)
    with app.app_context():
        db.session.execute(sa.update(Deed).where(Deed.id == deed_id).values(version=2))
        db.session.commit()
        db.session.remove()
    data = live(leader, f"since={deed_id}&refresh={deed_id}").json
    assert data["present"] == [[deed_id, 2]]
    assert [card["id"] for card in data["cards"]] == [deed_id]


def test_live_follows_the_filter(app, leader, world):
    """Only the filter's deeds: a municipality, or a workshop's round."""
    juva = add_deed(app, world.unit_id)
    sulkava = add_deed(app, world.other_unit_id)
    ids = lambda query: [c["id"] for c in live(leader, query).json["cards"]]  # noqa: E731
    assert ids(f"municipality={municipality_id(app, 'Sulkava')}") == [sulkava]
    assert ids(f"unit={world.unit_id}") == [juva]
    early = deed_at(app, world.unit_id, T1 - dt.timedelta(days=1))
    workshop = add_workshop(app, "1. työpaja", T1)
    assert ids(f"round={workshop}") == [early]
    assert ids("round=open") == [sulkava, juva]


@pytest.mark.parametrize("query", ["since=abc", "refresh=1,x", "refresh=" + ",".join("1" * 60),
                                   "round=nope", "municipality=0"])
def test_live_refuses_nonsense(app, leader, world, query):
    """Bad parameters are a 400 with words, never a 500."""
    response = live(leader, query)
    assert response.status_code == 400


def spotlight(client, deed_id=None, release=False, **filters):
    """Set (or release) the spotlight as the remote page's form does."""
    data = {**{k: str(v) for k, v in filters.items()}}
    if deed_id is not None:
        data["deed_id"] = str(deed_id)
    url = "/projection/spotlight/release" if release else "/projection/spotlight"
    return client.post(url, data=data)


def test_the_spotlight_is_shared_through_the_database(app, leader, world):
    """Set from the remote, it shows in the live data of the same filter until released."""
    deed_id = add_deed(app, world.unit_id)
    etag = live(leader, f"since={deed_id}").headers["ETag"]
    assert spotlight(leader, deed_id).status_code == 302
    data = live(leader, f"since={deed_id}", **{"If-None-Match": etag})
    assert data.status_code == 200 and data.json["spotlight"]["id"] == deed_id
    # Another filter's projection has its own spotlight.
    assert live(leader, f"unit={world.unit_id}").json["spotlight"] is None
    assert spotlight(leader, release=True).status_code == 302
    assert live(leader).json["spotlight"] is None


def test_the_spotlight_takes_only_a_deed_of_its_filter(app, leader, world):
    """A deed outside the filter, or hidden, is not found; the remote answers 204 to scripts."""
    juva = add_deed(app, world.unit_id)
    sulkava = add_deed(app, world.other_unit_id)
    assert spotlight(leader, sulkava, unit=world.unit_id).status_code == 404
    set_visibility(app, juva, Visibility.HIDDEN)
    assert spotlight(leader, juva).status_code == 404
    scripted = leader.post("/projection/spotlight", data={"deed_id": str(sulkava)},
                           headers={"Accept": "application/json"})
    assert scripted.status_code == 204


def test_a_spotlit_deed_that_is_hidden_leaves_the_screen(app, leader, world):
    """Hiding the deed takes it out of the spotlight too."""
    deed_id = add_deed(app, world.unit_id)
    spotlight(leader, deed_id)
    set_visibility(app, deed_id, Visibility.HIDDEN)
    assert live(leader).json["spotlight"] is None


def test_the_remote_lists_the_deeds_and_marks_the_spotlight(app, leader, world):
    """Each deed is a form that puts it in the spotlight."""
    first, second = add_deed(app, world.unit_id, "Eka"), add_deed(app, world.unit_id, "Toka")
    spotlight(leader, first)
    html = leader.get("/projection/remote").get_data(as_text=True)
    assert f'value="{second}"' in html and f'value="{first}"' in html
    assert "Eka" in html and "Toka" in html


def test_the_qr_code_is_an_svg_of_the_absolute_deed_form_address(app, leader, world):
    """Drawn here with segno; the address follows the proxy's scheme and host."""
    workshop = add_workshop(app, "1. työpaja", T1)
    response = leader.get(f"/projection/qr.svg?round={workshop}")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    svg = response.get_data(as_text=True)
    assert svg.startswith("<svg") and "<path" in svg
    assert f"http://localhost/deeds/new?workshop={workshop}" in svg  # its <title>


def test_the_qr_address_respects_the_proxy(app_config, request):
    """Behind a trusted proxy the QR code names the public https address."""
    app_config["TRUSTED_PROXIES"] = 1  # before the app exists (the world needs the app)
    request.getfixturevalue("world")
    client = request.getfixturevalue("app").test_client()
    headers = {"X-Forwarded-Proto": "https"}
    log_in(client, "kalle", headers=headers)
    svg = client.get("/projection/qr.svg", headers=headers).get_data(as_text=True)
    assert "https://localhost/deeds/new" in svg


def make_link(client, hours: int = 24, **filters) -> str:
    """Create a projection link as the remote page does; return its address."""
    data = {"hours": str(hours), "next": "/projection/remote",
            **{k: str(v) for k, v in filters.items()}}
    assert client.post("/projection/links", data=data).status_code == 302
    html = client.get("/projection/remote?" + "&".join(f"{k}={v}" for k, v in filters.items()))
    return LINK_URL.findall(html.get_data(as_text=True))[0]


def test_a_link_shows_its_projection_without_a_login(app, client, world):
    """The page, the live data, the QR code and the filter's photos, and nothing else."""
    juva = add_deed(app, world.unit_id)
    sulkava = add_deed(app, world.other_unit_id)
    log_in(client, "kalle")
    path = urlsplit(make_link(client, unit=world.unit_id)).path
    client.post("/logout")
    stranger = app.test_client()
    assert stranger.get(path).status_code == 200
    data = stranger.get(f"{path}/live").json
    assert [card["id"] for card in data["cards"]] == [juva]
    photo_url = data["cards"][0]["photos"][0]["renditions"][0]["url"]
    assert photo_url.startswith(f"{path}/photos/")
    photo = stranger.get(photo_url)
    assert photo.status_code == 200 and photo.mimetype.startswith("image/")
    assert "max-age=300" in photo.headers["Cache-Control"]
    photo.close()  # a file response holds its file open until closed
    # A photo outside the filter, or a deed's own address, is not reachable through the link.
    assert stranger.get(f"{path}/photos/{deed_keys(app, sulkava)[0]}").status_code == 404
    assert stranger.get(f"/photos/{deed_keys(app, juva)[0]}").status_code == 302  # to login
    assert stranger.get("/").status_code == 302
    assert stranger.get(f"/projection/live?unit={world.unit_id}").status_code == 302
    assert stranger.get("/projection/remote").status_code == 302
    assert stranger.get(f"{path}/qr.svg").mimetype == "image/svg+xml"


def test_a_link_never_shows_a_hidden_deed(app, client, world):
    """Hidden deeds and their photos stay out of a link's projection."""
    hidden = add_deed(app, world.unit_id)
    log_in(client, "kalle")
    path = urlsplit(make_link(client)).path
    set_visibility(app, hidden, Visibility.HIDDEN)
    stranger = app.test_client()
    assert stranger.get(f"{path}/live").json["cards"] == []
    assert stranger.get(f"{path}/photos/{deed_keys(app, hidden)[0]}").status_code == 404


def test_an_expired_or_revoked_link_is_refused_in_finnish(app, client, world):
    """410 with a Finnish page, for the page, its data and its photos; both are audited."""
    deed_id = add_deed(app, world.unit_id)
    log_in(client, "kalle")
    expired, revoked = urlsplit(make_link(client)).path, urlsplit(make_link(client)).path
    with app.app_context():
        first = db.session.scalars(sa.select(ProjectionLink).order_by(ProjectionLink.id)).first()
        first.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        db.session.commit()
        second_id = db.session.scalar(sa.select(sa.func.max(ProjectionLink.id)))
        db.session.remove()
    assert client.post(f"/projection/links/{second_id}/revoke",
                       data={"next": "/projection/remote"}).status_code == 302
    stranger = app.test_client()
    key = deed_keys(app, deed_id)[0]
    for path, words in ((expired, "vanhentunut"), (revoked, "peruttu")):
        page = stranger.get(path)
        assert page.status_code == 410 and words in page.get_data(as_text=True)
        assert stranger.get(f"{path}/live").status_code == 410
        assert stranger.get(f"{path}/photos/{key}").status_code == 410
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditEntry.action)).all()
        db.session.remove()
    assert actions.count(AuditAction.CREATE_PROJECTION_LINK) == 2
    assert actions.count(AuditAction.REVOKE_PROJECTION_LINK) == 1


def test_a_tampered_link_is_not_found(app, client, world):
    """A changed id or signature opens nothing."""
    log_in(client, "kalle")
    path = urlsplit(make_link(client)).path
    token = path.rsplit("/", 1)[1]
    number, signature = token.split(".", 1)
    stranger = app.test_client()
    for bad in (f"{number}x.{signature}", f"{number}.{signature[:-2]}AA", "Mg.forged", "x" * 300):
        assert stranger.get(f"/p/{bad}").status_code == 404
        assert stranger.get(f"/p/{bad}/live").status_code == 404


@pytest.mark.parametrize("hours", ["0", "169", "abc", "24.5"])
def test_a_link_lasts_one_of_the_offered_durations(app, client, world, hours):
    """Longer than seven days, or nonsense, is not made."""
    log_in(client, "kalle")
    client.post("/projection/links", data={"hours": hours, "next": "/projection/remote"})
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ProjectionLink)) == 0
        db.session.remove()


def test_the_workshop_page_lists_its_links_with_their_expiry(app, client, world):
    """Made from the workshop page, the link shows its round and is listed there."""
    workshop = add_workshop(app, "1. työpaja", T1)
    log_in(client, "kalle")
    client.post("/projection/links", data={"hours": "4", "round": str(workshop),
                                           "next": f"/workshops/{workshop}"})
    html = client.get(f"/workshops/{workshop}").get_data(as_text=True)
    assert "Voimassa" in html and LINK_URL.search(html)
    with app.app_context():
        link = db.session.scalars(sa.select(ProjectionLink)).one()
        assert (link.workshop_id, link.filter_key) == (workshop, f"round={workshop}")
        db.session.remove()


def test_erasing_a_leader_keeps_their_workshops_and_links(app, client, world):
    """The workshop loses its leader, the link its maker's name; both keep working."""
    workshop = add_workshop(app, "1. työpaja", T1)
    log_in(client, "kalle")
    path = urlsplit(make_link(client, round=workshop)).path
    with app.app_context():
        kalle = accounts.find_user("kalle")
        db.session.get(Workshop, workshop).leaders = [kalle]
        db.session.commit()
        privacy.erase_user(accounts.find_user("admin"), kalle.id)
        assert db.session.get(Workshop, workshop).leaders == []
        assert db.session.scalars(sa.select(ProjectionLink.created_by_id)).all() == [None]
        db.session.remove()
    assert app.test_client().get(path).status_code == 200


def test_screens_racing_for_a_new_spotlight_make_one_row(app, world):
    """Leaders tapping at once on a filter nobody projected yet: no error, one shared row."""
    deed_ids = [add_deed(app, world.unit_id) for _ in range(2)]
    start, errors = threading.Barrier(6), []

    def tap(n: int) -> None:
        with app.app_context():
            try:
                leader = accounts.find_user("kalle")
                start.wait()
                projection.set_spotlight(leader, BoardFilter(), "race", deed_ids[n % 2])
            except Exception as error:  # noqa: BLE001 - collected for the assertion
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=tap, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context():
        rows = db.session.scalars(sa.select(Projection).filter_by(filter_key="race")).all()
        assert len(rows) == 1 and rows[0].spotlight_deed_id in deed_ids
        db.session.remove()
