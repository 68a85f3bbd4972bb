"""People who use the board and what they may do."""

import datetime as dt
import enum

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.models.base import enum_column, utcnow
from app.models.places import Unit


class Role(enum.StrEnum):
    """What a user may do; each role includes what the one before it may do."""

    EMPLOYEE = "employee"
    SUPERVISOR = "supervisor"
    LEADER = "leader"
    ADMIN = "admin"


class User(UserMixin, db.Model):
    """A person with a login (työntekijä, esihenkilö, vetäjä, ylläpitäjä)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(120))
    role: Mapped[Role] = mapped_column(enum_column(Role), default=Role.EMPLOYEE)
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # Part of the session id: raising it ends every session of the user on every tablet.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    default_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    default_unit: Mapped[Unit | None] = relationship()

    @property
    def is_active(self) -> bool:
        """Deactivated users cannot log in (Flask-Login reads this)."""
        return self.active

    def get_id(self) -> str:
        """The id Flask-Login keeps in the session: user id and session version."""
        return f"{self.id}:{self.session_version}"

    def end_sessions(self) -> None:
        """Make every existing session of this user invalid."""
        self.session_version = (self.session_version or 0) + 1

    def set_password(self, password: str) -> None:
        """Store a salted hash of the password (werkzeug's scrypt default)."""
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        """Tell whether the password matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.username}>"
