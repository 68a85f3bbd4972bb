"""Supervisors hide and unhide deeds of their own units; hidden deeds and photos stay private."""

import sqlalchemy as sa

from app.extensions import db
from app.models import AuditAction, AuditEntry, Deed, Role, User, Visibility
from tests.security_support import (
    deed_keys,
    login,
    make_deed,
    make_user,
    supervise,
    tiny_jpeg,
)

REASON = {"reason": "Kuvassa näkyy asiakas"}


def visibility(app, deed_id: int) -> Visibility:
    """The deed's visibility in the database."""
    with app.app_context():
        value = db.session.get(Deed, deed_id).visibility
        db.session.remove()
    return value


def audit_rows(app) -> list[tuple[str, str, str, int]]:
    """(who, action, target type, target id) of every audit entry, oldest first."""
    with app.app_context():
        rows = db.session.execute(
            sa.select(
                AuditEntry.actor_username, AuditEntry.action, AuditEntry.target_type,
                AuditEntry.target_id,
            ).order_by(AuditEntry.id)
        )
        result = [(who, action.value, kind, target) for who, action, kind, target in rows]
        db.session.remove()
    return result


def board_ids(client) -> list[int]:
    """Deed ids the JSON board shows to this client."""
    return [card["id"] for card in client.get("/api/deeds").json["deeds"]]


def test_supervisor_hides_a_deed_of_their_unit(app, client, world):
    """Hidden: gone for colleagues everywhere; the author and the supervisor still see it."""
    supervise(app, world.unit_id, "riitta")
    deed = make_deed(app, world.unit_id, "aino", seed=1)
    key = deed_keys(app, deed)[0]
    login(client, "riitta")

    response = client.post(f"/deeds/{deed}/hide", data=REASON)
    assert response.headers["Location"] == f"/deeds/{deed}"
    assert "Teko on piilotettu taululta." in client.get(response.headers["Location"]).text
    assert visibility(app, deed) == Visibility.HIDDEN
    assert deed not in board_ids(client)  # off the board for everyone...
    assert f"/deeds/{deed}" in client.get("/review/hidden").text  # ...listed for the supervisor
    client.post("/logout")

    login(client, "kalle")
    assert deed not in board_ids(client)
    assert f'data-deed-id="{deed}"' not in client.get("/").text
    assert client.get(f"/deeds/{deed}").status_code == 404
    assert client.get(f"/photos/{key}").status_code == 404
    client.post("/logout")

    login(client, "aino")  # the author
    page = client.get(f"/deeds/{deed}")
    assert page.status_code == 200
    assert "Tämä teko on piilotettu taululta." in page.text
    assert "Piilota taululta" not in page.text  # the author may not moderate
    photo = client.get(f"/photos/{key}")
    photo.close()
    assert photo.status_code == 200


def test_unhide_puts_it_back_and_both_are_audited(app, client, world):
    """Unhide restores the deed; the log says who did what to which deed, nothing more."""
    supervise(app, world.unit_id, "riitta")
    deed = make_deed(app, world.unit_id, "aino", seed=1, description="Yksityinen kuvaus")
    login(client, "riitta")
    client.post(f"/deeds/{deed}/hide", data=REASON)
    client.post(f"/deeds/{deed}/hide", data=REASON)  # already hidden: no second entry
    client.post(f"/deeds/{deed}/unhide")

    assert visibility(app, deed) == Visibility.VISIBLE
    assert audit_rows(app) == [("riitta", "hide", "deed", deed), ("riitta", "unhide", "deed", deed)]
    client.post("/logout")
    login(client, "kalle")
    assert deed in board_ids(client)


def test_supervisor_of_another_unit_and_employees_may_not(app, client, world):
    """403 for a visible deed outside their units; the deed stays on the board."""
    make_user(app, "sanni", Role.SUPERVISOR)
    supervise(app, world.other_unit_id, "sanni")
    deed = make_deed(app, world.unit_id, "aino", seed=1)
    for username in ("sanni", "kalle", "aino"):
        login(client, username)
        assert client.post(f"/deeds/{deed}/hide", data=REASON).status_code == 403
        assert "Piilota taululta" not in client.get(f"/deeds/{deed}").text
        client.post("/logout")
    assert visibility(app, deed) == Visibility.VISIBLE
    assert audit_rows(app) == []


def test_admin_moderates_every_unit(app, client, world):
    """Admins need no supervision to hide, and see the erase link on the deed page."""
    deed = make_deed(app, world.other_unit_id, "aino", seed=1)
    login(client, "admin")
    page = client.get(f"/deeds/{deed}").text
    assert "Piilota taululta" in page
    assert f"/admin/deeds/{deed}/erase" in page
    response = client.post(
        f"/deeds/{deed}/hide", data=REASON, headers={"Accept": "application/json"}
    )
    assert response.json == {"id": deed, "visibility": "hidden", "featured": False}


def test_supervisor_role_is_needed_not_just_the_link(app, client, world):
    """A supervisor turned into an employee loses moderation even if the unit link remains."""
    supervise(app, world.unit_id, "riitta")
    deed = make_deed(app, world.unit_id, "aino", seed=1)
    with app.app_context():
        db.session.execute(sa.update(User).where(User.username == "riitta")
                           .values(role=Role.EMPLOYEE))
        db.session.commit()
    login(client, "riitta")
    assert client.post(f"/deeds/{deed}/hide", data=REASON).status_code == 403


def test_photo_identical_to_a_hidden_deeds_stays_reachable(app, client, world):
    """Identical photos get files of their own: hiding one deed neither hides the other deed's
    photo nor opens the hidden one's files to those who may not see it."""
    supervise(app, world.unit_id, "riitta")
    same = tiny_jpeg(5)
    hidden = make_deed(app, world.unit_id, "aino", photo=same, hidden=True)
    shown = make_deed(app, world.other_unit_id, "kalle", photo=same)
    assert not set(deed_keys(app, hidden)) & set(deed_keys(app, shown))
    login(client, "kalle")
    photo = client.get(f"/photos/{deed_keys(app, shown)[0]}")
    photo.close()
    assert photo.status_code == 200
    assert client.get(f"/photos/{deed_keys(app, hidden)[0]}").status_code == 404
    assert client.get(f"/deeds/{hidden}").status_code == 404


def test_thanks_for_a_hidden_deed_is_refused(app, client, world):
    """What you cannot see you cannot thank."""
    deed = make_deed(app, world.unit_id, "aino", seed=1, hidden=True)
    login(client, "kalle")
    assert client.post(f"/deeds/{deed}/thanks").status_code == 404


def test_supervisor_cli(app, runner, world):
    """unit supervisor add/list/remove, with clear refusals."""
    added = runner.invoke(args=["unit", "supervisor", "add", str(world.unit_id), "riitta"])
    assert added.exit_code == 0, added.output
    assert "riitta supervises Juvan keskuskeittiö" in added.output
    again = runner.invoke(args=["unit", "supervisor", "add", str(world.unit_id), "Riitta"])
    assert again.exit_code == 0  # idempotent
    listed = runner.invoke(args=["unit", "supervisor", "list"])
    assert listed.output.strip() == f"{world.unit_id}\tJuvan keskuskeittiö\triitta"

    employee = runner.invoke(args=["unit", "supervisor", "add", str(world.unit_id), "aino"])
    assert employee.exit_code == 1
    assert "Vain esihenkilö" in employee.output
    unknown = runner.invoke(args=["unit", "supervisor", "add", "999", "riitta"])
    assert unknown.exit_code == 1
    assert "Yksikköä ei löytynyt" in unknown.output

    removed = runner.invoke(args=["unit", "supervisor", "remove", str(world.unit_id), "riitta"])
    assert removed.exit_code == 0
    assert runner.invoke(args=["unit", "supervisor", "list"]).output == ""


def test_audit_log_page_lists_actions_for_admins(app, client, world):
    """Admins read the log in Finnish: who, what, which id, when."""
    supervise(app, world.unit_id, "riitta")
    deed = make_deed(app, world.unit_id, "aino", seed=1)
    login(client, "riitta")
    client.post(f"/deeds/{deed}/hide", data=REASON)
    client.post("/logout")
    login(client, "admin")
    page = client.get("/admin/audit").text
    assert "riitta" in page
    assert "piilotti teon" in page
    assert f"teko #{deed}" in page
    assert AuditAction.HIDE.value not in page.split("<main")[1].split("</main>")[0]


def test_hidden_list_shows_only_what_the_user_answers_for(app, client, world):
    """Supervisors see their units' hidden deeds, authors their own, admins all."""
    make_user(app, "sanni", Role.SUPERVISOR)
    supervise(app, world.unit_id, "riitta")
    supervise(app, world.other_unit_id, "sanni")
    mine = make_deed(app, world.unit_id, "aino", seed=1, hidden=True, description="Ainon teko")
    theirs = make_deed(app, world.other_unit_id, "kalle", seed=2, hidden=True,
                       description="Kallen teko")
    make_deed(app, world.unit_id, "kalle", seed=3, description="Näkyvä teko")
    expected = {"riitta": {mine}, "sanni": {theirs}, "aino": {mine}, "kalle": {theirs},
                "admin": {mine, theirs}}
    for username, deeds in expected.items():
        login(client, username)
        page = client.get("/review/hidden").text
        assert {d for d in (mine, theirs) if f'href="/deeds/{d}"' in page} == deeds, username
        assert "Näkyvä teko" not in page
        client.post("/logout")
