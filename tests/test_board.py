"""The board: cards, order, filters, paging, the deed page, and a constant number of queries."""

import datetime as dt
import io
import re
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from app.extensions import db
from app.models import CustomerType, Deed, Municipality, Rendition, Visibility
from app.services import accounts, deeds
from tests.imagegen import photo_like

EMPTY_BOARD = "Täällä ei ole vielä tekoja. Lisää ensimmäinen!"
LOAD_MORE = "Näytä lisää"


def add_deed(
    app,
    unit_id: int,
    description: str = "Leivoin pullaa.",
    *,
    username: str = "aino",
    happened_on: dt.date = dt.date(2026, 6, 2),
    photo: bytes | None = None,
) -> int:
    """Post a deed through the service with a tiny photo; return its id."""
    with app.app_context():
        new = deeds.NewDeed(
            description=description,
            unit_id=unit_id,
            happened_on=happened_on,
            customer_type=CustomerType.END_CUSTOMER,
            consent=True,
        )
        upload = io.BytesIO(photo if photo is not None else photo_like(64, 48))
        deed_id = deeds.create_deed(accounts.find_user(username), new, [upload]).id
        db.session.remove()
    return deed_id


def municipality_id(app, name: str) -> int:
    """Return the id of a municipality by name."""
    with app.app_context():
        found = db.session.scalar(sa.select(Municipality.id).filter_by(name=name))
        db.session.remove()
    return found


def card_ids(html: str) -> list[int]:
    """Return the deed ids of the cards on a page, in page order."""
    return [int(i) for i in re.findall(r'<article class="card" data-deed-id="(\d+)"', html)]


class ImageReader(HTMLParser):
    """Collect the attributes of every <img> and every link."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[dict[str, str | None]] = []
        self.links: list[dict[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs))
        elif tag == "a":
            self.links.append(dict(attrs))


def read_page(html: str) -> ImageReader:
    """Parse a page for its images and links."""
    reader = ImageReader()
    reader.feed(html)
    return reader


def board(client, query: str = "") -> str:
    """GET the board (200 expected) and return its HTML."""
    response = client.get(f"/{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_board_shows_a_new_deed(app, client, auth, world):
    """A card shows description, unit, municipality, author and the Finnish date."""
    add_deed(app, world.unit_id, "Toin kukkia ruokasaliin.", username="kalle")
    auth.login("aino")

    html = board(client)

    assert "Toin kukkia ruokasaliin." in html
    assert "Juvan keskuskeittiö" in html
    assert "Juva" in html
    assert "Kalle" in html
    assert "2.6.2026" in html
    assert 'datetime="2026-06-02"' in html
    assert EMPTY_BOARD not in html


def test_empty_board_invites_the_first_deed(client, auth, world):
    """With no deeds the board says so and links to the form."""
    auth.login()
    html = board(client)
    assert EMPTY_BOARD in html
    assert card_ids(html) == []
    assert any(link.get("href") == "/deeds/new" for link in read_page(html).links)


def test_newest_first(app, client, auth, world):
    """The latest posted deed comes first, whatever day it happened on."""
    first = add_deed(app, world.unit_id, "Ensimmäinen", happened_on=dt.date(2026, 6, 1))
    second = add_deed(app, world.unit_id, "Toinen", happened_on=dt.date(2025, 1, 1))
    third = add_deed(app, world.other_unit_id, "Kolmas", happened_on=dt.date(2026, 5, 1))
    auth.login()

    assert card_ids(board(client)) == [third, second, first]


def test_filters_by_municipality_and_unit(app, client, auth, world):
    """?municipality= and ?unit= narrow the board to the matching deeds."""
    juva = add_deed(app, world.unit_id, "Juvan teko")
    sulkava = add_deed(app, world.other_unit_id, "Sulkavan teko")
    auth.login()

    assert card_ids(board(client, f"?municipality={municipality_id(app, 'Juva')}")) == [juva]
    assert card_ids(board(client, f"?municipality={municipality_id(app, 'Sulkava')}")) == [sulkava]
    assert card_ids(board(client, f"?municipality={municipality_id(app, 'Rantasalmi')}")) == []
    assert card_ids(board(client, f"?unit={world.other_unit_id}")) == [sulkava]
    assert card_ids(board(client, f"?unit={world.unit_id}")) == [juva]
    assert card_ids(board(client, "?unit=&municipality=")) == [sulkava, juva]


def unit_options(html: str) -> str:
    """The board filter's unit list."""
    return re.search(r'<select id="filter-unit".*?</select>', html, re.S).group(0)


def test_unit_outside_the_municipality_is_left_out(app, client, auth, world):
    """A unit of another municipality (an old link, no script) is ignored, not an empty board."""
    juva = add_deed(app, world.unit_id, "Juvan teko")
    add_deed(app, world.other_unit_id, "Sulkavan teko")
    auth.login()

    html = board(client, f"?municipality={municipality_id(app, 'Juva')}&unit={world.other_unit_id}")

    assert card_ids(html) == [juva]
    assert f'value="{world.other_unit_id}"' not in unit_options(html), "the stale unit is gone"


def test_unit_list_follows_the_chosen_municipality(app, client, auth, world):
    """With a municipality chosen, the unit list holds only that municipality's units."""
    add_deed(app, world.unit_id, "Juvan teko")
    auth.login()

    everything = unit_options(board(client))
    assert f'<option value="{world.unit_id}"' in everything
    assert f'<option value="{world.other_unit_id}"' in everything
    juva = unit_options(board(client, f"?municipality={municipality_id(app, 'Juva')}"))
    assert f'<option value="{world.unit_id}"' in juva
    assert f'<option value="{world.other_unit_id}"' not in juva


def test_filter_matching_nothing_says_so_and_offers_to_clear(app, client, auth, world):
    """An empty filtered board does not ask for the first deed: it offers to clear the filter."""
    add_deed(app, world.unit_id, "Juvan teko")
    auth.login()

    html = board(client, f"?unit={world.other_unit_id}")

    assert EMPTY_BOARD not in html
    assert "Yksikään teko ei osu rajaukseen." in html
    assert re.search(r'<a class="button" href="/">Näytä kaikki teot</a>', html)
    assert "Yksikään teko ei osu rajaukseen." not in board(client)


def test_card_links_carry_the_filter_back_from_the_deed_page(app, client, auth, world):
    """A card opened on a filtered board leads "Takaisin taululle" to the same filter."""
    deed_id = add_deed(app, world.unit_id, "Juvan teko")
    auth.login()
    juva = municipality_id(app, "Juva")

    html = board(client, f"?municipality={juva}")
    link = f"/deeds/{deed_id}?municipality={juva}"
    assert f'href="{link}"' in html
    assert f'href="/deeds/{deed_id}"' in board(client), "the unfiltered board links plainly"
    deed_page = client.get(link).get_data(as_text=True)
    assert f'href="/?municipality={juva}">Takaisin taululle</a>' in deed_page
    assert f'name="next" value="{link}"' in deed_page, "a thanks without script comes back too"


@pytest.mark.parametrize("query", ["?unit=//evil.example", "?municipality=https://evil.example",
                                   "?round=javascript:alert(1)", "?unit=1%0d%0aX:1"])
def test_deed_page_back_link_takes_only_numbers(app, client, auth, world, query):
    """Anything but a number (or round=open) in the back link is a Finnish 400, never a link out."""
    deed_id = add_deed(app, world.unit_id, "Juvan teko")
    auth.login()

    response = client.get(f"/deeds/{deed_id}{query}")

    assert response.status_code == 400
    assert "Rajaus ei kelpaa" in response.get_data(as_text=True)
    assert not re.search(r'href="[^"]*evil', response.get_data(as_text=True))


def test_deed_page_back_link_keeps_the_open_round(app, client, auth, world):
    """round=open is the one word the back link carries."""
    deed_id = add_deed(app, world.unit_id, "Juvan teko")
    auth.login()

    html = client.get(f"/deeds/{deed_id}?round=open&unit={world.unit_id}").get_data(as_text=True)

    assert f'href="/?unit={world.unit_id}&amp;round=open">Takaisin taululle</a>' in html


def test_filter_is_shown_as_selected(app, client, auth, world):
    """The chosen unit stays selected in the filter form."""
    auth.login()
    html = board(client, f"?unit={world.other_unit_id}")
    assert re.search(rf'<option value="{world.other_unit_id}"\s+selected>', html)


BAD_QUERIES = [
    "?unit=abc",
    "?unit=-1",
    "?unit=0",
    "?unit=1.5",
    "?unit=%C2%B2",
    "?unit=%00",
    f"?unit={2**63}",
    "?municipality=x",
    "?municipality=1%20OR%201=1",
    "?cursor=abc",
    "?cursor=-5",
    "?unit=2147483648",  # beyond INTEGER: PostgreSQL would fail, not find nothing
    "?cursor=2147483648",
    "?unit=" + "9" * 5000,  # int() refuses over 4300 digits
]


def test_bad_filter_values_are_400(client, auth, world):
    """Nonsense in the query string gives a Finnish 400 page, not a traceback."""
    auth.login()
    for query in BAD_QUERIES:
        response = client.get(f"/{query}")
        assert response.status_code == 400, query
        assert "Rajaus ei kelpaa" in response.get_data(as_text=True), query


def test_card_images_are_sized_lazy_and_responsive(app, client, auth, world):
    """Every card image has width/height and a srcset; those below the first screen are lazy."""
    ids = [add_deed(app, world.unit_id, f"Teko {n}") for n in range(8)]
    auth.login()

    images = read_page(board(client)).images

    assert len(images) == len(ids)
    for img in images:
        assert int(img["width"]) > 0 and int(img["height"]) > 0
        assert img["srcset"] and re.fullmatch(
            r"(/photos/\S+ \d+w)(, /photos/\S+ \d+w)*", img["srcset"]
        )
        assert img["src"].startswith("/photos/")
        assert img["alt"]
    lazy = [img.get("loading") == "lazy" for img in images]
    assert lazy[0] is False  # the first cards load at once
    assert lazy[-1] is True  # cards further down wait until scrolled to
    assert lazy == sorted(lazy)  # once lazy, the rest are lazy too


def test_load_more_link_pages_through_the_board(app_config, request):
    """With more deeds than a page, 'Näytä lisää' leads to the older ones, and ends."""
    app_config["BOARD_PAGE_SIZE"] = 3
    app = request.getfixturevalue("app")
    world = request.getfixturevalue("world")
    client = request.getfixturevalue("client")
    ids = [add_deed(app, world.unit_id, f"Teko {n}") for n in range(4)]
    request.getfixturevalue("auth").login()

    first_page = board(client)
    assert card_ids(first_page) == ids[:0:-1]
    assert LOAD_MORE in first_page
    more = next(a["href"] for a in read_page(first_page).links if a.get("id") == "load-more")
    assert more == f"/?cursor={ids[1]}"

    second_page = board(client, more[1:])
    assert card_ids(second_page) == [ids[0]]
    assert LOAD_MORE not in second_page


def test_load_more_keeps_the_filter(app_config, request):
    """The next-page link of a filtered board stays filtered."""
    app_config["BOARD_PAGE_SIZE"] = 3
    app = request.getfixturevalue("app")
    world = request.getfixturevalue("world")
    client = request.getfixturevalue("client")
    mine = [add_deed(app, world.other_unit_id, f"Sulkava {n}") for n in range(4)]
    add_deed(app, world.unit_id, "Juva")
    request.getfixturevalue("auth").login()

    first_page = board(client, f"?unit={world.other_unit_id}")
    more = next(a["href"] for a in read_page(first_page).links if a.get("id") == "load-more")
    assert f"unit={world.other_unit_id}" in more
    assert card_ids(board(client, more[1:])) == [mine[0]]


def test_no_load_more_when_everything_fits(app_config, request):
    """Exactly a page of deeds shows no 'Näytä lisää'."""
    app_config["BOARD_PAGE_SIZE"] = 3
    app = request.getfixturevalue("app")
    world = request.getfixturevalue("world")
    client = request.getfixturevalue("client")
    for n in range(3):
        add_deed(app, world.unit_id, f"Teko {n}")
    request.getfixturevalue("auth").login()

    html = board(client)
    assert len(card_ids(html)) == 3
    assert LOAD_MORE not in html


def rendition_keys(app, deed_id: int) -> dict[str, str]:
    """Return {rendition name: key} of a deed's photo."""
    with app.app_context():
        deed = db.session.get(Deed, deed_id)
        keys = {r.name: r.key for r in deed.photos[0].renditions}
        db.session.remove()
    return keys


def test_deed_page_shows_large_rendition(app_config, request):
    """The deed page shows the large picture; the board card the small one."""
    app_config["RENDITION_SIZES"] = (("large", 320), ("medium", 160), ("small", 80))
    app = request.getfixturevalue("app")
    world = request.getfixturevalue("world")
    client = request.getfixturevalue("client")
    deed_id = add_deed(app, world.unit_id, "Kattaus juhlaan.", photo=photo_like(400, 300))
    keys = rendition_keys(app, deed_id)
    request.getfixturevalue("auth").login()

    response = client.get(f"/deeds/{deed_id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    (image,) = read_page(html).images
    assert image["src"] == f"/photos/{keys['large']}"
    assert (image["width"], image["height"]) == ("320", "240")
    assert image.get("loading") != "lazy"
    assert "Kattaus juhlaan." in html and "Juvan keskuskeittiö" in html and "2.6.2026" in html

    card_image = read_page(board(client)).images[0]
    assert card_image["src"] == f"/photos/{keys['small']}"
    for key in set(keys.values()):
        assert f"/photos/{key}" in card_image["srcset"]


def test_missing_deed_is_404(client, auth, world):
    """A deed that does not exist answers with the Finnish 404 page."""
    auth.login()
    for deed_id in (999999, 2**31, 2**63):  # beyond INTEGER: no route, not a database error
        response = client.get(f"/deeds/{deed_id}")
        assert response.status_code == 404, deed_id
        assert "Sivua ei löytynyt." in response.get_data(as_text=True)


def test_hidden_deed_is_off_the_board(app, client, auth, world):
    """A hidden deed leaves the board; other employees reach neither its page nor its photos."""
    shown = add_deed(app, world.unit_id, "Näkyvä")
    hidden = add_deed(app, world.unit_id, "Piilotettu", username="kalle")
    key = next(iter(rendition_keys(app, hidden).values()))
    with app.app_context():
        db.session.execute(
            sa.update(Deed).where(Deed.id == hidden).values(visibility=Visibility.HIDDEN)
        )
        db.session.commit()
        db.session.remove()
    auth.login("aino")

    assert card_ids(board(client)) == [shown]
    assert [d["id"] for d in client.get("/api/deeds").json["deeds"]] == [shown]
    assert client.get(f"/deeds/{hidden}").status_code == 404
    assert client.get(f"/photos/{key}").status_code == 404


class StatementCounter:
    """Count the SQL statements an engine runs while active."""

    def __init__(self, engine) -> None:
        self.engine, self.count = engine, 0

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._count)

    def _count(self, *args, **kwargs):
        self.count += 1


def statements(app, client, url: str) -> int:
    """Return how many SQL statements one GET of the URL runs (after a warm-up request)."""
    assert client.get(url).status_code == 200
    with app.app_context():
        engine = db.engine
    with StatementCounter(engine) as counter:
        assert client.get(url).status_code == 200
    return counter.count


def test_board_and_api_run_a_constant_number_of_queries(app, client, auth, world):
    """Two deeds or six, by different people in different units: the same queries (no N+1)."""
    authors = ["aino", "riitta", "kalle", "admin"]
    units = [world.unit_id, world.other_unit_id]
    ids = [add_deed(app, units[n % 2], f"Teko {n}", username=authors[n % 4]) for n in range(2)]
    auth.login()
    client.post(f"/deeds/{ids[0]}/thanks")
    small = {url: statements(app, client, url) for url in ("/", "/api/deeds")}

    ids += [add_deed(app, units[n % 2], f"Teko {n}", username=authors[n % 4]) for n in range(2, 6)]
    client.post(f"/deeds/{ids[-1]}/thanks")
    assert len(card_ids(board(client))) == 6
    assert len(client.get("/api/deeds").json["deeds"]) == 6
    large = {url: statements(app, client, url) for url in ("/", "/api/deeds")}

    assert large == small
    assert all(count <= 12 for count in large.values()), large


def test_rendition_rows_match_what_the_board_links(app, client, auth, world):
    """Every photo URL on the board belongs to a stored rendition that is served."""
    add_deed(app, world.unit_id)
    auth.login()
    image = read_page(board(client)).images[0]
    urls = {part.strip().split(" ")[0] for part in image["srcset"].split(",")} | {image["src"]}
    with app.app_context():
        keys = set(db.session.scalars(sa.select(Rendition.key)))
        db.session.remove()
    assert {url.removeprefix("/photos/") for url in urls} <= keys
    for url in urls:
        response = client.get(url)
        response.close()
        assert response.status_code == 200
        assert response.mimetype.startswith("image/")
