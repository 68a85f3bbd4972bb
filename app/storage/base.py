"""The storage contract shared by every backend."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import BinaryIO, NamedTuple, Protocol, runtime_checkable

MAX_KEY_LENGTH = 200

# Every path segment starts with a letter or digit: this rules out "", ".", "..", hidden
# names and the ".tmp-" names of in-progress writes, so a key can never alias another
# file, escape the storage root, or be mistaken for a temp file.
_KEY_RE = re.compile(r"[a-z0-9][a-z0-9._-]*(?:/[a-z0-9][a-z0-9._-]*)*")


class StorageError(Exception):
    """A storage backend failed."""


class KeyMissing(StorageError, KeyError):
    """No object is stored under the key."""


CHUNK_SIZE = 64 * 1024  # bytes per piece when a file is streamed to a browser or an archive


class Streamed(NamedTuple):
    """A stored object read piece by piece: its length, and its bytes in chunks."""

    length: int
    chunks: Iterator[bytes]


class StoredObject(NamedTuple):
    """A stored key and when its object was last written (timezone-aware, UTC)."""

    key: str
    modified: dt.datetime


def is_valid_key(key: str) -> bool:
    """Tell whether key is an acceptable storage key."""
    return (
        isinstance(key, str)
        and len(key) <= MAX_KEY_LENGTH
        and ".." not in key
        and _KEY_RE.fullmatch(key) is not None
    )


def validate_key(key: str) -> str:
    """Return key unchanged, or raise ValueError if it is not a safe storage key."""
    if not is_valid_key(key):
        raise ValueError(f"invalid storage key: {key!r}")
    return key


@runtime_checkable
class Storage(Protocol):
    """A flat key -> bytes store; keys are validated with validate_key()."""

    def save(self, key: str, data: bytes, content_type: str) -> None:
        """Store data under key atomically, replacing any previous object."""

    def open(self, key: str) -> BinaryIO:
        """Open the object for reading; raise KeyMissing if there is none."""

    def stream(self, key: str) -> Streamed:
        """Open the object for reading in chunks, never whole in memory (KeyMissing if none)."""

    def presigned_url(self, key: str, seconds: int) -> str | None:
        """A URL that lets anyone GET the object for `seconds`; None if the backend has none."""

    def exists(self, key: str) -> bool:
        """Tell whether an object is stored under key."""

    def size(self, key: str) -> int:
        """Return the object's size in bytes; raise KeyMissing if there is none."""

    def delete(self, key: str) -> None:
        """Remove the object; a missing key is not an error."""

    def keys(self, prefix: str = "") -> Iterator[str]:  # in ascending (byte) order
        """Yield every stored key starting with prefix, in no particular order."""

    def listing(self, prefix: str = "") -> Iterator[StoredObject]:  # ascending, streamed
        """Yield every stored key starting with prefix with its last-modified time, as read."""

    def local_path(self, key: str) -> str | None:
        """Return a filesystem path to the object, or None if the backend has none."""

    def check(self) -> None:
        """Raise StorageError with a clear message if the backend is unusable."""
