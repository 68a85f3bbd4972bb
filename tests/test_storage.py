"""The storage contract, run against a local folder and a real S3-compatible HTTP server."""

from __future__ import annotations

import datetime as dt
import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from flask import Flask

from app.storage import (
    KeyMissing,
    LocalStorage,
    S3Storage,
    Storage,
    StorageError,
    StoredObject,
    current_storage,
    init_app,
    storage_from_config,
    validate_key,
)
from tests.s3_support import local_s3_server

REGION = "us-east-1"
PHOTO = bytes(range(256)) * 64  # every byte value, so nothing text-mode can slip through

BAD_KEYS = [
    "",
    "../x",
    "a/../b",
    "a..b",
    "/abs",
    "a//b",
    "a/",
    "a/./b",
    ".hidden",
    "a/.tmp-123",
    "a\x00b",
    "a\nb",
    "a\\b",
    "a" * 300,
    "a" * 201,
    "Upper.webp",
    "has space",
    "ä.webp",
]


# --- fixtures -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """Run one moto S3 server on a free local port for this module, with dummy credentials."""
    with local_s3_server() as (endpoint, _server):
        yield endpoint


@pytest.fixture(scope="module")
def s3_client(s3_endpoint: str):
    """A plain boto3 client for looking behind the storage's back."""
    return boto3.client("s3", endpoint_url=s3_endpoint, region_name=REGION)


@pytest.fixture(scope="module")
def storage_client(s3_endpoint: str):
    """A client made the way S3Storage makes one, shared because making one takes ~0.2 s."""
    return S3Storage("unused", endpoint_url=s3_endpoint, region=REGION).client


@pytest.fixture
def bucket(s3_client) -> str:
    """A fresh, empty bucket for one test."""
    name = f"test-{uuid.uuid4().hex}"
    s3_client.create_bucket(Bucket=name)
    return name


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    """Each contract test runs once per backend."""
    if request.param == "local":
        return LocalStorage(tmp_path / "uploads")
    endpoint = request.getfixturevalue("s3_endpoint")
    bucket = request.getfixturevalue("bucket")
    client = request.getfixturevalue("storage_client")
    return S3Storage(bucket, endpoint_url=endpoint, region=REGION, client=client)


def read(storage: Storage, key: str) -> bytes:
    """Return the stored bytes, closing the file."""
    with storage.open(key) as stored:
        return stored.read()


# --- the contract, for both backends ------------------------------------------------------


def test_backend_follows_protocol(storage: Storage) -> None:
    assert isinstance(storage, Storage)


def test_save_then_open_returns_same_bytes(storage: Storage) -> None:
    storage.save("deeds/ab/abc123.webp", PHOTO, "image/webp")

    with storage.open("deeds/ab/abc123.webp") as stored:
        assert stored.read() == PHOTO
        stored.seek(0)  # Pillow needs a seekable file
        assert stored.read(3) == PHOTO[:3]


def test_save_empty_object(storage: Storage) -> None:
    storage.save("empty", b"", "application/octet-stream")

    assert read(storage, "empty") == b""
    assert storage.size("empty") == 0


def test_save_overwrites(storage: Storage) -> None:
    storage.save("a.jpg", b"old version", "image/jpeg")
    storage.save("a.jpg", b"new", "image/jpeg")

    assert read(storage, "a.jpg") == b"new"
    assert storage.size("a.jpg") == 3
    assert list(storage.keys()) == ["a.jpg"]


def test_exists(storage: Storage) -> None:
    storage.save("deeds/x.webp", b"x", "image/webp")

    assert storage.exists("deeds/x.webp")
    assert not storage.exists("deeds/y.webp")
    assert not storage.exists("deeds")  # a folder is not an object


def test_size(storage: Storage) -> None:
    storage.save("photo.webp", PHOTO, "image/webp")

    assert storage.size("photo.webp") == len(PHOTO)


def test_delete(storage: Storage) -> None:
    storage.save("gone.webp", b"x", "image/webp")
    storage.save("kept.webp", b"y", "image/webp")

    storage.delete("gone.webp")

    assert not storage.exists("gone.webp")
    assert list(storage.keys()) == ["kept.webp"]
    with pytest.raises(KeyMissing):
        storage.open("gone.webp")


def test_delete_missing_key_is_fine(storage: Storage) -> None:
    storage.delete("never/stored.webp")

    assert not storage.exists("never/stored.webp")


def test_keys_lists_everything_under_prefix(storage: Storage) -> None:
    for key in ["deeds/ab/1.webp", "deeds/ab/2.webp", "deeds/cd/3.webp", "avatars/4.png", "top"]:
        storage.save(key, b"x", "image/webp")

    assert sorted(storage.keys()) == [
        "avatars/4.png",
        "deeds/ab/1.webp",
        "deeds/ab/2.webp",
        "deeds/cd/3.webp",
        "top",
    ]
    assert sorted(storage.keys("deeds/")) == [
        "deeds/ab/1.webp",
        "deeds/ab/2.webp",
        "deeds/cd/3.webp",
    ]
    assert sorted(storage.keys("deeds/ab/")) == ["deeds/ab/1.webp", "deeds/ab/2.webp"]
    assert sorted(storage.keys("deeds/c")) == ["deeds/cd/3.webp"]
    assert sorted(storage.keys("av")) == ["avatars/4.png"]
    assert list(storage.keys("nothing/")) == []


def test_keys_come_in_byte_order_as_s3_lists_them(storage: Storage) -> None:
    """The orphan check merges the listing with the sorted rows: the order is the contract."""
    keys = ["photos/ab.webp", "photos/ab/1.webp", "photos/ab-c/2.webp", "photos/a/3.webp",
            "photos/b.webp", "photos/0/4.webp", "photos/ab_/5.webp", "photos/ab.x/6.webp"]
    for key in keys:
        storage.save(key, b"x", "image/webp")
    assert list(storage.keys()) == sorted(keys, key=str.encode)
    assert [item.key for item in storage.listing("photos/ab")] == sorted(
        [key for key in keys if key.startswith("photos/ab")], key=str.encode)


def test_keys_of_empty_storage(storage: Storage) -> None:
    assert list(storage.keys()) == []


def now_to_the_second() -> dt.datetime:
    """The current UTC time without its fraction (S3 keeps whole seconds)."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def test_listing_gives_each_key_with_its_modification_time(storage: Storage) -> None:
    before = now_to_the_second()
    for key in ["deeds/ab/1.webp", "deeds/cd/2.webp", "avatars/3.png"]:
        storage.save(key, b"x", "image/webp")
    after = now_to_the_second() + dt.timedelta(seconds=1)

    listed = storage.listing("deeds/")
    assert iter(listed) is listed  # read as it goes, never gathered into one list first
    objects = sorted(listed)

    assert [item.key for item in objects] == ["deeds/ab/1.webp", "deeds/cd/2.webp"]
    for item in objects:
        assert isinstance(item, StoredObject)
        assert item.modified.utcoffset() == dt.timedelta(0)
        assert before <= item.modified <= after
    assert sorted(item.key for item in storage.listing()) == sorted(storage.keys())
    assert [item.key for item in storage.listing("deeds/c")] == ["deeds/cd/2.webp"]
    assert list(storage.listing("nothing/")) == []


@pytest.mark.parametrize("operation", ["open", "size"])
def test_missing_key_raises_key_missing(storage: Storage, operation: str) -> None:
    with pytest.raises(KeyMissing) as raised:
        getattr(storage, operation)("missing.webp")

    # Callers may catch it as either kind.
    assert isinstance(raised.value, KeyError)
    assert isinstance(raised.value, StorageError)


@pytest.mark.parametrize("key", BAD_KEYS, ids=lambda key: repr(key)[:24])
def test_invalid_keys_are_rejected_by_every_operation(
    storage: Storage, key: str, tmp_path: Path
) -> None:
    calls = [
        lambda: storage.save(key, b"x", "image/webp"),
        lambda: storage.open(key),
        lambda: storage.exists(key),
        lambda: storage.size(key),
        lambda: storage.delete(key),
        lambda: storage.local_path(key),
    ]
    for call in calls:
        with pytest.raises(ValueError, match="invalid storage key"):
            call()

    assert list(storage.keys()) == []
    assert list(tmp_path.iterdir()) == []  # nothing written, inside the root or beside it


def test_concurrent_readers_never_see_a_half_written_object(storage: Storage) -> None:
    versions = [bytes([n]) * 200_000 for n in range(2)]
    storage.save("busy.webp", versions[0], "image/webp")
    seen: list[bytes] = []

    def write() -> None:
        for n in range(30):
            storage.save("busy.webp", versions[n % 2], "image/webp")

    writer = threading.Thread(target=write)
    writer.start()
    while writer.is_alive():
        seen.append(read(storage, "busy.webp"))
    writer.join()

    assert seen
    assert all(data in versions for data in seen)


def test_check_passes_and_leaves_nothing_behind(storage: Storage) -> None:
    storage.check()

    assert list(storage.keys()) == []


# --- local backend ------------------------------------------------------------------------


def test_local_files_live_at_root_slash_key(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "uploads")
    storage.save("deeds/ab/c.webp", b"data", "image/webp")

    path = storage.local_path("deeds/ab/c.webp")

    assert path == str(tmp_path / "uploads" / "deeds" / "ab" / "c.webp")
    assert Path(path).read_bytes() == b"data"


def test_local_path_of_missing_key_raises(tmp_path: Path) -> None:
    with pytest.raises(KeyMissing):
        LocalStorage(tmp_path).local_path("missing.webp")


def test_local_root_is_created_on_first_save(tmp_path: Path) -> None:
    root = tmp_path / "not" / "yet"
    storage = LocalStorage(str(root))
    assert list(storage.keys()) == []
    assert not root.exists()

    storage.save("a", b"x", "image/webp")

    assert (root / "a").read_bytes() == b"x"


@pytest.mark.parametrize("failing", ["replace", "fsync", "write"])
def test_local_failed_save_leaves_old_file_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    storage = LocalStorage(tmp_path)
    storage.save("deeds/kept.webp", b"old", "image/webp")

    def boom(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    if failing == "write":
        monkeypatch.setattr(os, "fdopen", lambda fd, mode: _FailingFile(fd))
    else:
        monkeypatch.setattr(os, failing, boom)
    with pytest.raises(StorageError, match="cannot save 'deeds/new.webp'"):
        storage.save("deeds/new.webp", b"new", "image/webp")
    with pytest.raises(StorageError):
        storage.save("deeds/kept.webp", b"new", "image/webp")
    monkeypatch.undo()

    assert sorted(p.name for p in (tmp_path / "deeds").iterdir()) == ["kept.webp"]
    assert read(storage, "deeds/kept.webp") == b"old"
    assert not storage.exists("deeds/new.webp")


class _FailingFile:
    """A file object whose write fails half-way, as on a full disk."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def __enter__(self) -> _FailingFile:
        return self

    def __exit__(self, *exc: object) -> None:
        os.close(self.fd)

    def write(self, data: bytes) -> int:
        os.write(self.fd, data[: len(data) // 2])
        raise OSError(28, "No space left on device")


def test_local_keys_skip_temp_files_of_unfinished_writes(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    storage.save("deeds/real.webp", b"x", "image/webp")
    (tmp_path / ".tmp-abc123").write_bytes(b"partial")
    (tmp_path / "deeds" / ".tmp-def456").write_bytes(b"partial")
    (tmp_path / ".tmp-dir").mkdir()
    (tmp_path / ".tmp-dir" / "file").write_bytes(b"x")

    assert list(storage.keys()) == ["deeds/real.webp"]
    assert list(storage.keys("deeds/")) == ["deeds/real.webp"]
    assert [item.key for item in storage.listing()] == ["deeds/real.webp"]


def test_local_keys_with_hostile_prefix_stay_inside_root(tmp_path: Path) -> None:
    (tmp_path / "outside.webp").write_bytes(b"secret")
    storage = LocalStorage(tmp_path / "uploads")
    storage.save("inside.webp", b"x", "image/webp")

    assert list(storage.keys("../")) == []
    assert list(storage.keys("/")) == []


def test_local_stored_files_are_private_to_the_app(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    storage.save("photo.webp", b"x", "image/webp")

    assert (tmp_path / "photo.webp").stat().st_mode & 0o077 == 0


def test_local_listing_gives_the_files_modification_time(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    storage.save("photos/ab/old.webp", b"x", "image/webp")
    storage.save("photos/ab/new.webp", b"x", "image/webp")
    stamp = int(dt.datetime.now(dt.UTC).timestamp()) - 2 * 3600
    two_hours_ago = dt.datetime.fromtimestamp(stamp, dt.UTC)
    os.utime(tmp_path / "photos" / "ab" / "old.webp", (stamp, stamp))

    modified = dict(storage.listing("photos/"))

    assert modified["photos/ab/old.webp"] == two_hours_ago
    assert modified["photos/ab/new.webp"] > two_hours_ago + dt.timedelta(hours=1)


def test_local_listing_skips_a_file_deleted_while_listing(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    for key in ("a/1.webp", "a/2.webp"):
        storage.save(key, b"x", "image/webp")
    listed = storage.listing("a/")

    first = next(listed)
    storage.delete("a/2.webp" if first.key == "a/1.webp" else "a/1.webp")

    assert list(listed) == []


def test_local_check_creates_missing_root(tmp_path: Path) -> None:
    root = tmp_path / "uploads"

    LocalStorage(root).check()

    assert root.is_dir()
    assert list(root.iterdir()) == []


def test_local_check_fails_when_root_cannot_be_a_folder(tmp_path: Path) -> None:
    (tmp_path / "file").write_bytes(b"not a folder")

    with pytest.raises(StorageError, match="upload folder .* is not writable"):
        LocalStorage(tmp_path / "file" / "uploads").check()


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root can write anywhere")
def test_local_check_fails_for_read_only_folder(tmp_path: Path) -> None:
    root = tmp_path / "uploads"
    root.mkdir(mode=0o500)

    with pytest.raises(StorageError, match="is not writable"):
        LocalStorage(root).check()


# --- S3 backend ---------------------------------------------------------------------------


def test_s3_objects_live_under_prefix_with_content_type(
    s3_endpoint: str, bucket: str, s3_client
) -> None:
    s3_client.put_object(Bucket=bucket, Key="someone-else/file", Body=b"x")
    storage = S3Storage(bucket, prefix="/tekotaulu/", endpoint_url=s3_endpoint, region=REGION)

    storage.save("deeds/a.webp", b"data", "image/webp")

    head = s3_client.head_object(Bucket=bucket, Key="tekotaulu/deeds/a.webp")
    assert head["ContentType"] == "image/webp"
    assert list(storage.keys()) == ["deeds/a.webp"]
    assert list(storage.keys("deeds/")) == ["deeds/a.webp"]
    assert [item.key for item in storage.listing("deeds/")] == ["deeds/a.webp"]


def test_s3_listing_reads_one_page_at_a_time(s3_endpoint: str, bucket: str) -> None:
    storage = S3Storage(bucket, endpoint_url=s3_endpoint, region=REGION)
    storage.list_page_size = 2
    keys = [f"photos/{n}.webp" for n in range(5)]
    for key in keys:
        storage.save(key, b"x", "image/webp")
    requests: list[str] = []
    storage.client.meta.events.register(
        "before-call.s3.ListObjectsV2", lambda **kwargs: requests.append("list")
    )

    listed = storage.listing("photos/")
    first = next(listed)
    assert len(requests) == 1  # the first key comes before the later pages are asked for
    rest = list(listed)

    assert len(requests) == 3
    assert sorted(item.key for item in [first, *rest]) == keys


def test_s3_has_no_local_path(s3_endpoint: str, bucket: str) -> None:
    storage = S3Storage(bucket, endpoint_url=s3_endpoint, region=REGION)
    storage.save("a.webp", b"x", "image/webp")

    assert storage.local_path("a.webp") is None


def test_s3_check_fails_for_missing_bucket(s3_endpoint: str) -> None:
    storage = S3Storage(f"missing-{uuid.uuid4().hex}", endpoint_url=s3_endpoint, region=REGION)

    with pytest.raises(StorageError, match="S3 bucket 'missing-.*' at http.* does not exist"):
        storage.check()


def test_s3_operations_on_missing_bucket_raise_storage_error(s3_endpoint: str) -> None:
    storage = S3Storage(f"missing-{uuid.uuid4().hex}", endpoint_url=s3_endpoint, region=REGION)

    with pytest.raises(StorageError) as raised:
        storage.save("a.webp", b"x", "image/webp")
    assert not isinstance(raised.value, KeyMissing)
    with pytest.raises(StorageError, match="NoSuchBucket"):
        list(storage.keys())


def test_s3_uses_given_client(bucket: str, s3_client) -> None:
    storage = S3Storage(bucket, client=s3_client)
    storage.save("a.webp", b"x", "image/webp")

    assert storage.client is s3_client
    assert s3_client.get_object(Bucket=bucket, Key="a.webp")["Body"].read() == b"x"


def test_s3_client_is_created_lazily() -> None:
    storage = S3Storage("any-bucket", endpoint_url="http://127.0.0.1:9", region=REGION)

    assert storage._client is None


# --- validate_key -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key", ["a", "0", "deeds/ab/abc123.webp", "a-b_c.d", "x" * 200, "2024/06/01/photo.jpg"]
)
def test_validate_key_accepts_safe_keys(key: str) -> None:
    assert validate_key(key) == key


@pytest.mark.parametrize("key", BAD_KEYS, ids=lambda key: repr(key)[:24])
def test_validate_key_rejects_unsafe_keys(key: str) -> None:
    with pytest.raises(ValueError, match="invalid storage key"):
        validate_key(key)


# --- configuration and the Flask hook -----------------------------------------------------


def test_storage_from_config_defaults_to_local(tmp_path: Path) -> None:
    storage = storage_from_config({"UPLOAD_FOLDER": str(tmp_path)})

    assert isinstance(storage, LocalStorage)
    assert storage.root == tmp_path


def test_storage_from_config_local_needs_absolute_folder() -> None:
    with pytest.raises(ValueError, match="UPLOAD_FOLDER must be an absolute path"):
        storage_from_config({"STORAGE_BACKEND": "local", "UPLOAD_FOLDER": "instance/uploads"})


def test_storage_from_config_s3() -> None:
    storage = storage_from_config(
        {
            "STORAGE_BACKEND": "s3",
            "S3_BUCKET": "photos",
            "S3_PREFIX": "tekotaulu",
            "S3_ENDPOINT_URL": "http://127.0.0.1:9000",
            "S3_REGION": "eu-north-1",
        }
    )

    assert isinstance(storage, S3Storage)
    assert (storage.bucket, storage.prefix) == ("photos", "tekotaulu/")
    assert (storage.endpoint_url, storage.region) == ("http://127.0.0.1:9000", "eu-north-1")


def test_storage_from_config_s3_works_end_to_end(s3_endpoint: str, bucket: str) -> None:
    config = {"STORAGE_BACKEND": "s3", "S3_BUCKET": bucket, "S3_ENDPOINT_URL": s3_endpoint}
    storage = storage_from_config(config)

    storage.save("a.webp", b"x", "image/webp")

    assert read(storage, "a.webp") == b"x"


def test_storage_from_config_s3_needs_bucket() -> None:
    with pytest.raises(ValueError, match="S3_BUCKET is not set"):
        storage_from_config({"STORAGE_BACKEND": "s3", "S3_BUCKET": ""})


def test_storage_from_config_rejects_unknown_backend() -> None:
    with pytest.raises(ValueError, match="unknown STORAGE_BACKEND 'ftp': use 'local' or 's3'"):
        storage_from_config({"STORAGE_BACKEND": "ftp"})


def test_init_app_and_current_storage(tmp_path: Path) -> None:
    app = Flask(__name__)
    app.config["UPLOAD_FOLDER"] = str(tmp_path)

    init_app(app)
    with app.app_context():
        storage = current_storage()
        storage.save("a.webp", b"x", "image/webp")

    assert storage is app.extensions["storage"]
    assert (tmp_path / "a.webp").read_bytes() == b"x"


def test_current_storage_without_init_app_says_so() -> None:
    with Flask(__name__).app_context(), pytest.raises(RuntimeError, match="init_app"):
        current_storage()
