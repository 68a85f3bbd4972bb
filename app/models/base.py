"""Shared column helpers."""

import datetime as dt
import enum

import sqlalchemy as sa


def utcnow() -> dt.datetime:
    """Return the current time in UTC (a callable default, evaluated per row)."""
    return dt.datetime.now(dt.UTC)


def as_utc(moment: dt.datetime) -> dt.datetime:
    """A stored time as an aware UTC time (SQLite gives it back without its zone)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def enum_column(enum_cls: type[enum.Enum]) -> sa.Enum:
    """Store a Python enum as its string value in a plain VARCHAR (portable, no native type)."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        length=24,
        values_callable=lambda cls: [member.value for member in cls],
        validate_strings=True,
    )
