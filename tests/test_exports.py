"""Exports of a filtered board: CSV cell by cell, the ZIP of photos, memory, rights, audit."""

import csv
import datetime as dt
import hashlib
import io
import os
import sys
import zipfile

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditAction, AuditEntry, Deed, Photo, Rendition, Visibility
from app.storage import current_storage
from tests.conftest import PASSWORD
from tests.test_board import add_deed

HEADER = ["Tunnus", "Päivä", "Kunta", "Yksikkö", "Asiakastyyppi", "Tekijä", "Kuvaus",
          "Kiitokset", "Kommentit", "Linkki"]
BOM = "\ufeff".encode()


def describe(app, deed_id: int, text: str) -> None:
    """Give a deed a description as stored (past the form's checks, as any text could be)."""
    with app.app_context():
        db.session.execute(sa.update(Deed).where(Deed.id == deed_id).values(description=text))
        db.session.commit()
        db.session.remove()


def read_csv(data: bytes, delimiter: str = ",") -> list[list[str]]:
    """Parse an export as Excel would: BOM first, then UTF-8 CSV."""
    assert data.startswith(BOM)
    return list(csv.reader(io.StringIO(data[len(BOM):].decode("utf-8"), newline=""),
                           delimiter=delimiter))


@pytest.fixture
def deeds(app, world):
    """Three visible deeds with awkward text and one hidden deed."""
    made = {
        "umlauts": add_deed(app, world.unit_id, "Keitin kahvia ja söin pullaa."),
        "quotes": add_deed(app, world.unit_id, "x"),
        "formula": add_deed(app, world.other_unit_id, "x"),
        "hidden": add_deed(app, world.unit_id, "Piilotettu teko."),
    }
    describe(app, made["quotes"], 'Hän sanoi "kiitos";\nja rivi vaihtui, pilkku, myös.')
    describe(app, made["formula"], '=HYPERLINK("http://evil.example","klikkaa")')
    with app.app_context():
        db.session.execute(sa.update(Deed).where(Deed.id == made["hidden"])
                           .values(visibility=Visibility.HIDDEN))
        db.session.commit()
        db.session.remove()
    return made


def test_csv_cell_by_cell(app, client, auth, world, deeds):
    """Header, BOM, ä and ö, quotes and newlines intact, a formula made harmless, no hidden deed."""
    auth.login("riitta")
    response = client.get("/board/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    rows = read_csv(response.data)
    assert rows[0] == HEADER
    by_id = {int(row[0]): row for row in rows[1:]}
    assert sorted(by_id) == sorted([deeds["umlauts"], deeds["quotes"], deeds["formula"]])
    assert [int(row[0]) for row in rows[1:]] == sorted(by_id, reverse=True)  # newest first
    umlauts = by_id[deeds["umlauts"]]
    assert umlauts[1:9] == ["2026-06-02", "Juva", "Juvan keskuskeittiö", "Loppuasiakas", "Aino",
                            "Keitin kahvia ja söin pullaa.", "0", "0"]
    assert umlauts[9] == f"http://localhost/deeds/{deeds['umlauts']}"
    assert by_id[deeds["quotes"]][6] == 'Hän sanoi "kiitos";\nja rivi vaihtui, pilkku, myös.'
    assert by_id[deeds["formula"]][6] == '\'=HYPERLINK("http://evil.example","klikkaa")'
    assert by_id[deeds["formula"]][2:4] == ["Sulkava", "Sulkavan siivous"]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_every_formula_start_is_neutralised(app, client, auth, world, start):
    """Any text cell a spreadsheet would run starts with ' instead."""
    deed_id = add_deed(app, world.unit_id)
    describe(app, deed_id, f"{start}1+1")
    auth.login("kalle")
    rows = read_csv(client.get("/board/export.csv").data)
    assert rows[1][6] == f"'{start}1+1"


def test_csv_with_semicolons_for_finnish_excel(client, auth, deeds):
    """?sep=semicolon separates columns with ';', quoting a ';' in the text."""
    auth.login("riitta")
    data = client.get("/board/export.csv?sep=semicolon").data
    assert data.startswith(BOM + "Tunnus;Päivä;Kunta".encode())
    rows = read_csv(data, ";")
    assert rows[0] == HEADER
    quotes = next(row for row in rows if row[0] == str(deeds["quotes"]))
    assert quotes[6] == 'Hän sanoi "kiitos";\nja rivi vaihtui, pilkku, myös.'


def test_bad_separator_is_a_finnish_400(client, auth, world):
    """Only comma and semicolon are offered."""
    auth.login("riitta")
    response = client.get("/board/export.csv?sep=tab")
    assert response.status_code == 400
    assert "Rajaus ei kelpaa: sep." in response.get_data(as_text=True)


def test_export_follows_the_filter(app, client, auth, world, deeds):
    """The export holds the filtered board only: unit, text, date and customer type."""
    auth.login("admin")

    def ids(query: str) -> list[int]:
        return [int(row[0]) for row in read_csv(client.get(f"/board/export.csv?{query}").data)[1:]]

    assert ids(f"unit={world.other_unit_id}") == [deeds["formula"]]
    assert ids("q=kahv") == [deeds["umlauts"]]
    assert ids("q=piilotettu") == []  # hidden deeds stay out, even for an admin
    assert ids("from=2026-06-03") == []
    assert ids(f"type=end_customer&unit={world.unit_id}") == [deeds["quotes"], deeds["umlauts"]]
    assert client.get("/board/export.csv?from=2026-06-03&to=2026-06-01").status_code == 400


def test_employees_may_not_export(client, auth, deeds):
    """The capability belongs to supervisors, leaders and admins; nothing is logged otherwise."""
    auth.login("aino")
    assert client.get("/board/export.csv").status_code == 403
    assert client.get("/board/export.zip").status_code == 403
    html = client.get("/").get_data(as_text=True)
    assert "/board/export.csv" not in html


def test_board_links_to_the_exports_with_its_filter(client, auth, world, deeds):
    """A supervisor sees the export links, carrying the board's filter."""
    auth.login("riitta")
    html = client.get(f"/?unit={world.unit_id}&q=kahvia").get_data(as_text=True)
    assert f"/board/export.csv?q=kahvia&amp;unit={world.unit_id}" in html
    assert f"/board/export.csv?sep=semicolon&amp;q=kahvia&amp;unit={world.unit_id}" in html
    assert f"/board/export.zip?q=kahvia&amp;unit={world.unit_id}" in html


def test_exports_are_audited_with_their_filter(app, client, auth, world, deeds):
    """Each export is one audit entry: who, which kind, which filter (never the content)."""
    auth.login("riitta")
    client.get(f"/board/export.csv?unit={world.unit_id}&q=kahvia")
    response = client.get("/board/export.zip?type=colleague")
    response.close()
    with app.app_context():
        entries = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)).all()
        found = [(e.actor_username, e.action, e.target_type, e.changes) for e in entries]
        db.session.remove()
    assert found == [
        ("riitta", AuditAction.EXPORT_BOARD_CSV, "board",
         {"filter": [None, f"q=kahvia&unit={world.unit_id}"]}),
        ("riitta", AuditAction.EXPORT_BOARD_ZIP, "board", {"filter": [None, "type=colleague"]}),
    ]
    auth.logout()
    auth.login("admin")
    log = client.get("/admin/audit").get_data(as_text=True)
    assert "vei taulun teot CSV-tiedostona" in log
    assert "vei taulun tekojen kuvat ZIP-tiedostona" in log


def large_files(app, deed_id: int) -> list[bytes]:
    """The stored bytes of a deed's widest (large) renditions, photo by photo."""
    with app.app_context():
        keys = db.session.scalars(
            sa.select(Rendition.key).join(Photo).where(Photo.deed_id == deed_id,
                                                       Rendition.name == "large")
            .order_by(Photo.position)
        ).all()
        files = []
        for key in keys:
            with current_storage().open(key) as stored:
                files.append(stored.read())
        db.session.remove()
    return files


def test_zip_holds_the_csv_index_and_each_large_photo(app, client, auth, world):
    """The ZIP's CSV lists every deed and its files; each file is the stored large size."""
    from tests.imagegen import photo_like

    first = add_deed(app, world.unit_id, "Ensimmäinen ö", photo=photo_like(2400, 1800))
    second = add_deed(app, world.other_unit_id, "Toinen ä", photo=photo_like(2000, 1500))
    auth.login("kalle")
    response = client.get("/board/export.zip?sep=semicolon")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert archive.testzip() is None
    rows = read_csv(archive.read("tekotaulu.csv"), ";")
    assert rows[0] == [*HEADER, "Kuvat"]
    listed = {int(row[0]): row[10] for row in rows[1:]}
    assert listed == {first: f"kuvat/{first}-1.jpg", second: f"kuvat/{second}-1.jpg"}
    assert sorted(archive.namelist()) == sorted(["tekotaulu.csv", *listed.values()])
    for deed_id, name in listed.items():
        (stored,) = large_files(app, deed_id)
        assert archive.read(name) == stored
        assert archive.getinfo(name).compress_type == zipfile.ZIP_STORED


def fill_big_photos(app, unit_id: int, count: int, size: int) -> int:
    """Add `count` deeds, each with one large file of `size` random bytes; return their bytes."""
    author = add_deed(app, unit_id, "Malli")  # a real deed: its author and unit rows
    with app.app_context():
        template = db.session.get(Deed, author)
        storage = current_storage()
        for number in range(count):
            deed = Deed(description=f"Iso kuva {number}", happened_on=dt.date(2026, 6, 2),
                        author_id=template.author_id, unit_id=unit_id,
                        municipality_id=template.municipality_id, consent_confirmed=True)
            key = f"photos/ex/{number:04d}-{os.urandom(8).hex()}.jpg"
            storage.save(key, os.urandom(size), "image/jpeg")
            deed.photos.append(Photo(position=0, width=1920, height=1440,
                                     content_hash=f"{number:064x}", renditions=[Rendition(
                                         name="large", key=key, width=1920, height=1440,
                                         content_type="image/jpeg", byte_size=size)]))
            db.session.add(deed)
        db.session.commit()
        db.session.remove()
    return count * size


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_zip_of_100_photos_of_1_mb_streams_in_a_few_mb(app, app_config, world):
    """100 deeds × 1 MB: the worker's peak memory rises by a few MB, not by the archive."""
    from tests.export_memory_probe import measure

    total = fill_big_photos(app, world.unit_id, 100, 1024 * 1024)
    config = {k: v for k, v in app_config.items() if not k.startswith("_")}
    found = measure(config, "riitta", PASSWORD)
    assert found["status"] == 200
    assert found["bytes"] > total  # every photo went out
    print(f"zip export of {total / 2**20:.0f} MB: peak {found['megabytes']:.1f} MB")
    assert found["megabytes"] < 8, f"{found['megabytes']:.1f} MB"


def test_zip_stream_is_a_valid_archive_of_every_photo(app, client, auth, world):
    """The streamed archive (data descriptors, no seeking) reads back whole."""
    fill_big_photos(app, world.unit_id, 3, 200_000)
    auth.login("riitta")
    response = client.get("/board/export.zip", buffered=False)
    data = b"".join(response.iter_encoded())
    response.close()
    archive = zipfile.ZipFile(io.BytesIO(data))
    photos = [name for name in archive.namelist() if name.endswith(".jpg")]
    assert len(photos) == 3  # and the model deed's small WebP
    assert all(len(archive.read(name)) == 200_000 for name in photos)
    assert len({hashlib.sha256(archive.read(name)).digest() for name in photos}) == 3
