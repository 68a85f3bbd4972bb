"""Engine tuning: SQLite in WAL mode, with BEGIN IMMEDIATE for write transactions."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, event

from app.extensions import db

IMMEDIATE = "sqlite_immediate"


def configure_engine(engine: Engine) -> None:
    """Install the SQLite pragmas and transaction handling; other databases need none."""
    if engine.dialect.name != "sqlite":
        return
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)


def _sqlite_connect(dbapi_connection, _record) -> None:
    """Set pragmas and let SQLAlchemy, not pysqlite, emit BEGIN."""
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL lets readers work while one writer writes; the timeout waits instead of failing.
    for pragma in ("journal_mode=WAL", "busy_timeout=15000", "foreign_keys=ON",
                   "synchronous=NORMAL"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _sqlite_begin(connection) -> None:
    """Start writes with BEGIN IMMEDIATE: a deferred one that upgrades fails at once when busy."""
    immediate = connection.get_execution_options().get(IMMEDIATE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@contextmanager
def write_transaction() -> Iterator[None]:
    """Run the block as one write transaction, committed at the end or rolled back on error."""
    db.session.commit()  # ends any read transaction so the next one can begin as a writer
    db.session.connection(execution_options={IMMEDIATE: True})
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
