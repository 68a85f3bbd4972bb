"""Free-text search over deed descriptions, one condition for SQLite FTS5 and PostgreSQL.

SQLite keeps an FTS5 index (`deed_fts`, unicode61 without folding ä, å and ö into a, a and o:
they are letters of their own in Finnish) in step with `deed` by triggers; PostgreSQL matches
`to_tsvector('finnish', description)` through a GIN index on that same expression. Both are
made by the migration alone. The person's text never reaches either as query syntax: it is cut
into words of letters and digits, each quoted and searched as a prefix ("kahv" finds "kahvia"),
all of them required.
"""

import re
import unicodedata

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

MAX_TEXT = 200  # characters of search text; longer is refused
MAX_TERMS = 12  # words searched for; the rest of a long text is left out
SQLITE_INDEX = "deed_fts"
POSTGRESQL_INDEX = "ix_deed_description_fts"
POSTGRESQL_CONFIG = "finnish"

# Letters and digits of any script; everything else (quotes, *, -, parentheses, :) separates.
_WORD = re.compile(r"[^\W_]+")


def search_terms(text: str | None) -> tuple[str, ...]:
    """The words of a search text, lower-cased: empty when nothing is left to search for."""
    if not text:
        return ()
    normal = unicodedata.normalize("NFC", text).casefold()
    return tuple(_WORD.findall(normal))[:MAX_TERMS]


def migration_only(name: str | None, type_: str) -> bool:
    """Tell whether a database object is the search index, which no model describes.

    For Alembic's include_name: the FTS5 table, its shadow tables and the GIN index are made
    by the migration, so comparing the models with the database leaves them out.
    """
    if name is None:
        return False
    if type_ == "table":
        return name == SQLITE_INDEX or name.startswith(f"{SQLITE_INDEX}_")
    return type_ == "index" and name == POSTGRESQL_INDEX


class SearchText(sa.types.TypeDecorator):
    """A search text bound into a query as the database's own safe query syntax."""

    impl = sa.String
    cache_ok = True

    def process_bind_param(self, value, dialect):
        """Quote every word and make it a prefix: FTS5 `"w"*`, PostgreSQL `'w':*`."""
        terms = search_terms(value)
        if dialect.name == "postgresql":
            return " & ".join(f"'{term}':*" for term in terms)
        return " ".join(f'"{term}"*' for term in terms)


class text_matches(FunctionElement):  # noqa: N801 (an SQL function's name)
    """SQL condition: the deed (id, description) matches the search text bound as `terms`."""

    type = sa.Boolean()
    inherit_cache = True
    name = "text_matches"


def matches(deed_id, description, text) -> text_matches:
    """The condition that a deed's description matches the search text (a bind parameter)."""
    return text_matches(deed_id, description, sa.type_coerce(text, SearchText()))


@compiles(text_matches, "sqlite")
def _sqlite_matches(element, compiler, **kw):
    deed_id, _, terms = element.clauses
    # Compiled fragments only: the text itself is a bound parameter.
    column, query = compiler.process(deed_id, **kw), compiler.process(terms, **kw)
    return f"{column} IN (SELECT rowid FROM deed_fts WHERE deed_fts MATCH {query})"  # noqa: S608  # nosec B608


@compiles(text_matches, "postgresql")
def _postgresql_matches(element, compiler, **kw):
    # The configuration is written out, not bound: only then is this the GIN index's expression.
    _, description, terms = element.clauses
    return (
        f"to_tsvector('{POSTGRESQL_CONFIG}', {compiler.process(description, **kw)}) "
        f"@@ to_tsquery('{POSTGRESQL_CONFIG}', {compiler.process(terms, **kw)})"
    )


def sqlite_index() -> sa.TableClause:
    """The FTS5 table as a lightweight table: its rowid is the deed's id."""
    return sa.table(SQLITE_INDEX, sa.column("rowid", sa.Integer))


def sqlite_match(text) -> sa.ColumnElement[bool]:
    """`deed_fts MATCH :text`, for reading the FTS5 index newest first itself."""
    return sa.literal_column("deed_fts").op("MATCH")(sa.type_coerce(text, SearchText()))


# The SQLite index and the triggers that keep it in step with every insert, edit and delete.
# An external-content table: the text stays in `deed` alone.
SQLITE_TABLE = (
    "CREATE VIRTUAL TABLE deed_fts USING fts5(description, content='deed', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 0')"
)
_REMOVE = (
    "INSERT INTO deed_fts(deed_fts, rowid, description) "
    "VALUES ('delete', old.id, old.description);"
)
_ADD = "INSERT INTO deed_fts(rowid, description) VALUES (new.id, new.description);"
SQLITE_TRIGGERS = {
    "deed_fts_insert": f"AFTER INSERT ON deed BEGIN {_ADD} END",
    "deed_fts_delete": f"AFTER DELETE ON deed BEGIN {_REMOVE} END",
    "deed_fts_update": f"AFTER UPDATE OF description ON deed BEGIN {_REMOVE} {_ADD} END",
}


def create_sqlite_triggers(connection) -> bool:
    """Make the index's missing triggers and re-read every deed then; tell whether any were.

    Rebuilding `deed` in a migration (SQLite's batch mode) drops its triggers with the old
    table: migrations/env.py calls this after every run, so that no edit escapes the index.
    """
    if not connection.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (SQLITE_INDEX,)
    ).first():
        return False
    existing = {row[0] for row in connection.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'deed'"
    )}
    missing = [name for name in SQLITE_TRIGGERS if name not in existing]
    for name in missing:
        connection.exec_driver_sql(f"CREATE TRIGGER {name} {SQLITE_TRIGGERS[name]}")
    if missing:
        connection.exec_driver_sql("INSERT INTO deed_fts(deed_fts) VALUES ('rebuild')")
    return bool(missing)
