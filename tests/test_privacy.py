"""GDPR: consent per deed, erasure of a user or a deed (files too), retention, export, the page."""

import datetime as dt
import hashlib
import io
import json
import zipfile

import pytest
import sqlalchemy as sa
from PIL import Image

from app.extensions import db
from app.models import AuditEntry, Deed, Photo, Rendition, Role, Thanks, UnitSupervisor, User
from app.models.base import utcnow
from app.services import accounts, deeds, privacy, upkeep
from app.services.errors import NotAllowed, Refused
from tests.conftest import deed_form
from tests.security_support import (
    deed_keys,
    kept_files,
    login,
    make_deed,
    make_user,
    row_counts,
    stored_files,
    supervise,
    tiny_jpeg,
)


def audit_rows(app) -> list[tuple[str, str, str, int]]:
    """(who, action, target type, target id) of every audit entry."""
    with app.app_context():
        rows = db.session.execute(
            sa.select(AuditEntry.actor_username, AuditEntry.action, AuditEntry.target_type,
                      AuditEntry.target_id).order_by(AuditEntry.id)
        )
        result = [(who, action.value, kind, target) for who, action, kind, target in rows]
        db.session.remove()
    return result


def storage_is_consistent(app) -> bool:
    """No orphan files (of any age) and no rows without files."""
    with app.app_context():
        report = upkeep.check_storage()
        db.session.remove()
    return not report.orphans and not report.new_orphans and not report.missing


# --- Consent ----------------------------------------------------------------------------------


def test_consent_is_recorded_with_its_time(app, client, world):
    """The author confirms consent when posting; when is stored on the deed."""
    login(client, "aino")
    before = utcnow()
    assert client.post("/deeds/new", data=deed_form(world.unit_id),
                       content_type="multipart/form-data").status_code == 302
    with app.app_context():
        deed = db.session.scalar(sa.select(Deed))
        confirmed_at = deed.consent_confirmed_at.replace(tzinfo=dt.UTC)
        assert deed.consent_confirmed is True
        assert deed.author.username == "aino"
    assert before - dt.timedelta(seconds=1) <= confirmed_at <= utcnow()


def test_deed_without_consent_is_refused(app, client, world):
    """The form refuses it with the reason, and stores no deed: only the photo, kept a while
    for the next try."""
    login(client, "aino")
    response = client.post("/deeds/new", data=deed_form(world.unit_id, consent=None),
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Rastita ruutu, jos kuvassa ei ole tunnistettavia henkilöitä" in response.text
    assert row_counts(app)["Deed"] == 0
    assert stored_files(app) == kept_files(app)


def test_service_refuses_a_deed_without_consent(app, world):
    """Not only the form: the service itself will not store a deed without consent."""
    with app.app_context():
        new = deeds.NewDeed("Teko", world.unit_id, dt.date(2026, 6, 2), None, consent=False)
        with pytest.raises(Refused, match="consent_missing"):
            deeds.create_deed(accounts.find_user("aino"), new, [io.BytesIO(tiny_jpeg())])
    assert row_counts(app)["Deed"] == 0
    assert stored_files(app) == []


# --- Erasing a user ---------------------------------------------------------------------------


@pytest.fixture
def erasable(app, world):
    """Liisa (a supervisor) with two deeds, one photo identical to Kalle's, and thanks."""
    make_user(app, "liisa", Role.SUPERVISOR)
    supervise(app, world.unit_id, "liisa")
    shared = tiny_jpeg(42)
    ids = {
        "only_hers": make_deed(app, world.unit_id, "liisa", seed=1,
                               description="Liisan salainen teko"),
        "shared_photo": make_deed(app, world.unit_id, "liisa", photo=shared),
        "kalles": make_deed(app, world.unit_id, "kalle", photo=shared),
    }
    with app.app_context():
        liisa = accounts.find_user("liisa")
        ids["liisa"] = liisa.id
        deeds.toggle_thanks(liisa, ids["kalles"])
        deeds.toggle_thanks(accounts.find_user("aino"), ids["only_hers"])
        db.session.remove()
    ids["her_keys"] = deed_keys(app, ids["only_hers"])
    ids["shared_keys"] = deed_keys(app, ids["kalles"])
    return ids


def test_admin_erases_a_user_and_every_file_behind_them(app, client, erasable):
    """Rows, files in every rendition, thanks and supervisions go; Kalle's files stay."""
    login(client, "admin")
    user_id = erasable["liisa"]
    confirm = client.get(f"/admin/users/{user_id}/erase").text
    assert "2 tekoa ja niiden 2 kuvaa" in confirm
    assert "1 kiitos, jonka käyttäjä on antanut" in confirm  # one thanks: singular

    unconfirmed = client.post(f"/admin/users/{user_id}/erase", data={})
    assert unconfirmed.status_code == 400
    response = client.post(f"/admin/users/{user_id}/erase", data={"confirm": "y"})
    assert response.headers["Location"] == "/admin/users"
    assert "Käyttäjä liisa ja hänen 2 tekoaan on poistettu." in client.get("/admin/users").text

    files = stored_files(app)
    assert not any(key in files for key in erasable["her_keys"])
    assert all(key in files for key in erasable["shared_keys"])  # Kalle's identical photo
    assert storage_is_consistent(app)
    with app.app_context():
        assert db.session.get(User, user_id) is None
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Deed)) == 1
        assert db.session.scalars(sa.select(Thanks.user_id)).all() == []
        assert db.session.get(Deed, erasable["kalles"]).thanks_count == 0
        assert db.session.scalars(sa.select(UnitSupervisor)).all() == []
    photo = client.get(f"/photos/{erasable['her_keys'][0]}")
    assert photo.status_code == 404


def test_user_erasure_is_logged_without_content(app, client, erasable):
    """The log keeps who erased and the user's number; no name, no description."""
    login(client, "admin")
    client.post(f"/admin/users/{erasable['liisa']}/erase", data={"confirm": "y"})
    assert audit_rows(app) == [("admin", "erase_user", "user", erasable["liisa"])]
    with app.app_context():
        dump = repr([
            (e.actor_username, e.action, e.target_type, e.target_id)
            for e in db.session.scalars(sa.select(AuditEntry))
        ])
    assert "liisa" not in dump and "salainen" not in dump


def test_erased_moderators_log_entries_stay_without_their_name(app, client, erasable):
    """Entries a user made as a moderator survive their erasure, but no longer name them: the
    erase page promises that the log keeps no name. The page says "poistettu käyttäjä"."""
    login(client, "liisa")
    client.post(f"/deeds/{erasable['kalles']}/hide", data={"reason": "Syy"})
    client.post("/logout")
    login(client, "admin")
    client.post(f"/deeds/{erasable['kalles']}/unhide")
    erase_page = client.get(f"/admin/users/{erasable['liisa']}/erase").text
    assert "ei nimeä eikä sisältöä" in erase_page
    client.post(f"/admin/users/{erasable['liisa']}/erase", data={"confirm": "y"})

    assert audit_rows(app) == [
        ("", "hide", "deed", erasable["kalles"]),
        ("admin", "unhide", "deed", erasable["kalles"]),
        ("admin", "erase_user", "user", erasable["liisa"]),  # only the target's number
    ]
    with app.app_context():
        actors = db.session.scalars(
            sa.select(AuditEntry.actor_id).order_by(AuditEntry.id)
        ).all()
        db.session.remove()
    assert actors[0] is None
    flashed = client.get("/admin/users").text
    assert "Käyttäjä liisa ja hänen 2 tekoaan on poistettu." in flashed
    page = client.get("/admin/audit").text
    assert "liisa" not in page
    assert page.count("poistettu käyttäjä") == 1
    client.post("/language", data={"lang": "en"})
    assert "deleted user" in client.get("/admin/audit").text


def test_only_active_admins_erase_users_and_never_themselves(app, world):
    """An active admin always remains: nobody erases themselves, only active admins erase."""
    with app.app_context():
        admin = accounts.find_user("admin")
        with pytest.raises(Refused, match="erase_self"):
            privacy.erase_user(admin, admin.id)
        accounts.create_user("toinen", "pitka-salasana-9", role=Role.ADMIN)
        accounts.set_active("toinen", False)
        with pytest.raises(NotAllowed):  # a deactivated admin can do nothing
            privacy.erase_user(accounts.find_user("toinen"), admin.id)
        with pytest.raises(NotAllowed):
            privacy.erase_user(accounts.find_user("kalle"), admin.id)
        assert db.session.get(User, admin.id) is not None


# --- Erasing a deed ---------------------------------------------------------------------------


def test_admin_erases_one_deed(app, client, erasable):
    """Confirm page, then the deed and its unshared files are gone; the log has the id only."""
    login(client, "admin")
    deed_id = erasable["only_hers"]
    page = client.get(f"/admin/deeds/{deed_id}/erase").text
    assert "Liisan salainen teko" in page
    response = client.post(f"/admin/deeds/{deed_id}/erase", data={"confirm": "y"})
    assert response.headers["Location"] == "/"

    assert not any(key in stored_files(app) for key in erasable["her_keys"])
    assert storage_is_consistent(app)
    assert client.get(f"/deeds/{deed_id}").status_code == 404
    assert audit_rows(app) == [("admin", "erase_deed", "deed", deed_id)]


def test_erasing_a_deed_keeps_the_files_of_an_identical_photo(app, client, erasable):
    """An identical photo in another deed has files of its own: they stay and are served."""
    erased_keys = deed_keys(app, erasable["shared_photo"])
    assert not set(erased_keys) & set(erasable["shared_keys"])
    login(client, "admin")
    client.post(f"/admin/deeds/{erasable['shared_photo']}/erase", data={"confirm": "y"})
    files = stored_files(app)
    assert not any(key in files for key in erased_keys)
    assert all(key in files for key in erasable["shared_keys"])
    assert storage_is_consistent(app)
    photo = client.get(f"/photos/{erasable['shared_keys'][0]}")
    photo.close()
    assert photo.status_code == 200


def share_files_the_old_way(app, deed_ids: list[int]) -> set[str]:
    """Point the deeds' renditions at content-hashed keys without a per-upload part, one file
    per content, as identical photos were stored before; return those keys."""
    with app.app_context():
        storage = app.extensions["storage"]
        query = sa.select(Rendition).join(Rendition.photo).where(Photo.deed_id.in_(deed_ids))
        renditions = db.session.scalars(query).all()
        old_keys = {}
        for key in {rendition.key for rendition in renditions}:
            with storage.open(key) as stored:
                data = stored.read()
            digest = hashlib.sha256(data).hexdigest()
            old_keys[key] = f"photos/{digest[:2]}/{digest}.webp"
            storage.save(old_keys[key], data, "image/webp")
            storage.delete(key)
        for rendition in renditions:
            rendition.key = old_keys[rendition.key]
        db.session.commit()
        keys = set(db.session.scalars(sa.select(Rendition.key)))
        db.session.remove()
    return keys


def test_files_shared_before_each_upload_had_its_own_go_with_the_last_deed(app, client, world):
    """Deeds stored before this change may share files: erasing one keeps them for the other."""
    same = tiny_jpeg(7)
    first, second = (make_deed(app, world.unit_id, "aino", photo=same) for _ in range(2))
    shared = share_files_the_old_way(app, [first, second])
    assert set(deed_keys(app, first)) == set(deed_keys(app, second)) == shared
    assert set(stored_files(app)) == shared and storage_is_consistent(app)

    login(client, "admin")
    client.post(f"/admin/deeds/{first}/erase", data={"confirm": "y"})
    assert set(stored_files(app)) == shared
    assert storage_is_consistent(app)
    for key in shared:
        photo = client.get(f"/photos/{key}")
        photo.close()
        assert photo.status_code == 200

    client.post(f"/admin/deeds/{second}/erase", data={"confirm": "y"})
    assert stored_files(app) == []
    assert row_counts(app)["Deed"] == 0


# --- Retention --------------------------------------------------------------------------------


def age(app, deed_id: int, months: int) -> None:
    """Pretend the deed was stored `months` months ago."""
    with app.app_context():
        created = privacy.months_before(utcnow(), months)
        db.session.execute(sa.update(Deed).where(Deed.id == deed_id).values(created_at=created))
        db.session.commit()
        db.session.remove()


@pytest.mark.parametrize(
    ("moment", "months", "expected"),
    [
        (dt.datetime(2026, 3, 31, 12), 1, dt.datetime(2026, 2, 28, 12)),
        (dt.datetime(2026, 3, 31, 12), 24, dt.datetime(2024, 3, 31, 12)),
        (dt.datetime(2026, 1, 15), 1, dt.datetime(2025, 12, 15)),
        (dt.datetime(2025, 2, 28), 12, dt.datetime(2024, 2, 28)),
        (dt.datetime(2024, 2, 29), 12, dt.datetime(2023, 2, 28)),
    ],
)
def test_months_before(moment, months, expected):
    """Calendar months, clamped to the month's last day."""
    assert privacy.months_before(moment, months) == expected


def test_retention_dry_run_lists_and_keeps(app, runner, world):
    """--dry-run shows what would go (no descriptions) and deletes nothing."""
    old = make_deed(app, world.unit_id, "aino", seed=1, description="Vanha salaisuus")
    make_deed(app, world.unit_id, "aino", seed=2)
    age(app, old, 25)
    files = stored_files(app)

    result = runner.invoke(args=["retention", "run", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert f"would delete deed {old}\t" in result.output
    assert "Juvan keskuskeittiö\taino" in result.output
    assert "1 deed older than 24 months would be deleted." in result.output
    assert "Vanha salaisuus" not in result.output
    assert stored_files(app) == files
    assert row_counts(app)["Deed"] == 2


def test_retention_run_deletes_old_deeds_and_files(app, runner, world):
    """Deeds past RETENTION_MONTHS go with their files; a second run finds nothing (cron-safe)."""
    old = [make_deed(app, world.unit_id, "aino", seed=n) for n in range(3)]
    recent = make_deed(app, world.unit_id, "aino", seed=9)
    for deed_id in old:
        age(app, deed_id, 25)
    age(app, recent, 23)
    old_keys = [key for deed_id in old for key in deed_keys(app, deed_id)]

    result = runner.invoke(args=["retention", "run"])
    assert result.exit_code == 0, result.output
    assert "3 deeds older than 24 months deleted." in result.output
    assert row_counts(app)["Deed"] == 1
    assert not any(key in stored_files(app) for key in old_keys)
    assert storage_is_consistent(app)
    assert audit_rows(app) == [("järjestelmä", "retention", "deed", d) for d in old]

    again = runner.invoke(args=["retention", "run"])
    assert "0 deeds older than 24 months deleted." in again.output


@pytest.mark.parametrize("months", ["99999", "0", "-3", "1201"])
def test_retention_refuses_a_nonsense_period(app, runner, world, months):
    """--months outside 1–1200: a message in words and exit code 1, no traceback, nothing gone."""
    deed_id = make_deed(app, world.unit_id, "aino")
    age(app, deed_id, 25)
    for dry_run in ([], ["--dry-run"]):
        result = runner.invoke(args=["retention", "run", *dry_run, "--months", months])
        assert result.exit_code == 1, result.output
        assert f"Säilytysaika {months} kuukautta ei käy: anna 1–1200 kuukautta." in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
    assert row_counts(app)["Deed"] == 1
    assert audit_rows(app) == []


def test_retention_refuses_a_nonsense_setting(app_config, request):
    """RETENTION_MONTHS=0 would delete every deed: the run refuses it instead."""
    app_config["RETENTION_MONTHS"] = 0
    app = request.getfixturevalue("app")
    world = request.getfixturevalue("world")
    make_deed(app, world.unit_id, "aino")
    result = app.test_cli_runner().invoke(args=["retention", "run"])
    assert result.exit_code == 1
    assert "Säilytysaika 0 kuukautta ei käy" in result.output
    assert row_counts(app)["Deed"] == 1


@pytest.mark.parametrize("months", [0, -1, 1201, 10**6])
def test_retention_service_refuses_a_nonsense_period(app, months):
    """The service itself refuses, with a reason the refusal table has words for."""
    with app.app_context():
        with pytest.raises(Refused, match="retention_months_invalid"):
            privacy.run_retention(months)
        with pytest.raises(Refused, match="retention_months_invalid"):
            privacy.run_retention(months, dry_run=True)
        db.session.remove()


def test_retention_months_setting_and_override(app_config, request):
    """RETENTION_MONTHS sets the period; --months overrides it for one run."""
    app_config["RETENTION_MONTHS"] = 6
    app = request.getfixturevalue("app")
    world = request.getfixturevalue("world")
    runner = app.test_cli_runner()
    deed_id = make_deed(app, world.unit_id, "aino")
    age(app, deed_id, 7)
    assert "1 deed older than 6 months" in runner.invoke(
        args=["retention", "run", "--dry-run"]).output
    assert "0 deeds older than 12 months" in runner.invoke(
        args=["retention", "run", "--dry-run", "--months", "12"]).output


# --- Export -----------------------------------------------------------------------------------


def test_admin_exports_a_users_data_as_zip(app, client, erasable):
    """deeds.json plus the largest stored file of each photo; the export is logged."""
    login(client, "admin")
    response = client.post(f"/admin/users/{erasable['liisa']}/export")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    assert "tekotaulu-liisa-" in response.headers["Content-Disposition"]

    body = response.data
    response.close()  # the server closes the spooled file once sent
    archive = zipfile.ZipFile(io.BytesIO(body))
    data = json.loads(archive.read("deeds.json"))
    assert data["user"]["username"] == "liisa"
    assert [d["id"] for d in data["deeds"]] == [erasable["only_hers"], erasable["shared_photo"]]
    first = data["deeds"][0]
    assert first["description"] == "Liisan salainen teko"
    assert first["consent_confirmed_at"]
    assert data["thanks_given"][0]["deed_id"] == erasable["kalles"]
    for deed in data["deeds"]:
        (photo,) = deed["photos"]
        with Image.open(io.BytesIO(archive.read(photo["file"]))) as picture:
            assert picture.size == (photo["width"], photo["height"])
    assert audit_rows(app) == [("admin", "export", "user", erasable["liisa"])]


# --- The privacy page -------------------------------------------------------------------------


def test_privacy_page_in_finnish_linked_from_every_page(client, world):
    """What is stored, who sees it, how long, how to ask for removal."""
    login(client, "aino")
    assert 'href="/privacy"' in client.get("/").text
    page = client.get("/privacy").text
    for words in ("Mitä tallennetaan", "Kuka näkee", "Kuinka kauan", "24 kuukautta",
                  "poisto"):
        assert words in page


def test_privacy_page_is_readable_before_signing_in(client, world):
    """The notice is linked from the login page's footer and opens without a login, with the
    header's user menu left out and a way back to the login."""
    login_page = client.get("/login").text
    assert 'href="/privacy"' in login_page
    response = client.get("/privacy")
    assert response.status_code == 200
    page = response.text
    for words in ("Mitä tallennetaan", "Kuka näkee", "Kuinka kauan", "24 kuukautta"):
        assert words in page
    assert "Kirjaudu ulos" not in page
    assert 'class="site-nav"' not in page
    assert 'href="/login"' in page
    assert response.headers["Cache-Control"] == "no-store"


def test_privacy_page_follows_the_setting(app_config, request):
    """The page states the configured retention period."""
    app_config["RETENTION_MONTHS"] = 12
    request.getfixturevalue("world")
    client = request.getfixturevalue("client")
    login(client, "aino")
    assert "12 kuukautta" in client.get("/privacy").text
