"""Running counts for the statistics, kept in step with the deeds by database triggers."""

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db

# What a tally is counted by, after its time: the deed's place, customer type ('' when not
# told: a key column is never NULL), visibility and author, so that the viewer's sight and the
# board's place, type and author filters apply to a tally as they do to the deeds.
KEY_COLUMNS = ("municipality_id", "unit_id", "customer_type", "visibility", "author_id")


class _DeedKey:
    """The deed's columns a tally is kept by (no foreign keys: an empty row is deleted)."""

    municipality_id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(primary_key=True)
    customer_type: Mapped[str] = mapped_column(sa.String(24), primary_key=True)
    visibility: Mapped[str] = mapped_column(sa.String(24), primary_key=True)
    author_id: Mapped[int] = mapped_column(primary_key=True)


class DeedTally(_DeedKey, db.Model):
    """Deeds per day of happening and key: the statistics of a period read these rows."""

    happened_on: Mapped[dt.date] = mapped_column(sa.Date, primary_key=True)
    deeds: Mapped[int]

    __table_args__ = (sa.PrimaryKeyConstraint("happened_on", *KEY_COLUMNS),)


class ReactionTally(_DeedKey, db.Model):
    """Thanks and comments made in each UTC hour, by the key of the deed they were given to."""

    created_hour: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True),
                                                      primary_key=True)
    thanks: Mapped[int]
    comments: Mapped[int]

    __table_args__ = (sa.PrimaryKeyConstraint("created_hour", *KEY_COLUMNS),)
