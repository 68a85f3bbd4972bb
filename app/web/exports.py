"""Writing a board export: CSV that Excel opens right, and a ZIP streamed as it is written."""

import csv
import io
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator

from flask import url_for
from flask_babel import gettext as _

from app.labels import label
from app.services import exports
from app.services.exports import ExportRow

BOM = "\ufeff"  # Excel reads UTF-8 only with it (else ä and ö come out garbled)
SEPARATORS = {"comma": ",", "semicolon": ";"}  # Finnish Excel splits columns at ";"
# A cell starting with one of these is a formula to a spreadsheet: it gets a leading "'".
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_NAME = "tekotaulu.csv"


def neutral(value: object) -> object:
    """A cell a spreadsheet shows as text, never runs (numbers pass as they are)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def header(with_files: bool) -> list[str]:
    """The column names, in the current language."""
    names = [_("Tunnus"), _("Päivä"), _("Kunta"), _("Yksikkö"), _("Asiakastyyppi"),
             _("Tekijä"), _("Kuvaus"), _("Kiitokset"), _("Kommentit"), _("Linkki")]
    return [*names, _("Kuvat")] if with_files else names


def cells(row: ExportRow, with_files: bool) -> list[object]:
    """One deed's cells; with the files, the names its photos have in the ZIP."""
    values = [
        row.id, row.happened_on, row.municipality, row.unit,
        label(row.customer_type) if row.customer_type else "", row.author, row.description,
        row.thanks, row.comments, url_for("deeds.show", deed_id=row.id, _external=True),
    ]
    if with_files:
        values.append(" ".join(photo_names(row)))
    return [neutral(value) for value in values]


def photo_names(row: ExportRow) -> list[str]:
    """The names of a deed's photos inside the ZIP."""
    return [f"kuvat/{row.id}-{n}.{photo.extension}" for n, photo in enumerate(row.photos, 1)]


def csv_chunks(
    rows: Iterable[ExportRow], separator: str, with_files: bool = False
) -> Iterator[str]:
    """The CSV text, a batch of lines at a time, starting with the byte order mark."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\r\n")
    writer.writerow(header(with_files))
    yield BOM + _take(buffer)
    for number, row in enumerate(rows, 1):
        writer.writerow(cells(row, with_files))
        if number % exports.BATCH == 0:
            yield _take(buffer)
    yield _take(buffer)


def _take(buffer: io.StringIO) -> str:
    """Empty the buffer and return what it held."""
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


class _Sink(io.RawIOBase):
    """Where zipfile writes: kept until the generator hands it on; it cannot seek, so zipfile
    writes each entry's sizes after its data (data descriptors) instead of going back."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        """zipfile writes here."""
        return True

    def write(self, data) -> int:
        """Keep a piece of the archive until it is drained."""
        self._chunks.append(bytes(data))
        return len(data)

    def drain(self) -> Iterator[bytes]:
        """Hand on everything written so far."""
        chunks, self._chunks = self._chunks, []
        yield from chunks


def zip_chunks(
    rows_of: Callable[[int | None], Iterable[ExportRow]], separator: str
) -> Iterator[bytes]:
    """The ZIP: the CSV index first, then each photo as stored (JPEG and WebP do not shrink),
    a piece at a time: never the whole archive in memory.

    `rows_of(before)` reads the board's rows older than an id (None: all). The photos are read
    in a second pass up to the newest deed of the index, so they match it.
    """
    sink = _Sink()
    newest: list[int] = []
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_STORED) as archive:
        index = zipfile.ZipInfo(CSV_NAME, time.localtime()[:6])
        index.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(index, "w") as entry:
            for text in csv_chunks(_noting_newest(rows_of(None), newest), separator, True):
                entry.write(text.encode())
                yield from sink.drain()
        for row in rows_of(newest[0] + 1) if newest else ():
            for name, photo in zip(photo_names(row), row.photos, strict=True):
                with archive.open(name, "w") as entry:
                    for chunk in exports.photo_chunks(photo.key):
                        entry.write(chunk)
                        yield from sink.drain()
    yield from sink.drain()


def _noting_newest(rows: Iterable[ExportRow], newest: list[int]) -> Iterator[ExportRow]:
    """Pass the rows on (newest first), noting the first one's id."""
    for row in rows:
        if not newest:
            newest.append(row.id)
        yield row
