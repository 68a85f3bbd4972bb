"""Running a scheduled job on one server only: a lock row in the shared database."""

import datetime as dt
import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.database import write_transaction
from app.extensions import db
from app.models import JobLock
from app.models.base import as_utc, utcnow
from app.services.errors import Refused

LEASE = dt.timedelta(hours=6)  # longer than any job; a crashed job's lock lapses after it


@contextmanager
def exclusive(name: str, lease: dt.timedelta = LEASE) -> Iterator[None]:
    """Run the block only if no other server runs the job `name`; Refused("job_busy") if one
    does. The lock goes when the block ends, or lapses after `lease` if the process dies."""
    holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    _acquire(name, holder, lease)
    try:
        yield
    finally:
        with write_transaction():
            db.session.execute(
                sa.delete(JobLock).where(JobLock.name == name, JobLock.holder == holder))


def _acquire(name: str, holder: str, lease: dt.timedelta) -> None:
    """Take the lock, or take over one that lapsed; refuse when another holder has it."""
    now = utcnow()
    try:
        with write_transaction():
            db.session.add(JobLock(name=name, holder=holder, acquired_at=now,
                                   expires_at=now + lease))
        return
    except IntegrityError:
        pass  # held, or left by a crash: take it over only once it has lapsed
    with write_transaction():
        taken = db.session.execute(
            sa.update(JobLock)
            .where(JobLock.name == name, JobLock.expires_at < now)
            .values(holder=holder, acquired_at=now, expires_at=now + lease)
        ).rowcount
        current = db.session.get(JobLock, name)
    if not taken:
        since = as_utc(current.acquired_at) if current else now
        raise Refused("job_busy", job=name, holder=current.holder if current else "?",
                      since=since.isoformat(timespec="seconds"))
