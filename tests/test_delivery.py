"""How photos and static files reach the screen: srcset, caching, 304s, compression."""

import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Rendition
from tests.conftest import deed_form, jpeg_upload


@pytest.fixture
def posted(client, auth, world, app):
    """One deed posted through the form by a logged-in employee; returns its renditions."""
    auth.login()
    response = client.post(
        "/deeds/new",
        data=deed_form(world.unit_id, photo=jpeg_upload(width=2400, height=1800)),
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    with app.app_context():
        return {
            r.name: (r.key, r.width, r.height) for r in db.session.scalars(sa.select(Rendition))
        }


def test_renditions_follow_configured_sizes(posted):
    assert {name: (w, h) for name, (_, w, h) in posted.items()} == {
        "large": (1920, 1440),
        "medium": (960, 720),
        "small": (480, 360),
        "thumb": (360, 270),
    }


def test_board_card_has_srcset_sizes_and_dimensions(client, posted):
    html = client.get("/").get_data(as_text=True)
    img = re.search(r'<img[^>]*class="[^"]*"[^>]*>', html, re.S).group(0)
    srcset = re.search(r'srcset="([^"]+)"', img).group(1)
    widths = sorted(int(w) for w in re.findall(r" (\d+)w", srcset))
    assert widths == [360, 480, 960], "cards offer up to CARD_MAX_WIDTH, not the 1920 px file"
    assert 'sizes="' in img and 'decoding="async"' in img
    assert f'src="/photos/{posted["thumb"][0]}"' in img
    assert 'width="360"' in img and 'height="270"' in img


def test_deed_page_uses_large_rendition(client, posted):
    html = client.get("/deeds/1").get_data(as_text=True)
    assert f'src="/photos/{posted["large"][0]}"' in html
    assert "1920w" in html


def test_photo_is_cached_privately_and_immutably(client, posted):
    key = posted["small"][0]
    with client.get(f"/photos/{key}") as response:
        assert response.status_code == 200
        assert response.mimetype == "image/webp"
    cache = response.headers["Cache-Control"]
    assert "private" in cache and "immutable" in cache and "max-age=31536000" in cache
    assert "public" not in cache
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    digest = key.rsplit("/", 1)[1].split(".")[0]
    assert response.headers["ETag"] == f'"{digest}"'
    assert digest in key, "the URL carries the content hash"


def test_conditional_photo_request_gets_304(client, posted):
    key = posted["medium"][0]
    with client.get(f"/photos/{key}") as first:
        etag = first.headers["ETag"]
    again = client.get(f"/photos/{key}", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""


def test_logged_out_photo_request_is_refused(client, auth, posted):
    auth.logout()
    response = client.get(f"/photos/{posted['small'][0]}")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_unknown_photo_key_is_404(client, posted):
    assert client.get("/photos/photos/00/" + "0" * 64 + ".webp").status_code == 404


def test_static_files_are_versioned_and_cached_for_a_year(client, posted):
    html = client.get("/").get_data(as_text=True)
    css = re.search(r'href="(/static/css/app\.css\?v=[0-9a-f]{12})"', html).group(1)
    with client.get(css) as response:
        assert response.status_code == 200
    assert "max-age=31536000" in response.headers["Cache-Control"]
    assert "immutable" in response.headers["Cache-Control"]


def test_text_is_compressed_photos_are_not(client, posted):
    page = client.get("/", headers={"Accept-Encoding": "br, gzip"})
    assert page.headers["Content-Encoding"] == "br"
    css = client.get("/static/css/app.css", headers={"Accept-Encoding": "gzip"})
    assert css.headers["Content-Encoding"] == "gzip"
    with client.get(f"/photos/{posted['small'][0]}", headers={"Accept-Encoding": "br"}) as photo:
        assert "Content-Encoding" not in photo.headers


def test_api_lists_every_rendition_with_size(client, posted):
    deed = client.get("/api/deeds").get_json()["deeds"][0]
    renditions = deed["photos"][0]["renditions"]
    assert [(r["name"], r["width"]) for r in renditions] == [
        ("large", 1920),
        ("medium", 960),
        ("small", 480),
        ("thumb", 360),
    ]
    assert deed["photos"][0]["placeholder"].startswith("data:image/")
