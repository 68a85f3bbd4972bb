"""Admins manage users in the browser: the list, adding, editing, deactivating, with audit."""

import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AccessLink, AuditEntry, AuthSession, Role, UnitSupervisor, User
from app.services import accounts, people
from app.services.errors import Refused
from tests.conftest import PASSWORD, log_in
from tests.review_support import HIDE
from tests.security_support import make_deed, make_user

LINK = re.compile(r"https?://[^/\s<]+/welcome/([A-Za-z0-9_-]{32})")


@pytest.fixture
def admin(client, world):
    """The test client, signed in as the World's admin (second factor given)."""
    assert log_in(client, "admin").status_code == 302
    return client


def audit_entries(app, action: str) -> list[AuditEntry]:
    """The audit entries of one action, oldest first."""
    with app.app_context():
        entries = list(db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        ))
        db.session.expunge_all()
    return entries


def user_row(app, username: str) -> User:
    """The stored user, detached."""
    with app.app_context():
        user = accounts.find_user(username)
        db.session.expunge_all()
    return user


def supervised(app, username: str) -> set[int]:
    """The unit ids a user supervises."""
    with app.app_context():
        user_id = accounts.find_user(username).id
        ids = set(db.session.scalars(
            sa.select(UnitSupervisor.unit_id).where(UnitSupervisor.user_id == user_id)
        ))
    return ids


def new_user(admin, **fields):
    """Post the add-user form."""
    data = {"username": "uusi.tyontekija", "display_name": "Uusi T.", "role": "employee",
            "default_unit": ""}
    data.update(fields)
    return admin.post("/admin/users/new", data=data)


def test_admin_adds_a_user_without_a_password_and_gets_a_link_once(app, admin, world):
    response = new_user(admin, role="supervisor", units=[str(world.unit_id)],
                        default_unit=str(world.unit_id))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Käyttäjä uusi.tyontekija on lisätty." in page
    token = LINK.search(page).group(1)
    assert "<svg" in page and 'class="qr-svg"' in page  # the QR code, inline
    assert 'class="slip"' in page and "Uusi T." in page
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    user = user_row(app, "uusi.tyontekija")
    assert not user.has_usable_password() and user.role == Role.SUPERVISOR
    assert user.default_unit_id == world.unit_id
    assert supervised(app, "uusi.tyontekija") == {world.unit_id}
    [created] = audit_entries(app, "create_user")
    assert created.actor_username == "admin" and created.target_id == user.id
    assert created.changes == {
        "username": [None, "uusi.tyontekija"], "display_name": [None, "Uusi T."],
        "role": [None, "supervisor"], "default_unit": [None, world.unit_id],
        "units": [None, [world.unit_id]],
    }
    assert "password" not in str(created.changes)
    with app.app_context():
        links = db.session.scalars(sa.select(AccessLink)).all()
        assert [link.user_id for link in links] == [user.id]
        assert token not in links[0].token_hash  # only the hash is kept
    # The page is gone once shown: the user's page has no token, only a button for a new one.
    later = admin.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert token not in later and "Tee uusi aloituslinkki" in later
    # He cannot log in with any password until he sets his own.
    with app.app_context():
        assert accounts.authenticate("uusi.tyontekija", "") is None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"username": "Ää"}, "Käyttäjätunnuksessa pitää olla 2–64 merkkiä"),
        ({"username": "aino"}, "Käyttäjätunnus on jo käytössä."),
        ({"display_name": "x" * 121}, "Nimessä voi olla enintään 120 merkkiä."),
        ({"display_name": "   "}, "Anna nimi"),
        ({"units": ["999999"], "role": "supervisor"}, "Valitse yksiköt listasta."),
        ({"default_unit": "999999"}, "Valitse yksikkö listasta."),
        ({"role": "king"}, ""),
    ],
)
def test_bad_new_user_is_a_finnish_400_and_nothing_is_written(app, admin, world, fields,
                                                               message):
    response = new_user(admin, **fields)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == 4
        assert db.session.scalar(sa.select(sa.func.count(AccessLink.id))) == 0
    assert audit_entries(app, "create_user") == []


def test_edit_name_role_and_units_is_audited_before_and_after(app, admin, world):
    aino = user_row(app, "aino")
    assert admin.get(f"/admin/users/{aino.id}").status_code == 200
    response = admin.post(f"/admin/users/{aino.id}", data={
        "display_name": "Aino Kivi", "role": "supervisor", "default_unit": str(world.unit_id),
        "units": [str(world.unit_id), str(world.other_unit_id)],
    })
    assert response.status_code == 302
    assert "Käyttäjän aino tiedot on tallennettu." in admin.get("/admin/users").text
    after = user_row(app, "aino")
    assert (after.display_name, after.role) == ("Aino Kivi", Role.SUPERVISOR)
    assert supervised(app, "aino") == {world.unit_id, world.other_unit_id}
    [edit] = audit_entries(app, "edit_user")
    assert edit.changes == {
        "display_name": ["Aino", "Aino Kivi"], "role": ["employee", "supervisor"],
        "default_unit": [None, world.unit_id],
        "units": [[], sorted([world.unit_id, world.other_unit_id])],
    }
    # Back to an employee: the supervised units go with the role.
    admin.post(f"/admin/users/{aino.id}", data={
        "display_name": "Aino Kivi", "role": "employee", "default_unit": str(world.unit_id),
        "units": [str(world.unit_id)]})
    assert supervised(app, "aino") == set()
    assert audit_entries(app, "edit_user")[-1].changes == {
        "role": ["supervisor", "employee"],
        "units": [sorted([world.unit_id, world.other_unit_id]), []],
    }
    # Saving without a change writes no entry.
    admin.post(f"/admin/users/{aino.id}", data={
        "display_name": "Aino Kivi", "role": "employee", "default_unit": str(world.unit_id)})
    assert len(audit_entries(app, "edit_user")) == 2


def test_unknown_unit_on_edit_is_400_and_changes_nothing(app, admin, world):
    riitta = user_row(app, "riitta")
    response = admin.post(f"/admin/users/{riitta.id}", data={
        "display_name": "Riitta Uusi", "role": "supervisor",
        "units": [str(world.unit_id), "424242"]})
    assert response.status_code == 400
    assert "Valitse yksiköt listasta." in response.text
    assert user_row(app, "riitta").display_name == "Riitta"
    assert supervised(app, "riitta") == set()
    assert admin.post(f"/admin/users/{riitta.id}", data={
        "display_name": "R", "role": "supervisor", "units": ["abc"]}).status_code == 400
    assert admin.get("/admin/users/424242").status_code == 404


def test_supervisor_units_edit_decides_who_may_hide(app, admin, client, world):
    deed = make_deed(app, world.unit_id, "aino")
    riitta = user_row(app, "riitta")
    admin.post("/logout")
    log_in(client, "riitta")
    assert "Piilota taululta" not in client.get(f"/deeds/{deed}").text
    assert client.post(f"/deeds/{deed}/hide", data=HIDE).status_code == 403
    client.post("/logout")

    log_in(client, "admin")
    client.post(f"/admin/users/{riitta.id}", data={
        "display_name": "Riitta", "role": "supervisor", "units": [str(world.unit_id)]})
    client.post("/logout")
    log_in(client, "riitta")
    assert "Piilota taululta" in client.get(f"/deeds/{deed}").text
    assert client.post(f"/deeds/{deed}/hide", data=HIDE).status_code == 302
    client.post("/logout")

    log_in(client, "admin")
    client.post(f"/admin/users/{riitta.id}", data={
        "display_name": "Riitta", "role": "supervisor", "units": [str(world.other_unit_id)]})
    client.post("/logout")
    log_in(client, "riitta")
    # The hidden deed of a unit no longer theirs is out of sight, as if it did not exist.
    assert client.post(f"/deeds/{deed}/unhide").status_code == 404


def sessions_of(app, username: str) -> int:
    """How many unended sessions a user has."""
    with app.app_context():
        user_id = accounts.find_user(username).id
        return db.session.scalar(sa.select(sa.func.count(AuthSession.id)).where(
            AuthSession.user_id == user_id, AuthSession.ended_at.is_(None)))


def test_deactivate_and_reactivate(app, admin, world):
    other = app.test_client()
    assert log_in(other, "aino").status_code == 302
    assert sessions_of(app, "aino") == 1
    aino = user_row(app, "aino")
    link_page = admin.post(f"/admin/users/{aino.id}/link").text
    token = LINK.search(link_page).group(1)

    response = admin.post(f"/admin/users/{aino.id}/deactivate")
    assert response.status_code == 302
    assert not user_row(app, "aino").active
    assert sessions_of(app, "aino") == 0
    assert other.get("/").status_code == 302  # signed out on her device
    assert log_in(other, "aino").status_code == 400  # and cannot sign in
    [entry] = audit_entries(app, "deactivate_user")
    assert entry.changes == {"active": [True, False]} and entry.target_id == aino.id
    assert "ei käytössä" in admin.get("/admin/users").text

    assert admin.post(f"/admin/users/{aino.id}/reactivate").status_code == 302
    assert user_row(app, "aino").active
    assert audit_entries(app, "reactivate_user")[0].changes == {"active": [False, True]}
    assert log_in(other, "aino").status_code == 302
    # The link made before the deactivation stays dead.
    assert other.get(f"/welcome/{token}").status_code == 404
    # A deactivated user gets no link.
    admin.post(f"/admin/users/{aino.id}/deactivate")
    refused = admin.post(f"/admin/users/{aino.id}/link")
    assert refused.status_code == 400 and "Käyttäjätunnus ei ole käytössä." in refused.text


def test_admin_cannot_remove_themselves_or_the_last_admin(app, admin, world):
    me = user_row(app, "admin")
    response = admin.post(f"/admin/users/{me.id}/deactivate")
    assert response.status_code == 400
    assert "Et voi poistaa omaa tunnustasi käytöstä." in response.text
    response = admin.post(f"/admin/users/{me.id}", data={"display_name": "Admin",
                                                         "role": "employee"})
    assert response.status_code == 400 and "Et voi vaihtaa omaa rooliasi." in response.text
    assert user_row(app, "admin").role == Role.ADMIN and user_row(app, "admin").active
    # Renaming oneself is fine.
    assert admin.post(f"/admin/users/{me.id}", data={"display_name": "Pääkäyttäjä",
                                                     "role": "admin"}).status_code == 302
    # Two admins demoting each other at once: the second request's admin (already demoted by
    # the first) would leave no admin at all, and is refused.
    second = make_user(app, "toinen", Role.ADMIN)
    with app.app_context():
        stale = db.session.get(User, second)
        db.session.expunge(stale)  # what the second admin's request loaded, before the demotion
        demoted = people.UserInput("Toinen", Role.LEADER)
        people.edit_user(accounts.find_user("admin"), second, demoted)
        with pytest.raises(Refused) as refused:
            people.edit_user(stale, me.id, people.UserInput("Admin", Role.EMPLOYEE))
        assert refused.value.reason == "last_admin"
        with pytest.raises(Refused) as refused:
            people.set_user_active(stale, me.id, False)
        assert refused.value.reason == "last_admin"
        assert accounts.find_user("admin").role == Role.ADMIN


def test_search_and_filters(app, admin, world):
    make_user(app, "pertti")
    make_user(app, "sanni", Role.SUPERVISOR)
    with app.app_context():
        from app.services import moderation

        moderation.add_supervisor(world.other_unit_id, "sanni")
        accounts.set_active("pertti", False)
        db.session.remove()

    def names(query: str) -> list[str]:
        response = admin.get("/admin/users" + query)
        assert response.status_code == 200
        return re.findall(r'<span class="user-username">([^<]+)<', response.text)

    assert names("") == ["admin", "aino", "kalle", "pertti", "riitta", "sanni"]
    assert names("?q=RIIT") == ["riitta"]
    assert names("?q=kal") == ["kalle"]
    assert names("?q=%25") == []  # a wildcard is a character like any other
    assert names("?role=supervisor") == ["riitta", "sanni"]
    assert names(f"?unit={world.other_unit_id}") == ["sanni"]
    assert names("?active=0") == ["pertti"]
    assert "pertti" not in names("?active=1")
    assert names("?role=supervisor&active=1&q=san") == ["sanni"]
    for bad in ("?role=king", "?active=maybe", "?unit=abc", "?unit=-1"):
        response = admin.get("/admin/users" + bad)
        assert response.status_code == 400, bad
        assert "Rajaus ei kelpaa" in response.text


def test_old_actions_stay_on_the_user_page(app, admin, world):
    aino = user_row(app, "aino")
    page = admin.get(f"/admin/users/{aino.id}").text
    for action in ("export", "sessions/end", "erase", "deactivate", "link"):
        assert f"/admin/users/{aino.id}/{action}" in page
    me = user_row(app, "admin")
    own = admin.get(f"/admin/users/{me.id}").text
    assert f"/admin/users/{me.id}/deactivate" not in own
    assert f"/admin/users/{me.id}/erase" not in own


def test_user_pages_are_admin_only(app, client, world):
    log_in(client, "riitta", PASSWORD)
    assert client.get("/admin/users/new").status_code == 403
    assert new_user(client).status_code == 403
    assert user_row(app, "uusi.tyontekija") is None
