"""Comments under deeds: plain text, who may delete them, and counts that stay right."""

import re
import threading

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import COMMENT_MAX, AuditAction, AuditEntry, Comment, Deed, Role
from app.services import accounts, comments, privacy
from app.services.errors import NotAllowed, NotFound
from tests.conftest import PASSWORD
from tests.security_support import login, make_comment, make_deed, make_user, supervise
from tests.test_cards import card_html


def comment_rows(app, deed_id: int) -> list[str]:
    """The stored bodies of a deed's comments, oldest first."""
    with app.app_context():
        bodies = list(db.session.scalars(
            sa.select(Comment.body).where(Comment.deed_id == deed_id).order_by(Comment.id)
        ))
        db.session.remove()
    return bodies


def stored_count(app, deed_id: int) -> int:
    """The deed's comment_count column."""
    with app.app_context():
        count = db.session.scalar(sa.select(Deed.comment_count).where(Deed.id == deed_id))
        db.session.remove()
    return count


def real_count(app, deed_id: int) -> int:
    """How many comment rows the deed has."""
    return len(comment_rows(app, deed_id))


def send(client, deed_id: int, body: str):
    """Post a comment through the deed page's form."""
    return client.post(f"/deeds/{deed_id}/comments", data={"body": body})


@pytest.fixture
def deed(app, world):
    """A visible deed by kalle in aino's unit."""
    return make_deed(app, world.unit_id, "kalle")


def test_a_comment_shows_on_the_deed_page_escaped(app, client, world, deed):
    """The comment is stored as sent (trimmed) and shown as text, never as markup."""
    login(client, "aino")
    response = send(client, deed, "  <script>alert(1)</script> Hienoa & kiitos!  ")
    assert response.status_code == 302
    assert re.fullmatch(rf"/deeds/{deed}#comment-\d+", response.headers["Location"])
    assert comment_rows(app, deed) == ["<script>alert(1)</script> Hienoa & kiitos!"]
    page = client.get(f"/deeds/{deed}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Hienoa &amp; kiitos!" in page
    assert "<script>alert(1)" not in page
    assert "Kommentti on lähetetty." in page
    assert stored_count(app, deed) == 1


@pytest.mark.parametrize("body", ["", "   ", "\n\t "])
def test_an_empty_comment_is_refused(app, client, world, deed, body):
    """Nothing but whitespace: a Finnish message, no row, no count."""
    login(client, "aino")
    response = send(client, deed, body)
    assert response.status_code == 400
    assert "Kirjoita kommentti." in response.get_data(as_text=True)
    assert comment_rows(app, deed) == [] and stored_count(app, deed) == 0


def test_the_length_limit_holds(app, client, world, deed):
    """300 characters go through; 301 are refused with the limit in the message."""
    login(client, "aino")
    assert send(client, deed, "ä" * COMMENT_MAX).status_code == 302
    response = send(client, deed, "ä" * (COMMENT_MAX + 1))
    assert response.status_code == 400
    assert "enintään 300 merkkiä" in response.get_data(as_text=True)
    assert comment_rows(app, deed) == ["ä" * COMMENT_MAX]
    assert stored_count(app, deed) == 1


@pytest.mark.parametrize("body", ["Kiitos\x07!", "abc\u202egpj.exe", "x\x1by"])
def test_control_characters_are_refused_like_in_a_description(app, client, world, deed, body):
    """Control and direction-override characters: the deed form's message, nothing stored."""
    login(client, "aino")
    response = send(client, deed, body)
    assert response.status_code == 400
    assert "näkymättömiä ohjausmerkkejä" in response.get_data(as_text=True)
    assert comment_rows(app, deed) == []


def test_a_nul_character_is_refused_before_the_form(app, client, world, deed):
    """As for a description, a NUL in a form field is refused with a 400 and nothing stored."""
    login(client, "aino")
    assert send(client, deed, "Hie\x00noa").status_code == 400
    assert comment_rows(app, deed) == []


def test_new_lines_stay_in_a_comment(app, client, world, deed):
    """A line break is plain text, not a control character to refuse."""
    login(client, "aino")
    assert send(client, deed, "Hienoa!\nJatka samaan malliin.").status_code == 302
    assert comment_rows(app, deed) == ["Hienoa!\nJatka samaan malliin."]


def test_a_hidden_deed_takes_comments_only_from_those_who_see_it(app, client, world):
    """Others get the same 404 as for a missing deed; the unit's supervisor may comment."""
    hidden = make_deed(app, world.unit_id, "kalle", hidden=True)
    supervise(app, world.unit_id, "riitta")
    login(client, "aino")
    assert send(client, hidden, "Hienoa").status_code == 404
    assert send(client, 999999, "Hienoa").status_code == 404
    client.post("/logout")
    login(client, "riitta")
    assert send(client, hidden, "Hienoa").status_code == 302
    assert comment_rows(app, hidden) == ["Hienoa"]


def test_the_card_counts_comments_in_the_right_plural(app, client, world, deed):
    """The board card, its cache and the API follow every comment; screen readers hear words."""
    login(client, "aino")
    board = client.get("/").get_data(as_text=True)
    assert '<span class="visually-hidden"> 0 kommenttia</span>' in card_html(board, deed)
    send(client, deed, "Hienoa")
    card = card_html(client.get("/").get_data(as_text=True), deed)
    assert '<span aria-hidden="true">1</span>' in card
    assert '<span class="visually-hidden"> 1 kommentti</span>' in card
    assert f'href="/deeds/{deed}#comments"' in card
    send(client, deed, "Tosi hienoa")
    card = card_html(client.get("/").get_data(as_text=True), deed)
    assert "2 kommenttia" in card
    api = client.get("/api/deeds").get_json()["deeds"][0]
    assert api["comment_count"] == 2 and api["comment_label"] == "2 kommenttia"


def test_the_comment_form_has_a_counter_and_no_inline_script(app, client, world, deed):
    """The textarea names its counter; the counting runs from a static file (strict CSP)."""
    login(client, "aino")
    page = client.get(f"/deeds/{deed}").get_data(as_text=True)
    assert 'data-count="comment-count"' in page and 'id="comment-count">0<' in page
    assert 'maxlength="300"' in page
    assert "js/char-count.js" in page
    assert "<script>" not in page and "onclick" not in page


def delete(client, comment_id: int):
    """Delete a comment through its button."""
    return client.post(f"/comments/{comment_id}/delete")


@pytest.mark.parametrize(
    ("deleter", "allowed"),
    [
        ("pertti", True),  # wrote the comment
        ("kalle", True),  # wrote the deed
        ("riitta", True),  # supervises the deed's unit
        ("sanni", False),  # supervises another unit
        ("aino", False),  # another employee
        ("admin", True),
    ],
)
def test_who_may_delete_a_comment(app, client, world, deed, deleter, allowed):
    """The comment's writer, the deed's author, the unit's supervisors and admins; no one else."""
    make_user(app, "pertti")
    make_user(app, "sanni", Role.SUPERVISOR)
    supervise(app, world.unit_id, "riitta")
    supervise(app, world.other_unit_id, "sanni")
    comment_id = make_comment(app, deed, "pertti")
    login(client, deleter)
    page = client.get(f"/deeds/{deed}").get_data(as_text=True)
    assert ("Poista kommentti" in page) is allowed
    response = delete(client, comment_id)
    if allowed:
        assert response.status_code == 302
        assert response.headers["Location"] == f"/deeds/{deed}#comments"
        assert comment_rows(app, deed) == [] and stored_count(app, deed) == 0
    else:
        assert response.status_code == 403
        assert comment_rows(app, deed) == ["Hienoa työtä!"] and stored_count(app, deed) == 1
    assert delete(client, comment_id).status_code == (404 if allowed else 403)


def test_removing_someone_elses_comment_is_audited(app, client, world, deed):
    """A moderator's delete is in the log with the deed and the comment's id, not its words."""
    comment_id = make_comment(app, deed, "aino", "Salainen sana")
    own = make_comment(app, deed, "riitta")
    login(client, "riitta")
    assert delete(client, own).status_code == 302  # one's own words: no log entry
    client.post("/logout")
    login(client, "admin")
    assert delete(client, comment_id).status_code == 302
    with app.app_context():
        entries = db.session.scalars(sa.select(AuditEntry)).all()
        assert [(e.actor_username, e.action, e.target_type, e.target_id) for e in entries] == [
            ("admin", AuditAction.DELETE_COMMENT, "deed", deed)
        ]
        assert entries[0].changes == {"comment_id": [comment_id, None]}
        assert "Salainen" not in str(entries[0].changes)
        db.session.remove()


def test_the_service_refuses_like_the_routes(app, world, deed):
    """Called directly, the service applies the same rules."""
    comment_id = make_comment(app, deed, "riitta")
    with app.app_context():
        with pytest.raises(NotAllowed):
            comments.delete_comment(accounts.find_user("aino"), comment_id)
        with pytest.raises(NotFound):
            comments.delete_comment(accounts.find_user("aino"), 999999)
        db.session.remove()


def test_erasing_a_user_removes_their_comments_and_lowers_counts(app, world, deed):
    """Their comments go from every deed; the counts drop by theirs only."""
    victim = make_user(app, "poistettava")
    other = make_deed(app, world.other_unit_id, "aino", seed=2)
    for _ in range(2):
        make_comment(app, deed, "poistettava")
    make_comment(app, other, "poistettava")
    make_comment(app, deed, "aino", "Jää")
    make_comment(app, other, "kalle", "Jää myös")
    with app.app_context():
        privacy.erase_user(accounts.find_user("admin"), victim)
        db.session.remove()
    assert comment_rows(app, deed) == ["Jää"] and stored_count(app, deed) == 1
    assert comment_rows(app, other) == ["Jää myös"] and stored_count(app, other) == 1


def test_erasing_a_deed_author_takes_the_comments_on_their_deeds(app, world):
    """Comments under an erased user's deed go with the deed."""
    victim = make_user(app, "poistettava")
    theirs = make_deed(app, world.unit_id, "poistettava")
    make_comment(app, theirs, "aino")
    with app.app_context():
        privacy.erase_user(accounts.find_user("admin"), victim)
        assert db.session.scalar(sa.select(sa.func.count(Comment.id))) == 0
        db.session.remove()


CLIENTS = 12


def logged_in_clients(app, count: int) -> list:
    """Test clients of `count` new employees, each logged in."""
    clients = []
    for n in range(count):
        make_user(app, f"kommentoija{n}")
        client = app.test_client()
        assert client.post(
            "/login", data={"username": f"kommentoija{n}", "password": PASSWORD}
        ).status_code == 302
        clients.append(client)
    return clients


def run_at_once(actions) -> list[int]:
    """Run each action on its own thread, released together; return their statuses."""
    start = threading.Barrier(len(actions))
    statuses: list[int] = []

    def run(action):
        start.wait()
        statuses.append(action())

    threads = [threading.Thread(target=run, args=(a,)) for a in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return statuses


def test_counts_stay_right_under_concurrent_comments_and_deletes(app, world, deed):
    """Many comments and deletes at once (some of the same comment twice): the count always
    equals the rows, because each is an SQL expression in the insert's or delete's transaction."""
    clients = logged_in_clients(app, CLIENTS)
    statuses = run_at_once([
        (lambda c=c, n=n: send(c, deed, f"Kommentti {n}").status_code)
        for n, c in enumerate(clients)
    ])
    assert statuses == [302] * CLIENTS
    assert stored_count(app, deed) == real_count(app, deed) == CLIENTS

    with app.app_context():
        own = dict(db.session.execute(
            sa.select(Comment.body, Comment.id).where(Comment.deed_id == deed)
        ).all())
        db.session.remove()
    # Half delete their own comment, each twice at the same moment; the rest comment again.
    actions = []
    for n, client in enumerate(clients):
        if n % 2 == 0:
            comment_id = own[f"Kommentti {n}"]
            actions += [(lambda c=client, i=comment_id: delete(c, i).status_code)] * 2
        else:
            actions.append(lambda c=client, n=n: send(c, deed, f"Toinen {n}").status_code)
    statuses = run_at_once(actions)
    assert statuses.count(302) == CLIENTS  # one delete of each pair, and every new comment
    assert statuses.count(404) == CLIENTS // 2  # the other delete found it gone
    assert stored_count(app, deed) == real_count(app, deed) == CLIENTS
