"""The one card: board, "load more" and the API show the same card; its cache is never stale."""

import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Deed
from app.services import accounts, privacy
from tests.test_board import add_deed, board


def card_html(html: str, deed_id: int) -> str:
    """The <article> of one deed's card, as sent."""
    match = re.search(rf'<article class="card" data-deed-id="{deed_id}">.*?</article>', html, re.S)
    assert match, f"no card for deed {deed_id}"
    return match.group(0)


def more(client, query: str) -> str:
    """GET the next cards as "load more" does (200 expected) and return the HTML fragment."""
    response = client.get(f"/board/more?{query}")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


@pytest.fixture
def eight(app_config, request):
    """Eight deeds by aino, a page size of eight, and riitta logged in (thanks are offered on
    others' deeds only); return the ids, oldest first."""
    app_config["BOARD_PAGE_SIZE"] = 8
    app = request.getfixturevalue("app")
    world = request.getfixturevalue("world")
    ids = [add_deed(app, world.unit_id, f"Teko numero {n}") for n in range(8)]
    request.getfixturevalue("auth").login("riitta")
    return ids


def test_board_and_load_more_send_the_same_card(client, eight):
    """The oldest deed is the last card of the board and the first card "load more" sends."""
    oldest = eight[0]
    on_board = card_html(board(client), oldest)
    loaded = card_html(more(client, f"cursor={eight[1]}"), oldest)
    assert on_board == loaded
    assert 'loading="lazy"' in on_board  # below the first screen, both lazy


def test_first_screen_photos_load_at_once(client, eight):
    """The first six cards of the board load their photos at once, the rest lazily."""
    html = board(client)
    newest_first = list(reversed(eight))
    assert all('loading="lazy"' not in card_html(html, i) for i in newest_first[:6])
    assert all('loading="lazy"' in card_html(html, i) for i in newest_first[6:])


def test_load_more_says_where_the_next_page_starts(app, client, eight):
    """The next cursor comes in a header: empty at the end."""
    response = client.get("/board/more?cursor=3")
    assert response.headers["X-Next-Cursor"] == ""
    assert [int(i) for i in re.findall(r'data-deed-id="(\d+)"', response.get_data(True))] == [2, 1]


def test_api_serialises_the_same_card(client, eight):
    """The JSON holds what the card shows: text, place, byline, date, photo URLs and sizes."""
    deed_id = eight[3]
    html = card_html(board(client), deed_id)
    card = next(c for c in client.get("/api/deeds").get_json()["deeds"] if c["id"] == deed_id)
    assert card["description"] in html
    assert card["unit"]["name"] in html and card["municipality"]["name"] in html
    assert card["author"] in html and card["happened_on_display"] in html
    assert f'href="{card["url"]}"' in html
    assert f'formaction="{card["thanks_url"]}"' in html
    srcset = re.search(r'srcset="([^"]+)"', html).group(1)
    for size in card["photos"][0]["renditions"]:
        if size["width"] <= 960:
            assert f'{size["url"]} {size["width"]}w' in srcset
    assert card["thanks_count"] == 0 and card["thanked"] is False


def thanks_of(html: str, deed_id: int) -> tuple[str, bool]:
    """The count and pressed state of a card's thanks button."""
    card = card_html(html, deed_id)
    count = re.search(r'class="thanks-count"[^>]*>(\d+)<', card).group(1)
    return count, 'aria-pressed="true"' in card


def test_a_thanked_deed_is_never_stale(client, auth, eight):
    """After a thanks the count rises for everyone; only the thanker sees it pressed."""
    deed_id = eight[5]
    assert thanks_of(board(client), deed_id) == ("0", False)
    assert client.post(f"/deeds/{deed_id}/thanks").status_code == 302
    assert thanks_of(board(client), deed_id) == ("1", True)
    auth.logout()
    auth.login("kalle")
    assert thanks_of(board(client), deed_id) == ("1", False)


def test_hidden_and_erased_deeds_leave_the_cached_board(app, client, auth, eight):
    """A card already cached disappears at once when its deed is hidden or erased."""
    hidden, erased = eight[6], eight[7]
    html = board(client)
    assert f'data-deed-id="{hidden}"' in html and f'data-deed-id="{erased}"' in html
    auth.logout()
    auth.login("admin")
    assert client.post(f"/deeds/{hidden}/hide", data={"reason": "Syy"}).status_code == 302
    with app.app_context():
        privacy.erase_deed(accounts.find_user("admin"), erased)
        db.session.remove()
    html = board(client)
    assert f'data-deed-id="{hidden}"' not in html and f'data-deed-id="{erased}"' not in html


def test_an_erased_deeds_id_is_never_reused(app, client, eight, world):
    """A new deed after the newest was erased gets a new id, so no cached card can show."""
    newest = eight[-1]
    board(client)  # the erased deed's card is now cached
    with app.app_context():
        privacy.erase_deed(accounts.find_user("admin"), newest)
        db.session.remove()
    new_id = add_deed(app, world.unit_id, "Aivan uusi teko")
    assert new_id > newest
    html = board(client)
    assert "Aivan uusi teko" in card_html(html, new_id)
    assert "Teko numero 7" not in html


def set_description(app, deed_id: int, text: str, *, new_version: bool) -> None:
    """Change a deed's text behind the services' back, raising its version or not."""
    with app.app_context():
        values = {"description": text}
        if new_version:
            values["version"] = Deed.version + 1
        db.session.execute(sa.update(Deed).where(Deed.id == deed_id).values(**values))
        db.session.commit()
        db.session.remove()


def test_cards_are_cached_by_version(app, client, eight):
    """The cached card is used until the deed's version changes; then it is rendered anew."""
    deed_id = eight[4]
    assert "Teko numero 4" in card_html(board(client), deed_id)
    set_description(app, deed_id, "Muutettu ilman versiota", new_version=False)
    assert "Teko numero 4" in card_html(board(client), deed_id)  # served from the cache
    set_description(app, deed_id, "Muutettu uudella versiolla", new_version=True)
    assert "Muutettu uudella versiolla" in card_html(board(client), deed_id)


def test_cards_follow_the_language(client, eight):
    """The same deed's card in Finnish and in English: the cache keeps the languages apart."""
    deed_id = eight[2]
    assert "2.6.2026" in card_html(board(client), deed_id)
    assert client.post("/language", data={"lang": "en", "next": "/"}).status_code == 302
    english = card_html(board(client), deed_id)
    assert "02/06/2026" in english and "Thank you!" in english
