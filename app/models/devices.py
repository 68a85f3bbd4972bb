"""Shared tablets set up for a workplace, and the site-wide switches an admin turns."""

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import utcnow
from app.models.places import Unit

DEVICE_IDLE_MINUTES = 5


class Device(db.Model):
    """A tablet shared by a workplace: its cookie holds a random token, the table its hash."""

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    logout_after_post: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    idle_minutes: Mapped[int] = mapped_column(
        default=DEVICE_IDLE_MINUTES, server_default=str(DEVICE_IDLE_MINUTES)
    )
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    unit: Mapped[Unit] = relationship(lazy="joined")


class SiteSetting(db.Model):
    """One switch an admin sets in the browser (e.g. whether PINs may be used), by name."""

    __tablename__ = "site_setting"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(200))
