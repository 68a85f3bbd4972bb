"""Free-text search on the board and in /api/deeds: prefix, case, ä/å/ö, and hostile text."""

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Deed
from app.services import accounts, privacy
from tests.test_board import add_deed, board, card_ids

NO_MATCH = "Yksikään teko ei osu rajaukseen."


def api_ids(client, query: str) -> list[int]:
    """The deed ids /api/deeds answers for a query string."""
    response = client.get(f"/api/deeds?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return [deed["id"] for deed in response.json["deeds"]]


@pytest.fixture
def deeds(app, world):
    """Four deeds with words to find."""
    return {
        "coffee": add_deed(app, world.unit_id, "Keitin asiakkaalle kahvia ja juttelin."),
        "bun": add_deed(app, world.unit_id, "Leivoin PULLAA syntymäpäivälle."),
        "flowers": add_deed(app, world.other_unit_id, "Toin kukkia päiväkodin pöytään."),
        "swedish": add_deed(app, world.other_unit_id, "Åsa fick blommor på sin födelsedag."),
    }


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("kahv", ["coffee"]),  # a prefix finds the whole word
        ("kahvia", ["coffee"]),
        ("KAHVIA", ["coffee"]),  # case does not matter
        ("pullaa", ["bun"]),  # nor in the text
        ("pöytä", ["flowers"]),  # ö
        ("PÖYTÄÄN", ["flowers"]),  # upper-case Ö and Ä
        ("åsa", ["swedish"]),  # å
        ("födelsedag", ["swedish"]),
        ("kahvia juttelin", ["coffee"]),  # every word must match
        ("kahvia kukkia", []),
        ("teetä", []),  # no match
    ],
)
def test_search_finds_words_on_board_and_api(client, auth, deeds, text, found):
    """The board and the API find the same deeds, newest first."""
    auth.login()
    expected = sorted((deeds[name] for name in found), reverse=True)
    assert card_ids(board(client, f"?q={text}")) == expected
    assert api_ids(client, f"q={text}") == expected


def test_no_match_says_so_and_offers_to_clear(client, auth, deeds):
    """An empty result shows the filter's empty state with a link to the whole board."""
    auth.login()
    html = board(client, "?q=tuntematon")
    assert NO_MATCH in html
    assert 'href="/">Näytä kaikki teot' in html
    assert 'value="tuntematon"' in html  # the search box keeps the text


def test_pöytä_does_not_match_poyta(client, auth, deeds):
    """ä and ö are letters of their own, not a and o with dots."""
    auth.login()
    assert card_ids(board(client, "?q=poyta")) == []


@pytest.mark.parametrize(
    "text",
    ['"', '""', "*", "kahv*", "NEAR(kahvia", "kahvia OR pullaa", "-kahvia", "kahvia AND",
     "(", ")", "^kahvia", "kahvia:*", "a & b | !c", "'", "\\", "description:kahvia", "{x}",
     "%", "NOT", "kahvia NOT pullaa", "kahvia\tpullaa\u200b"],
)
def test_hostile_search_syntax_is_only_text(client, auth, deeds, text):
    """Query syntax of FTS5 or tsquery is never passed on: no 500, words are just words."""
    auth.login()
    response = client.get("/", query_string={"q": text})
    assert response.status_code == 200
    api = client.get("/api/deeds", query_string={"q": text})
    assert api.status_code == 200
    words = {"kahv*": [deeds["coffee"]], "kahvia:*": [deeds["coffee"]],
             "-kahvia": [deeds["coffee"]], "^kahvia": [deeds["coffee"]],
             "description:kahvia": []}
    if text in words:
        assert [d["id"] for d in api.json["deeds"]] == words[text]


def test_control_characters_are_refused_not_a_500(client, auth, deeds):
    """A NUL in the query string is refused before any search (PostgreSQL would fail on it)."""
    auth.login()
    assert client.get("/", query_string={"q": "kahvia\x00"}).status_code == 400


@pytest.mark.parametrize("text", ["", "   ", "!!!", "* ( ) \" -", "…"])
def test_empty_or_punctuation_only_is_no_text_filter(client, auth, deeds, text):
    """Nothing to search for shows the whole board."""
    auth.login()
    assert len(card_ids(board(client, f"?q={text}"))) == 4
    assert len(api_ids(client, f"q={text}")) == 4


def test_long_search_text_is_a_finnish_400(client, auth, deeds):
    """A search text over 200 characters is refused, in Finnish."""
    auth.login()
    response = client.get("/", query_string={"q": "kahvia " * 40})
    assert response.status_code == 400
    assert "Hakuteksti on liian pitkä" in response.get_data(as_text=True)
    assert client.get("/api/deeds", query_string={"q": "k" * 201}).status_code == 400
    assert client.get("/", query_string={"q": "k" * 200}).status_code == 200


def test_search_follows_edits_and_deletes(app, client, auth, deeds):
    """The index keeps up with a changed description and a deleted deed (triggers on SQLite)."""
    auth.login()
    with app.app_context():
        deed = db.session.get(Deed, deeds["bun"])
        deed.description = "Vein asiakkaalle mustikkapiirakkaa."
        db.session.commit()
        db.session.remove()
    assert card_ids(board(client, "?q=pullaa")) == []
    assert card_ids(board(client, "?q=mustikka")) == [deeds["bun"]]
    with app.app_context():
        privacy.erase_deed(accounts.find_user("admin"), deeds["flowers"])
        if db.engine.dialect.name == "sqlite":
            # The index agrees with the deeds, word for word (FTS5 compares it with `deed`).
            db.session.execute(sa.text(
                "INSERT INTO deed_fts(deed_fts, rank) VALUES ('integrity-check', 1)"))
            hits = db.session.scalar(sa.text(
                "SELECT count(*) FROM deed_fts WHERE deed_fts MATCH '\"kukkia\"'"))
            assert hits == 0
        db.session.remove()
    assert card_ids(board(client, "?q=kukkia")) == []


def test_search_pages_through_many_matches(app, client, auth, world):
    """"Load more" keeps the search, and every match shows once."""
    app.config["BOARD_PAGE_SIZE"] = 2
    ids = [add_deed(app, world.unit_id, f"Kahvihetki numero {n}.") for n in range(5)]
    add_deed(app, world.unit_id, "Jotain muuta.")
    auth.login()
    seen, url = [], "/api/deeds?q=kahvihetki"
    cursor = None
    while True:
        response = client.get(url + (f"&cursor={cursor}" if cursor else ""))
        seen += [d["id"] for d in response.json["deeds"]]
        cursor = response.json["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(ids, reverse=True)
    html = board(client, "?q=kahvihetki")
    assert "q=kahvihetki" in html and "cursor=" in html


def test_search_combines_with_municipality_and_unit(client, auth, world, deeds, app):
    """Text and place narrow the board together."""
    auth.login()
    assert card_ids(board(client, f"?q=kahvia&unit={world.unit_id}")) == [deeds["coffee"]]
    assert card_ids(board(client, f"?q=kahvia&unit={world.other_unit_id}")) == []


def test_search_keeps_a_constant_number_of_queries(app, client, auth, world):
    """Two matches or six: the same statements (no N+1)."""
    from tests.test_board import statements

    for n in range(2):
        add_deed(app, world.unit_id, f"Kahvia {n}")
    auth.login()
    small = {url: statements(app, client, url) for url in ("/?q=kahv", "/api/deeds?q=kahv")}
    for n in range(4):
        add_deed(app, world.unit_id, f"Kahvia {n}")
    large = {url: statements(app, client, url) for url in ("/?q=kahv", "/api/deeds?q=kahv")}
    assert small == large


def test_migration_run_puts_back_triggers_a_rebuild_of_deed_dropped(app, client, auth, world):
    """SQLite drops a table's triggers when a migration rebuilds it: every run makes them again."""
    from flask_migrate import upgrade

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("the triggers are SQLite's")
        with db.engine.begin() as connection:
            for name in ("deed_fts_insert", "deed_fts_update", "deed_fts_delete"):
                connection.exec_driver_sql(f"DROP TRIGGER {name}")
        db.session.remove()
    missed = add_deed(app, world.unit_id, "Lakaisin portaat.")  # while the triggers were gone
    with app.app_context():
        upgrade()  # nothing to migrate; the run still checks the triggers
        db.session.remove()
    later = add_deed(app, world.unit_id, "Lakaisin pihan.")
    auth.login()
    assert card_ids(board(client, "?q=lakaisin")) == [later, missed]
