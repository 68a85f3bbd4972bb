"""The author edits and deletes their own deed; nobody thanks their own deed."""

import datetime as dt

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditAction, AuditEntry, CustomerType, Deed, Municipality, Thanks
from app.services import accounts, deeds
from app.services.errors import NotAllowed
from tests.security_support import (
    deed_keys,
    login,
    make_comment,
    make_deed,
    row_counts,
    stored_files,
)
from tests.test_cards import card_html


def edit_form(unit_id: int, **overrides) -> dict[str, str]:
    """A valid edit form; override any field."""
    data = {
        "description": "Korjasin asiakkaan rollaattorin.",
        "unit": str(unit_id),
        "customer_type": "colleague",
        "happened_on": "2026-06-01",
    }
    return {**data, **overrides}


def deed_row(app, deed_id: int) -> dict:
    """The stored fields an edit may change, and the version."""
    with app.app_context():
        deed = db.session.get(Deed, deed_id)
        row = {
            "description": deed.description,
            "unit_id": deed.unit_id,
            "municipality": db.session.get(Municipality, deed.municipality_id).name,
            "happened_on": deed.happened_on.isoformat(),
            "customer_type": deed.customer_type,
            "version": deed.version,
        }
        db.session.remove()
    return row


def audit_entries(app) -> list[tuple]:
    """(who, action, target, id, changes) of every audit entry."""
    with app.app_context():
        rows = [
            (e.actor_username, e.action, e.target_type, e.target_id, e.changes)
            for e in db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id))
        ]
        db.session.remove()
    return rows


@pytest.fixture
def own(app, world, client):
    """A deed of aino's, aino logged in."""
    deed_id = make_deed(app, world.unit_id, "aino", description="Leivoin asiakkaalle pullaa.")
    login(client, "aino")
    return deed_id


def test_the_author_edits_text_unit_date_and_customer_type(app, client, world, own):
    """Every field changes, the municipality follows the unit, the version rises, the log
    says which fields changed with before and after, but never the words."""
    page = client.get(f"/deeds/{own}/edit").get_data(as_text=True)
    assert "Leivoin asiakkaalle pullaa." in page and 'type="file"' not in page
    assert "Kuvassa ei ole tunnistettavia" not in page  # consent stays as posted
    response = client.post(f"/deeds/{own}/edit", data=edit_form(world.other_unit_id))
    assert response.status_code == 302 and response.headers["Location"] == f"/deeds/{own}"
    assert deed_row(app, own) == {
        "description": "Korjasin asiakkaan rollaattorin.",
        "unit_id": world.other_unit_id,
        "municipality": "Sulkava",
        "happened_on": "2026-06-01",
        "customer_type": CustomerType.COLLEAGUE,
        "version": 2,
    }
    ((who, action, target, target_id, changes),) = audit_entries(app)
    assert (who, action, target, target_id) == ("aino", AuditAction.EDIT_DEED, "deed", own)
    assert changes == {
        "unit_id": [world.unit_id, world.other_unit_id],
        "happened_on": ["2026-06-02", "2026-06-01"],
        "customer_type": [None, "colleague"],
        "description": [False, True],
    }
    assert "pullaa" not in str(changes) and "rollaattori" not in str(changes)


def test_the_board_shows_the_edit_at_once(app, client, world, own):
    """The card is cached by version: the new text replaces the old on the board."""
    assert "Leivoin asiakkaalle pullaa." in card_html(client.get("/").get_data(as_text=True), own)
    client.post(f"/deeds/{own}/edit", data=edit_form(world.unit_id, description="Uusi teksti."))
    card = card_html(client.get("/").get_data(as_text=True), own)
    assert "Uusi teksti." in card and "pullaa" not in card


def test_saving_without_changes_changes_nothing(app, client, world, own):
    """No new version, no audit entry, a plain message."""
    unchanged = edit_form(world.unit_id, description="Leivoin asiakkaalle pullaa.",
                          customer_type="", happened_on="2026-06-02")
    response = client.post(f"/deeds/{own}/edit", data=unchanged, follow_redirects=True)
    assert "Mitään ei muutettu." in response.get_data(as_text=True)
    assert deed_row(app, own)["version"] == 1
    assert audit_entries(app) == []


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"description": "  "}, "Kerro lyhyesti, mitä teit."),
        ({"description": "x" * 501}, "Kuvaus on liian pitkä (enintään 500 merkkiä)."),
        ({"description": "a\u202eb"}, "näkymättömiä ohjausmerkkejä"),
        ({"happened_on": "2999-01-01"}, "Päivämäärä ei voi olla tulevaisuudessa."),
        ({"happened_on": "1999-12-31"}, "Tarkista päivämäärä."),
        ({"unit": "999999"}, "Valitse yksikkö listasta."),
        ({"customer_type": "boss"}, "Virheellinen valinta"),
    ],
)
def test_the_edit_uses_the_deed_forms_rules(app, client, world, own, overrides, message):
    """The same checks and words as when posting; nothing is stored."""
    response = client.post(f"/deeds/{own}/edit", data=edit_form(world.unit_id, **overrides))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert deed_row(app, own)["version"] == 1 and audit_entries(app) == []


def test_only_the_author_may_edit(app, client, world, own):
    """Another user, even an admin, gets 403 from the page and the service alike."""
    client.post("/logout")
    login(client, "admin")
    assert client.get(f"/deeds/{own}/edit").status_code == 403
    assert client.post(f"/deeds/{own}/edit", data=edit_form(world.unit_id)).status_code == 403
    page = client.get(f"/deeds/{own}").get_data(as_text=True)
    assert f"/deeds/{own}/edit" not in page
    with app.app_context(), pytest.raises(NotAllowed):
        edit = deeds.DeedEdit("x", world.unit_id, dt.date(2026, 6, 1), None)
        deeds.edit_deed(accounts.find_user("kalle"), own, edit)
    assert deed_row(app, own)["version"] == 1


def test_the_author_deletes_their_deed_with_its_files(app, client, world, own):
    """A confirmation page first; then rows, thanks, comments and files go, and it is logged."""
    make_comment(app, own, "kalle")
    with app.app_context():
        deeds.toggle_thanks(accounts.find_user("kalle"), own)
        db.session.remove()
    keys = deed_keys(app, own)
    assert set(keys) <= set(stored_files(app))
    page = client.get(f"/deeds/{own}").get_data(as_text=True)
    assert f'href="/deeds/{own}/delete"' in page and "/admin/deeds" not in page
    confirm = client.get(f"/deeds/{own}/delete").get_data(as_text=True)
    assert "Poistetaanko tekosi?" in confirm
    assert client.post(f"/deeds/{own}/delete").status_code == 400  # not confirmed
    response = client.post(f"/deeds/{own}/delete", data={"confirm": "y"})
    assert response.status_code == 302 and response.headers["Location"] == "/me"
    assert row_counts(app) == {"Deed": 0, "Photo": 0, "Rendition": 0, "Thanks": 0}
    assert stored_files(app) == []
    assert audit_entries(app)[-1][:4] == ("aino", AuditAction.ERASE_DEED, "deed", own)
    assert client.get(f"/deeds/{own}").status_code == 404


def test_nobody_is_offered_thanks_for_their_own_deed(app, client, world, own):
    """No button on one's own card or page; the service refuses in Finnish with a 403."""
    board = card_html(client.get("/").get_data(as_text=True), own)
    assert "thanks-button is-own" in board and "formaction" not in board
    page = client.get(f"/deeds/{own}").get_data(as_text=True)
    assert f'formaction="/deeds/{own}/thanks"' not in page
    response = client.post(f"/deeds/{own}/thanks")
    assert response.status_code == 403
    assert "Omaa tekoa ei voi kiittää." in response.get_data(as_text=True)
    json = client.post(f"/deeds/{own}/thanks", headers={"Accept": "application/json"})
    assert json.status_code == 403 and "Omaa tekoa" in json.get_json()["error"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Thanks.id))) == 0
        db.session.remove()
    client.post("/logout")
    login(client, "kalle")
    other = card_html(client.get("/").get_data(as_text=True), own)
    assert f'formaction="/deeds/{own}/thanks"' in other


def test_the_audit_log_words_the_changes(app, client, world, own):
    """The admin's log names fields and values in Finnish: units by name, types by label,
    the text only as changed — never raw field names, ids or the words."""
    client.post(f"/deeds/{own}/edit", data=edit_form(world.other_unit_id))
    client.post("/logout")
    login(client, "admin")
    page = client.get("/admin/audit").get_data(as_text=True)
    changes = page.split('class="audit-changes">', 1)[1].split("</ul>", 1)[0]
    assert "yksikkö</span>: Juvan keskuskeittiö → Sulkavan siivous" in changes
    assert "asiakastyyppi</span>: – → Työkaveri" in changes
    assert "päivä</span>: 2026-06-02 → 2026-06-01" in changes
    assert "teksti</span>: aiempi → muutettu" in changes
    assert "unit_id" not in changes and "colleague" not in changes and "rollaattori" not in page
