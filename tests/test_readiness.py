"""/readyz tells a proxy whether this server can serve: 503 naming the part that stopped."""

import boto3
import pytest
from sqlalchemy.engine import make_url

from tests.cluster_support import free_port
from tests.s3_support import local_s3_server
from tests.tcp_proxy import tcp_proxy


def test_ready_when_database_and_storage_work(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok"
    assert "no-store" in response.headers["Cache-Control"]


def test_a_stopped_database_is_named(make_app):
    dead = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/tekotaulu?connect_timeout=2"
    app = make_app(SQLALCHEMY_DATABASE_URI=dead)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_data(as_text=True) == "unavailable: database"


def test_a_database_server_that_stops_makes_the_server_unready(app_config, make_app):
    """The app reaches this test's PostgreSQL database through a proxy; cutting it is the
    server stopping (new connections refused, pooled ones gone), and /readyz says so."""
    url = make_url(app_config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "postgresql":
        pytest.skip("an embedded SQLite database has no server to stop")
    with tcp_proxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
        through = url.set(port=proxy.port, query={**url.query, "connect_timeout": "2"})
        app = make_app(SQLALCHEMY_DATABASE_URI=through.render_as_string(hide_password=False))
        client = app.test_client()
        assert client.get("/readyz").status_code == 200
        proxy.stop()
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.get_data(as_text=True) == "unavailable: database"
        assert client.get("/healthz").status_code == 200


def test_an_unwritable_upload_folder_is_named(make_app, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the upload folder should be")
    app = make_app(UPLOAD_FOLDER=str(blocker / "uploads"))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_data(as_text=True) == "unavailable: storage"


def test_stopping_the_object_storage_makes_the_server_unready(make_app):
    with local_s3_server() as (endpoint, server):
        boto3.client("s3", endpoint_url=endpoint, region_name="eu-north-1").create_bucket(
            Bucket="tekotaulu", CreateBucketConfiguration={"LocationConstraint": "eu-north-1"})
        app = make_app(STORAGE_BACKEND="s3", S3_BUCKET="tekotaulu", S3_ENDPOINT_URL=endpoint,
                       S3_REGION="eu-north-1")
        client = app.test_client()
        assert client.get("/readyz").status_code == 200
        server.stop()
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.get_data(as_text=True) == "unavailable: storage"
