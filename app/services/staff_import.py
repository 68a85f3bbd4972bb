"""Bulk import of staff from a CSV file: parse, check every row, then create all or none."""

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.database import write_transaction
from app.extensions import db
from app.models import AuditAction, LinkPurpose, Role, Unit, UnitSupervisor, User
from app.permissions import Capability, require
from app.services import audit, onboarding
from app.services.accounts import USERNAME_PATTERN, normalise_username
from app.services.errors import Refused

MAX_BYTES = 512 * 1024  # a few thousand rows of names fit easily
MAX_ROWS = 1000
DISPLAY_NAME_MAX = 120
CELL_MAX = 200
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# Header words (lower case) of each column, in English, Finnish and Swedish.
COLUMNS = {
    "username": ("username", "käyttäjätunnus", "tunnus", "käyttäjä", "användarnamn"),
    "display_name": ("display name", "display_name", "name", "nimi", "näyttönimi", "koko nimi",
                     "namn"),
    "unit": ("unit", "yksikkö", "työpaikka", "enhet"),
    "role": ("role", "rooli", "roll"),
    "municipality": ("municipality", "kunta", "kommun"),
}
REQUIRED = ("username", "display_name", "unit")

ROLE_WORDS = {
    Role.EMPLOYEE: ("employee", "työntekijä", "tyontekija", "anställd"),
    Role.SUPERVISOR: ("supervisor", "esihenkilö", "esihenkilo", "esimies", "förman"),
    Role.LEADER: ("leader", "vetäjä", "vetaja", "työpajan vetäjä", "ledare"),
    Role.ADMIN: ("admin", "ylläpitäjä", "yllapitaja", "administratör"),
}


@dataclass
class ImportRow:
    """One line of the file as read, and what is wrong with it."""

    line: int
    username: str
    display_name: str
    unit: str
    role: str
    municipality: str = ""
    errors: list[Refused] = field(default_factory=list)
    unit_id: int | None = None
    unit_label: str = ""
    role_value: Role | None = None

    def cells(self) -> list[str]:
        """The row as read, for carrying it from the preview to the confirmation."""
        return [str(self.line), self.username, self.display_name, self.unit, self.role,
                self.municipality]


@dataclass(frozen=True)
class Preview:
    """Every row of a file, checked: the import may go ahead only when no row has an error."""

    rows: tuple[ImportRow, ...]

    @property
    def error_count(self) -> int:
        """How many rows have at least one error."""
        return sum(1 for row in self.rows if row.errors)

    @property
    def ok(self) -> bool:
        """Tell whether every row can be created."""
        return bool(self.rows) and self.error_count == 0


@dataclass(frozen=True)
class Slip:
    """A user just made, their unit and their one-time link (its token shown once)."""

    link: onboarding.IssuedLink
    unit_label: str


def decode(data: bytes) -> str:
    """The file's text: UTF-8 (with or without BOM), UTF-16 with a BOM, or Windows-1252."""
    if not data.strip():
        raise Refused("import_file_empty")
    if len(data) > MAX_BYTES:
        raise Refused("import_file_too_big", kb=MAX_BYTES // 1024)
    try:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            text = data.decode("utf-16")
        else:
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = data.decode("cp1252")
    except UnicodeDecodeError as error:
        raise Refused("import_encoding") from error
    if any(ord(char) < 32 and char not in "\t\r\n" for char in text):
        raise Refused("import_encoding")  # NUL and other control bytes: not a text file
    return text


def delimiter(first_line: str) -> str:
    """The separator the header line uses most: ; (Finnish Excel), comma or tab."""
    return max(";,\t", key=first_line.count)


def read_rows(data: bytes) -> list[ImportRow]:
    """Parse the file into rows (empty lines skipped); the header names the columns."""
    text = decode(data)
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter(first)))
    except csv.Error as error:  # a cell larger than any name, an unclosed quote at the end
        raise Refused("import_encoding") from error
    records = [(number, cells) for number, cells in enumerate(records, 1)
               if any(cell.strip() for cell in cells)]
    if not records:
        raise Refused("import_file_empty")
    positions = header_positions(records[0][1])
    body = records[1:]
    if not body:
        raise Refused("import_no_rows")
    if len(body) > MAX_ROWS:
        raise Refused("import_too_many_rows", max=MAX_ROWS)
    return [row_of(number, cells, positions) for number, cells in body]


def header_positions(header: Sequence[str]) -> dict[str, int]:
    """Which column holds what, by the header's words; Refused when a needed one is missing."""
    words = [" ".join(cell.split()).casefold() for cell in header]
    positions = {}
    for name, accepted in COLUMNS.items():
        found = next((i for i, word in enumerate(words) if word in accepted), None)
        if found is not None:
            positions[name] = found
    missing = [COLUMNS[name][1] for name in REQUIRED if name not in positions]
    if missing:
        raise Refused("import_header", missing=", ".join(missing))
    return positions


def row_of(line: int, cells: Sequence[str], positions: dict[str, int]) -> ImportRow:
    """One row's cells by column (a short row's missing cells are empty)."""
    def cell(name: str) -> str:
        index = positions.get(name)
        return cells[index].strip()[:CELL_MAX] if index is not None and index < len(cells) else ""

    return ImportRow(line, cell("username"), cell("display_name"), cell("unit"), cell("role"),
                     cell("municipality"))


def rows_from_cells(carried: Sequence[Sequence[str]]) -> list[ImportRow]:
    """Rows carried from the preview to the confirmation (checked again before use)."""
    if not carried or len(carried) > MAX_ROWS:
        raise Refused("import_expired")
    try:
        return [ImportRow(int(c[0]), *(str(value)[:CELL_MAX] for value in c[1:6]))
                for c in carried]
    except (TypeError, ValueError, IndexError) as error:
        raise Refused("import_expired") from error


def preview(data: bytes) -> Preview:
    """Read and check a file; nothing is written."""
    return check(read_rows(data))


def check(rows: list[ImportRow]) -> Preview:
    """Check every row against the rules, the file's other rows and the database."""
    units = UnitIndex()
    existing = set(db.session.scalars(sa.select(User.username)))
    seen: dict[str, int] = {}
    for row in rows:
        row.errors = []
        _check_formulas(row)
        _check_username(row, seen, existing)
        _check_display_name(row)
        _check_unit(row, units)
        _check_role(row)
    return Preview(tuple(rows))


def looks_like_formula(value: str) -> bool:
    """Tell whether a spreadsheet would run the cell as a formula."""
    return value.startswith(FORMULA_STARTS)


def _check_formulas(row: ImportRow) -> None:
    """Refuse cells a spreadsheet would run (=HYPERLINK(...) and the like)."""
    if any(looks_like_formula(value) for value in row.cells()[1:]):
        row.errors.append(Refused("import_formula"))


def _check_username(row: ImportRow, seen: dict[str, int], existing: set[str]) -> None:
    """A valid username, used by no one yet and only once in the file."""
    username = normalise_username(row.username)
    row.username = username
    if not username:
        row.errors.append(Refused("import_username_missing"))
        return
    if looks_like_formula(username):
        return  # the formula's own error says what to do
    if not USERNAME_PATTERN.match(username):
        row.errors.append(Refused("username_invalid"))
    elif username in seen:
        row.errors.append(Refused("import_username_twice", line=seen[username]))
    elif username in existing:
        row.errors.append(Refused("username_taken"))
    seen.setdefault(username, row.line)


def _check_display_name(row: ImportRow) -> None:
    """A name to greet the person by."""
    row.display_name = " ".join(row.display_name.split())
    if not row.display_name:
        row.errors.append(Refused("import_name_missing"))
    elif len(row.display_name) > DISPLAY_NAME_MAX:
        row.errors.append(Refused("import_name_too_long", max=DISPLAY_NAME_MAX))


def _check_unit(row: ImportRow, units: "UnitIndex") -> None:
    """A unit in use, by its name (and municipality when the name is in several)."""
    if not row.unit:
        row.errors.append(Refused("import_unit_missing"))
        return
    found = units.find(row.unit, row.municipality)
    if len(found) > 1:
        row.errors.append(Refused("import_unit_ambiguous"))
    elif not found:
        row.errors.append(Refused("import_unit_unknown", name=row.unit))
    elif not found[0].active:
        row.errors.append(Refused("import_unit_retired", name=row.unit))
    else:
        row.unit_id = found[0].id
        row.unit_label = f"{found[0].name} ({found[0].municipality.name})"


def _check_role(row: ImportRow) -> None:
    """A role by its English or Finnish name; an empty cell means an employee."""
    word = " ".join(row.role.split()).casefold()
    if not word:
        row.role_value = Role.EMPLOYEE
        return
    row.role_value = next((role for role, words in ROLE_WORDS.items() if word in words), None)
    if row.role_value is None:
        row.errors.append(Refused("import_role_unknown", role=row.role))


class UnitIndex:
    """Every unit by its name and by "name (municipality)", whatever the case."""

    def __init__(self) -> None:
        self.by_name: dict[str, list[Unit]] = {}
        for unit in db.session.scalars(sa.select(Unit)):
            self.by_name.setdefault(_key(unit.name), []).append(unit)

    def find(self, name: str, municipality: str = "") -> list[Unit]:
        """The units this cell may mean (with the municipality given, only its one)."""
        units = self.by_name.get(_key(name), [])
        if not units and name.endswith(")") and "(" in name:  # "Keittiö (Juva)", as forms show
            name, _, municipality = name[:-1].rpartition("(")
            units = self.by_name.get(_key(name), [])
        if municipality:
            units = [u for u in units if _key(u.municipality.name) == _key(municipality)]
        return units


def _key(name: str) -> str:
    """A name compared without case or extra spaces."""
    return " ".join(name.split()).casefold()


def confirm(actor: User, rows: list[ImportRow]) -> tuple[Slip, ...]:
    """Check the rows again and create every user with a one-time link, in one transaction."""
    require(actor, Capability.ADMINISTER)
    try:
        with write_transaction():
            checked = check(rows)  # again, under the write lock: the database may have changed
            if not checked.ok:
                raise Refused("import_invalid")
            slips = tuple(Slip(_create(actor, row), row.unit_label) for row in checked.rows)
            audit.record(actor, AuditAction.IMPORT_USERS, "user", slips[0].link.user.id,
                         changes={"users": (None, len(slips))})
    except IntegrityError as error:  # a username taken by a concurrent request
        raise Refused("import_invalid") from error
    return slips


def _create(actor: User, row: ImportRow) -> onboarding.IssuedLink:
    """Create one checked user without a password, and their onboarding link."""
    user = User(username=row.username, display_name=row.display_name, role=row.role_value,
                default_unit_id=row.unit_id)
    user.set_unusable_password()
    db.session.add(user)
    db.session.flush()
    if row.role_value == Role.SUPERVISOR:
        db.session.add(UnitSupervisor(unit_id=row.unit_id, user_id=user.id))
    audit.record(actor, AuditAction.CREATE_USER, "user", user.id, changes=audit.changed_fields(
        {}, {"username": user.username, "display_name": user.display_name,
             "role": user.role.value, "default_unit": row.unit_label}))
    return onboarding.issue_in_transaction(actor, user, LinkPurpose.ONBOARDING)
