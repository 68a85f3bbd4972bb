"""Workshops (työpajat), the shared state of each projection, and projection links."""

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import utcnow
from app.models.places import Municipality
from app.models.users import User

NAME_MAX = 120
THEME_MAX = 200
FILTER_KEY_MAX = 80

workshop_leader = sa.Table(
    "workshop_leader",
    db.metadata,
    sa.Column("workshop_id", sa.ForeignKey("workshop.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True,
              index=True),
)


class Workshop(db.Model):
    """A workshop session; its round is the deeds made since the previous one started."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(NAME_MAX))
    # Rounds are cut at start times, so two workshops cannot start at the same moment.
    starts_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), unique=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"))
    theme: Mapped[str] = mapped_column(sa.String(THEME_MAX), default="", server_default="")
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    municipality: Mapped[Municipality] = relationship(lazy="joined")
    leaders: Mapped[list[User]] = relationship(
        secondary=workshop_leader, order_by=User.display_name
    )

    def __repr__(self) -> str:
        return f"<Workshop {self.name}>"


class Projection(db.Model):
    """What every screen showing one filter shares: the deed in the spotlight, if any."""

    id: Mapped[int] = mapped_column(primary_key=True)
    # The filter in a canonical form ("m=1&u=&r=4"): one row per projected filter.
    filter_key: Mapped[str] = mapped_column(sa.String(FILTER_KEY_MAX), unique=True)
    # No foreign key: an erased deed simply is not found, and a hidden one is not shown.
    spotlight_deed_id: Mapped[int | None]
    changed_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


class ProjectionLink(db.Model):
    """A signed, expiring, revocable address that shows one filter's projection without a login."""

    __tablename__ = "projection_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    filter_key: Mapped[str] = mapped_column(sa.String(FILTER_KEY_MAX))
    workshop_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("workshop.id", ondelete="CASCADE"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
