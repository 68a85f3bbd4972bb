"""Bad input over every form and JSON endpoint: a Finnish message, a 4xx, no file, no row.

Each case posts one kind of nonsense; afterwards no file is left in the upload folder that was
not there before, and no deed, photo or rendition row was added.
"""

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.conftest import PASSWORD, deed_form
from tests.imagegen import html_as_jpg, jpeg_claiming, other_format, png_bomb, svg, truncated
from tests.security_support import (
    csrf_token,
    kept_files,
    login,
    make_deed,
    make_user,
    row_counts,
    stored_files,
    supervise,
    tiny_jpeg,
)

LIMIT_MB = 2
NOT_AN_IMAGE = "Tiedosto ei ole kuva."
WRONG_FORMAT = "Tätä kuvamuotoa ei voi käyttää."
BAD_NAME = "Kuvan tiedostonimi ei kelpaa."
BAD_CHARACTERS = "Lähetetyssä tekstissä on merkkejä, joita ei voi käyttää."
BAD_CHOICE = "Virheellinen valinta"
UNIT_NOT_OFFERED = "Valitse yksikkö listasta."  # unknown, retired or made-up units alike
BAD_DATE = "Ei ole kelvollinen päivämäärä-arvo"
TOO_LONG = "Kuvaus on liian pitkä (enintään 500 merkkiä)."
NO_DESCRIPTION = "Kerro lyhyesti, mitä teit."
BAD_FILTER = "Rajaus ei kelpaa"
NOT_FOUND = "Sivua ei löytynyt."
NO_TOKEN = "Lomake on vanhentunut."


def photo(data: bytes, name: str = "kuva.jpg") -> tuple[io.BytesIO, str]:
    """A file part for the test client."""
    return (io.BytesIO(data), name)


@dataclass(frozen=True)
class Bad:
    """One bad request: who sends it, where, what, and what must come back."""

    id: str
    path: str
    status: int
    message: str
    form: Callable[[dict[str, Any]], Any] | None = None
    method: str = "POST"
    user: str | None = "aino"
    multipart: bool = True
    headers: dict[str, str] = field(default_factory=dict)
    csrf: bool = False


def deed(**overrides) -> Callable[[dict[str, Any]], dict]:
    """The deed form for the world's unit with some fields overridden."""
    return lambda ids: deed_form(ids["unit"], **overrides)


def deed_with_photo(data: bytes, name: str = "kuva.jpg") -> Callable[[dict[str, Any]], dict]:
    """The deed form with this photo."""
    return lambda ids: deed_form(ids["unit"], photo=photo(data, name))


def two_photos(ids):
    """Two photo parts in one deed form."""
    form = deed_form(ids["unit"])
    form["photo"] = [photo(tiny_jpeg(1)), photo(tiny_jpeg(2))]
    return form


def many_parts(ids):
    """1001 form parts (the app allows 100)."""
    form = deed_form(ids["unit"])
    form.update({f"extra{n}": "x" for n in range(1001)})
    return form


def huge_body(ids):
    """A 'photo' bigger than the request limit."""
    return deed_form(ids["unit"], photo=photo(b"\xff\xd8\xff" + b"\0" * (LIMIT_MB * 2**20 + 10)))


JPEG = tiny_jpeg(9, (80, 60))
CASES = [
    # The photo: allow-list by decoding, never by name or header.
    Bad("empty-file", "/deeds/new", 400, "Kuvatiedosto on tyhjä.", deed_with_photo(b"")),
    Bad("text-named-jpg", "/deeds/new", 400, NOT_AN_IMAGE, deed_with_photo(b"hello " * 50)),
    Bad("html-named-jpg", "/deeds/new", 400, NOT_AN_IMAGE, deed_with_photo(html_as_jpg())),
    Bad("svg", "/deeds/new", 400, NOT_AN_IMAGE, deed_with_photo(svg(), "kuva.svg")),
    Bad("ico-named-jpg", "/deeds/new", 400, WRONG_FORMAT, deed_with_photo(other_format("ICO"))),
    Bad("bmp-named-jpg", "/deeds/new", 400, WRONG_FORMAT, deed_with_photo(other_format("BMP"))),
    Bad("tiff-named-jpg", "/deeds/new", 400, WRONG_FORMAT, deed_with_photo(other_format("TIFF"))),
    Bad("truncated-jpeg", "/deeds/new", 400, "Kuva on vioittunut tai jäänyt kesken.",
        deed_with_photo(truncated(tiny_jpeg(3, (400, 300)), 0.4))),
    Bad("png-claims-100000x100000", "/deeds/new", 400, "Kuva on liian suuri. Valitse pienempi",
        deed_with_photo(png_bomb())),
    Bad("jpeg-over-pixel-cap", "/deeds/new", 400, "Kuva on liian suuri. Valitse pienempi",
        deed_with_photo(jpeg_claiming(9000, 6000))),
    Bad("body-over-limit", "/deeds/new", 413, f"Kuva on liian suuri (yli {LIMIT_MB} Mt).",
        huge_body),
    Bad("1001-form-parts", "/deeds/new", 413, "Lomakkeessa on liian monta osaa.", many_parts),
    Bad("two-photo-parts", "/deeds/new", 400, "Lähetä yksi kuva kerrallaan.", two_photos),
    Bad("no-photo", "/deeds/new", 400, "Valitse kuva.",
        lambda ids: {k: v for k, v in deed_form(ids["unit"]).items() if k != "photo"}),
    # Hostile file names (browsers send a bare name; the app never uses it for storage).
    Bad("filename-path", "/deeds/new", 400, BAD_NAME, deed_with_photo(JPEG, "../../x.jpg")),
    Bad("filename-absolute", "/deeds/new", 400, BAD_NAME, deed_with_photo(JPEG, "/etc/x.jpg")),
    Bad("filename-escape-sequence", "/deeds/new", 400, BAD_NAME,
        deed_with_photo(JPEG, "kuva\x1b[2J.jpg")),
    Bad("filename-nul", "/deeds/new", 400, BAD_CHARACTERS, deed_with_photo(JPEG, "x\0.jpg")),
    Bad("filename-300-chars", "/deeds/new", 400, BAD_NAME,
        deed_with_photo(JPEG, "a" * 300 + ".jpg")),
    Bad("filename-rtl-override", "/deeds/new", 400, BAD_NAME,
        deed_with_photo(JPEG, "kuva\u202egpj.exe")),
    Bad("filename-dots", "/deeds/new", 400, BAD_NAME, deed_with_photo(JPEG, "..")),
    # The description.
    Bad("description-empty", "/deeds/new", 400, NO_DESCRIPTION, deed(description="")),
    Bad("description-whitespace", "/deeds/new", 400, NO_DESCRIPTION,
        deed(description=" \t\n\u00a0 ")),
    Bad("description-501", "/deeds/new", 400, TOO_LONG, deed(description="ä" * 501)),
    Bad("description-10000", "/deeds/new", 400, TOO_LONG, deed(description="x" * 10_000)),
    Bad("description-nul", "/deeds/new", 400, BAD_CHARACTERS, deed(description="Pullaa\0!")),
    Bad("description-rtl-override", "/deeds/new", 400, "näkymättömiä ohjausmerkkejä",
        deed(description="Leivoin \u202epullaa")),
    Bad("description-control-chars", "/deeds/new", 400, "näkymättömiä ohjausmerkkejä",
        deed(description="Leivoin\x1b[31m pullaa")),
    # Unit, customer type, date, consent.
    Bad("unit-unknown", "/deeds/new", 400, UNIT_NOT_OFFERED, deed(unit="999999")),
    Bad("unit-not-a-number", "/deeds/new", 400, BAD_CHOICE, deed(unit="abc")),
    Bad("unit-inactive", "/deeds/new", 400, UNIT_NOT_OFFERED,
        lambda ids: deed_form(ids["inactive_unit"])),
    Bad("unit-huge-number", "/deeds/new", 400, UNIT_NOT_OFFERED, deed(unit=str(2**70))),
    Bad("customer-type-unknown", "/deeds/new", 400, BAD_CHOICE, deed(customer_type="vip")),
    Bad("date-not-a-date", "/deeds/new", 400, BAD_DATE, deed(happened_on="kesäkuussa")),
    Bad("date-feb-30", "/deeds/new", 400, BAD_DATE, deed(happened_on="2026-02-30")),
    Bad("date-year-0", "/deeds/new", 400, BAD_DATE, deed(happened_on="0000-01-01")),
    Bad("date-future", "/deeds/new", 400, "Päivämäärä ei voi olla tulevaisuudessa.",
        deed(happened_on="2100-01-01")),
    Bad("date-too-old", "/deeds/new", 400, "Tarkista päivämäärä.", deed(happened_on="1999-12-31")),
    Bad("date-10000", "/deeds/new", 400, BAD_DATE, deed(happened_on="2" * 10_000)),
    Bad("no-consent", "/deeds/new", 400,
        "Rastita ruutu, jos kuvassa ei ole tunnistettavia henkilöitä", deed(consent=None)),
    # CSRF (with protection on).
    Bad("csrf-missing", "/deeds/new", 400, NO_TOKEN, deed(), csrf=True),
    Bad("csrf-wrong", "/deeds/new", 400, NO_TOKEN, deed(csrf_token="forged"), csrf=True),
    Bad("csrf-missing-json-thanks", "/deeds/{deed}/thanks", 400, NO_TOKEN, multipart=False,
        headers={"Accept": "application/json"}, csrf=True),
    # The JSON API and other endpoints.
    Bad("api-unit-text", "/api/deeds?unit=abc", 400, BAD_FILTER, method="GET"),
    Bad("api-limit-negative", "/api/deeds?limit=-5", 400, BAD_FILTER, method="GET"),
    Bad("api-cursor-10000", "/api/deeds?cursor=" + "9" * 10_000, 400, BAD_FILTER, method="GET"),
    Bad("api-nul", "/api/deeds?municipality=%00", 400, BAD_FILTER, method="GET"),
    Bad("api-huge-id", f"/api/deeds?unit={2**64}", 400, BAD_FILTER, method="GET"),
    Bad("deed-unknown-id", "/deeds/999999", 404, NOT_FOUND, method="GET"),
    Bad("deed-huge-id", f"/deeds/{2**70}", 404, NOT_FOUND, method="GET"),
    Bad("thanks-unknown-id", "/deeds/999999/thanks", 404, NOT_FOUND, multipart=False),
    Bad("thanks-huge-id", f"/deeds/{2**64}/thanks", 404, NOT_FOUND, multipart=False),
    Bad("hide-other-units-deed", "/deeds/{other_deed}/hide", 403,
        "Sinulla ei ole oikeutta tähän.", user="riitta", multipart=False),
    Bad("hide-unknown-id", "/deeds/999999/hide", 404, NOT_FOUND, user="riitta", multipart=False),
    Bad("photo-path-traversal", "/photos/../../etc/passwd", 404, NOT_FOUND, method="GET"),
    Bad("photo-nul-key", "/photos/photos/aa/x%00.webp", 404, NOT_FOUND, method="GET"),
    Bad("photo-unknown-key", "/photos/photos/aa/" + "a" * 64 + ".webp", 404, NOT_FOUND,
        method="GET"),
    Bad("login-username-10000", "/login", 400, "field-error", user=None, multipart=False,
        form=lambda ids: {"username": "a" * 10_000, "password": "x"}),
    Bad("login-username-nul", "/login", 400, BAD_CHARACTERS, user=None, multipart=False,
        form=lambda ids: {"username": "aino\0", "password": "x"}),
    Bad("language-unknown", "/language", 400, "Tiedoissa oli jotain vikaa.", multipart=False,
        form=lambda ids: {"lang": "xx" * 5000}),
    Bad("reauth-password-10000", "/reauth", 400, "field-error", user="admin", multipart=False,
        form=lambda ids: {"password": "p" * 10_000}),
    Bad("erase-user-unconfirmed", "/admin/users/{victim}/erase", 400,
        "Vahvista poisto rastittamalla ruutu.", user="admin", multipart=False),
    Bad("erase-self", "/admin/users/{admin}/erase", 400, "Et voi poistaa omaa tunnustasi.",
        user="admin", multipart=False, form=lambda ids: {"confirm": "y"}),
    Bad("erase-deed-unknown", "/admin/deeds/999999/erase", 404, NOT_FOUND, user="admin",
        multipart=False, form=lambda ids: {"confirm": "y"}),
]


@pytest.fixture
def bad_config(app_config, request):
    """A small request limit, and CSRF on where the case asks for it (before the app exists)."""
    app_config["MAX_CONTENT_LENGTH"] = LIMIT_MB * 2**20
    if request.node.callspec.params["case"].csrf:
        app_config["WTF_CSRF_ENABLED"] = True
    return app_config


@pytest.fixture
def bad_world(bad_config, app, world):
    """A small request limit, a world, an inactive unit and one deed in each unit."""
    from app.extensions import db
    from app.models import Unit
    from app.services import accounts

    with app.app_context():
        inactive = accounts.create_unit("Suljettu keittiö", "Juva")
        inactive.active = False
        db.session.commit()
        inactive_id = inactive.id
        admin_id = accounts.find_user("admin").id
        db.session.remove()
    supervise(app, world.unit_id, "riitta")
    return app, {
        "unit": world.unit_id,
        "inactive_unit": inactive_id,
        "deed": make_deed(app, world.unit_id, seed=1),
        "other_deed": make_deed(app, world.other_unit_id, seed=2),
        "victim": make_user(app, "poistettava"),
        "admin": admin_id,
        "unit_model": Unit,
    }


def send(client, case: Bad, ids: dict[str, Any]):
    """Send the case's request, as its user, with a token when CSRF is on (unless testing it)."""
    if case.user:
        if case.csrf:
            token = csrf_token(client, "/login")
            client.post("/login", data={"username": case.user, "password": PASSWORD,
                                        "csrf_token": token})
        else:
            assert login(client, case.user).status_code == 302
    data = case.form(ids) if case.form else None
    kwargs: dict[str, Any] = {"headers": case.headers}
    if data is not None:
        kwargs["data"] = data
        if case.multipart:
            kwargs["content_type"] = "multipart/form-data"
    return client.open(case.path.format(**ids), method=case.method, **kwargs)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_gets_a_clear_4xx_and_leaves_nothing(bad_world, case):
    """A Finnish message, a 4xx, no traceback, no new row and no new file but those of a good
    photo kept for the form's next try."""
    app, ids = bad_world
    files_before, rows_before = stored_files(app), row_counts(app)
    client = app.test_client()

    response = send(client, case, ids)
    body = response.get_data(as_text=True)
    response.close()
    if "wsgi.input" in response.request.environ:
        response.request.environ["wsgi.input"].close()

    assert response.status_code == case.status, body[:2000]
    assert case.message in body
    assert "Traceback" not in body
    assert stored_files(app) == sorted([*files_before, *kept_files(app)])
    assert row_counts(app) == rows_before


def test_there_are_at_least_thirty_cases():
    """The issue asks for at least 30 kinds of bad input."""
    assert len(CASES) >= 30
    assert len({case.id for case in CASES}) == len(CASES)


def test_html_in_the_description_is_shown_escaped(app, client, world):
    """Accepted and made safe: markup in a description is text on the page, never markup."""
    login(client, "aino")
    script = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    response = client.post("/deeds/new", data=deed_form(world.unit_id, description=script),
                           content_type="multipart/form-data")
    assert response.status_code == 302
    deed_id = client.get("/api/deeds").json["deeds"][0]["id"]
    for page in ("/", f"/deeds/{deed_id}"):
        body = client.get(page).get_data(as_text=True)
        assert "<script>alert" not in body
        assert "<img src=x" not in body
        assert "&lt;script&gt;alert" in body
    api = client.get("/api/deeds")  # JSON is data: the board's script sets it as text
    assert api.mimetype == "application/json"
    assert api.headers["X-Content-Type-Options"] == "nosniff"
    assert api.json["deeds"][0]["description"] == script
