"""Board filters by customer type, date range and author, alone and with place and text."""

import datetime as dt

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import CustomerType, Deed
from tests.test_board import add_deed, board, card_ids, municipality_id
from tests.test_search import api_ids


def set_type(app, deed_id: int, customer_type: CustomerType | None) -> None:
    """Give a deed another customer type."""
    with app.app_context():
        db.session.execute(
            sa.update(Deed).where(Deed.id == deed_id).values(customer_type=customer_type)
        )
        db.session.commit()
        db.session.remove()


@pytest.fixture
def deeds(app, world):
    """Deeds of two units, two authors, three dates and several customer types."""
    made = {
        "juva_june": add_deed(app, world.unit_id, "Kahvia", happened_on=dt.date(2026, 6, 2)),
        "juva_may": add_deed(app, world.unit_id, "Pullaa", happened_on=dt.date(2026, 5, 1),
                             username="riitta"),
        "sulkava_june": add_deed(app, world.other_unit_id, "Kukkia",
                                 happened_on=dt.date(2026, 6, 30)),
        "sulkava_jan": add_deed(app, world.other_unit_id, "Kahvia taas",
                                happened_on=dt.date(2026, 1, 15), username="riitta"),
    }
    set_type(app, made["juva_may"], CustomerType.COLLEAGUE)
    set_type(app, made["sulkava_jan"], CustomerType.COLLEAGUE)
    set_type(app, made["sulkava_june"], None)
    return made


def user_id(app, username: str) -> int:
    """The id of a user."""
    from app.services import accounts

    with app.app_context():
        found = accounts.find_user(username).id
        db.session.remove()
    return found


def check(client, query: str, expected: list[int]) -> None:
    """The board and the API show exactly these deeds, newest first."""
    expected = sorted(expected, reverse=True)
    assert card_ids(board(client, f"?{query}")) == expected, query
    assert api_ids(client, query) == expected, query


def test_customer_type_filter(client, auth, deeds):
    """?type= keeps the deeds of that customer type."""
    auth.login()
    check(client, "type=colleague", [deeds["juva_may"], deeds["sulkava_jan"]])
    check(client, "type=end_customer", [deeds["juva_june"]])
    check(client, "type=municipality", [])


def test_date_range_filter_includes_both_ends(client, auth, deeds):
    """?from= and ?to= are days on which the deed happened, both included."""
    auth.login()
    check(client, "from=2026-06-02", [deeds["juva_june"], deeds["sulkava_june"]])
    check(client, "to=2026-05-01", [deeds["juva_may"], deeds["sulkava_jan"]])
    check(client, "from=2026-05-01&to=2026-06-02", [deeds["juva_may"], deeds["juva_june"]])
    check(client, "from=2026-06-02&to=2026-06-02", [deeds["juva_june"]])


def test_author_filter_for_my_deeds(app, client, auth, deeds):
    """?author= keeps one person's deeds; the board offers it as "only my deeds"."""
    auth.login("riitta")
    riitta = user_id(app, "riitta")
    check(client, f"author={riitta}", [deeds["juva_may"], deeds["sulkava_jan"]])
    html = board(client, f"?author={riitta}")
    assert f'name="author" value="{riitta}" data-autosubmit checked' in html


def test_filters_combine_with_municipality_unit_and_text(app, client, auth, world, deeds):
    """Every filter narrows the others."""
    auth.login()
    riitta = user_id(app, "riitta")
    sulkava = municipality_id(app, "Sulkava")
    check(client, f"municipality={sulkava}&type=colleague", [deeds["sulkava_jan"]])
    check(client, f"unit={world.unit_id}&from=2026-06-01", [deeds["juva_june"]])
    check(client, f"unit={world.other_unit_id}&author={riitta}", [deeds["sulkava_jan"]])
    check(client, "q=kahvia&to=2026-03-01", [deeds["sulkava_jan"]])
    check(client, f"q=kahvia&type=colleague&municipality={sulkava}&author={riitta}"
                  "&from=2026-01-01&to=2026-12-31", [deeds["sulkava_jan"]])
    check(client, f"q=kahvia&unit={world.unit_id}&type=colleague", [])


def test_filter_form_shows_the_chosen_values(client, auth, deeds):
    """The form opens its extra filters and keeps their values."""
    auth.login()
    html = board(client, "?type=colleague&from=2026-01-01&to=2026-06-30&q=kahvia")
    assert '<details class="more-filters" open>' in html
    assert '<option value="colleague" selected>' in html
    assert 'name="from" class="input" value="2026-01-01"' in html
    assert 'name="to" class="input" value="2026-06-30"' in html
    assert 'name="q" class="input" value="kahvia"' in html
    assert '<details class="more-filters">' in board(client)


def test_card_links_and_load_more_keep_the_new_filters(app, client, auth, world, deeds):
    """The card's link back to the board and "load more" carry every filter."""
    app.config["BOARD_PAGE_SIZE"] = 1
    auth.login()
    html = board(client, "?to=2026-12-31&from=2026-01-01&q=kahvia")
    assert card_ids(html) == [deeds["sulkava_jan"]]
    assert "cursor=" in html
    assert "from=2026-01-01" in html and "to=2026-12-31" in html and "q=kahvia" in html
    page = client.get(f"/deeds/{deeds['sulkava_jan']}?type=colleague&from=2026-01-01&q=kahvia")
    back = page.get_data(as_text=True)
    assert "from=2026-01-01" in back and "q=kahvia" in back


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2026-13-01", "Päivämäärä ei kelpaa: from"),
        ("to=eilen", "Päivämäärä ei kelpaa: to"),
        ("from=2026-02-30", "Päivämäärä ei kelpaa: from"),
        ("from=20260101", "Päivämäärä ei kelpaa: from"),
        ("from=2026-06-02&to=2026-06-01", "Aikavälin alku on sen lopun jälkeen."),
        ("type=kunta", "Rajaus ei kelpaa: type."),
        ("type=END_CUSTOMER", "Rajaus ei kelpaa: type."),
        ("author=-1", "Rajaus ei kelpaa: author."),
        ("author=abc", "Rajaus ei kelpaa: author."),
        ("author=99999999999", "Rajaus ei kelpaa: author."),
    ],
)
def test_bad_filter_values_are_a_finnish_400(client, auth, deeds, query, message):
    """Nonsense in any new filter is a 400 with a Finnish message, on the board and the API."""
    auth.login()
    for url in (f"/?{query}", f"/api/deeds?{query}", f"/deeds/{deeds['juva_june']}?{query}"):
        response = client.get(url)
        assert response.status_code == 400, url
        text = response.json["error"] if response.is_json else response.get_data(as_text=True)
        assert message in text, url


def test_filtered_board_keeps_a_constant_number_of_queries(app, client, auth, world):
    """Every filter at once, two deeds or six: the same statements."""
    from tests.test_board import statements

    query = "?type=end_customer&from=2026-01-01&to=2026-12-31&q=kahvia&unit=" + str(world.unit_id)
    for n in range(2):
        add_deed(app, world.unit_id, f"Kahvia {n}")
    auth.login()
    small = {url: statements(app, client, url + query) for url in ("/", "/api/deeds")}
    for n in range(4):
        add_deed(app, world.unit_id, f"Kahvia {n}")
    large = {url: statements(app, client, url + query) for url in ("/", "/api/deeds")}
    assert small == large
