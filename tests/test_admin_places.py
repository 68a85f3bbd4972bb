"""Admin pages for municipalities, units and supervisors: add, rename, retire, assign; audited."""

import sqlalchemy as sa

from app.extensions import db
from app.models import AuditAction, AuditEntry, Deed, Municipality, Role, Unit
from tests.conftest import deed_form, jpeg_upload, log_in
from tests.review_support import HIDE
from tests.security_support import make_deed, make_user


def entries(app, action: AuditAction) -> list[tuple[str, int, dict | None]]:
    """(target type, id, changes) of the audit entries of one kind, oldest first."""
    with app.app_context():
        rows = db.session.execute(
            sa.select(AuditEntry.target_type, AuditEntry.target_id, AuditEntry.changes)
            .where(AuditEntry.action == action).order_by(AuditEntry.id)).all()
        db.session.remove()
    return [tuple(row) for row in rows]


def unit_row(app, unit_id: int) -> tuple[str, bool]:
    """A unit's name and whether it is in use."""
    with app.app_context():
        unit = db.session.get(Unit, unit_id)
        result = (unit.name, unit.active)
        db.session.remove()
    return result


def municipality_id(app, name: str) -> int:
    """The id of a municipality by name."""
    with app.app_context():
        found = db.session.scalar(sa.select(Municipality.id).filter_by(name=name))
        db.session.remove()
    return found


def test_units_page_lists_every_municipality_and_unit(client, world):
    """The overview shows the municipalities, their units and the forms that add them."""
    log_in(client, "admin")
    html = client.get("/admin/units").get_data(as_text=True)
    for text in ("Juva", "Rantasalmi", "Sulkava", "Juvan keskuskeittiö", "Sulkavan siivous",
                 "Lisää yksikkö", "Lisää kunta", 'href="/admin/units"'):
        assert text in html


def test_add_and_rename_a_municipality_with_audit(app, client, world):
    """A new municipality is logged with its name; a rename with before and after."""
    log_in(client, "admin")
    response = client.post("/admin/municipalities", data={"municipality-name": "  Savonlinna "})
    assert response.status_code == 302
    new_id = municipality_id(app, "Savonlinna")
    assert entries(app, AuditAction.CREATE_MUNICIPALITY) == [
        ("municipality", new_id, {"name": [None, "Savonlinna"]})]
    response = client.post(f"/admin/municipalities/{new_id}", data={"name": "Nyslott"})
    assert response.status_code == 302
    assert municipality_id(app, "Nyslott") == new_id
    assert entries(app, AuditAction.RENAME_MUNICIPALITY) == [
        ("municipality", new_id, {"name": ["Savonlinna", "Nyslott"]})]
    log = client.get("/admin/audit").get_data(as_text=True)
    assert f'<a href="/admin/municipalities/{new_id}">kunta Nyslott</a>' in log
    assert "nimi</span>: Savonlinna → Nyslott" in log


def test_duplicate_municipality_is_refused_in_finnish(app, client, world):
    """Names are unique whatever their case: a 400 with words, no new row, no entry."""
    log_in(client, "admin")
    response = client.post("/admin/municipalities", data={"municipality-name": "juva"})
    assert response.status_code == 400
    assert "Tämän niminen kunta on jo olemassa." in response.get_data(as_text=True)
    rename = client.post(f"/admin/municipalities/{municipality_id(app, 'Sulkava')}",
                         data={"name": "JUVA"})
    assert rename.status_code == 400
    assert entries(app, AuditAction.CREATE_MUNICIPALITY) == []
    assert entries(app, AuditAction.RENAME_MUNICIPALITY) == []


def test_add_a_unit_and_refuse_a_duplicate_in_the_same_municipality(app, client, world):
    """A unit name is unique within its municipality only."""
    log_in(client, "admin")
    juva, sulkava = municipality_id(app, "Juva"), municipality_id(app, "Sulkava")
    same = client.post("/admin/units", data={"unit-municipality": juva,
                                             "unit-name": "juvan KESKUSKEITTIÖ"})
    assert same.status_code == 400
    assert "Kunnassa on jo tämän niminen yksikkö." in same.get_data(as_text=True)
    other = client.post("/admin/units", data={"unit-municipality": sulkava,
                                              "unit-name": "Juvan keskuskeittiö"})
    assert other.status_code == 302
    created = entries(app, AuditAction.CREATE_UNIT)
    assert len(created) == 1
    assert created[0][2] == {"name": [None, "Juvan keskuskeittiö"],
                             "municipality": [None, "Sulkava"]}
    assert other.headers["Location"] == f"/admin/units/{created[0][1]}"


def test_unit_name_too_short_is_a_finnish_400(client, world):
    """Bad names get words, not a 500."""
    log_in(client, "admin")
    response = client.post(f"/admin/units/{world.unit_id}", data={"name": "x"})
    assert response.status_code == 400
    assert "Yksikön nimessä pitää olla 2–120 merkkiä." in response.get_data(as_text=True)


def test_rename_keeps_the_deeds_and_shows_the_new_name(app, client, world):
    """The deeds stay in the unit; their cards show the new name at once (a new version)."""
    deed_id = make_deed(app, world.unit_id)
    log_in(client, "admin")
    assert "Juvan keskuskeittiö" in client.get(f"/deeds/{deed_id}").get_data(as_text=True)
    response = client.post(f"/admin/units/{world.unit_id}", data={"name": "Juvan pääkeittiö"})
    assert response.status_code == 302
    assert unit_row(app, world.unit_id) == ("Juvan pääkeittiö", True)
    assert "Juvan pääkeittiö" in client.get("/").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Deed, deed_id).unit_id == world.unit_id
        db.session.remove()
    assert entries(app, AuditAction.RENAME_UNIT) == [
        ("unit", world.unit_id, {"name": ["Juvan keskuskeittiö", "Juvan pääkeittiö"]})]


def test_retire_and_reactivate_a_unit(app, client, world):
    """Retiring takes the unit out of the deed form and the tablet set-up; its deeds stay on
    the board and a board filter of the unit still works; reactivating brings it back."""
    deed_id = make_deed(app, world.unit_id, description="Vanha teko jää taululle.")
    log_in(client, "admin")
    assert client.post(f"/admin/units/{world.unit_id}/retire").status_code == 302
    assert unit_row(app, world.unit_id)[1] is False
    assert entries(app, AuditAction.RETIRE_UNIT) == [
        ("unit", world.unit_id, {"active": [True, False]})]
    log = client.get("/admin/audit").get_data(as_text=True)
    assert f'<a href="/admin/units/{world.unit_id}">yksikkö Juvan keskuskeittiö</a>' in log
    assert "käytössä</span>: kyllä → ei" in log

    option = f'<option value="{world.unit_id}"'
    assert option not in client.get("/deeds/new").get_data(as_text=True)
    assert option not in client.get("/devices").get_data(as_text=True)
    board = client.get("/").get_data(as_text=True)
    assert "Vanha teko jää taululle." in board
    unit_filter = board[board.index('id="filter-unit"'):]
    assert option not in unit_filter[:unit_filter.index("</select>")]  # no new choice
    for path in ("/", "/stats"):  # a link to the unit's deeds still says it is chosen
        filtered = client.get(f"{path}?unit={world.unit_id}").get_data(as_text=True)
        unit_filter = filtered[filtered.index('id="filter-unit"'):]
        unit_filter = unit_filter[:unit_filter.index("</select>")]
        assert f'{option} selected>Käytöstä poistettu yksikkö</option>' in unit_filter
    filtered = client.get(f"/?unit={world.unit_id}").get_data(as_text=True)
    assert "Vanha teko jää taululle." in filtered
    assert client.get(f"/deeds/{deed_id}").status_code == 200
    assert "ei käytössä" in client.get("/admin/units").get_data(as_text=True)

    assert client.post(f"/admin/units/{world.unit_id}/reactivate").status_code == 302
    assert unit_row(app, world.unit_id)[1] is True
    assert option in client.get("/deeds/new").get_data(as_text=True)
    assert entries(app, AuditAction.REACTIVATE_UNIT) == [
        ("unit", world.unit_id, {"active": [False, True]})]


def test_posting_to_a_retired_unit_is_refused(app, client, world):
    """The form, the API and a tablet set-up all refuse a retired unit with Finnish words."""
    log_in(client, "admin")
    client.post(f"/admin/units/{world.unit_id}/retire")
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count()).select_from(Deed))
        db.session.remove()
    form = client.post("/deeds/new", data=deed_form(world.unit_id),
                       content_type="multipart/form-data")
    assert form.status_code == 400
    assert "Valitse yksikkö listasta." in form.get_data(as_text=True)
    api = client.post("/api/deeds", data=deed_form(world.unit_id, photo=jpeg_upload()),
                      content_type="multipart/form-data")
    assert api.status_code == 400
    assert api.get_json()["errors"]["unit"] == ["Valitse yksikkö listasta."]
    device = client.post("/devices", data={"unit": world.unit_id, "name": "Keittiö",
                                           "idle_minutes": "5"})
    assert device.status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Deed)) == before
        db.session.remove()


def test_retired_unit_refused_by_the_service_too(app, world):
    """A deed for a retired unit is refused below the form, with the unit's Finnish reason."""
    from app.services import accounts
    from app.services.errors import Refused
    from app.services.places import set_unit_active

    with app.app_context():
        set_unit_active(accounts.find_user("admin"), world.unit_id, False)
        db.session.remove()
    try:
        make_deed(app, world.unit_id)
    except Refused as error:
        assert error.reason == "unit_unknown"
    else:
        raise AssertionError("a deed was posted to a retired unit")


def supervises(app, unit_id: int, username: str) -> bool:
    """Tell whether the user answers for the unit."""
    from app.services import moderation

    with app.app_context():
        found = any(user.username == username for _, user in moderation.supervisions(unit_id))
        db.session.remove()
    return found


def test_supervisor_assignment_decides_who_may_hide(app, client, world):
    """An assigned supervisor may hide a deed of the unit; an unassigned one gets 403; removing
    the assignment takes it away again. Both changes are in the audit log."""
    deed_id = make_deed(app, world.unit_id, "aino")
    admin, riitta = app.test_client(), app.test_client()
    log_in(admin, "admin")
    log_in(riitta, "riitta")
    assert riitta.post(f"/deeds/{deed_id}/hide", data=HIDE).status_code == 403

    page = admin.get(f"/admin/units/{world.unit_id}?q=riit").get_data(as_text=True)
    assert 'name="username" value="riitta"' in page
    assert admin.post(f"/admin/units/{world.unit_id}/supervisors",
                      data={"username": "riitta"}).status_code == 302
    assert supervises(app, world.unit_id, "riitta")
    assert riitta.post(f"/deeds/{deed_id}/hide", data=HIDE).status_code in (200, 302)
    assert riitta.post(f"/deeds/{deed_id}/unhide").status_code in (200, 302)

    assert admin.post(f"/admin/units/{world.unit_id}/supervisors/remove",
                      data={"username": "riitta"}).status_code == 302
    assert not supervises(app, world.unit_id, "riitta")
    assert riitta.post(f"/deeds/{deed_id}/hide", data=HIDE).status_code == 403
    assert entries(app, AuditAction.ADD_SUPERVISOR) == [
        ("unit", world.unit_id, {"supervisor": [None, "riitta"]})]
    assert entries(app, AuditAction.REMOVE_SUPERVISOR) == [
        ("unit", world.unit_id, {"supervisor": ["riitta", None]})]


def test_only_supervisors_can_be_assigned(app, client, world):
    """An employee or a made-up name is refused under the picker with a 400, nothing saved."""
    log_in(client, "admin")
    employee = client.post(f"/admin/units/{world.unit_id}/supervisors", data={"username": "aino"})
    assert employee.status_code == 400
    assert "Vain esihenkilö voi vastata yksiköstä" in employee.get_data(as_text=True)
    nobody = client.post(f"/admin/units/{world.unit_id}/supervisors", data={"username": "eiole"})
    assert nobody.status_code == 400
    assert "Käyttäjää ei löytynyt: eiole" in nobody.get_data(as_text=True)
    assert not supervises(app, world.unit_id, "aino")
    assert entries(app, AuditAction.ADD_SUPERVISOR) == []


def test_picker_lists_only_unassigned_active_supervisors(app, client, world):
    """The search finds supervisors by name or username, never employees or assigned ones."""
    make_user(app, "sari.s", Role.SUPERVISOR)
    log_in(client, "admin")
    client.post(f"/admin/units/{world.unit_id}/supervisors", data={"username": "riitta"})
    page = client.get(f"/admin/units/{world.unit_id}").get_data(as_text=True)
    assert 'name="username" value="sari.s"' in page  # can be added
    assert page.count('value="riitta"') == 1  # only its "Poista" form
    assert 'value="aino"' not in page
    found = client.get(f"/admin/units/{world.unit_id}?q=SARI").get_data(as_text=True)
    assert 'value="sari.s"' in found
    none = client.get(f"/admin/units/{world.unit_id}?q=zzz").get_data(as_text=True)
    assert "Haulla ei löytynyt esihenkilöitä." in none


def test_missing_unit_or_municipality_is_a_404(client, world):
    """Made-up ids answer 404, not 500."""
    log_in(client, "admin")
    assert client.get("/admin/units/999999").status_code == 404
    assert client.post("/admin/units/999999/retire").status_code == 404
    assert client.get("/admin/municipalities/999999").status_code == 404
