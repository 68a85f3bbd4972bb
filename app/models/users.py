"""People who use the board and what they may do."""

import datetime as dt
import enum
import threading

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


# OWASP's scrypt recommendation (N=2^17, r=8, p=1): 128 MiB and a few tenths of a second per hash.
HASH_METHOD = "scrypt:131072:8:1"
# At most this many hashes at once per process, so that a burst of logins cannot take a worker's
# memory (each costs 128 MiB while it runs); the rest wait their turn.
HASHING = threading.BoundedSemaphore(2)
# A password hash no password matches: a user made by an admin sets their own through a link.
UNUSABLE_HASH = "!"  # noqa: S105 - a marker, not a password


class User(UserMixin, db.Model):
    """A person with a login (työntekijä, esihenkilö, vetäjä, ylläpitäjä)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(120))
    role: Mapped[Role] = mapped_column(enum_column(Role), default=Role.EMPLOYEE)
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    # Set at login when the password no longer meets the rules: the next page asks for a new one.
    password_change_required: Mapped[bool] = mapped_column(
        default=False, server_default=sa.false()
    )
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # A TOTP secret (base32) once the second factor is confirmed; None without one.
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    # The last TOTP time step accepted, so a code cannot be used twice.
    totp_last_step: Mapped[int] = mapped_column(default=0, server_default="0")
    default_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"))
    # A personal PIN for shared tablets, hashed like the password; None without one.
    pin_hash: Mapped[str | None] = mapped_column(sa.String(256))
    # Wrong PINs in a row; at the limit the PIN is locked until the password is used.
    pin_failures: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    # When the user last opened the review page: what changed since is marked there.
    review_seen_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # When the user last opened their own deeds (/me): thanks and comments since then are news.
    me_seen_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # Thanks and comments from others on the user's deeds since me_seen_at (the header's badge),
    # kept by database triggers (app.services.tallies) so no page counts them.
    news: Mapped[int] = mapped_column(default=0, server_default="0")
    default_unit: Mapped[Unit | None] = relationship()

    @property
    def is_active(self) -> bool:
        """Deactivated users cannot log in (Flask-Login reads this)."""
        return self.active

    def set_password(self, password: str) -> None:
        """Store a salted scrypt hash of the password."""
        with HASHING:
            self.password_hash = generate_password_hash(password, method=HASH_METHOD)

    def set_unusable_password(self) -> None:
        """Let no password log in until the user sets one (cheap: no hashing)."""
        self.password_hash = UNUSABLE_HASH

    def has_usable_password(self) -> bool:
        """Tell whether some password can log this user in."""
        return self.password_hash != UNUSABLE_HASH

    def check_password(self, password: str) -> bool:
        """Tell whether the password matches the stored hash."""
        if not self.has_usable_password():
            return False
        with HASHING:
            return check_password_hash(self.password_hash, password)

    def set_pin(self, pin: str) -> None:
        """Store a salted hash of the PIN, made as the password's is."""
        with HASHING:
            self.pin_hash = generate_password_hash(pin, method=HASH_METHOD)

    def check_pin(self, pin: str) -> bool:
        """Tell whether the PIN matches the stored hash (False without a PIN)."""
        if not self.pin_hash:
            return False
        with HASHING:
            return check_password_hash(self.pin_hash, pin)

    def password_hash_outdated(self) -> bool:
        """Tell whether the hash was made with weaker parameters than today's."""
        return self.has_usable_password() and not self.password_hash.startswith(HASH_METHOD + "$")

    def __repr__(self) -> str:
        return f"<User {self.username}>"
