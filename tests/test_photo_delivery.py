"""PHOTO_DELIVERY: after the app checks the login, the bytes come from the app (streamed),
from nginx (X-Accel-Redirect) or from S3 by a short-lived presigned redirect."""

import urllib.request
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Rendition
from app.storage import current_storage
from tests.conftest import deed_form, jpeg_upload
from tests.s3_support import local_s3_server

REGION = "eu-north-1"


@pytest.fixture(scope="module")
def s3_endpoint():
    """One local S3 server for the module."""
    with local_s3_server() as (endpoint, _server):
        yield endpoint


@pytest.fixture
def on_s3(app_config, s3_endpoint, request):
    """The test app stores its photos in a fresh bucket of the local S3 server."""
    bucket = "photos-" + request.node.name.replace("_", "-")[:40].lower()
    boto3.client("s3", endpoint_url=s3_endpoint, region_name=REGION).create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    app_config.update(STORAGE_BACKEND="s3", S3_BUCKET=bucket, S3_ENDPOINT_URL=s3_endpoint,
                      S3_REGION=REGION)
    return bucket


def post_deed(client, auth, world, app) -> dict[str, str]:
    """Post one deed with a photo as an employee; return its rendition keys by name."""
    auth.login()
    response = client.post("/deeds/new", content_type="multipart/form-data",
                           data=deed_form(world.unit_id, photo=jpeg_upload(width=2400,
                                                                            height=1800)))
    assert response.status_code == 302
    with app.app_context():
        return {r.name: r.key for r in db.session.scalars(sa.select(Rendition))}


def stored_bytes(app, key: str) -> bytes:
    """The object's bytes, read behind the app's back."""
    with app.app_context(), current_storage().open(key) as stored:
        return stored.read()


def test_the_app_streams_an_s3_photo_in_chunks(on_s3, client, auth, world, app):
    key = post_deed(client, auth, world, app)["large"]
    with client.get(f"/photos/{key}") as response:
        assert response.status_code == 200
        assert response.is_streamed  # a generator of chunks, not one bytes object
        assert response.headers["Content-Length"] == str(len(stored_bytes(app, key)))
        assert response.get_data() == stored_bytes(app, key)
        assert "immutable" in response.headers["Cache-Control"]


def test_a_missing_s3_object_is_a_404(on_s3, client, auth, world, app):
    key = post_deed(client, auth, world, app)["small"]
    with app.app_context():
        current_storage().delete(key)
    assert client.get(f"/photos/{key}").status_code == 404


def test_nginx_gets_the_internal_location_after_the_login_check(app_config, client, auth,
                                                                  world, app):
    app.config["PHOTO_DELIVERY"] = "nginx"
    key = post_deed(client, auth, world, app)["medium"]
    response = client.get(f"/photos/{key}")
    assert response.status_code == 200
    assert response.headers["X-Accel-Redirect"] == f"/_photos/{key}"
    assert response.get_data() == b""  # nginx sends the bytes
    assert response.mimetype == "image/webp"
    auth.logout()
    signed_out = client.get(f"/photos/{key}")
    assert signed_out.status_code == 302 and "X-Accel-Redirect" not in signed_out.headers


def test_presigned_redirect_works_briefly_and_only_after_the_login(on_s3, app_config, client,
                                                                     auth, world, app):
    app.config.update(PHOTO_DELIVERY="presigned", PHOTO_URL_SECONDS=120)
    key = post_deed(client, auth, world, app)["large"]
    response = client.get(f"/photos/{key}")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert parse_qs(urlsplit(location).query)["X-Amz-Expires"] == ["120"]
    assert "max-age=60" in response.headers["Cache-Control"]
    with urllib.request.urlopen(location) as fetched:  # noqa: S310 - the local S3 server
        assert fetched.read() == stored_bytes(app, key)
    auth.logout()
    assert client.get(f"/photos/{key}").status_code == 302
    assert "X-Amz" not in client.get(f"/photos/{key}").headers.get("Location", "")


def test_presigned_delivery_lets_the_csp_load_images_from_the_storage(on_s3, make_app,
                                                                        s3_endpoint):
    app = make_app(PHOTO_DELIVERY="presigned")
    csp = app.test_client().get("/login").headers["Content-Security-Policy"]
    assert f"img-src 'self' data: blob: {s3_endpoint};" in csp
    plain = make_app().test_client().get("/login").headers["Content-Security-Policy"]
    assert "img-src 'self' data: blob:;" in plain


def test_posting_to_s3_only_puts_no_head_before_each_put(on_s3, client, auth, world, app):
    calls = []
    with app.app_context():
        events = current_storage().client.meta.events
    events.register("before-call.s3", lambda model, **_: calls.append(model.name))
    keys = post_deed(client, auth, world, app)
    assert calls == ["PutObject"] * len(keys), "content-hashed keys need no existence check"
