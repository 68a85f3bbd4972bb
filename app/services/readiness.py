"""Whether this app server can serve: its database answers and its storage takes a file."""

import logging

import sqlalchemy as sa

from app.extensions import db
from app.storage import current_storage

log = logging.getLogger(__name__)


def problems() -> list[str]:
    """Name each part that does not work ("database", "storage"); empty when all do."""
    found = []
    if not _database_answers():
        found.append("database")
    if not _storage_works():
        found.append("storage")
    return found


def _database_answers() -> bool:
    """Run a trivial query; any error means the database is not usable now."""
    try:
        db.session.execute(sa.text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 - any failure is an answer here, logged in full
        log.exception("readiness: the database does not answer")
        db.session.rollback()
        return False
    finally:
        db.session.remove()


def _storage_works() -> bool:
    """Write and remove a probe file, as an upload would."""
    try:
        current_storage().check()
        return True
    except Exception:  # noqa: BLE001 - any failure is an answer here, logged in full
        log.exception("readiness: the storage is not usable")
        return False
