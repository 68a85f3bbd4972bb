"""Storage in an S3 (or S3-compatible) bucket."""

from __future__ import annotations

import datetime as dt
import io
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, BinaryIO

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from .base import (
    CHUNK_SIZE,
    KeyMissing,
    StorageError,
    StoredObject,
    Streamed,
    is_valid_key,
    validate_key,
)

# Error codes S3 and compatible servers use for "no such object"; HEAD has no body,
# so it reports a bare status code.
_MISSING_CODES = {"NoSuchKey", "NotFound", "404"}


@contextmanager
def _s3_errors(key: str | None = None) -> Iterator[None]:
    """Turn botocore exceptions into KeyMissing / StorageError."""
    try:
        yield
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if key is not None and code in _MISSING_CODES:
            raise KeyMissing(key) from exc
        raise StorageError(f"S3 request failed ({code or 'unknown error'}): {exc}") from exc
    except BotoCoreError as exc:
        raise StorageError(f"S3 request failed: {exc}") from exc


class S3Storage:
    """Objects live at prefix + key in one bucket; a PUT is atomic by itself."""

    list_page_size = 1000  # keys per ListObjectsV2 request (S3's own maximum)

    def __init__(
        self,
        bucket: str,
        *,
        prefix: str = "",
        endpoint_url: str | None = None,
        region: str | None = None,
        client: Any = None,
    ) -> None:
        self.bucket = bucket
        # "tekotaulu" and "/tekotaulu/" both mean the folder "tekotaulu/".
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.endpoint_url = endpoint_url
        self.region = region
        self._client = client
        self._client_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"S3Storage({self.bucket!r}, prefix={self.prefix!r})"

    @property
    def client(self) -> Any:
        """The boto3 client, created on first use (credentials from the AWS env vars)."""
        with self._client_lock:
            if self._client is None:
                self._client = self._make_client()
            return self._client

    def _make_client(self) -> Any:
        options: dict[str, Any] = {"retries": {"mode": "standard", "max_attempts": 3}}
        if self.endpoint_url:
            # Self-hosted S3 servers (MinIO, Garage, Ceph...) expect path-style URLs,
            # and some reject the CRC checksums newer botocore adds to every PUT.
            options["s3"] = {"addressing_style": "path"}
            options["request_checksum_calculation"] = "when_required"
        # A session of our own: boto3's default session is not thread-safe.
        return boto3.session.Session().client(
            "s3", endpoint_url=self.endpoint_url, region_name=self.region, config=Config(**options)
        )

    def _name(self, key: str) -> str:
        return self.prefix + validate_key(key)

    def save(self, key: str, data: bytes, content_type: str) -> None:
        """PUT the object; S3 never exposes a partly written object."""
        name = self._name(key)
        with _s3_errors():
            self.client.put_object(
                Bucket=self.bucket, Key=name, Body=data, ContentType=content_type
            )

    def open(self, key: str) -> BinaryIO:
        """Download the object into memory and return it as a seekable file."""
        name = self._name(key)
        with _s3_errors(key):
            body = self.client.get_object(Bucket=self.bucket, Key=name)["Body"]
            # Read it all now: the caller gets seek() (Pillow needs it) and the HTTP
            # connection goes back to the pool at once. Photos are bounded in size.
            with body:
                return io.BytesIO(body.read())

    def stream(self, key: str) -> Streamed:
        """GET the object and hand its body on in chunks as they arrive."""
        name = self._name(key)
        with _s3_errors(key):
            answer = self.client.get_object(Bucket=self.bucket, Key=name)
        return Streamed(int(answer["ContentLength"]), _body_chunks(answer["Body"], key))

    def presigned_url(self, key: str, seconds: int) -> str | None:
        """A signed GET URL valid for `seconds` (made locally: no request to S3)."""
        name = self._name(key)
        with _s3_errors(key):
            return self.client.generate_presigned_url(
                "get_object", Params={"Bucket": self.bucket, "Key": name}, ExpiresIn=seconds
            )

    def exists(self, key: str) -> bool:
        """Tell whether an object is stored under key."""
        try:
            self._head(key)
        except KeyMissing:
            return False
        return True

    def size(self, key: str) -> int:
        """Return the object's size in bytes."""
        return int(self._head(key)["ContentLength"])

    def _head(self, key: str) -> dict[str, Any]:
        name = self._name(key)
        with _s3_errors(key):
            return self.client.head_object(Bucket=self.bucket, Key=name)

    def delete(self, key: str) -> None:
        """Remove the object; S3 treats a missing key as success already."""
        name = self._name(key)
        with _s3_errors():
            self.client.delete_object(Bucket=self.bucket, Key=name)

    def keys(self, prefix: str = "") -> Iterator[str]:
        """Yield every stored key under prefix (the storage prefix removed)."""
        for key, _item in self._objects(prefix):
            yield key

    def listing(self, prefix: str = "") -> Iterator[StoredObject]:
        """Yield every stored key under prefix with its LastModified time, page by page."""
        for key, item in self._objects(prefix):
            yield StoredObject(key, item["LastModified"].astimezone(dt.UTC))

    def _objects(self, prefix: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """Yield (key, listing entry) of every object under prefix, one page at a time."""
        with _s3_errors():
            paginator = self.client.get_paginator("list_objects_v2")
            pages = paginator.paginate(
                Bucket=self.bucket,
                Prefix=self.prefix + prefix,
                PaginationConfig={"PageSize": self.list_page_size},
            )
            for page in pages:
                for item in page.get("Contents", []):
                    key = item["Key"][len(self.prefix) :]
                    # Names no key can have (e.g. a probe left by check()) are not objects.
                    if is_valid_key(key):
                        yield key, item

    def local_path(self, key: str) -> str | None:
        """S3 objects have no filesystem path."""
        validate_key(key)
        return None

    def check(self) -> None:
        """Make sure the bucket exists and an object can be written and removed in it."""
        where = f"S3 bucket {self.bucket!r} at {self.endpoint_url or 'AWS'}"
        probe = f"{self.prefix}.tmp-check-{uuid.uuid4().hex}"
        try:
            self.client.head_bucket(Bucket=self.bucket)
            self.client.put_object(Bucket=self.bucket, Key=probe, Body=b"")
            self.client.delete_object(Bucket=self.bucket, Key=probe)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in {"404", "NoSuchBucket", "NotFound"}:
                raise StorageError(f"{where} does not exist") from exc
            raise StorageError(f"{where} is not usable ({code}): {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"{where} is not reachable: {exc}") from exc


def _body_chunks(body: Any, key: str) -> Iterator[bytes]:
    """Yield an S3 body's bytes in chunks; the connection goes back to the pool at the end."""
    with body, _s3_errors(key):
        yield from body.iter_chunks(CHUNK_SIZE)
