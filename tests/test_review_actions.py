"""Review actions: hide with a reason (shown to the author), unhide, feature ("nostettu") with
its badge, board filter and projection place, the review page, and links in the audit log."""

import re

import sqlalchemy as sa

from app.extensions import db
from app.models import AuditAction, AuditEntry, Visibility
from app.services import accounts, privacy, projection
from app.services.board import BoardFilter
from tests.review_support import HIDE, deed_state, featured_deed
from tests.security_support import login, make_deed, make_user, supervise

REASON = "Tunnistettava henkilö ilman lupaa"


def audit_changes(app, action: AuditAction) -> list[tuple[str, int, dict | None]]:
    """(who, target id, changes) of the audit entries of one action, oldest first."""
    with app.app_context():
        rows = db.session.execute(
            sa.select(AuditEntry.actor_username, AuditEntry.target_id, AuditEntry.changes)
            .where(AuditEntry.action == action).order_by(AuditEntry.id)
        ).all()
        db.session.remove()
    return [tuple(row) for row in rows]


def api_ids(client, query: str = "") -> list[int]:
    """The deed ids /api/deeds gives this client."""
    return [card["id"] for card in client.get(f"/api/deeds?{query}").json["deeds"]]


def board_ids(client, query: str = "") -> list[int]:
    """The deed ids on the HTML board."""
    return [int(i) for i in re.findall(r'data-deed-id="(\d+)"', client.get(f"/?{query}").text)]


def test_hiding_needs_a_reason_and_says_so_in_finnish(app, client, world):
    """No reason, or one over 200 characters: a Finnish 400, the deed stays, nothing logged."""
    supervise(app, world.unit_id, "riitta")
    deed = make_deed(app, world.unit_id, "aino", seed=1)
    login(client, "riitta")
    for data in ({}, {"reason": "   "}, {"reason_choice": ""}, {"reason": "x" * 201}):
        response = client.post(f"/deeds/{deed}/hide", data=data)
        assert response.status_code == 400, data
        assert ("miksi teko piilotetaan" in response.text
                or "enintään 200 merkkiä" in response.text), data
    answer = client.post(f"/deeds/{deed}/hide", data={}, headers={"Accept": "application/json"})
    assert answer.status_code == 400 and "piilotetaan" in answer.json["error"]
    assert deed_state(app, deed)[0] == Visibility.VISIBLE
    assert audit_changes(app, AuditAction.HIDE) == []


def test_hide_reason_is_shown_to_the_author_not_to_colleagues(app, client, world):
    """A quick choice plus free text; the author reads it on the deed page and the hidden list,
    a colleague finds neither the deed nor the words anywhere."""
    supervise(app, world.unit_id, "riitta")
    make_user(app, "pertti")
    deed = make_deed(app, world.unit_id, "aino", seed=1)
    login(client, "riitta")
    page = client.get(f"/deeds/{deed}").text
    assert REASON in page and 'name="reason_choice"' in page  # the quick choices are offered
    hidden = client.post(f"/deeds/{deed}/hide",
                         data={"reason_choice": REASON, "reason": "kasvot näkyvät"})
    assert hidden.status_code == 302
    stored = f"{REASON}: kasvot näkyvät"
    assert deed_state(app, deed)[2] == stored
    assert deed_state(app, deed)[3] == 1  # hiding does not change the card
    assert audit_changes(app, AuditAction.HIDE) == [
        ("riitta", deed, {"visibility": ["visible", "hidden"], "reason": [None, stored]})
    ]
    client.post("/logout")

    login(client, "aino")
    own = client.get(f"/deeds/{deed}").text
    assert "Syy:" in own and "kasvot näkyvät" in own
    assert "kasvot näkyvät" in client.get("/review/hidden").text
    client.post("/logout")

    login(client, "pertti")
    assert client.get(f"/deeds/{deed}").status_code == 404
    assert deed not in api_ids(client)
    for path in ("/review/hidden", "/", "/api/deeds"):
        assert "kasvot näkyvät" not in client.get(path).text, path


def test_unhide_clears_the_reason_and_is_audited(app, client, world):
    """Back on the board; the reason goes with the hiding."""
    supervise(app, world.unit_id, "riitta")
    deed = make_deed(app, world.unit_id, "aino", seed=1)
    login(client, "riitta")
    client.post(f"/deeds/{deed}/hide", data=HIDE)
    assert client.post(f"/deeds/{deed}/unhide").status_code == 302
    assert deed_state(app, deed)[:3] == (Visibility.VISIBLE, False, None)
    assert audit_changes(app, AuditAction.UNHIDE) == [
        ("riitta", deed, {"visibility": ["hidden", "visible"], "reason": [REASON, None]})
    ]
    assert deed in api_ids(client)


def test_feature_badge_board_filter_and_api(app, client, world):
    """Featuring bumps the card's version: the badge shows at once; ?featured=1 narrows the
    board, the API and the links back to the board; unfeaturing undoes it all."""
    supervise(app, world.unit_id, "riitta")
    plain = make_deed(app, world.unit_id, "aino", seed=1)
    star = make_deed(app, world.unit_id, "aino", seed=2)
    login(client, "riitta")
    assert "Nostettu" not in client.get("/").text  # cached without the badge...
    response = client.post(f"/deeds/{star}/feature", headers={"Accept": "application/json"})
    assert response.json == {"id": star, "visibility": "visible", "featured": True}
    assert deed_state(app, star)[1:] == (True, None, 2)
    board = client.get("/").text  # ...and the new version is rendered with it
    card = board.split(f'data-deed-id="{star}"')[1].split("</article>")[0]
    assert "Nostettu" in card
    assert "Nostettu" not in board.split(f'data-deed-id="{plain}"')[1].split("</article>")[0]

    assert board_ids(client, "featured=1") == [star]
    assert set(board_ids(client)) == {plain, star}
    assert api_ids(client, "featured=1") == [star]
    cards = client.get("/api/deeds").json["deeds"]
    assert {c["id"]: c["featured"] for c in cards} == {star: True, plain: False}
    filtered = client.get("/?featured=1").text
    assert re.search(r'name="featured" value="1"[^>]* checked', filtered)
    assert f'href="/deeds/{star}?featured=1"' in filtered  # the card leads back to this board
    assert 'href="/?featured=1"' in client.get(f"/deeds/{star}?featured=1").text
    assert client.get("/?featured=yes").status_code == 400
    assert client.get("/api/deeds?featured=2").status_code == 400

    client.post(f"/deeds/{star}/unfeature")
    assert board_ids(client, "featured=1") == []
    assert [(who, target, changes["featured"]) for who, target, changes in
            audit_changes(app, AuditAction.FEATURE) + audit_changes(app, AuditAction.UNFEATURE)
            ] == [("riitta", star, [False, True]), ("riitta", star, [True, False])]


def test_featured_deeds_come_first_in_the_projection(app, client, world):
    """An older featured deed leads the projection's selection; the rest stay newest first."""
    old = featured_deed(app, world.unit_id, "aino", seed=1)
    middle = make_deed(app, world.unit_id, "aino", seed=2)
    new = make_deed(app, world.unit_id, "aino", seed=3)
    login(client, "kalle")
    live = client.get(f"/projection/live?unit={world.unit_id}").json
    assert [deed_id for deed_id, _version in live["present"]] == [old, new, middle]
    assert live["newest"] == new
    with app.app_context():
        shown = projection.window(BoardFilter(unit_id=world.unit_id), limit=2)
        db.session.remove()
    assert [item.id for item in shown] == [old, new]


def test_review_page_lists_own_units_with_filters_and_changes_since_last_visit(
    app, client, world
):
    """Newest first, the supervisor's units only; hidden / featured / all; the second visit
    tells what is new and what others did meanwhile."""
    supervise(app, world.unit_id, "riitta")
    visible = make_deed(app, world.unit_id, "aino", seed=1, description="Näkyvä teko")
    hidden = make_deed(app, world.unit_id, "aino", seed=2, description="Piilotettu teko",
                       hidden=True)
    starred = featured_deed(app, world.unit_id, "aino", seed=3, description="Nostettu teko")
    elsewhere = make_deed(app, world.other_unit_id, "aino", seed=4, description="Muualla")

    def listed(query: str = "") -> list[int]:
        page = client.get(f"/review?{query}")
        assert page.status_code == 200
        return [int(i) for i in re.findall(r'class="review-item[^"]*" data-deed-id="(\d+)"',
                                           page.text)]

    login(client, "riitta")
    first = client.get("/review").text
    assert "Edellisen käyntisi jälkeen" not in first  # the first visit has nothing to compare
    assert "badge-new" not in first
    assert listed() == [starred, hidden, visible] and elsewhere not in listed()
    assert listed("show=hidden") == [hidden]
    assert listed("show=featured") == [starred]
    assert 'aria-current="page"' in client.get("/review?show=featured").text
    client.post("/logout")

    fresh = make_deed(app, world.unit_id, "aino", seed=5, description="Uusi teko")
    login(client, "admin")
    client.post(f"/deeds/{visible}/hide", data=HIDE)
    client.post("/logout")

    login(client, "riitta")
    second = client.get("/review").text
    assert "Edellisen käyntisi jälkeen" in second
    assert "1 uusi teko" in second
    since = second.split('class="since-visit"')[1].split("</section>")[0]
    assert "Admin piilotti teon" in since and f'href="/deeds/{visible}"' in since
    new_items = re.findall(r'class="review-item is-new" data-deed-id="(\d+)"', second)
    assert new_items == [str(fresh)]
    third = client.get("/review").text
    assert "0 uutta tekoa" in third and "is-new" not in third


def test_hidden_list_tells_who_when_why_and_who_may_restore(app, client, world):
    """The author learns that only a supervisor can restore; the supervisor gets the button."""
    supervise(app, world.unit_id, "riitta")
    deed = make_deed(app, world.unit_id, "aino", seed=1)
    login(client, "riitta")
    client.post(f"/deeds/{deed}/hide", data=HIDE)
    mine = client.get("/review/hidden").text
    assert "Voit palauttaa teon taululle" in mine
    assert f'action="/deeds/{deed}/unhide"' in mine
    assert "Piilotti Riitta" in mine and REASON in mine
    assert re.search(r'class="review-thumb"[^>]*>\s*<img', mine)  # a thumbnail
    client.post("/logout")

    login(client, "aino")
    author = client.get("/review/hidden").text
    assert "Avaa teko palauttaaksesi" not in author and "Voit palauttaa" not in author
    assert "Vain yksikön esihenkilö tai ylläpitäjä voi palauttaa" in author
    assert "unhide" not in author
    assert "Piilotti Riitta" in author and REASON in author


def test_audit_log_links_to_deeds_and_users_and_names_erased_ones(app, client, world):
    """Existing deeds and users are links; an erased deed is plain text."""
    supervise(app, world.unit_id, "riitta")
    kept = make_deed(app, world.unit_id, "aino", seed=1)
    gone = make_deed(app, world.unit_id, "aino", seed=2)
    login(client, "riitta")
    client.post(f"/deeds/{kept}/feature")
    client.post(f"/deeds/{gone}/hide", data=HIDE)
    client.post("/logout")
    with app.app_context():
        privacy.erase_deed(accounts.find_user("admin"), gone)
        riitta = accounts.find_user("riitta").id
        db.session.remove()

    login(client, "admin")
    page = client.get("/admin/audit").text
    assert f'<a href="/deeds/{kept}">teko #{kept}</a>' in page
    assert "nosti teon" in page
    assert f'href="/admin/users/{riitta}"' in page
    assert f'href="/deeds/{gone}"' not in page
    assert f"teko #{gone} <span" in page  # plain, marked erased
    assert f'id="user-{riitta}"' in client.get("/admin/users").text
