"""Workshops and their rounds: boundaries, the round filter, participation, editing."""

import datetime as dt

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditAction, AuditEntry, Deed, Role, Visibility, Workshop
from app.services import accounts, workshops
from tests.conftest import log_in
from tests.security_support import make_user
from tests.test_board import add_deed, card_ids, municipality_id

T1 = dt.datetime(2026, 9, 1, 10, 0, tzinfo=dt.UTC)
T2 = dt.datetime(2026, 10, 6, 10, 0, tzinfo=dt.UTC)
MICRO = dt.timedelta(microseconds=1)


def add_workshop(app, name: str, starts_at: dt.datetime, municipality: str = "Juva") -> int:
    """Add a workshop through the service as the leader; return its id."""
    with app.app_context():
        data = workshops.WorkshopInput(
            name=name, starts_at=starts_at, municipality_id=municipality_id(app, municipality),
            theme="Ilahduttaminen", leader_ids=(),
        )
        workshop_id = workshops.create_workshop(accounts.find_user("kalle"), data).id
        db.session.remove()
    return workshop_id


def deed_at(app, unit_id: int, created_at: dt.datetime, description: str = "Teko.") -> int:
    """Post a deed, then set when it was made."""
    deed_id = add_deed(app, unit_id, description)
    with app.app_context():
        db.session.execute(sa.update(Deed).where(Deed.id == deed_id).values(created_at=created_at))
        db.session.commit()
        db.session.remove()
    return deed_id


@pytest.fixture
def rounds(app, world):
    """Two workshops and deeds just before, exactly at and just after each start."""
    first, second = add_workshop(app, "1. työpaja", T1), add_workshop(app, "2. työpaja", T2)
    at = {
        "early": deed_at(app, world.unit_id, T1 - dt.timedelta(days=20)),
        "just_before_1": deed_at(app, world.unit_id, T1 - MICRO),
        "at_1": deed_at(app, world.unit_id, T1),
        "between": deed_at(app, world.other_unit_id, T1 + dt.timedelta(days=3)),
        "just_before_2": deed_at(app, world.unit_id, T2 - MICRO),
        "at_2": deed_at(app, world.unit_id, T2),
        "after_2": deed_at(app, world.other_unit_id, T2 + dt.timedelta(hours=1)),
    }
    return first, second, at


def test_a_deed_made_exactly_at_a_start_belongs_to_the_next_round(app, client, world, rounds):
    """Rounds are [previous start, start): the first from the beginning, the open one to now."""
    first, second, at = rounds
    log_in(client, "aino")
    board = lambda query: card_ids(client.get(f"/?{query}").get_data(as_text=True))  # noqa: E731
    assert board(f"round={first}") == [at["just_before_1"], at["early"]]
    assert board(f"round={second}") == [at["just_before_2"], at["between"], at["at_1"]]
    assert board("round=open") == [at["after_2"], at["at_2"]]


def test_the_api_takes_the_round_filter_combined_with_the_others(app, client, world, rounds):
    """round= narrows /api/deeds too, together with municipality and unit."""
    _first, second, at = rounds
    log_in(client, "aino")
    ids = lambda query: [d["id"] for d in client.get(f"/api/deeds?{query}").json["deeds"]]  # noqa: E731
    assert ids(f"round={second}") == [at["just_before_2"], at["between"], at["at_1"]]
    sulkava = municipality_id(app, "Sulkava")
    assert ids(f"round={second}&municipality={sulkava}") == [at["between"]]
    assert ids(f"round={second}&unit={world.unit_id}") == [at["just_before_2"], at["at_1"]]
    assert ids(f"round={second}&limit=1") == [at["just_before_2"]]
    page = client.get(f"/api/deeds?round={second}&limit=1").json
    after = client.get(f"/api/deeds?round={second}&limit=5&cursor={page['next_cursor']}").json
    assert [d["id"] for d in after["deeds"]] == [at["between"], at["at_1"]]


def test_the_board_keeps_the_round_when_filtering_further(app, client, world, rounds):
    """The filter form carries the round, and "load more" keeps it."""
    _first, second, _at = rounds
    log_in(client, "aino")
    html = client.get(f"/?round={second}").get_data(as_text=True)
    assert f'name="round" value="{second}"' in html
    assert "Kierros: 2. työpaja" in html


@pytest.mark.parametrize(("query", "status"), [
    ("round=abc", 400), ("round=-1", 400), ("round=999999", 404), ("round=1e3", 400),
])
def test_a_bad_round_is_refused_in_finnish(app, client, world, query, status):
    """Nonsense is a 400, a workshop that does not exist a 404, both with words."""
    log_in(client, "aino")
    response = client.get(f"/api/deeds?{query}")
    assert response.status_code == status
    assert response.json["error"]


def test_with_no_workshop_the_open_round_is_everything(app, client, world):
    """Before the first workshop, every deed waits for it."""
    deed_id = add_deed(app, world.unit_id)
    log_in(client, "aino")
    assert [d["id"] for d in client.get("/api/deeds?round=open").json["deeds"]] == [deed_id]


def test_participation_counts_against_known_data(app, client, world, rounds):
    """Counts per municipality and unit, and units that posted of the active ones; no list of
    those who did not."""
    first, second, at = rounds
    with app.app_context():
        idle_unit = accounts.create_unit("Rantasalmen kotipalvelu", "Rantasalmi").id
        db.session.execute(
            sa.update(Deed).where(Deed.id == at["between"]).values(visibility=Visibility.HIDDEN)
        )
        db.session.commit()
        result = workshops.participation(workshops.round_of(second))
        db.session.remove()
    # Round 2 holds at_1, just_before_2 (Juva) and between (Sulkava, now hidden: not counted).
    assert result.deed_count == 2
    assert dict(result.by_municipality) == {"Juva": 2, "Rantasalmi": 0, "Sulkava": 0}
    assert result.by_unit == (("Juvan keskuskeittiö", "Juva", 2),)
    assert (result.units_posted, result.units_active) == (1, 3)
    log_in(client, "aino")
    html = client.get(f"/workshops/{second}").get_data(as_text=True)
    assert "1 / 3 yksiköstä on lisännyt ainakin yhden teon" in html
    assert "Rantasalmen kotipalvelu" not in html  # no list of who did not post
    assert idle_unit


def test_the_list_shows_each_round_size(app, client, world, rounds):
    """Newest first, with the number of deeds each round holds."""
    log_in(client, "aino")
    html = client.get("/workshops").get_data(as_text=True)
    assert html.index("2. työpaja") < html.index("1. työpaja")
    assert "3 tekoa" in html and "2 tekoa" in html


def test_only_the_newest_workshop_has_an_open_round(app, client, world, rounds):
    """The newest one's page also shows what the next workshop will show."""
    first, second, _at = rounds
    log_in(client, "aino")
    assert "Tämän työpajan jälkeen" in client.get(f"/workshops/{second}").get_data(as_text=True)
    assert "Tämän työpajan jälkeen" not in client.get(f"/workshops/{first}").get_data(as_text=True)


def workshop_form(app, **overrides) -> dict[str, str]:
    """A valid workshop form; override any field."""
    with app.app_context():
        kalle = accounts.find_user("kalle").id
        db.session.remove()
    data = {
        "name": "4. työpaja", "start_date": "2026-12-03", "start_time": "13:00",
        "municipality": str(municipality_id(app, "Sulkava")), "theme": "Pienet ilot",
        "leaders": str(kalle),
    }
    return {**data, **overrides}


def test_a_leader_adds_edits_and_deletes_a_workshop(app, client, world):
    """Through the forms; the start is read as Finnish time and stored in UTC."""
    log_in(client, "kalle")
    response = client.post("/workshops/new", data=workshop_form(app))
    assert response.status_code == 302
    workshop_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        workshop = db.session.get(Workshop, workshop_id)
        starts = workshop.starts_at.replace(tzinfo=dt.UTC) if not workshop.starts_at.tzinfo \
            else workshop.starts_at
        assert starts == dt.datetime(2026, 12, 3, 11, 0, tzinfo=dt.UTC)  # 13.00 in Helsinki (EET)
        assert [leader.username for leader in workshop.leaders] == ["kalle"]
        db.session.remove()
    page = client.get(f"/workshops/{workshop_id}").get_data(as_text=True)
    assert "4. työpaja" in page and "Pienet ilot" in page and "3.12.2026" in page
    edit = client.post(f"/workshops/{workshop_id}/edit",
                       data=workshop_form(app, name="Neljäs työpaja", start_time="14.30"))
    assert edit.status_code == 302
    edited = client.get(f"/workshops/{workshop_id}").get_data(as_text=True)
    assert "Neljäs työpaja" in edited and "14.30" in edited
    assert client.post(f"/workshops/{workshop_id}/delete").status_code == 302
    assert client.get(f"/workshops/{workshop_id}").status_code == 404
    with app.app_context():
        entry = db.session.scalars(sa.select(AuditEntry)).all()[-1]
        assert (entry.action, entry.target_id) == (AuditAction.DELETE_WORKSHOP, workshop_id)
        db.session.remove()


@pytest.mark.parametrize(("overrides", "message"), [
    ({"name": ""}, "Anna työpajalle nimi."),
    ({"name": "x" * 121}, "Ei voi olla pidempi kuin 120 merkkiä."),
    ({"start_time": "25:00"}, "Anna kellonaika muodossa 13.00."),
    ({"start_date": "3.12."}, "Ei ole kelvollinen päivämäärä-arvo"),
    ({"municipality": "999999"}, "Virheellinen valinta"),
    ({"leaders": "1,2"}, "Virheellinen valinta"),
    ({"theme": "a\u202eb"}, "ohjausmerkkejä"),
])
def test_bad_workshop_input_is_refused_with_a_400(app, client, world, overrides, message):
    """Each bad field is refused; nothing is stored."""
    log_in(client, "kalle")
    response = client.post("/workshops/new", data=workshop_form(app, **overrides))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Workshop)) == 0
        db.session.remove()


def test_two_workshops_cannot_start_at_the_same_moment(app, client, world):
    """The round boundary would be ambiguous: the second is refused in Finnish."""
    log_in(client, "kalle")
    assert client.post("/workshops/new", data=workshop_form(app)).status_code == 302
    response = client.post("/workshops/new", data=workshop_form(app, name="Toinen"))
    assert response.status_code == 400
    assert "Samaan aikaan alkaa jo toinen työpaja" in response.get_data(as_text=True)


def test_only_leaders_and_admins_may_lead(app, client, world):
    """An employee cannot be chosen as a leader (not among the choices)."""
    with app.app_context():
        aino = accounts.find_user("aino").id
        db.session.remove()
    log_in(client, "kalle")
    response = client.post("/workshops/new", data=workshop_form(app, leaders=str(aino)))
    assert response.status_code == 400


def test_employees_see_workshops_but_cannot_change_them(app, client, world, rounds):
    """The list and pages are for everyone; editing is for leaders and admins."""
    first, _second, _at = rounds
    make_user(app, "olli", Role.EMPLOYEE)
    log_in(client, "olli")
    assert client.get("/workshops").status_code == 200
    page = client.get(f"/workshops/{first}").get_data(as_text=True)
    assert "Muokkaa" not in page and "Heijasta" not in page and "Projektorilinkit" not in page
    assert client.get("/workshops/new").status_code == 403
    assert client.post(f"/workshops/{first}/delete").status_code == 403


def test_the_qr_code_opens_the_form_with_its_workshop_named(app, client, world, rounds):
    """?workshop=ID names the workshop above the form; a deleted one is simply left out."""
    _first, second, _at = rounds
    log_in(client, "aino")
    named = client.get(f"/deeds/new?workshop={second}").get_data(as_text=True)
    assert "Työpaja: 2. työpaja" in named
    missing = client.get("/deeds/new?workshop=999999")
    assert missing.status_code == 200 and "Työpaja:" not in missing.get_data(as_text=True)
    assert client.get("/deeds/new?workshop=abc").status_code == 400
