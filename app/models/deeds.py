"""Deeds, their photos and the stored renditions of each photo, and thanks."""

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import enum_column, utcnow
from app.models.places import Municipality, Unit
from app.models.users import User

DESCRIPTION_MAX = 500
COMMENT_MAX = 300
HIDE_REASON_MAX = 200


# What the statistics count, after the day: in the period indexes, so no table row is read.
PERIOD_COLUMNS = ("visibility", "author_id", "municipality_id", "unit_id", "customer_type",
                  "thanks_count")


THANKED_INDEX = ("thanks_count", "id", "happened_on", *PERIOD_COLUMNS[:-1], "version")


def period_index(*place: str) -> list[str]:
    """The columns of a period index: the place (if any), the day, then what is counted."""
    return [*place, "happened_on", *(c for c in PERIOD_COLUMNS if c not in place)]


class CustomerType(enum.StrEnum):
    """Whom the deed pleased (asiakastyyppi, from workshop 1)."""

    MUNICIPALITY = "municipality"
    END_CUSTOMER = "end_customer"
    MUNICIPAL_STAFF = "municipal_staff"
    COLLEAGUE = "colleague"


class Visibility(enum.StrEnum):
    """Whether a deed shows on the board; supervisors may hide one later."""

    VISIBLE = "visible"
    HIDDEN = "hidden"
    PENDING = "pending"  # waiting for a supervisor's approval, when the site asks for it


class HasVisibility:
    """Read-only views of a deed (a card, one of my deeds) that say what its state is."""

    visibility: Visibility

    @property
    def hidden(self) -> bool:
        """Tell whether a supervisor hid the deed from the board."""
        return self.visibility == Visibility.HIDDEN

    @property
    def pending(self) -> bool:
        """Tell whether the deed waits for a supervisor's approval."""
        return self.visibility == Visibility.PENDING


class Deed(db.Model):
    """One small act that delighted a customer (teko)."""

    __table_args__ = (
        sa.Index("ix_deed_board", "visibility", "id"),
        sa.Index("ix_deed_board_municipality", "municipality_id", "visibility", "id"),
        sa.Index("ix_deed_board_unit", "unit_id", "visibility", "id"),
        # The few featured deeds, newest first: ?featured=1 and the projection's selection.
        sa.Index(
            "ix_deed_featured", "visibility", "id",
            sqlite_where=sa.text("featured_at IS NOT NULL"),
            postgresql_where=sa.text("featured_at IS NOT NULL"),
        ),
        # The statistics of a period read only these indexes (no table rows): a range of days
        # (in one municipality or unit), what the viewer may see, and what is counted.
        sa.Index("ix_deed_period", *period_index()),
        sa.Index("ix_deed_period_municipality", *period_index("municipality_id")),
        sa.Index("ix_deed_period_unit", *period_index("unit_id")),
        # The most thanked deeds of a period: only thanked deeds, most thanked first, walked until
        # the period's first few are found (what the filter asks comes along: no table row read).
        sa.Index("ix_deed_thanked", *THANKED_INDEX, sqlite_where=sa.text("thanks_count > 0"),
                 postgresql_where=sa.text("thanks_count > 0")),
        # A queued deed's client-made id: a retry of the same post finds the deed already made.
        sa.UniqueConstraint("author_id", "client_id"),
        # Never reuse the id of an erased deed (SQLite would reuse the highest): cached cards,
        # audit entries and links name deeds by id.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    description: Mapped[str] = mapped_column(sa.String(DESCRIPTION_MAX))
    happened_on: Mapped[dt.date] = mapped_column(sa.Date)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"))
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"))
    customer_type: Mapped[CustomerType | None] = mapped_column(enum_column(CustomerType))
    consent_confirmed: Mapped[bool] = mapped_column(default=False)
    # The author confirms consent when posting; when they did is kept for access requests.
    consent_confirmed_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    visibility: Mapped[Visibility] = mapped_column(
        enum_column(Visibility), default=Visibility.VISIBLE
    )
    thanks_count: Mapped[int] = mapped_column(default=0, server_default="0")
    comment_count: Mapped[int] = mapped_column(default=0, server_default="0")
    # When a supervisor featured the deed ("nostettu"); None when it is not featured.
    featured_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # Why a supervisor hid the deed, shown to its author; None while it is not hidden.
    hidden_reason: Mapped[str | None] = mapped_column(sa.String(HIDE_REASON_MAX))
    # Raised by every change to what the deed's card shows (text, place, byline, photos): the
    # rendered card is cached under (id, version, language), so a new version is a new entry.
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    # The idempotency key a tablet's outbox sends with a deed (a UUID); None for plain forms.
    client_id: Mapped[str | None] = mapped_column(sa.String(36))

    author: Mapped[User] = relationship()
    unit: Mapped[Unit] = relationship()
    municipality: Mapped[Municipality] = relationship()
    photos: Mapped[list["Photo"]] = relationship(
        back_populates="deed", order_by="Photo.position", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Deed {self.id}>"


class Photo(db.Model):
    """One uploaded photo of a deed; the files are its renditions."""

    __table_args__ = (sa.UniqueConstraint("deed_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    deed_id: Mapped[int] = mapped_column(sa.ForeignKey("deed.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    width: Mapped[int]
    height: Mapped[int]
    content_hash: Mapped[str] = mapped_column(sa.String(64), index=True)
    placeholder: Mapped[str] = mapped_column(sa.Text, default="")
    deed: Mapped[Deed] = relationship(back_populates="photos")
    renditions: Mapped[list["Rendition"]] = relationship(
        back_populates="photo", order_by="Rendition.width.desc()", cascade="all, delete-orphan"
    )


class Rendition(db.Model):
    """One stored file of a photo at one size; the key is content-hashed."""

    __table_args__ = (sa.UniqueConstraint("photo_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    photo_id: Mapped[int] = mapped_column(sa.ForeignKey("photo.id"))
    name: Mapped[str] = mapped_column(sa.String(16))
    key: Mapped[str] = mapped_column(sa.String(200), index=True)
    width: Mapped[int]
    height: Mapped[int]
    content_type: Mapped[str] = mapped_column(sa.String(32))
    byte_size: Mapped[int]
    photo: Mapped[Photo] = relationship(back_populates="renditions")


class Thanks(db.Model):
    """A one-tap thanks from a user for a deed (kiitos)."""

    __table_args__ = (
        sa.UniqueConstraint("deed_id", "user_id"),
        # The news on "my deeds": thanks of the author's deeds since their last visit.
        sa.Index("ix_thanks_deed_created", "deed_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deed_id: Mapped[int] = mapped_column(sa.ForeignKey("deed.id"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    # Indexed for the thanks given in a period (the statistics).
    created_at: Mapped[dt.datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, index=True
    )


class Comment(db.Model):
    """A short plain-text word of encouragement on a deed (kommentti)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    deed_id: Mapped[int] = mapped_column(sa.ForeignKey("deed.id"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    body: Mapped[str] = mapped_column(sa.String(COMMENT_MAX))
    created_at: Mapped[dt.datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, index=True
    )
    author: Mapped[User] = relationship()


class PendingPhoto(db.Model):
    """A processed photo kept for a short while after a refused form, for one session's retry."""

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # No foreign keys: the row outlives neither its session nor its minutes, and a sweep
    # removes it with its files (an erased user's kept photo is gone within the same minutes).
    user_id: Mapped[int] = mapped_column(index=True)
    session_id: Mapped[int]
    created_at: Mapped[dt.datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, index=True
    )
    thumb_key: Mapped[str] = mapped_column(sa.String(200), index=True)
    manifest: Mapped[str] = mapped_column(sa.Text)  # the stored photo's rows-to-be, as JSON
