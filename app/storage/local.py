"""Storage in a folder on the local filesystem."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from typing import BinaryIO

from .base import (
    CHUNK_SIZE,
    KeyMissing,
    StorageError,
    StoredObject,
    Streamed,
    is_valid_key,
    validate_key,
)

TEMP_PREFIX = ".tmp-"

# The ways the OS says "no file under this key" (a directory, or a file where a folder
# is expected, is not a stored object either).
_NOT_FOUND = (FileNotFoundError, IsADirectoryError, NotADirectoryError)


class LocalStorage:
    """Objects are files at root/key; writes go through a temp file and a rename."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"LocalStorage({str(self.root)!r})"

    def _path(self, key: str) -> Path:
        return self.root / validate_key(key)

    def save(self, key: str, data: bytes, content_type: str) -> None:
        """Write data to a temp file beside the target, fsync it, then rename it over."""
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            _write_atomically(path, data)
        except OSError as exc:
            raise StorageError(f"cannot save {key!r} in {self.root}: {exc}") from exc

    def open(self, key: str) -> BinaryIO:
        """Open the stored file for reading."""
        path = self._path(key)
        try:
            return path.open("rb")
        except _NOT_FOUND as exc:
            raise KeyMissing(key) from exc
        except OSError as exc:
            raise StorageError(f"cannot open {key!r}: {exc}") from exc

    def stream(self, key: str) -> Streamed:
        """Open the file and read it in chunks as the caller asks."""
        handle = self.open(key)
        return Streamed(os.fstat(handle.fileno()).st_size, _chunks_of(handle))

    def presigned_url(self, key: str, seconds: int) -> str | None:
        """Local files have no URL of their own."""
        validate_key(key)
        return None

    def exists(self, key: str) -> bool:
        """Tell whether a file is stored under key."""
        return self._path(key).is_file()

    def size(self, key: str) -> int:
        """Return the stored file's size in bytes."""
        path = self._path(key)
        if not path.is_file():
            raise KeyMissing(key)
        try:
            return path.stat().st_size
        except FileNotFoundError as exc:  # deleted between the two calls
            raise KeyMissing(key) from exc

    def delete(self, key: str) -> None:
        """Remove the file; a missing one is fine."""
        path = self._path(key)
        try:
            path.unlink()
        except _NOT_FOUND:
            pass
        except OSError as exc:
            raise StorageError(f"cannot delete {key!r}: {exc}") from exc

    def keys(self, prefix: str = "") -> Iterator[str]:
        """Yield every stored key under prefix, skipping temp files of unfinished writes."""
        for key, _path in self._files(prefix):
            yield key

    def listing(self, prefix: str = "") -> Iterator[StoredObject]:
        """Yield every stored key under prefix with its file's modification time."""
        for key, entry in self._files(prefix):
            try:
                modified = entry.stat(follow_symlinks=False).st_mtime
            except _NOT_FOUND:  # deleted since its folder was read
                continue
            except OSError as exc:
                raise StorageError(f"cannot read {key!r}: {exc}") from exc
            yield StoredObject(key, dt.datetime.fromtimestamp(modified, dt.UTC))

    def _files(self, prefix: str) -> Iterator[tuple[str, os.DirEntry]]:
        """Yield (key, path) of every stored file under prefix, in ascending key order (as S3
        lists), one folder in memory at a time."""
        # Walk only the folder the prefix names, not the whole tree.
        folder = prefix.rpartition("/")[0]
        start = self.root / folder if folder and is_valid_key(folder) else self.root
        for key, entry in _walk_sorted(str(start), "" if start == self.root else folder + "/"):
            if key.startswith(prefix) and is_valid_key(key):
                yield key, entry

    def local_path(self, key: str) -> str | None:
        """Return the file's path, for sending it without reading it into memory."""
        path = self._path(key)
        if not path.is_file():
            raise KeyMissing(key)
        return str(path)

    def check(self) -> None:
        """Make sure the root folder exists and a file can be written and removed in it."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd, probe = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=self.root)
            os.close(fd)
            os.unlink(probe)
        except OSError as exc:
            raise StorageError(f"upload folder {self.root} is not writable: {exc}") from exc


def _walk_sorted(folder: str, key_prefix: str) -> Iterator[tuple[str, os.DirEntry]]:
    """Yield (key, directory entry) under the folder in byte order of the keys: a subfolder
    sorts as its name plus "/", which every key inside it starts with. (No Path objects: each
    interns its parts, which would grow with the number of files.)"""
    try:
        entries = [(e.name + "/" if e.is_dir(follow_symlinks=False) else e.name, e)
                   for e in os.scandir(folder) if not e.name.startswith(".")]
    except _NOT_FOUND:
        return
    except OSError as exc:
        raise StorageError(f"cannot list {folder}: {exc}") from exc
    for name, entry in sorted(entries, key=lambda pair: pair[0].encode()):
        if name.endswith("/"):
            yield from _walk_sorted(entry.path, key_prefix + name)
        elif entry.is_file(follow_symlinks=False):
            yield key_prefix + name, entry


def _chunks_of(handle: BinaryIO) -> Iterator[bytes]:
    """Yield the file's bytes a chunk at a time, closing it at the end (or when abandoned)."""
    with handle:
        while chunk := handle.read(CHUNK_SIZE):
            yield chunk


def _write_atomically(path: Path, data: bytes) -> None:
    """Write data to path so that readers see either the old file or the whole new one."""
    # Same folder, so os.replace is a rename within one filesystem (atomic on POSIX).
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as tmp_file:
            tmp_file.write(data)
            tmp_file.flush()
            os.fsync(tmp_file.fileno())
        os.replace(tmp, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_folder(path.parent)


def _fsync_folder(folder: Path) -> None:
    """Persist the rename itself, so a power cut cannot bring back the old file."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
