"""My deeds (/me): one's own deeds, their state, and the news badge since the last visit."""

import datetime as dt
import re

import sqlalchemy as sa

from app.extensions import db
from app.models import Deed, Visibility
from app.services import accounts, comments, deeds, my_deeds, privacy
from tests.security_support import login, make_comment, make_deed, make_user

BADGE = re.compile(r'<span class="nav-badge"><span aria-hidden="true">(\d+)</span>')


def badge(client, path: str = "/") -> int:
    """The number on the header's user menu (0 when there is no badge)."""
    match = BADGE.search(client.get(path).get_data(as_text=True))
    return int(match.group(1)) if match else 0


def thank(app, username: str, deed_id: int) -> None:
    """Thank a deed as this user, through the service."""
    with app.app_context():
        deeds.toggle_thanks(accounts.find_user(username), deed_id)
        db.session.remove()


def set_state(app, deed_id: int, visibility: Visibility, reason: str | None = None) -> None:
    """Hide a deed with a reason, or make it wait for approval (as the review work will)."""
    with app.app_context():
        db.session.execute(
            sa.update(Deed).where(Deed.id == deed_id)
            .values(visibility=visibility, hidden_reason=reason)
        )
        db.session.commit()
        db.session.remove()


def test_me_lists_only_ones_own_deeds_with_their_state(app, client, world):
    """Visible, hidden (with the reason, for the author) and waiting deeds; nobody else's."""
    visible = make_deed(app, world.unit_id, "aino", description="Näkyvä teko", seed=1)
    hidden = make_deed(app, world.unit_id, "aino", description="Piilotettu teko", seed=2)
    pending = make_deed(app, world.unit_id, "aino", description="Odottava teko", seed=3)
    make_deed(app, world.unit_id, "kalle", description="Kallen teko", seed=4)
    set_state(app, hidden, Visibility.HIDDEN, "Tunnistettava henkilö ilman lupaa")
    set_state(app, pending, Visibility.PENDING)
    login(client, "aino")
    page = client.get("/me").get_data(as_text=True)
    assert "Näkyvä teko" in page and "Piilotettu teko" in page and "Odottava teko" in page
    assert "Kallen teko" not in page
    assert "Syy: Tunnistettava henkilö ilman lupaa" in page
    assert "piilotettu" in page and "odottaa tarkistusta" in page
    assert page.index("Odottava teko") < page.index("Piilotettu teko") < page.index("Näkyvä teko")
    assert f'href="/deeds/{visible}/edit"' in page
    assert f'formaction="/deeds/{visible}/thanks"' not in page  # one's own: shown, not offered


def test_the_badge_counts_news_until_me_is_opened(app, client, world):
    """Others' thanks and comments raise it; one's own comments do not; /me resets it."""
    first = make_deed(app, world.unit_id, "aino", seed=1)
    second = make_deed(app, world.unit_id, "aino", seed=2)
    others = make_deed(app, world.unit_id, "kalle", seed=3)
    login(client, "aino")
    client.get("/me")
    assert badge(client) == 0
    thank(app, "kalle", first)
    thank(app, "riitta", second)
    make_comment(app, first, "riitta")
    make_comment(app, first, "aino")  # their own words are no news to them
    make_comment(app, others, "riitta")  # someone else's deed
    thank(app, "aino", others)
    assert badge(client) == 3
    assert "3 uutta kiitosta tai kommenttia omissa teoissa" in client.get("/").get_data(
        as_text=True
    )

    page = client.get("/me").get_data(as_text=True)
    assert "1 uusi kiitos" in page and "1 uusi kommentti" in page
    assert badge(client) == 0
    assert "uusi kiitos" not in client.get("/me").get_data(as_text=True)

    make_comment(app, second, "kalle")
    assert badge(client, f"/deeds/{first}") == 1


def test_a_new_user_sees_everything_as_news(app, client, world):
    """Before the first visit to /me every thanks counts."""
    deed = make_deed(app, world.unit_id, "aino")
    thank(app, "kalle", deed)
    login(client, "aino")
    assert badge(client) == 1


def test_a_later_page_does_not_count_as_a_visit(app, client, world):
    """Only the first page resets the news: "show older" keeps them for the newest deeds."""
    app.config["BOARD_PAGE_SIZE"] = 2
    ids = [make_deed(app, world.unit_id, "aino", seed=n) for n in range(3)]
    thank(app, "kalle", ids[-1])
    login(client, "aino")
    page = client.get(f"/me?cursor={ids[1]}").get_data(as_text=True)
    assert f'data-deed-id="{ids[0]}"' in page and f'data-deed-id="{ids[2]}"' not in page
    assert badge(client) == 1
    first = client.get("/me").get_data(as_text=True)
    assert f'href="/me?cursor={ids[1]}"' in first and "Näytä vanhemmat" in first


def test_the_badge_costs_no_statement(app, client, world):
    """The header's number comes with the person read for the request: a page with news
    reads no more statements than one without, however many deeds and thanks there are."""
    login(client, "aino")
    before = statements_of(app, client, "/")
    for n in range(5):
        deed = make_deed(app, world.unit_id, "aino", seed=n)
        thank(app, "kalle", deed)
    assert badge(client) == 5
    assert statements_of(app, client, "/") == before
    assert badge(client, "/me") == 0  # the visit shows the news: none left in its header
    assert badge(client) == 0


def statements_of(app, client, path: str) -> int:
    """How many SQL statements one request for the page runs."""
    statements = []
    with app.app_context():
        engine = db.engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        assert client.get(path).status_code == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)
    return len(statements)


def test_news_are_counted_from_the_last_visit(app, world):
    """Thanks before the visit are old; the ones after are new."""
    deed = make_deed(app, world.unit_id, "aino")
    thank(app, "kalle", deed)
    assert news_of(app, "aino") == 1
    with app.app_context():
        my_deeds.mark_seen(accounts.find_user("aino").id, dt.datetime.now(dt.UTC))
        db.session.remove()
    assert news_of(app, "aino") == 0
    make_comment(app, deed, "kalle")
    assert news_of(app, "aino") == 1


def news_of(app, username: str) -> int:
    """The user's badge count, read in a fresh session."""
    with app.app_context():
        count = accounts.find_user(username).news
        db.session.remove()
    return count


def test_a_thanks_made_while_the_page_was_made_stays_news(app, world):
    """The visit is the moment the page was read: a thanks after it is news even when the
    visit is written down later."""
    deed = make_deed(app, world.unit_id, "aino")
    page_read = dt.datetime.now(dt.UTC)
    thank(app, "kalle", deed)
    with app.app_context():
        my_deeds.mark_seen(accounts.find_user("aino").id, page_read)
        db.session.remove()
    assert news_of(app, "aino") == 1


def test_the_kept_count_is_the_counted_one_after_every_change(app, world):
    """user.news (kept by triggers) equals the count from the rows through thanks and comments
    given and taken away, one's own comment, a visit, and erasing a deed and a user."""
    make_user(app, "liisa")
    first = make_deed(app, world.unit_id, "aino", seed=1)
    second = make_deed(app, world.unit_id, "aino", seed=2)

    def check() -> int:
        with app.app_context():
            aino = accounts.find_user("aino")
            seen = aino.me_seen_at
            counted = db.session.scalar(sa.select(my_deeds.counted_news(aino.id, seen)))
            kept = aino.news
            db.session.remove()
        assert kept == counted
        return kept

    thank(app, "kalle", first)
    thank(app, "liisa", first)
    thank(app, "kalle", second)
    make_comment(app, first, "aino")  # her own: not news
    liisa_comment = make_comment(app, second, "liisa")
    assert check() == 4
    thank(app, "kalle", second)  # taken back
    assert check() == 3
    with app.app_context():
        comments.delete_comment(accounts.find_user("liisa"), liisa_comment)
        db.session.remove()
    assert check() == 2
    with app.app_context():
        my_deeds.mark_seen(accounts.find_user("aino").id, dt.datetime.now(dt.UTC))
        db.session.remove()
    assert check() == 0
    thank(app, "kalle", second)
    make_comment(app, first, "kalle")
    make_comment(app, second, "liisa")
    assert check() == 3
    with app.app_context():
        privacy.erase_deed(accounts.find_user("admin"), second)
        db.session.remove()
    assert check() == 1
    with app.app_context():
        privacy.erase_user(accounts.find_user("admin"), accounts.find_user("kalle").id)
        db.session.remove()
    assert check() == 0


def test_the_menu_links_to_my_deeds(app, client, world):
    """"Omat teot" is in the header's user menu for every logged-in user."""
    login(client, "kalle")
    assert '<a class="nav-menu-link" href="/me">Omat teot' in client.get("/").get_data(
        as_text=True
    )
    page = client.get("/me").get_data(as_text=True)
    assert "Et ole vielä lisännyt tekoja." in page
