"""Running counts kept by database triggers: the statistics' (deed_tally, reaction_tally) and
each user's news since they last opened their deeds (user.news, the header's badge).

Every change that moves a count goes through `deed`, `thanks` or `comment`: a post, an edit of
the unit, date or customer type, hiding, unhiding, approving, erasing (a user, by retention),
thanks and comments given or taken away, also rows written by a bulk load or by hand. Triggers
see each of them, in the same transaction as the change, whatever code made it. Each adds a
signed amount by one upsert (`count = count + amount`: two writers queue on the row, never
read-then-write) and deletes the row it left at zero, so an erased author's id goes with them.
Made by the migration; migrations/env.py makes them again on SQLite after a table rebuild.
Row by row: a bulk load that adds thousands of deeds to one tally row should commit in batches
(on PostgreSQL each change leaves a row version that the next one in the transaction walks).
The SQL is put together from this module's own table and column names and row aliases alone
(no value from outside), hence the S608/B608 marks.
"""

from app.models.tallies import KEY_COLUMNS

KEY = ", ".join(KEY_COLUMNS)
DEED_KEY = ("municipality_id", "unit_id", "customer_type", "visibility", "author_id",
            "happened_on")  # the deed's columns whose change moves its counts


def _hour(column: str, dialect: str) -> str:
    """The start of a moment's UTC hour, as the column stores it."""
    if dialect == "postgresql":
        return f"date_trunc('hour', {column}, 'UTC')"
    # SQLAlchemy keeps a moment on SQLite as 'YYYY-MM-DD HH:MM:SS.ffffff' UTC text.
    return f"strftime('%Y-%m-%d %H:00:00.000000', {column})"


def _key_of(row: str) -> str:
    """A deed row's key values, in the order of KEY_COLUMNS (named, for a SELECT)."""
    values = [f"{row}.{column}" for column in KEY_COLUMNS]
    values[KEY_COLUMNS.index("customer_type")] = f"COALESCE({row}.customer_type, '')"
    named = zip(values, KEY_COLUMNS, strict=True)
    return ", ".join(f"{value} AS {column}" for value, column in named)


def _counted(table: str, moment: str, select: str, counts: tuple[str, ...], sign: int) -> list[str]:
    """Add a SELECT's signed (m, key..., counts...) rows to a tally by upsert; after taking
    away, delete the rows it touched that are left at zero."""
    columns = f"{moment}, {KEY}"
    added = ", ".join(f"{count} = {table}.{count} + excluded.{count}" for count in counts)
    add = (f"INSERT INTO {table} ({columns}, {', '.join(counts)}) {select} "  # nosec B608
           f"ON CONFLICT ({columns}) DO UPDATE SET {added}")
    if sign > 0:
        return [add]
    empty = " AND ".join(f"{count} = 0" for count in counts)
    return [add, f"DELETE FROM {table} WHERE {empty} AND "  # noqa: S608  # nosec B608
                 f"({columns}) IN (SELECT m, {KEY} FROM ({select}) AS changed)"]


def _count_deed(row: str, sign: int) -> list[str]:
    """Add a deed row (old or new) to the deed tally, or take it away."""
    select = f"SELECT {row}.happened_on AS m, {_key_of(row)}, {sign} AS deeds WHERE true"
    return _counted("deed_tally", "happened_on", select, ("deeds",), sign)


def _add_reactions(select: str, sign: int) -> list[str]:
    """Add a SELECT's (m: hour, key..., thanks, comments) rows to the reaction tally."""
    return _counted("reaction_tally", "created_hour", select, ("thanks", "comments"), sign)


def _one_reaction(row: str, thanks: int, comments: int, dialect: str) -> list[str]:
    """Count one thanks or comment row (old or new) on its deed's key, signed."""
    sign = thanks + comments
    select = (f"SELECT {_hour(f'{row}.created_at', dialect)} AS m, "  # noqa: S608  # nosec B608
              f"{_key_of('d')}, "
              f"{thanks} AS thanks, {comments} AS comments FROM deed AS d "
              f"WHERE d.id = {row}.deed_id")
    return _add_reactions(select, sign)


def _deeds_reactions(row: str, sign: int, dialect: str) -> list[str]:
    """Move every thanks and comment of a deed row (old or new) onto or off its key."""
    hour = _hour("created_at", dialect)
    reactions = (f"SELECT {hour} AS h, 1 AS t, 0 AS c FROM thanks "  # noqa: S608  # nosec B608
                 f"WHERE deed_id = {row}.id UNION ALL "
                 f"SELECT {hour}, 0, 1 FROM comment WHERE deed_id = {row}.id")
    select = (f"SELECT h AS m, {_key_of(row)}, {sign} * SUM(t) AS thanks, "  # noqa: S608  # nosec B608
              f"{sign} * SUM(c) AS comments "
              f"FROM ({reactions}) AS r GROUP BY h")
    return _add_reactions(select, sign)


def _changed(columns: tuple[str, ...], dialect: str) -> str:
    """The condition that an UPDATE changed any of these columns (NULL-safe)."""
    differs = "IS DISTINCT FROM" if dialect == "postgresql" else "IS NOT"
    return " OR ".join(f"old.{c} {differs} new.{c}" for c in columns)


def triggers(dialect: str) -> dict[str, tuple[str, str, str | None, list[str]]]:
    """Each trigger by name: (event, table, WHEN condition, statements)."""
    moved = _changed(DEED_KEY, dialect)
    reaction_moved = _changed(("deed_id", "created_at"), dialect)
    triggers = {
        "deed_tally_insert": ("INSERT", "deed", None, _count_deed("new", 1)),
        # A deed's thanks and comments go before it (foreign keys), each by its own trigger.
        "deed_tally_delete": ("DELETE", "deed", None, _count_deed("old", -1)),
        "deed_tally_update": (
            f"UPDATE OF {', '.join(DEED_KEY)}", "deed", moved,
            [*_deeds_reactions("old", -1, dialect), *_count_deed("old", -1),
             *_count_deed("new", 1), *_deeds_reactions("new", 1, dialect)],
        ),
    }
    for table, counts in (("thanks", (1, 0)), ("comment", (0, 1))):
        minus = tuple(-n for n in counts)
        triggers |= {
            f"{table}_tally_insert": ("INSERT", table, None,
                                      _one_reaction("new", *counts, dialect)),
            f"{table}_tally_delete": ("DELETE", table, None,
                                      _one_reaction("old", *minus, dialect)),
            f"{table}_tally_update": (
                "UPDATE OF deed_id, created_at", table, reaction_moved,
                [*_one_reaction("old", *minus, dialect), *_one_reaction("new", *counts, dialect)],
            ),
        }
    return triggers


def _news(row: str, actor: str, sign: int) -> str:
    """Add to (or take from) the news of the deed's author a thanks or comment row by someone
    else, made after the author last opened their deeds."""
    change = "news + 1" if sign > 0 else "news - 1"
    guard = "" if sign > 0 else " AND news > 0"
    return (f'UPDATE "user" SET news = {change} '  # noqa: S608  # nosec B608
            f"WHERE id = (SELECT author_id FROM deed WHERE id = {row}.deed_id) "
            f"AND id <> {row}.{actor} "
            f"AND (me_seen_at IS NULL OR me_seen_at < {row}.created_at){guard}")


def news_triggers() -> dict[str, tuple[str, str, str | None, list[str]]]:
    """The triggers that keep user.news: a thanks or comment given or taken away (a deed's
    are deleted before it, so its author is still found). They never move to another deed."""
    return {
        f"{table}_news_{event.lower()}": (event, table, None, [_news(row, actor, sign)])
        for table, actor in (("thanks", "user_id"), ("comment", "author_id"))
        for event, row, sign in (("INSERT", "new", 1), ("DELETE", "old", -1))
    }


def create_triggers(connection) -> None:
    """Make every tally trigger (PostgreSQL: each with its function)."""
    dialect = connection.dialect.name
    for name, spec in triggers(dialect).items():
        _create(connection, name, spec)


def create_news_triggers(connection) -> None:
    """Make the triggers that keep user.news."""
    for name, spec in news_triggers().items():
        _create(connection, name, spec)


def _create(connection, name: str, spec: tuple[str, str, str | None, list[str]]) -> None:
    """Make one trigger: on PostgreSQL it runs a function of the same name."""
    event, table, when, statements = spec
    condition = f" WHEN ({when})" if when else ""
    body = " ".join(f"{statement};" for statement in statements)
    head = f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW{condition}"
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql "
                                   f"AS $$ BEGIN {body} RETURN NULL; END $$")
        connection.exec_driver_sql(f"{head} EXECUTE FUNCTION {name}()")
    else:
        connection.exec_driver_sql(f"{head} BEGIN {body} END")


def drop_triggers(connection, news: bool = False) -> None:
    """Remove every tally trigger, or the news triggers (and PostgreSQL's functions)."""
    dialect = connection.dialect.name
    made = news_triggers() if news else triggers(dialect)
    for name, (_event, table, _when, _statements) in made.items():
        if dialect == "postgresql":
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            connection.exec_driver_sql(f"DROP FUNCTION IF EXISTS {name}()")
        else:
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")


def missing_sqlite_triggers(connection) -> bool:
    """Make the tally and news triggers a table rebuild dropped (SQLite), of those the schema
    has come to; tell whether any were.

    A rebuild copies the rows without firing them, so the counts stay right.
    """
    wanted = {}
    if connection.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'deed_tally'"
    ).first():
        wanted |= triggers("sqlite")
    if any(row[1] == "news" for row in connection.exec_driver_sql('PRAGMA table_info("user")')):
        wanted |= news_triggers()
    existing = {row[0] for row in connection.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    missing = [name for name in wanted if name not in existing]
    for name in missing:
        _create(connection, name, wanted[name])
    return bool(missing)


def backfill(connection) -> None:
    """Count the deeds, thanks and comments already there into the empty tallies."""
    dialect = connection.dialect.name
    connection.exec_driver_sql(
        f"INSERT INTO deed_tally (happened_on, {KEY}, deeds) "  # noqa: S608  # nosec B608
        f"SELECT happened_on, {_key_of('deed')}, COUNT(*) FROM deed "
        f"GROUP BY happened_on, municipality_id, unit_id, customer_type, visibility, author_id")
    hour = _hour("created_at", dialect)
    reactions = (f"SELECT deed_id, {hour} AS h, 1 AS t, 0 AS c FROM thanks "  # noqa: S608  # nosec B608
                 f"UNION ALL SELECT deed_id, {hour}, 0, 1 FROM comment")
    connection.exec_driver_sql(
        f"INSERT INTO reaction_tally (created_hour, {KEY}, thanks, comments) "  # noqa: S608  # nosec B608
        f"SELECT r.h, {_key_of('d')}, SUM(r.t), SUM(r.c) "
        f"FROM ({reactions}) AS r JOIN deed AS d ON d.id = r.deed_id "
        f"GROUP BY r.h, d.municipality_id, d.unit_id, d.customer_type, d.visibility, "
        f"d.author_id")
