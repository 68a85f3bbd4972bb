"""The optional "deeds wait for approval" setting, end to end: off by default; when on, a new
deed is seen only by its author (marked waiting), its unit's supervisors and admins, until one
approves it."""

import re

import sqlalchemy as sa

from app.extensions import db
from app.models import AuditAction, AuditEntry, Deed, Role, Visibility
from tests.conftest import deed_form
from tests.review_support import deed_state, set_approval
from tests.security_support import deed_keys, login, make_deed, make_user, supervise

WAITING = "Odottaa tarkistusta"


def actions(app) -> list[tuple[str, str, int]]:
    """(who, action, target id) of every audit entry, oldest first."""
    with app.app_context():
        rows = db.session.execute(
            sa.select(AuditEntry.actor_username, AuditEntry.action, AuditEntry.target_id)
            .order_by(AuditEntry.id)
        ).all()
        db.session.remove()
    return [(who, action.value, target) for who, action, target in rows]


def newest_deed(app) -> int:
    """The id of the deed posted last."""
    with app.app_context():
        deed_id = db.session.scalar(sa.select(sa.func.max(Deed.id)))
        db.session.remove()
    return deed_id


def seen_everywhere(client, deed_id: int, key: str, unit_id: int) -> dict[str, bool]:
    """Where this client finds the deed: board, API, deed page, photo, projection."""
    photo = client.get(f"/photos/{key}")
    photo.close()
    live = client.get(f"/projection/live?unit={unit_id}")
    return {
        "board": f'data-deed-id="{deed_id}"' in client.get("/").text,
        "api": deed_id in [c["id"] for c in client.get("/api/deeds").json["deeds"]],
        "page": client.get(f"/deeds/{deed_id}").status_code == 200,
        "photo": photo.status_code == 200,
        "projection": live.status_code == 200
        and deed_id in [i for i, _v in live.json["present"]],
    }


def switch_tag(page: str) -> str | None:
    """The approval checkbox's <input> tag on the settings page."""
    return next((tag for tag in re.findall(r"<input[^>]*>", page)
                 if 'id="require_approval"' in tag), None)


def test_approval_is_off_by_default(app, client, world):
    """A new deed goes straight to the board, and the admin's switch is off."""
    deed = make_deed(app, world.unit_id)
    assert deed_state(app, deed)[0] == Visibility.VISIBLE
    login(client, "admin")
    assert switch_tag(client.get("/admin/settings").text) is not None
    assert " checked" not in switch_tag(client.get("/admin/settings").text)
    assert "Odottaa" not in client.get("/review").text  # no "waiting" filter while off


def test_admin_turns_approval_on_and_off_audited(app, client, world):
    """The switch sits next to the PIN switch; each change is in the audit log."""
    login(client, "admin")
    assert client.post("/admin/settings", data={"require_approval": "y"}).status_code == 302
    assert " checked" in switch_tag(client.get("/admin/settings").text)
    assert client.post("/admin/settings", data={}).status_code == 302
    assert actions(app) == [("admin", "require_approval", 0), ("admin", "end_approval", 0)]
    assert "otti tekojen tarkistuksen käyttöön" in client.get("/admin/audit").text


def test_waiting_deed_end_to_end(app, client, world):
    """Posted through the form while approval is on: only the author, the unit's supervisor and
    admins see it (the author sees it marked); once approved, everyone does."""
    supervise(app, world.unit_id, "riitta")
    make_user(app, "pertti")
    make_user(app, "sanni", role=Role.SUPERVISOR)
    supervise(app, world.other_unit_id, "sanni")
    set_approval(app, True)

    login(client, "aino")
    posted = client.post("/deeds/new", data=deed_form(world.unit_id))
    deed = newest_deed(app)
    assert posted.status_code == 302 and posted.headers["Location"] == f"/deeds/{deed}"
    own = client.get(posted.headers["Location"]).text
    assert "kun esihenkilö on hyväksynyt sen" in own  # the flash
    assert "Teko odottaa tarkistusta." in own and WAITING in own
    assert "Hyväksy taululle" not in own  # the author cannot approve
    assert client.post(f"/deeds/{deed}/approve").status_code == 403
    assert deed_state(app, deed)[0] == Visibility.PENDING
    key = deed_keys(app, deed)[0]
    assert seen_everywhere(client, deed, key, world.unit_id) == {
        "board": False, "api": False, "page": True, "photo": True, "projection": False}
    client.post("/logout")

    for outsider in ("pertti", "kalle", "sanni"):  # a colleague, a leader, another unit's boss
        login(client, outsider)
        assert seen_everywhere(client, deed, key, world.unit_id) == {
            "board": False, "api": False, "page": False, "photo": False, "projection": False,
        }, outsider
        assert client.post(f"/deeds/{deed}/approve").status_code == 404
        client.post("/logout")

    login(client, "riitta")
    waiting = client.get("/review?show=pending").text
    assert f'data-deed-id="{deed}"' in waiting and "Hyväksy taululle" in waiting
    assert "Odottaa" in client.get("/review").text  # the filter is offered while on
    response = client.post(f"/deeds/{deed}/approve", data={"next": "/review?show=pending"})
    assert response.headers["Location"] == "/review?show=pending"
    assert deed_state(app, deed)[0] == Visibility.VISIBLE
    assert deed_state(app, deed)[3] == 2  # the card lost its "waiting" mark: a new version
    assert f'data-deed-id="{deed}"' not in client.get("/review?show=pending").text
    client.post("/logout")

    login(client, "pertti")
    assert seen_everywhere(client, deed, key, world.unit_id) == dict.fromkeys(
        ("board", "api", "page", "photo"), True) | {"projection": False}  # pertti: no projection
    assert WAITING not in client.get("/").text
    client.post("/logout")
    login(client, "kalle")
    assert seen_everywhere(client, deed, key, world.unit_id)["projection"]
    assert ("riitta", AuditAction.APPROVE.value, deed) in actions(app)


def test_supervisor_may_hide_a_waiting_deed_with_a_reason(app, client, world):
    """Instead of approving: hidden with a reason the author reads."""
    supervise(app, world.unit_id, "riitta")
    set_approval(app, True)
    deed = make_deed(app, world.unit_id, "aino", seed=1)
    login(client, "riitta")
    assert client.post(f"/deeds/{deed}/hide", data={"reason": "Ei asiakastyötä"}).status_code == 302
    assert deed_state(app, deed)[:3] == (Visibility.HIDDEN, False, "Ei asiakastyötä")
    client.post("/logout")
    login(client, "aino")
    assert "Ei asiakastyötä" in client.get(f"/deeds/{deed}").text


def test_api_and_outbox_posts_answer_that_the_deed_waits(app, client, world):
    """The script's answer says so and leads to the deed page; a retry finds the same deed."""
    set_approval(app, True)
    login(client, "aino")
    data = deed_form(world.unit_id)
    data["client_id"] = "6a1f1f52-7f0e-4d39-9a53-0d4f5a7e2b11"
    made = client.post("/api/deeds", data=data, headers={"Accept": "application/json"})
    assert made.status_code == 201
    assert made.json["visibility"] == "pending"
    assert made.json["redirect"] == made.json["url"] == f"/deeds/{made.json['id']}"
    again = deed_form(world.unit_id, **{"from": "outbox"})
    again["client_id"] = data["client_id"]
    retry = client.post("/api/deeds", data=again, headers={"Accept": "application/json"})
    assert retry.status_code == 200 and retry.json["id"] == made.json["id"]
    assert retry.json["visibility"] == "pending"
    assert "kun esihenkilö on hyväksynyt sen" in client.get(made.json["url"]).text
