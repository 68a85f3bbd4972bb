"""Creating and managing users, municipalities and units."""

import re

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from app.database import write_transaction
from app.extensions import db
from app.models import Municipality, Role, Unit, User
from app.services.passwords import PASSWORD_MIN, password_problem  # noqa: F401 (re-export)

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
_UNKNOWN_USER_HASH = generate_password_hash("no such user")


class AccountError(ValueError):
    """A user or unit could not be created; the message says why in Finnish."""


def normalise_username(username: str) -> str:
    """Usernames are case-insensitive: store them in lower case without spaces around."""
    return username.strip().lower()


def check_new_user(username: str, password: str) -> None:
    """Raise AccountError if the username or password is unusable."""
    if not USERNAME_PATTERN.match(username):
        raise AccountError(
            _l("Käyttäjätunnuksessa saa olla 2–64 merkkiä: pieniä kirjaimia a–z, numeroita, "
               "piste, viiva tai alaviiva.")
        )
    problem = password_problem(username, password)
    if problem:
        raise AccountError(problem)
    if find_user(username) is not None:
        raise AccountError(_l("Käyttäjätunnus on jo käytössä."))


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
        raise AccountError(_l("Ylläpitäjä on jo luotu."))
    return create_user(username, password, role=Role.ADMIN, display_name=display_name)


def has_users() -> bool:
    """Tell whether any user exists."""
    return db.session.scalar(sa.select(User.id).limit(1)) is not None


def find_user(username: str) -> User | None:
    """Return the user with this username, if any."""
    return db.session.scalar(sa.select(User).where(User.username == normalise_username(username)))


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
            raise AccountError(_l("Käyttäjää ei löytynyt."))
        user.active = active
        if not active:
            user.end_sessions()  # reactivating later must not revive an old tablet session
    return user


def set_password(username: str, password: str) -> User:
    """Give an existing user a new password that passes the password rules."""
    with write_transaction():
        user = find_user(username)
        if user is None:
            raise AccountError(_l("Käyttäjää ei löytynyt."))
        problem = password_problem(user.username, password)
        if problem:
            raise AccountError(problem)
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


def ensure_municipality(name: str) -> Municipality:
    """Return the municipality, creating it if missing."""
    with write_transaction():
        municipality = find_municipality(name)
        if municipality is None:
            municipality = Municipality(name=name.strip())
            db.session.add(municipality)
    return municipality


def create_unit(name: str, municipality_name: str) -> Unit:
    """Create a unit in an existing municipality."""
    name = " ".join(name.split())
    if not 2 <= len(name) <= 120:
        raise AccountError(_l("Yksikön nimessä pitää olla 2–120 merkkiä."))
    with write_transaction():
        municipality = find_municipality(municipality_name)
        if municipality is None:
            raise AccountError(_l("Kuntaa ei löytynyt: %(name)s", name=municipality_name))
        if find_unit(name, municipality.id) is not None:
            raise AccountError(_l("Yksikkö on jo olemassa."))
        unit = Unit(name=name, municipality_id=municipality.id)
        db.session.add(unit)
    return unit


def find_unit(name: str, municipality_id: int) -> Unit | None:
    """Return the unit with this name in the municipality, if any."""
    query = sa.select(Unit).where(Unit.name == name, Unit.municipality_id == municipality_id)
    return db.session.scalar(query)
