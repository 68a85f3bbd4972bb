"""The statistics' tallies stay exact: after every kind of change made through the app, under
concurrent thanks and posts, after the migration's backfill, and against the deeds themselves
on random data."""

import datetime as dt
import random
import threading
import zoneinfo
from collections import Counter

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app.extensions import db
from app.models import (
    Comment,
    CustomerType,
    Deed,
    DeedTally,
    ReactionTally,
    Role,
    Thanks,
    Unit,
    User,
    Visibility,
)
from app.services import accounts, privacy, stats
from app.services.board import BoardFilter
from tests.conftest import PASSWORD, deed_form, jpeg_upload, log_in
from tests.review_support import set_approval
from tests.security_support import (
    make_deed,
    make_user,
    on_every_client,
    signed_in_clients,
    supervise,
)

HELSINKI = zoneinfo.ZoneInfo("Europe/Helsinki")
TALLY_REVISION = "b8e4f6a0d2c3"


def hour_of(moment: dt.datetime) -> dt.datetime:
    """A moment's UTC hour, naive (SQLite hands moments back without their zone)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment.replace(minute=0, second=0, microsecond=0)


def expected_and_kept(app) -> tuple[tuple[Counter, Counter], tuple[Counter, Counter]]:
    """The tallies counted here in Python from the deeds, thanks and comments, and the tallies
    as the database keeps them: ((deeds, reactions), (deeds, reactions))."""
    with app.app_context():
        keys = {}
        deeds: Counter = Counter()
        for deed in db.session.scalars(sa.select(Deed)):
            keys[deed.id] = (deed.municipality_id, deed.unit_id, deed.customer_type or "",
                             str(deed.visibility), deed.author_id)
            deeds[(deed.happened_on, *keys[deed.id])] += 1
        reactions: Counter = Counter()
        for table, index in ((Thanks, 0), (Comment, 1)):
            for deed_id, created_at in db.session.execute(sa.select(table.deed_id,
                                                                    table.created_at)):
                counts = reactions.setdefault((hour_of(created_at), *keys[deed_id]), [0, 0])
                counts[index] += 1
        kept_deeds = Counter({
            (row.happened_on, row.municipality_id, row.unit_id, row.customer_type,
             row.visibility, row.author_id): row.deeds
            for row in db.session.scalars(sa.select(DeedTally))})
        kept_reactions = Counter({
            (hour_of(row.created_hour), row.municipality_id, row.unit_id, row.customer_type,
             row.visibility, row.author_id): [row.thanks, row.comments]
            for row in db.session.scalars(sa.select(ReactionTally))})
        db.session.remove()
    return (deeds, reactions), (kept_deeds, kept_reactions)


def assert_tallies_right(app) -> None:
    """The kept tallies are exactly the counted ones (no row left at zero either)."""
    expected, kept = expected_and_kept(app)
    assert kept == expected


def deed_id_of(app, description: str) -> int:
    """The id of the deed with this text."""
    with app.app_context():
        deed_id = db.session.scalar(sa.select(Deed.id).where(Deed.description == description))
        db.session.remove()
    return deed_id


def test_every_kind_of_change_keeps_the_tallies(app, client, world):
    """Post, thank, comment, edit, hide, unhide, approve, delete, erase, retention."""
    supervise(app, world.unit_id, "riitta")
    log_in(client, "aino")
    form = deed_form(world.unit_id, description="Ensimmäinen teko", photo=jpeg_upload(width=320,
                                                                                     height=240))
    assert client.post("/deeds/new", data=form).status_code == 302
    first = deed_id_of(app, "Ensimmäinen teko")
    assert_tallies_right(app)
    client.post("/logout")

    log_in(client, "kalle")
    assert client.post(f"/deeds/{first}/thanks").status_code == 302
    assert client.post(f"/deeds/{first}/comments", data={"body": "Hienoa!"}).status_code == 302
    assert_tallies_right(app)
    client.post("/logout")

    log_in(client, "aino")  # the author moves the deed: its thanks and comment move with it
    edit = {"description": "Ensimmäinen teko", "unit": str(world.other_unit_id),
            "customer_type": "colleague", "happened_on": "2026-05-04"}
    assert client.post(f"/deeds/{first}/edit", data=edit).status_code == 302
    with app.app_context():
        assert db.session.get(Deed, first).unit_id == world.other_unit_id
        db.session.remove()
    assert_tallies_right(app)
    edit = {**edit, "unit": str(world.unit_id), "customer_type": ""}  # "not told" again
    assert client.post(f"/deeds/{first}/edit", data=edit).status_code == 302
    assert_tallies_right(app)
    client.post("/logout")

    log_in(client, "riitta")
    assert client.post(f"/deeds/{first}/hide", data={"reason": "Tunnistettava henkilö"}
                       ).status_code == 302
    assert_tallies_right(app)
    assert client.post(f"/deeds/{first}/unhide").status_code == 302
    assert_tallies_right(app)
    client.post("/logout")

    log_in(client, "kalle")  # the thanks taken back, the comment deleted by its writer
    assert client.post(f"/deeds/{first}/thanks").status_code == 302
    with app.app_context():
        comment_id = db.session.scalar(sa.select(Comment.id).where(Comment.deed_id == first))
        db.session.remove()
    assert client.post(f"/comments/{comment_id}/delete").status_code == 302
    assert_tallies_right(app)
    assert client.post(f"/deeds/{first}/thanks").status_code == 302  # thanked again
    client.post("/logout")

    set_approval(app, True)
    log_in(client, "aino")
    form = deed_form(world.unit_id, description="Odottava teko", photo=jpeg_upload(width=320,
                                                                                  height=240))
    assert client.post("/deeds/new", data=form).status_code == 302
    waiting = deed_id_of(app, "Odottava teko")
    with app.app_context():
        assert db.session.get(Deed, waiting).visibility == Visibility.PENDING
        db.session.remove()
    assert_tallies_right(app)
    client.post("/logout")
    log_in(client, "riitta")
    assert client.post(f"/deeds/{waiting}/approve").status_code == 302
    assert_tallies_right(app)
    client.post("/logout")

    log_in(client, "aino")  # the author deletes a thanked deed
    assert client.post(f"/deeds/{first}/delete", data={"confirm": "y"}).status_code == 302
    with app.app_context():
        assert db.session.get(Deed, first) is None
        db.session.remove()
    assert_tallies_right(app)

    make_user(app, "mikko")
    old = make_deed(app, world.unit_id, "mikko")
    with app.app_context():
        db.session.add(Thanks(deed_id=waiting, user_id=accounts.find_user("mikko").id))
        db.session.execute(sa.update(Deed).where(Deed.id == old).values(
            created_at=dt.datetime(2019, 1, 1, tzinfo=dt.UTC)))
        db.session.commit()
        assert [item.id for item in privacy.run_retention(24)] == [old]  # retention
        db.session.remove()
    assert_tallies_right(app)
    with app.app_context():
        admin, mikko = accounts.find_user("admin"), accounts.find_user("mikko")
        privacy.erase_user(admin, mikko.id)  # an erased user's thanks leave the tallies
        privacy.erase_user(admin, accounts.find_user("aino").id)
        db.session.remove()
    assert_tallies_right(app)
    with app.app_context():  # nothing left: no row kept at zero, no erased author's id
        assert db.session.scalar(sa.select(sa.func.count()).select_from(DeedTally)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ReactionTally)) == 0
        db.session.remove()


def random_data(app, world, rng: random.Random) -> None:
    """Deeds, thanks and comments at random, then random edits and deletions of each."""
    with app.app_context():
        third = accounts.create_unit("Rantasalmen koulun keittiö", "Rantasalmi").id
        people = [accounts.create_user(f"tekija{n}", PASSWORD, role=Role.EMPLOYEE).id
                  for n in range(6)]
        people += list(db.session.scalars(sa.select(User.id).where(User.id.not_in(people))))
        units = dict(db.session.execute(sa.select(Unit.id, Unit.municipality_id)).all())
        types = [*CustomerType, None]
        start = dt.datetime(2025, 10, 1, tzinfo=dt.UTC)

        def moment() -> dt.datetime:
            return start + dt.timedelta(minutes=rng.randrange(60 * 24 * 200))

        deeds = []
        for n in range(160):
            unit = rng.choice([world.unit_id, world.other_unit_id, third])
            deed = Deed(description=f"Satunnainen {n}", happened_on=moment().date(),
                        created_at=moment(), author_id=rng.choice(people), unit_id=unit,
                        municipality_id=units[unit], customer_type=rng.choice(types),
                        consent_confirmed=True, visibility=rng.choice(list(Visibility)))
            db.session.add(deed)
            deeds.append(deed)
        db.session.flush()
        for deed in deeds:
            for person in rng.sample(people, rng.randrange(4)):
                db.session.add(Thanks(deed_id=deed.id, user_id=person, created_at=moment()))
            for _ in range(rng.randrange(3)):
                db.session.add(Comment(deed_id=deed.id, author_id=rng.choice(people),
                                       body="Hyvä!", created_at=moment()))
        db.session.commit()
        for deed in rng.sample(deeds, 60):  # edits of every kind a tally is kept by
            unit = rng.choice(list(units))
            deed.unit_id, deed.municipality_id = unit, units[unit]
            deed.customer_type = rng.choice(types)
            deed.visibility = rng.choice(list(Visibility))
            deed.happened_on = moment().date()
        db.session.commit()
        for table in (Thanks, Comment):
            ids = list(db.session.scalars(sa.select(table.id)))
            db.session.execute(sa.delete(table).where(table.id.in_(rng.sample(ids, 40))))
        gone = [deed.id for deed in rng.sample(deeds, 20)]
        for table in (Thanks, Comment):
            db.session.execute(sa.delete(table).where(table.deed_id.in_(gone)))
        db.session.execute(sa.delete(Deed).where(Deed.id.in_(gone)))
        db.session.commit()
        db.session.remove()


def test_tallied_statistics_equal_the_deeds_own_counts_on_random_data(app, world):
    """Every viewer and filter: the numbers from the tallies are those of the GROUP BY over
    the deeds, thanks and comments."""
    random_data(app, world, random.Random(1215))
    assert_tallies_right(app)
    supervise(app, world.other_unit_id, "riitta")
    with app.app_context():
        units = dict(db.session.execute(sa.select(Unit.id, Unit.municipality_id)).all())
        someone = db.session.scalar(sa.select(Deed.author_id).limit(1))
        periods = [(dt.date(2025, 10, 1), dt.date(2026, 4, 30)),
                   (dt.date(2025, 11, 17), dt.date(2026, 1, 3)),
                   (dt.date(2026, 2, 1), dt.date(2026, 2, 28))]
        filters = [BoardFilter(happened_from=a, happened_to=b) for a, b in periods]
        first = filters[0]
        filters += [
            BoardFilter(municipality_id=units[world.unit_id], happened_from=first.happened_from,
                        happened_to=first.happened_to),
            BoardFilter(unit_id=world.other_unit_id, happened_from=first.happened_from,
                        happened_to=first.happened_to),
            BoardFilter(customer_type=CustomerType.COLLEAGUE, unit_id=world.unit_id,
                        happened_from=first.happened_from, happened_to=first.happened_to),
            BoardFilter(author_id=someone, happened_from=first.happened_from,
                        happened_to=first.happened_to),
        ]
        compared = 0
        for username in ("admin", "kalle", "riitta", "tekija0"):
            viewer = accounts.find_user(username)
            for board_filter in filters:
                tallied = stats.statistics(viewer, board_filter, HELSINKI)
                counted = stats.statistics(viewer, board_filter, HELSINKI, from_tallies=False)
                assert tallied == counted, (username, board_filter)
                compared += tallied.deed_count + tallied.thanks_count + tallied.comment_count
        assert compared > 500  # the data was not empty for the viewers and filters
        db.session.remove()


def test_the_migration_counts_the_rows_already_there(app, world):
    """Down to the revision before the tallies with data in, then up: the backfill is exact."""
    random_data(app, world, random.Random(7))
    with app.app_context():
        downgrade(revision="a7d3e5f9c1b2")
        assert "deed_tally" not in sa.inspect(db.engine).get_table_names()
        upgrade()
        db.session.remove()
    assert_tallies_right(app)
    make_deed(app, world.unit_id)  # and the triggers are back
    assert_tallies_right(app)


def test_concurrent_thanks_and_posts_keep_the_tallies(app, world):
    """Many at once thank one deed and post deeds of the same day and unit: every count lands
    in the same tally rows (upserts that queue, never a lost update)."""
    people = 12
    deed_id = make_deed(app, world.unit_id)
    clients = signed_in_clients(app, "kiittaja", people)
    start = threading.Barrier(people)
    statuses: list[int] = []

    def act(client, n: int) -> None:
        form = deed_form(world.unit_id, description=f"Yhtä aikaa {n}",
                         photo=jpeg_upload(width=320 + n, height=240))
        start.wait()
        statuses.append(client.post(f"/deeds/{deed_id}/thanks").status_code)
        statuses.append(client.post("/deeds/new", data=form).status_code)

    on_every_client(clients, act)
    assert statuses == [302] * (2 * people)
    assert_tallies_right(app)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.sum(ReactionTally.thanks))) == people
        assert db.session.scalar(sa.select(sa.func.sum(DeedTally.deeds))) == people + 1
        db.session.remove()
