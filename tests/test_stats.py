"""The statistics page and the report: exact counts on known data, filters, sight, bad input."""

import datetime as dt
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from app.extensions import db
from app.models import Comment, CustomerType, Deed, Thanks, Unit, User, Visibility
from app.services import accounts
from tests.conftest import log_in
from tests.security_support import make_user, supervise

PERIOD = "from=2026-01-01&to=2026-03-31"


def utc(day: str) -> dt.datetime:
    """Noon UTC of a day: far from any midnight in Finland."""
    return dt.datetime.fromisoformat(day).replace(hour=12, tzinfo=dt.UTC)


class Tables(HTMLParser):
    """The page's tables by caption, each a list of rows of cell texts."""

    def __init__(self, html: str):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._caption: str | None = None
        self._rows: list[list[str]] = []
        self._cell: list[str] | None = None
        self._in_caption = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._caption, self._rows = "", []
        elif tag == "caption":
            self._in_caption = True
        elif tag == "tr":
            self._rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "table":
            self.tables[self._caption] = self._rows
        elif tag == "caption":
            self._in_caption = False
        elif tag in ("td", "th") and self._cell is not None:
            self._rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._in_caption:
            self._caption += data.strip()
        elif self._cell is not None:
            self._cell.append(data)


def figures(html: str) -> dict[str, str]:
    """The key figures (data-figure="name">N<)."""
    import re

    return dict(re.findall(r'data-figure="(\w+)">(\d+)<', html))


@pytest.fixture
def known(app, world):
    """Deeds in three months, three municipalities and four customer types, one hidden, two
    outside the period, with thanks and comments in and out of the period."""
    make_user(app, "mikko")
    with app.app_context():
        rantasalmi = accounts.create_unit("Rantasalmen koulun keittiö", "Rantasalmi").id
        users = dict(db.session.execute(sa.select(User.username, User.id)).all())
        places = dict(db.session.execute(sa.select(Unit.id, Unit.municipality_id)).all())
        juva, sulkava = world.unit_id, world.other_unit_id
        kinds = CustomerType
        rows = [  # (happened_on, unit, customer type, author, hidden)
            ("2026-01-10", juva, kinds.END_CUSTOMER, "aino", False),
            ("2026-01-20", juva, kinds.END_CUSTOMER, "mikko", False),
            ("2026-01-31", sulkava, kinds.MUNICIPALITY, "aino", False),
            ("2026-02-01", rantasalmi, kinds.COLLEAGUE, "mikko", False),
            ("2026-03-15", juva, None, "aino", False),
            ("2026-03-15", sulkava, kinds.END_CUSTOMER, "aino", True),
            ("2025-12-31", juva, kinds.END_CUSTOMER, "aino", False),
            ("2026-04-01", juva, kinds.END_CUSTOMER, "mikko", False),
        ]
        ids = []
        for happened, unit, kind, author, hidden in rows:
            deed = Deed(
                description=f"Teko {happened}", happened_on=dt.date.fromisoformat(happened),
                created_at=utc(happened), author_id=users[author], unit_id=unit,
                municipality_id=places[unit], customer_type=kind, consent_confirmed=True,
                visibility=Visibility.HIDDEN if hidden else Visibility.VISIBLE,
            )
            db.session.add(deed)
            db.session.flush()
            ids.append(deed.id)
        thanks = [(0, "riitta", "2026-02-05"), (0, "kalle", "2026-01-12"),
                  (2, "mikko", "2026-03-01"), (6, "aino", "2026-01-05"),
                  (6, "kalle", "2025-12-31"), (5, "admin", "2026-03-16")]
        for index, user, day in thanks:
            db.session.add(Thanks(deed_id=ids[index], user_id=users[user], created_at=utc(day)))
            db.session.execute(sa.update(Deed).where(Deed.id == ids[index])
                               .values(thanks_count=Deed.thanks_count + 1))
        comments = [(1, "kalle", "2026-01-21"), (3, "aino", "2026-04-02"),
                    (5, "riitta", "2026-03-16")]
        for index, user, day in comments:
            db.session.add(Comment(deed_id=ids[index], author_id=users[user], body="Hienoa!",
                                   created_at=utc(day)))
        db.session.commit()
        db.session.remove()
    return {"ids": ids, "juva": juva, "sulkava": sulkava, "rantasalmi": rantasalmi}


def stats_page(client, query: str = PERIOD) -> str:
    """The statistics page's HTML (200 expected)."""
    response = client.get(f"/stats?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def test_a_leader_sees_exact_counts_without_hidden_deeds(app, client, known):
    """Known data in, the same numbers out, in the tables under the charts."""
    log_in(client, "kalle")
    html = stats_page(client)
    tables = Tables(html).tables
    assert tables["Teot kuukausittain ja kunnittain"] == [
        ["Kuukausi", "Juva", "Rantasalmi", "Sulkava", "Yhteensä"],
        ["1/2026", "2", "0", "1", "3"],
        ["2/2026", "0", "1", "0", "1"],
        ["3/2026", "1", "0", "0", "1"],
    ]
    assert tables["Teot kunnittain"] == [
        ["Kunta", "Tekoja"], ["Juva", "3"], ["Rantasalmi", "1"], ["Sulkava", "1"],
    ]
    assert tables["Teot yksiköittäin"] == [
        ["Yksikkö", "Kunta", "Tekoja"],
        ["Juvan keskuskeittiö", "Juva", "3"],
        ["Rantasalmen koulun keittiö", "Rantasalmi", "1"],
        ["Sulkavan siivous", "Sulkava", "1"],
    ]
    assert tables["Teot asiakastyypeittäin"][0] == ["Kenelle?", "Tekoja", "Osuus"]
    assert sorted(tables["Teot asiakastyypeittäin"][1:]) == sorted([
        ["Loppuasiakas", "2", "40 %"], ["Kunta", "1", "20 %"], ["Työkaveri", "1", "20 %"],
        ["Ei kerrottu", "1", "20 %"],
    ])
    # Thanks in the period on deeds of any date (also the one from December); not the
    # thanks of December, nor those on the hidden deed.
    assert figures(html) == {"deeds": "5", "thanks": "4", "comments": "1", "posters": "2"}
    top = [f'data-deed-id="{known["ids"][i]}"' for i in (0, 2)]
    assert html.index(top[0]) < html.index(top[1])
    assert f'data-deed-id="{known["ids"][5]}"' not in html
    assert f'data-deed-id="{known["ids"][6]}"' not in html  # thanked, but out of the period


def test_an_admin_counts_the_hidden_deed_too(app, client, known):
    """Whoever may see a hidden deed counts it, with its thanks and comments."""
    log_in(client, "admin")
    html = stats_page(client)
    assert figures(html) == {"deeds": "6", "thanks": "5", "comments": "2", "posters": "2"}
    assert ["3/2026", "1", "0", "1", "2"] in Tables(html).tables[
        "Teot kuukausittain ja kunnittain"]


def test_a_supervisor_counts_the_hidden_deeds_of_their_units_only(app, client, known):
    """The supervisor of Sulkava sees its hidden deed; the other supervisor does not."""
    supervise(app, known["sulkava"], "riitta")
    make_user(app, "sanni", role=accounts.Role.SUPERVISOR)
    log_in(client, "riitta")
    assert figures(stats_page(client))["deeds"] == "6"
    client.post("/logout")
    log_in(client, "sanni")
    assert figures(stats_page(client))["deeds"] == "5"


def test_the_board_filters_and_the_period_apply(app, client, known):
    """A municipality, a unit and a shorter period narrow every number."""
    log_in(client, "kalle")
    with app.app_context():
        juva = db.session.get(Unit, known["juva"]).municipality_id
    html = stats_page(client, f"{PERIOD}&municipality={juva}")
    assert figures(html) == {"deeds": "3", "thanks": "3", "comments": "1", "posters": "2"}
    assert Tables(html).tables["Teot kunnittain"] == [["Kunta", "Tekoja"], ["Juva", "3"]]
    html = stats_page(client, f"{PERIOD}&unit={known['rantasalmi']}")
    assert figures(html) == {"deeds": "1", "thanks": "0", "comments": "0", "posters": "1"}
    html = stats_page(client, "from=2026-01-15&to=2026-02-28")
    assert figures(html)["deeds"] == "3"
    assert [row[0] for row in Tables(html).tables["Teot kuukausittain ja kunnittain"]] == [
        "Kuukausi", "1/2026", "2/2026"]
    assert "Tulostettava raportti" in html
    assert "/report?from=2026-01-15&amp;to=2026-02-28" in html


def test_the_report_shows_the_same_counts_and_the_cards(app, client, known):
    """The report carries the period, the tables and the deeds' cards."""
    log_in(client, "kalle")
    html = client.get(f"/report?{PERIOD}").get_data(as_text=True)
    assert "1.1.2026–31.3.2026" in html
    assert figures(html) == {"deeds": "5", "thanks": "4", "comments": "1", "posters": "2"}
    assert Tables(html).tables["Teot kunnittain"][1] == ["Juva", "3"]
    shown = [i for i in known["ids"] if f'data-deed-id="{i}"' in html]
    assert sorted(shown) == sorted(known["ids"][i] for i in (0, 1, 2, 3, 4))


@pytest.mark.parametrize("query, message", [
    ("from=2026-13-01", "Päivämäärä ei kelpaa: from"),
    ("to=eilen", "Päivämäärä ei kelpaa: to"),
    ("from=20260101", "Päivämäärä ei kelpaa: from"),
    ("from=2026-03-01&to=2026-01-01", "Aikavälin alku on sen lopun jälkeen."),
    ("from=1900-01-01&to=2026-01-01", "Aikaväli on liian pitkä"),
    ("municipality=abc", "Rajaus ei kelpaa: municipality"),
])
@pytest.mark.parametrize("path", ["/stats", "/report"])
def test_bad_periods_are_refused_in_finnish(app, client, world, path, query, message):
    """Nonsense is a 400 with a Finnish message, never a 500."""
    log_in(client, "riitta")
    response = client.get(f"{path}?{query}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_the_board_takes_the_same_period(app, client, known):
    """?from=&to= narrow the board too (the filter is the board's)."""
    log_in(client, "aino")
    html = client.get("/?from=2026-01-15&to=2026-01-31").get_data(as_text=True)
    shown = {i for i in known["ids"] if f'data-deed-id="{i}"' in html}
    assert shown == {known["ids"][1], known["ids"][2]}


def test_employees_have_no_statistics_link_and_leaders_do(app, client, world):
    """The menu offers "Tilastot" to those who hold the capability only."""
    log_in(client, "aino")
    assert "Tilastot" not in client.get("/").get_data(as_text=True)
    assert client.get("/stats").status_code == 403
    client.post("/logout")
    log_in(client, "kalle")
    assert 'href="/stats"' in client.get("/").get_data(as_text=True)


def test_the_statement_count_does_not_grow_with_the_deeds(app, client, known):
    """A constant number of SQL statements, whatever the number of deeds and months."""
    log_in(client, "admin")

    def statements(query: str) -> int:
        seen = []
        with app.app_context():
            engine = db.engine
        listener = lambda *args: seen.append(1)  # noqa: E731
        stats_page(client, query)  # the cards' cache filled: what a busy page costs
        event.listen(engine, "before_cursor_execute", listener)
        try:
            stats_page(client, query)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(seen)

    few = statements("from=2026-01-01&to=2026-01-31")
    assert statements(PERIOD) == few
    assert statements("from=2025-01-01&to=2026-12-31") == few
