"""GET /api/deeds: the board as JSON, with cursor pagination, filters and clear errors."""

import datetime as dt
import io

import sqlalchemy as sa

from app.extensions import db
from app.models import CustomerType, Municipality
from app.services import accounts, deeds
from tests.imagegen import photo_like


def add_deed(app, unit_id: int, description: str = "Leivoin pullaa.", username: str = "aino"):
    """Post a deed through the service with a tiny photo; return its id."""
    with app.app_context():
        new = deeds.NewDeed(
            description=description,
            unit_id=unit_id,
            happened_on=dt.date(2026, 6, 2),
            customer_type=CustomerType.MUNICIPALITY,
            consent=True,
        )
        author = accounts.find_user(username)
        deed_id = deeds.create_deed(author, new, [io.BytesIO(photo_like(64, 48))]).id
        db.session.remove()
    return deed_id


def municipality_id(app, name: str) -> int:
    """Return the id of a municipality by name."""
    with app.app_context():
        found = db.session.scalar(sa.select(Municipality.id).filter_by(name=name))
        db.session.remove()
    return found


def get_json(client, query: str = "", status: int = 200) -> dict:
    """GET /api/deeds with a query string and return the JSON body."""
    response = client.get(f"/api/deeds{query}")
    assert response.status_code == status
    assert response.is_json
    return response.json


def test_deed_shape(app, client, auth, world):
    """Each deed carries what a card needs, with photo renditions and their URLs."""
    deed_id = add_deed(app, world.other_unit_id, "Siivosin kahvihuoneen.", username="kalle")
    auth.login()

    body = get_json(client)

    assert set(body) == {"deeds", "next_cursor"}
    assert body["next_cursor"] is None
    (deed,) = body["deeds"]
    assert deed["id"] == deed_id
    assert deed["description"] == "Siivosin kahvihuoneen."
    assert deed["unit"] == {"id": world.other_unit_id, "name": "Sulkavan siivous"}
    assert deed["municipality"] == {"id": municipality_id(app, "Sulkava"), "name": "Sulkava"}
    assert deed["happened_on"] == "2026-06-02"
    assert deed["author"] == "Kalle"
    assert deed["customer_type"] == "municipality"
    assert deed["thanks_count"] == 0
    assert deed["thanked"] is False
    (photo,) = deed["photos"]
    assert photo["renditions"]
    for rendition in photo["renditions"]:
        assert set(rendition) >= {"name", "url", "width", "height"}
        assert rendition["url"].startswith("/photos/")
        assert rendition["width"] == 64 and rendition["height"] == 48
        image = client.get(rendition["url"])
        image.close()
        assert image.status_code == 200
        assert image.mimetype == "image/webp"
    names = {r["name"] for r in photo["renditions"]}
    assert names == {name for name, _size in app.config["RENDITION_SIZES"]}


def test_thanked_flag_follows_the_viewer(app, client, auth, world):
    """'thanked' says whether the logged-in user has thanked the deed."""
    deed_id = add_deed(app, world.unit_id, username="kalle")
    auth.login("aino")
    client.post(f"/deeds/{deed_id}/thanks")
    assert get_json(client)["deeds"][0]["thanked"] is True
    assert get_json(client)["deeds"][0]["thanks_count"] == 1

    auth.logout()
    auth.login("riitta")
    assert get_json(client)["deeds"][0]["thanked"] is False


def walk(client, query: str) -> list[list[int]]:
    """Follow next_cursor from the first page to the last; return the ids of each page."""
    pages, cursor = [], None
    while True:
        suffix = f"&cursor={cursor}" if cursor else ""
        body = get_json(client, f"{query}{suffix}")
        pages.append([deed["id"] for deed in body["deeds"]])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 20, "pagination does not end"


def test_cursor_pagination_walks_every_deed_once(app, client, auth, world):
    """limit=2 pages through all deeds exactly once, newest first, and then stops."""
    ids = [add_deed(app, world.unit_id, f"Teko {n}") for n in range(5)]
    auth.login()

    pages = walk(client, "?limit=2")

    assert pages == [ids[4:2:-1], ids[2:0:-1], ids[:1]]
    assert [i for page in pages for i in page] == sorted(ids, reverse=True)


def test_next_cursor_is_none_when_the_page_is_exactly_full(app, client, auth, world):
    """No empty last page: with 4 deeds and limit=2, the second page ends the walk."""
    ids = [add_deed(app, world.unit_id, f"Teko {n}") for n in range(4)]
    auth.login()
    assert walk(client, "?limit=2") == [ids[:1:-1], ids[1::-1]]


def test_new_deed_does_not_disturb_a_walk(app, client, auth, world):
    """A deed posted while someone pages does not repeat or skip older ones."""
    ids = [add_deed(app, world.unit_id, f"Teko {n}") for n in range(3)]
    auth.login()
    first = get_json(client, "?limit=2")
    add_deed(app, world.unit_id, "Uusi")
    rest = get_json(client, f"?limit=2&cursor={first['next_cursor']}")
    assert [d["id"] for d in first["deeds"] + rest["deeds"]] == ids[::-1]


def test_filters(app, client, auth, world):
    """?municipality= and ?unit= work in the API as on the board, also while paging."""
    juva = [add_deed(app, world.unit_id, f"Juva {n}") for n in range(3)]
    sulkava = add_deed(app, world.other_unit_id, "Sulkava")
    auth.login()

    by_town = walk(client, f"?municipality={municipality_id(app, 'Juva')}&limit=2")
    assert by_town == [juva[:0:-1], juva[:1]]
    assert walk(client, f"?unit={world.other_unit_id}") == [[sulkava]]
    assert walk(client, f"?municipality={municipality_id(app, 'Rantasalmi')}") == [[]]


def test_limit_is_capped(app, client, auth, world):
    """A limit above the maximum is served, capped (not an error)."""
    add_deed(app, world.unit_id)
    auth.login()
    assert len(get_json(client, "?limit=100000")["deeds"]) == 1


BAD_QUERIES = [
    "?cursor=abc",
    "?cursor=-1",
    "?cursor=0",
    "?cursor=1e3",
    f"?cursor={2**64}",
    "?limit=0",
    "?limit=-2",
    "?limit=abc",
    "?limit=2.5",
    "?municipality=x",
    "?unit=-1",
    "?municipality=2147483648",  # beyond INTEGER: PostgreSQL would fail, not find nothing
    "?cursor=2147483648",
    "?limit=" + "9" * 5000,  # int() refuses over 4300 digits
]


def test_bad_parameters_are_400_json(client, auth, world):
    """Bad cursor, limit or filter answers 400 with a JSON error in Finnish."""
    auth.login()
    for query in BAD_QUERIES:
        response = client.get(f"/api/deeds{query}")
        assert response.status_code == 400, query
        assert set(response.json) == {"error"}, query
        assert "Rajaus ei kelpaa" in response.json["error"], query


def test_anonymous_gets_401_json(client, world):
    """Without a login the API answers 401 JSON (no redirect to an HTML page)."""
    response = client.get("/api/deeds")
    assert response.status_code == 401
    assert "Location" not in response.headers
    assert response.json == {"error": "Kirjaudu ensin sisään."}


def test_unknown_api_path_is_404_json(client, auth, world):
    """Errors under /api/ are JSON too."""
    auth.login()
    response = client.get("/api/no-such-thing")
    assert response.status_code == 404
    assert response.json == {"error": "Sivua ei löytynyt."}
