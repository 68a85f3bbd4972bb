"""Locks that keep scheduled jobs (retention, storage sweep, backup) to one server at a time."""

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class JobLock(db.Model):
    """A job running now: which server holds it and until when the hold is good."""

    __tablename__ = "job_lock"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(sa.String(120))
    acquired_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    # A crashed job's lock lapses here, so the next cron run can take it.
    expires_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
