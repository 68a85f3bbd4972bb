"""Creating and managing users, municipalities and units."""

import functools
import re
from dataclasses import dataclass

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from app.database import write_transaction
from app.extensions import db
from app.models import Municipality, Role, Unit, User
from app.services.errors import NotFound, Refused
from app.services.passwords import check_password_rules

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
_UNKNOWN_USER_HASH = generate_password_hash("no such user")


def normalise_username(username: str) -> str:
    """Usernames are case-insensitive: store them in lower case without spaces around."""
    return username.strip().lower()


def check_new_user(username: str, password: str) -> None:
    """Raise Refused if the username or password is unusable."""
    if not USERNAME_PATTERN.match(username):
        raise Refused("username_invalid")
    check_password_rules(username, password)
    if find_user(username) is not None:
        raise Refused("username_taken")


def create_user(
    username: str,
    password: str,
    *,
    role: Role = Role.EMPLOYEE,
    display_name: str = "",
    default_unit_id: int | None = None,
) -> User:
    """Create an active user with a hashed password."""
    username = normalise_username(username)
    with write_transaction():
        check_new_user(username, password)
        user = User(
            username=username,
            display_name=display_name.strip() or username,
            role=role,
            default_unit_id=default_unit_id,
        )
        user.set_password(password)
        db.session.add(user)
    return user


def create_first_admin(username: str, password: str, display_name: str) -> User:
    """Create the first admin, only while no user exists at all."""
    if has_users():
        raise Refused("admin_exists")
    return create_user(username, password, role=Role.ADMIN, display_name=display_name)


def has_users() -> bool:
    """Tell whether any user exists."""
    return db.session.scalar(sa.select(User.id).limit(1)) is not None


def find_user(username: str) -> User | None:
    """Return the user with this username, if any."""
    return db.session.scalar(sa.select(User).where(User.username == normalise_username(username)))


@dataclass(frozen=True)
class Viewer:
    """The person behind a request, as plain data: read on every request, so kept light."""

    id: int
    username: str
    display_name: str
    role: Role
    active: bool
    session_version: int
    default_unit_id: int | None

    is_authenticated = True  # what Flask-Login asks of a logged-in user
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        """Deactivated users are logged out."""
        return self.active

    def get_id(self) -> str:
        """The id Flask-Login keeps in the session: user id and session version."""
        return f"{self.id}:{self.session_version}"


@functools.cache
def _viewer_query() -> sa.Select:
    """The columns of a Viewer, by user id (built once: it runs on every request).

    Plain table columns, not model attributes: the ORM's machinery costs more than the query.
    """
    user = User.__table__.c
    return sa.select(
        user.id, user.username, user.display_name, user.role, user.active,
        user.session_version, user.default_unit_id,
    ).where(user.id == sa.bindparam("user_id"))


def session_user(user_id: int, session_version: int) -> Viewer | None:
    """Return the user of a session if they are active and the session version still holds."""
    row = db.session.execute(_viewer_query(), {"user_id": user_id}).first()
    if row is None or not row.active or row.session_version != session_version:
        return None
    return Viewer(**row._asdict())


def check_password(user_id: int, password: str) -> bool:
    """Tell whether the password is this active user's (to confirm a sensitive action)."""
    user = db.session.get(User, user_id)
    return user is not None and user.active and user.check_password(password)


def authenticate(username: str, password: str) -> User | None:
    """Return the active user whose password matches, else None."""
    user = find_user(username)
    if user is None:
        # Hash anyway, so the answer takes as long whether or not the user exists.
        check_password_hash(_UNKNOWN_USER_HASH, password)
        return None
    if not user.check_password(password) or not user.active:
        return None
    return user


def set_active(username: str, active: bool) -> User:
    """Activate or deactivate a user."""
    with write_transaction():
        user = find_user(username)
        if user is None:
            raise NotFound("user_not_found", name=username)
        user.active = active
        if not active:
            user.end_sessions()  # reactivating later must not revive an old tablet session
    return user


def set_password(username: str, password: str) -> User:
    """Give an existing user a new password that passes the password rules."""
    with write_transaction():
        user = find_user(username)
        if user is None:
            raise NotFound("user_not_found", name=username)
        check_password_rules(user.username, password)
        user.set_password(password)
        user.end_sessions()  # a new password logs out every tablet that knew the old one
    return user


def list_users() -> list[User]:
    """Return every user by username."""
    return list(db.session.scalars(sa.select(User).order_by(User.username)))


def find_municipality(name: str) -> Municipality | None:
    """Return the municipality with this name (case-insensitive)."""
    query = sa.select(Municipality).where(sa.func.lower(Municipality.name) == name.strip().lower())
    return db.session.scalar(query)


def create_unit(name: str, municipality_name: str) -> Unit:
    """Create a unit in an existing municipality."""
    name = " ".join(name.split())
    if not 2 <= len(name) <= 120:
        raise Refused("unit_name_length")
    with write_transaction():
        municipality = find_municipality(municipality_name)
        if municipality is None:
            raise NotFound("municipality_not_found", name=municipality_name)
        if find_unit(name, municipality.id) is not None:
            raise Refused("unit_exists")
        unit = Unit(name=name, municipality_id=municipality.id)
        db.session.add(unit)
    return unit


def find_unit(name: str, municipality_id: int) -> Unit | None:
    """Return the unit with this name in the municipality, if any."""
    query = sa.select(Unit).where(Unit.name == name, Unit.municipality_id == municipality_id)
    return db.session.scalar(query)
