"""Posting a deed end to end: the row, the files, refusals that leave nothing, thanks."""

import datetime as dt
import hashlib
import io
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image

from app.extensions import db
from app.models import CustomerType, Deed, Photo, Rendition, Thanks, User
from app.services import accounts, privacy, upkeep
from app.services import deeds as deed_service
from app.services.errors import NotFound
from app.storage import StorageError
from tests import imagegen
from tests.conftest import deed_form, jpeg_upload

THANK_YOU = "Kiitos! Tekosi on nyt taululla."
SMALL_SIZES = (("large", 320), ("medium", 160), ("small", 80))


def small_photo(name: str = "kuva.jpg", data: bytes | None = None):
    """A tiny photo-like JPEG upload (fast to make and to process)."""
    return (io.BytesIO(data if data is not None else imagegen.photo_like(64, 48)), name)


def post_deed(client, unit_id, **overrides):
    """Post the deed form with a small photo unless one is given."""
    overrides.setdefault("photo", small_photo())
    return client.post("/deeds/new", data=deed_form(unit_id, **overrides))


def stored_files(app) -> list[Path]:
    """Every file under the upload folder, temp files included."""
    root = Path(app.config["UPLOAD_FOLDER"])
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def row_counts(app) -> dict[str, int]:
    """How many deed, photo and rendition rows exist."""
    with app.app_context():
        counts = {
            model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (Deed, Photo, Rendition)
        }
        db.session.remove()
    return counts


NOTHING = {"Deed": 0, "Photo": 0, "Rendition": 0}


def kept_files(app) -> list[Path]:
    """The files of photos kept for a refused form's next try."""
    root = Path(app.config["UPLOAD_FOLDER"])
    with app.app_context():
        keys = upkeep.kept_keys()
        db.session.remove()
    return sorted(root / key for key in keys)


def only_deed(app) -> dict:
    """Return the one deed as plain data, with its renditions."""
    with app.app_context():
        deed = db.session.scalars(sa.select(Deed)).one()
        data = {
            "id": deed.id,
            "description": deed.description,
            "unit": deed.unit.name,
            "municipality": deed.municipality.name,
            "unit_municipality_id": deed.unit.municipality_id,
            "municipality_id": deed.municipality_id,
            "customer_type": deed.customer_type,
            "happened_on": deed.happened_on,
            "consent": deed.consent_confirmed,
            "author": deed.author.username,
            "thanks_count": deed.thanks_count,
            "photos": [(p.width, p.height, p.content_hash) for p in deed.photos],
            "renditions": [
                (r.name, r.key, r.width, r.height, r.content_type, r.byte_size)
                for p in deed.photos
                for r in p.renditions
            ],
        }
        db.session.remove()
    return data


def fitted(size: tuple[int, int], long_side: int) -> tuple[int, int]:
    """The size a rendition should have: the long side capped, aspect kept, never enlarged."""
    scale = min(1.0, long_side / max(size))
    return round(size[0] * scale), round(size[1] * scale)


def read_stored(app, key: str) -> bytes:
    """Read a stored file through the storage backend."""
    with app.extensions["storage"].open(key) as stream:
        return stream.read()


def test_posting_a_deed_stores_row_and_renditions(app, client, auth, world):
    """The row has what the form said (municipality from the unit); the files are WebP."""
    auth.login("aino")
    response = client.post(
        "/deeds/new",
        data=deed_form(
            world.other_unit_id,
            photo=jpeg_upload(width=1200, height=900),
            description="  Vein asiakkaalle kukkia.  ",
            customer_type="colleague",
            happened_on="2026-06-02",
        ),
    )
    assert response.status_code == 302

    deed = only_deed(app)
    assert deed["description"] == "Vein asiakkaalle kukkia."
    assert deed["unit"] == "Sulkavan siivous"
    assert deed["municipality"] == "Sulkava"
    assert deed["municipality_id"] == deed["unit_municipality_id"]
    assert deed["customer_type"] is CustomerType.COLLEAGUE
    assert deed["happened_on"] == dt.date(2026, 6, 2)
    assert deed["consent"] is True
    assert deed["author"] == "aino"
    assert deed["thanks_count"] == 0
    assert [p[:2] for p in deed["photos"]] == [(1200, 900)]
    assert len(deed["photos"][0][2]) == 64  # sha256 of the upload

    limits = dict(app.config["RENDITION_SIZES"])
    assert sorted(r[0] for r in deed["renditions"]) == sorted(limits)
    root = Path(app.config["UPLOAD_FOLDER"])
    for name, key, width, height, content_type, byte_size in deed["renditions"]:
        assert (root / key).is_file()
        data = read_stored(app, key)
        assert len(data) == byte_size
        assert content_type == "image/webp"
        with Image.open(io.BytesIO(data)) as image:
            assert image.format == "WEBP"
            assert image.size == (width, height)
        assert max(width, height) <= limits[name]
    sizes = {r[0]: (r[2], r[3]) for r in deed["renditions"]}
    assert sizes == {name: fitted((1200, 900), limit) for name, limit in limits.items()}
    assert sizes["large"] == (1200, 900)  # never enlarged
    assert {str(p.relative_to(root)) for p in stored_files(app)} == {
        r[1] for r in deed["renditions"]
    }


def test_stored_renditions_are_upright_without_metadata(app_config, request):
    """A camera JPEG with EXIF rotation 6, GPS and XMP is stored upright with no metadata."""
    app_config["RENDITION_SIZES"] = SMALL_SIZES
    app = request.getfixturevalue("app")
    world = request.getfixturevalue("world")
    client = request.getfixturevalue("client")
    request.getfixturevalue("auth").login()
    upload = imagegen.photo_like(320, 240, orientation=6, gps=True, marker=True)
    assert imagegen.SECRET.encode() in upload  # the test input really carries the secrets

    assert post_deed(client, world.unit_id, photo=small_photo(data=upload)).status_code == 302

    deed = only_deed(app)
    assert [p[:2] for p in deed["photos"]] == [(240, 320)]  # upright: portrait
    assert len({r[1] for r in deed["renditions"]}) == 3
    for _name, key, width, height, _type, _size in deed["renditions"]:
        data = read_stored(app, key)
        assert imagegen.SECRET.encode() not in data
        assert b"EXIF" not in data and b"XMP " not in data
        with Image.open(io.BytesIO(data)) as image:
            assert len(image.getexif()) == 0
            assert not {"exif", "xmp", "icc_profile"} & set(image.info)
            assert image.size == (width, height)
            assert height > width
            marker_centre = (width // 16, width // 16)  # the red square is 1/8 of the short side
            red, green, blue = image.convert("RGB").getpixel(marker_centre)
        assert red > 150 and green < 100 and blue < 100


def test_post_redirect_get_with_finnish_thanks(client, auth, world):
    """After posting, the browser is sent to the board, which says thank you once."""
    auth.login()
    response = post_deed(client, world.unit_id, description="Kannoin kassit.")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"

    board = client.get("/").get_data(as_text=True)
    assert THANK_YOU in board
    assert "Kannoin kassit." in board
    assert THANK_YOU not in client.get("/").get_data(as_text=True)


class SelectReader(HTMLParser):
    """Collect the option values of one <select>, and which are selected."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name, self.inside, self.values, self.selected = name, False, [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "select":
            self.inside = attrs.get("name") == self.name
        elif tag == "option" and self.inside:
            self.values.append(attrs.get("value"))
            if "selected" in attrs:
                self.selected.append(attrs.get("value"))

    def handle_endtag(self, tag):
        if tag == "select":
            self.inside = False


def unit_select(client) -> SelectReader:
    """Read the unit select of the deed form."""
    reader = SelectReader("unit")
    reader.feed(client.get("/deeds/new").get_data(as_text=True))
    return reader


def test_form_remembers_last_unit(client, auth, world):
    """The unit select preselects the unit the user posted for last time."""
    auth.login()
    first = unit_select(client)
    assert set(first.values) == {str(world.unit_id), str(world.other_unit_id)}
    assert first.selected == []

    assert post_deed(client, world.other_unit_id).status_code == 302
    assert unit_select(client).selected == [str(world.other_unit_id)]

    assert post_deed(client, world.unit_id).status_code == 302
    assert unit_select(client).selected == [str(world.unit_id)]


def upload_case(make_bytes, name="kuva.jpg"):
    """Overrides that replace the photo with these bytes (made fresh for each test)."""
    return lambda: {"photo": (io.BytesIO(make_bytes()), name)}


def small_jpeg() -> bytes:
    """A valid tiny JPEG, for cases where only the name is wrong."""
    return imagegen.photo_like(64, 48)


BAD_NAME = "Kuvan tiedostonimi ei kelpaa."
BAD_IMAGE = "Tiedosto ei ole kuva."
BAD_FORMAT = "Tätä kuvamuotoa ei voi käyttää."
REFUSALS = {
    "text-named-jpg": (upload_case(lambda: b"Hei, olen tekstitiedosto.\n" * 20), BAD_IMAGE),
    "html-named-jpg": (upload_case(imagegen.html_as_jpg), BAD_IMAGE),
    "svg": (upload_case(imagegen.svg, "kuva.svg"), BAD_IMAGE),
    "ico-named-jpg": (upload_case(lambda: imagegen.other_format("ICO")), BAD_FORMAT),
    "bmp-named-jpg": (upload_case(lambda: imagegen.other_format("BMP")), BAD_FORMAT),
    "tiff-named-jpg": (upload_case(lambda: imagegen.other_format("TIFF")), BAD_FORMAT),
    "empty-file": (upload_case(lambda: b""), "Kuvatiedosto on tyhjä."),
    "truncated-jpeg": (
        upload_case(lambda: imagegen.truncated(imagegen.photo_like(64, 48))),
        "Kuva on vioittunut tai jäänyt kesken.",
    ),
    "damaged-heic": (
        upload_case(lambda: imagegen.damaged(imagegen.heic(64, 48)), "IMG_0001.HEIC"),
        "Kuva on vioittunut tai jäänyt kesken.",
    ),
    "broken-png": (
        upload_case(imagegen.broken_png, "kuva.png"), "Kuva on vioittunut tai jäänyt kesken."
    ),
    "48-megapixel-heic": (
        upload_case(lambda: imagegen.claiming_heic(8064, 6048), "IMG_0002.HEIC"),
        "Kuva on liian suuri. Valitse pienempi kuva.",
    ),
    "5000x5000-lossless-webp": (
        upload_case(lambda: imagegen.flat("RGBA", (5000, 5000), "WEBP", lossless=True)),
        "Kuva on liian suuri. Valitse pienempi kuva.",
    ),
    "decompression-bomb": (
        upload_case(imagegen.png_bomb, "kuva.png"),
        "Kuva on liian suuri. Valitse pienempi kuva.",
    ),
    "missing-photo": (lambda: {"photo": None}, "Valitse kuva."),
    "path-in-filename": (upload_case(small_jpeg, "../../x.jpg"), BAD_NAME),
    "nul-in-filename": (
        upload_case(small_jpeg, "kuva\x00.jpg"),
        "merkkejä, joita ei voi käyttää",
    ),
    "300-char-filename": (upload_case(small_jpeg, "a" * 300 + ".jpg"), BAD_NAME),
    "bidi-override-filename": (upload_case(small_jpeg, "kuva\u202egpj.exe"), BAD_NAME),
    "empty-description": (lambda: {"description": ""}, "Kerro lyhyesti, mitä teit."),
    "whitespace-description": (lambda: {"description": " \n\t "}, "Kerro lyhyesti, mitä teit."),
    "501-char-description": (
        lambda: {"description": "ä" * 501},
        "Kuvaus on liian pitkä (enintään 500 merkkiä).",
    ),
    "huge-description": (
        lambda: {"description": "a" * 100_000},
        "Kuvaus on liian pitkä (enintään 500 merkkiä).",
    ),
    "unknown-unit": (lambda: {"unit": "999999"}, "Valitse yksikkö listasta."),
    "non-int-unit": (lambda: {"unit": "abc"}, "Virheellinen valinta"),
    "missing-unit": (lambda: {"unit": None}, "Valitse yksikkö."),
    "unknown-customer-type": (lambda: {"customer_type": "alien"}, "Virheellinen valinta"),
    "not-a-date": (lambda: {"happened_on": "not-a-date"}, "Ei ole kelvollinen päivämäärä"),
    "future-date": (
        lambda: {"happened_on": (dt.date.today() + dt.timedelta(days=30)).isoformat()},
        "Päivämäärä ei voi olla tulevaisuudessa.",
    ),
    "ancient-date": (lambda: {"happened_on": "1999-12-31"}, "Tarkista päivämäärä."),
    "missing-consent": (
        lambda: {"consent": None},
        "Rastita ruutu, jos kuvassa ei ole tunnistettavia henkilöitä",
    ),
}


@pytest.mark.parametrize(("make_overrides", "message"), REFUSALS.values(), ids=REFUSALS.keys())
def test_bad_input_is_refused_and_leaves_nothing(app, client, auth, world, make_overrides, message):
    """Each bad input gives 400 and a Finnish message, and stores no deed row and no file but
    those of a photo kept for the next try (only a good photo is kept)."""
    auth.login()
    data = deed_form(world.unit_id, photo=small_photo())
    data.update(make_overrides())
    data = {key: value for key, value in data.items() if value is not None}

    response = client.post("/deeds/new", data=data)

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    assert "Traceback" not in html
    assert row_counts(app) == NOTHING
    assert stored_files(app) == kept_files(app)
    assert bool(kept_files(app)) == ("Kuva on tallessa" in html)


def test_image_over_pixel_cap_is_refused(app_config, request):
    """An image with more pixels than MAX_IMAGE_PIXELS is refused before decoding."""
    app_config["MAX_IMAGE_PIXELS"] = 64 * 48 - 1
    app = request.getfixturevalue("app")
    world = request.getfixturevalue("world")
    client = request.getfixturevalue("client")
    request.getfixturevalue("auth").login()

    response = post_deed(client, world.unit_id)

    assert response.status_code == 400
    assert "Kuva on liian suuri. Valitse pienempi kuva." in response.get_data(as_text=True)
    assert row_counts(app) == NOTHING
    assert stored_files(app) == []


def test_photo_input_accepts_what_the_pipeline_decodes(client, auth, world):
    """The file input offers exactly app.images' formats; the refusal words name them too."""
    auth.login()
    html = client.get("/deeds/new").get_data(as_text=True)
    accept = re.search(r'accept="([^"]+)"', html)
    assert accept is not None and accept.group(1) == deed_service.images.ACCEPT
    refused = post_deed(client, world.unit_id, photo=small_photo(data=imagegen.svg()))
    words = refused.get_data(as_text=True)
    for fmt in deed_service.images.SOURCE_FORMATS:
        assert f"{fmt.label}-" in words, fmt.label


@pytest.mark.parametrize(
    ("make", "name"),
    [
        (lambda: imagegen.animated("GIF"), "liike.gif"),
        (lambda: imagegen.animated("PNG"), "liike.png"),
        (lambda: imagegen.animated("WEBP"), "liike.webp"),
        (lambda: imagegen.photo_like(64, 48, fmt="AVIF"), "kuva.avif"),
    ],
    ids=["animated-gif", "apng", "animated-webp", "avif"],
)
def test_animations_and_avif_are_posted(app, client, auth, world, make, name):
    """Animations (first frame kept) and AVIF photos are posted like any photo."""
    auth.login()
    response = post_deed(client, world.unit_id, photo=small_photo(name, make()))
    assert response.status_code == 302
    deed = only_deed(app)
    assert {r[4] for r in deed["renditions"]} == {"image/webp"}


def test_the_form_says_animations_keep_their_first_frame(client, auth, world):
    """The note the script shows for an animation is on the page, hidden until then."""
    auth.login()
    html = client.get("/deeds/new").get_data(as_text=True)
    note = re.search(r'<p[^>]*id="photo-animated"[^>]*>([^<]+)</p>', html)
    assert note is not None and "hidden" in note.group(0)
    assert "vain sen ensimmäinen kuva" in note.group(1)


def test_uploads_share_the_workers_decode_slots(app_config, request, monkeypatch):
    """Every upload gets the app's one semaphore, sized by IMAGE_DECODE_SLOTS."""
    app_config["IMAGE_DECODE_SLOTS"] = 3
    app = request.getfixturevalue("app")
    world = request.getfixturevalue("world")
    client = request.getfixturevalue("client")
    request.getfixturevalue("auth").login()
    seen = []
    real = deed_service.images.process_image

    def spy(stream, *args, **kwargs):
        seen.append(kwargs["decode_slots"])
        return real(stream, *args, **kwargs)

    monkeypatch.setattr(deed_service.images, "process_image", spy)
    for _ in range(2):
        assert post_deed(client, world.unit_id).status_code == 302
    slots = app.extensions["image_decode_slots"]
    assert seen == [slots, slots]
    taken = [slots.acquire(blocking=False) for _ in range(4)]
    assert taken == [True, True, True, False]


ODD_NAMES = ["kuva.php", "Kuva (1).JPEG", "noname", "kuva.svg"]


def test_upload_name_never_reaches_storage(app, client, auth, world):
    """Odd but harmless names are accepted; files get app-made keys: the content hash plus a
    random part per upload."""
    auth.login()
    for filename in ODD_NAMES:
        response = post_deed(client, world.unit_id, photo=small_photo(filename))
        assert response.status_code == 302, filename

    with app.app_context():
        keys = set(db.session.scalars(sa.select(Rendition.key)))
        db.session.remove()
    root = Path(app.config["UPLOAD_FOLDER"])
    assert row_counts(app)["Deed"] == len(ODD_NAMES)
    assert all(re.fullmatch(r"photos/[0-9a-f]{2}/[0-9a-f]{64}-[0-9a-f]{16}\.webp", key)
               for key in keys)
    for key in keys:
        digest = hashlib.sha256(read_stored(app, key)).hexdigest()
        assert key.startswith(f"photos/{digest[:2]}/{digest}-")
    assert {str(p.relative_to(root)) for p in stored_files(app)} == keys


def test_body_over_size_limit_is_413(app_config, request):
    """A body over MAX_CONTENT_LENGTH gets a Finnish 413 page and stores nothing."""
    app_config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    app = request.getfixturevalue("app")
    world = request.getfixturevalue("world")
    client = request.getfixturevalue("client")
    request.getfixturevalue("auth").login()
    too_big = b"\xff\xd8\xff\xe0" + b"\x00" * (1024 * 1024)

    response = post_deed(client, world.unit_id, photo=small_photo(data=too_big))
    response.request.environ["wsgi.input"].close()  # the test client spooled it to a temp file

    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "liian suuri" in html
    assert "1 Mt" in html
    assert row_counts(app) == NOTHING
    assert stored_files(app) == []


def test_html_in_description_is_escaped(client, auth, world):
    """HTML typed into the description is shown as text on the board and the deed page."""
    auth.login()
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    assert post_deed(client, world.unit_id, description=hostile).status_code == 302

    board = client.get("/").get_data(as_text=True)
    deed_id = board.split('data-deed-id="', 1)[1].split('"', 1)[0]
    page = client.get(f"/deeds/{deed_id}").get_data(as_text=True)
    for html in (board, page):
        assert "&lt;script&gt;alert(" in html
        assert '<script>alert("x")' not in html
        assert "<img src=x" not in html


def test_failure_while_writing_row_leaves_no_file(app, client, auth, world, monkeypatch):
    """If the row cannot be written after the files were, the files are removed again."""
    auth.login()

    def broken_photo_row(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(deed_service, "photo_row", broken_photo_row)
    response = post_deed(client, world.unit_id)

    assert response.status_code == 500
    assert "Jokin meni vikaan" in response.get_data(as_text=True)
    assert row_counts(app) == NOTHING
    assert stored_files(app) == []
    with app.app_context():
        assert db.session.scalar(sa.select(User).filter_by(username="aino")).default_unit_id is None
        db.session.remove()


def test_failure_while_saving_files_leaves_no_file(app_config, request, monkeypatch):
    """If storage fails on the second file, the first one written is removed."""
    app_config["RENDITION_SIZES"] = SMALL_SIZES
    app = request.getfixturevalue("app")
    world = request.getfixturevalue("world")
    client = request.getfixturevalue("client")
    request.getfixturevalue("auth").login()
    storage = app.extensions["storage"]
    real_save = storage.save
    calls = []

    def failing_save(key, data, content_type):
        calls.append(key)
        if len(calls) == 2:
            raise OSError("disk full")
        real_save(key, data, content_type)

    monkeypatch.setattr(storage, "save", failing_save)
    photo = small_photo(data=imagegen.photo_like(320, 240))
    response = post_deed(client, world.unit_id, photo=photo)

    assert response.status_code == 500
    assert len(calls) == 2
    assert row_counts(app) == NOTHING
    assert stored_files(app) == []


def test_failure_after_a_file_landed_leaves_no_file(app_config, request, monkeypatch):
    """A save that stores its file and then reports an error (say, a timeout after S3 kept the
    object) is cleaned up like any other failure."""
    app_config["RENDITION_SIZES"] = SMALL_SIZES
    app = request.getfixturevalue("app")
    world = request.getfixturevalue("world")
    client = request.getfixturevalue("client")
    request.getfixturevalue("auth").login()
    storage = app.extensions["storage"]
    real_save = storage.save
    calls = []

    def save_then_fail(key, data, content_type):
        real_save(key, data, content_type)
        calls.append(key)
        if len(calls) == 2:
            raise StorageError("read timeout")

    monkeypatch.setattr(storage, "save", save_then_fail)
    photo = small_photo(data=imagegen.photo_like(320, 240))
    response = post_deed(client, world.unit_id, photo=photo)

    assert response.status_code == 500
    assert len(calls) == 2
    assert row_counts(app) == NOTHING
    assert stored_files(app) == []


def deed_ids(app) -> list[int]:
    """Return the ids of all deeds, oldest first."""
    with app.app_context():
        ids = list(db.session.scalars(sa.select(Deed.id).order_by(Deed.id)))
        db.session.remove()
    return ids


def rendition_keys(app, deed_id: int) -> set[str]:
    """Return the storage keys of a deed's renditions."""
    with app.app_context():
        query = sa.select(Rendition.key).join(Rendition.photo).where(Photo.deed_id == deed_id)
        keys = set(db.session.scalars(query))
        db.session.remove()
    return keys


def delete_deed(app, deed_id: int) -> None:
    """Erase a deed through the one erasure path (as an admin; a missing deed is NotFound)."""
    with app.app_context():
        admin = accounts.find_user("admin")
        try:
            privacy.erase_deed(admin, deed_id)
        except NotFound:
            pass
        db.session.remove()


def test_identical_photos_get_files_of_their_own(app_config, request):
    """Equal photos are stored twice, under keys of their own; erasing one deed takes only its
    files, and the other deed's files stay and are served."""
    app_config["RENDITION_SIZES"] = SMALL_SIZES
    app = request.getfixturevalue("app")
    world = request.getfixturevalue("world")
    client = request.getfixturevalue("client")
    request.getfixturevalue("auth").login()
    data = imagegen.photo_like(320, 240)
    for _ in range(2):
        assert post_deed(client, world.unit_id, photo=small_photo(data=data)).status_code == 302
    first, second = deed_ids(app)
    first_keys, second_keys = rendition_keys(app, first), rendition_keys(app, second)
    storage = app.extensions["storage"]

    assert len(first_keys) == len(second_keys) == 3
    assert not first_keys & second_keys
    assert len(stored_files(app)) == 6
    same_content = {key.split("-", 1)[0] for key in first_keys}
    assert {key.split("-", 1)[0] for key in second_keys} == same_content

    delete_deed(app, first)
    assert deed_ids(app) == [second]
    assert not any(storage.exists(key) for key in first_keys)
    assert all(storage.exists(key) for key in second_keys)
    assert len(stored_files(app)) == 3
    assert client.get(f"/deeds/{second}").status_code == 200
    assert client.get(f"/deeds/{first}").status_code == 404
    for key in second_keys:
        with client.get(f"/photos/{key}") as photo:
            assert photo.status_code == 200
        # A strong ETag of the file name: unique per upload, nothing in it to quote.
        assert re.fullmatch(r'"[0-9a-f]{64}-[0-9a-f]{16}"', photo.headers["ETag"])

    delete_deed(app, second)
    assert row_counts(app) == NOTHING
    assert stored_files(app) == []


def test_deleting_a_deed_removes_its_thanks(app, client, auth, world):
    """Thanks go with the deed; erasing it again finds nothing and changes nothing."""
    auth.login()
    post_deed(client, world.unit_id)
    (deed_id,) = deed_ids(app)
    auth.logout()
    auth.login("kalle")
    assert client.post(f"/deeds/{deed_id}/thanks").status_code == 302

    delete_deed(app, deed_id)
    delete_deed(app, deed_id)

    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Thanks)) == 0
        db.session.remove()
    assert row_counts(app) == NOTHING


def thanks_count(app, deed_id: int) -> int:
    """Return the deed's stored thanks count."""
    with app.app_context():
        count = db.session.get(Deed, deed_id).thanks_count
        db.session.remove()
    return count


def test_thanks_toggle(app, client, auth, world):
    """Thanks go up and down per user; the form post returns to the deed page."""
    auth.login("aino")
    post_deed(client, world.unit_id)
    (deed_id,) = deed_ids(app)
    auth.logout()
    auth.login("kalle")

    response = client.post(f"/deeds/{deed_id}/thanks")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/deeds/{deed_id}"
    assert thanks_count(app, deed_id) == 1

    auth.logout()
    auth.login("riitta")
    client.post(f"/deeds/{deed_id}/thanks", data={"next": "/"})
    assert thanks_count(app, deed_id) == 2

    client.post(f"/deeds/{deed_id}/thanks")
    assert thanks_count(app, deed_id) == 1
    page = client.get(f"/deeds/{deed_id}").get_data(as_text=True)
    assert 'aria-pressed="false"' in page


def test_thanks_answers_json_when_asked(app, client, auth, world):
    """With Accept: application/json the toggle answers with the new state and count."""
    auth.login()
    post_deed(client, world.unit_id)
    (deed_id,) = deed_ids(app)
    auth.logout()
    auth.login("kalle")
    headers = {"Accept": "application/json"}

    first = client.post(f"/deeds/{deed_id}/thanks", headers=headers)
    assert first.status_code == 200
    assert first.json == {"thanked": True, "thanks_count": 1, "thanks_label": "1 kiitos"}

    second = client.post(f"/deeds/{deed_id}/thanks", headers=headers)
    assert second.json == {"thanked": False, "thanks_count": 0, "thanks_label": "0 kiitosta"}
    assert thanks_count(app, deed_id) == 0


def test_thanks_redirect_stays_on_site(app, client, auth, world):
    """The next= of the thanks form cannot send the user elsewhere."""
    auth.login()
    post_deed(client, world.unit_id)
    (deed_id,) = deed_ids(app)
    auth.logout()
    auth.login("kalle")

    response = client.post(f"/deeds/{deed_id}/thanks", data={"next": "//evil.com"})
    assert response.headers["Location"] == "/"


def test_thanks_for_missing_deed_is_404(app, client, auth, world):
    """Thanking a deed that does not exist changes nothing."""
    auth.login()
    for deed_id in (999999, 2**31):
        assert client.post(f"/deeds/{deed_id}/thanks").status_code == 404
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Thanks)) == 0
        db.session.remove()
