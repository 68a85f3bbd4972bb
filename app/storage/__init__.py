"""File storage for photos: a local folder or an S3 bucket, chosen by config."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask, current_app

from .base import (
    KeyMissing,
    Storage,
    StorageError,
    StoredObject,
    Streamed,
    is_valid_key,
    validate_key,
)
from .local import LocalStorage
from .s3 import S3Storage

__all__ = [
    "KeyMissing",
    "LocalStorage",
    "S3Storage",
    "Storage",
    "StorageError",
    "StoredObject",
    "Streamed",
    "current_storage",
    "init_app",
    "is_valid_key",
    "storage_from_config",
    "validate_key",
]


def storage_from_config(config: Mapping[str, Any]) -> Storage:
    """Build the backend named by STORAGE_BACKEND ("local" by default, or "s3")."""
    backend = str(config.get("STORAGE_BACKEND") or "local").strip().lower()
    if backend == "local":
        return _local_from_config(config)
    if backend == "s3":
        return _s3_from_config(config)
    raise ValueError(f"unknown STORAGE_BACKEND {backend!r}: use 'local' or 's3'")


def _local_from_config(config: Mapping[str, Any]) -> LocalStorage:
    folder = config.get("UPLOAD_FOLDER")
    # A relative folder would move with the working directory of whoever runs the app.
    if not folder or not os.path.isabs(folder):
        raise ValueError(f"UPLOAD_FOLDER must be an absolute path, got {folder!r}")
    return LocalStorage(folder)


def _s3_from_config(config: Mapping[str, Any]) -> S3Storage:
    bucket = config.get("S3_BUCKET")
    if not bucket:
        raise ValueError("STORAGE_BACKEND is 's3' but S3_BUCKET is not set")
    return S3Storage(
        bucket,
        prefix=config.get("S3_PREFIX") or "",
        endpoint_url=config.get("S3_ENDPOINT_URL") or None,
        region=config.get("S3_REGION") or None,
    )


def init_app(app: Flask) -> None:
    """Attach the configured storage to app; nothing is created or contacted yet."""
    app.extensions["storage"] = storage_from_config(app.config)


def current_storage() -> Storage:
    """Return the storage of the current Flask app."""
    try:
        return current_app.extensions["storage"]
    except KeyError:
        raise RuntimeError("storage is not set up: call app.storage.init_app(app)") from None
