"""Creating and managing users, municipalities and units."""

import functools
import re
import secrets

import sqlalchemy as sa

from app.database import write_transaction
from app.extensions import db
from app.models import AuditAction, Municipality, Role, Unit, User
from app.permissions import Capability, require
from app.services import audit, onboarding, places, sessions, two_factor
from app.services.errors import NotFound, Refused
from app.services.passwords import check_password_rules, meets_password_rules

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


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


def check_password(user_id: int, password: str) -> bool:
    """Tell whether the password is this active user's (to confirm a sensitive action)."""
    user = db.session.get(User, user_id)
    return user is not None and user.active and user.check_password(password)


@functools.cache
def _unknown_user() -> User:
    """A user nobody has, whose password check costs what a real one does."""
    stand_in = User(username="")
    stand_in.set_password(secrets.token_urlsafe(16))
    return stand_in


def authenticate(username: str, password: str) -> User | None:
    """Return the active user whose password matches, else None.

    A correct password that no longer meets the rules (set before they tightened) still
    works, but the user is asked for a new one next; a hash made with weaker parameters than
    today's is made again now, while the password is at hand.
    """
    user = find_user(username)
    if user is None or not user.has_usable_password():
        # Hash anyway, so the answer takes as long whether or not the user exists.
        _unknown_user().check_password(password)
        return None
    if not user.check_password(password) or not user.active:
        return None
    outdated = user.password_hash_outdated()
    weak = not meets_password_rules(user.username, password)
    if outdated or weak != user.password_change_required:
        with write_transaction():
            user = db.session.get(User, user.id)
            if outdated:
                user.set_password(password)
            user.password_change_required = weak
    return user


def set_active(username: str, active: bool) -> User:
    """Activate or deactivate a user."""
    with write_transaction():
        user = find_user(username)
        if user is None:
            raise NotFound("user_not_found", name=username)
        user.active = active
        if not active:
            sessions.end_all(user.id)  # reactivating later must not revive an old session
            onboarding.retire_links(user.id)  # nor an old one-time link
    return user


def set_password(username: str, password: str) -> User:
    """Give an existing user a new password that passes the password rules."""
    with write_transaction():
        user = find_user(username)
        if user is None:
            raise NotFound("user_not_found", name=username)
        _replace_password(user, password)
        sessions.end_all(user.id)  # a new password logs out every tablet that knew the old one
    return user


def change_own_password(user_id: int, session_id: int, current: str, new: str) -> None:
    """A user's own change: the current password first; their other sessions end."""
    with write_transaction():
        user = db.session.get(User, user_id)
        if user is None or not user.active:
            raise NotFound("user_not_found", name=user_id)
        if not user.check_password(current):
            raise Refused("password_wrong")
        if new == current:
            raise Refused("password_unchanged")
        _replace_password(user, new)
        sessions.end_all(user.id, keep=session_id)


def _replace_password(user: User, password: str) -> None:
    """Set a password that passes the rules (in the caller's transaction)."""
    check_password_rules(user.username, password, user.display_name)
    user.set_password(password)
    user.password_change_required = False


def list_users() -> list[User]:
    """Return every user by username."""
    return list(db.session.scalars(sa.select(User).order_by(User.username)))


def find_municipality(name: str) -> Municipality | None:
    """Return the municipality with this name (case-insensitive)."""
    query = sa.select(Municipality).where(sa.func.lower(Municipality.name) == name.strip().lower())
    return db.session.scalar(query)


def create_unit(name: str, municipality_name: str) -> Unit:
    """Create a unit in an existing municipality (the command line's way; not logged)."""
    with write_transaction():
        municipality = find_municipality(municipality_name)
        if municipality is None:
            raise NotFound("municipality_not_found", name=municipality_name)
        unit = places.add_unit_row(municipality.id, name)
    return unit


def active_user(user_id: int) -> User | None:
    """The user with this id if they may sign in."""
    user = db.session.get(User, user_id)
    return user if user is not None and user.active else None


def end_user_sessions(actor: User, user_id: int) -> int:
    """An admin signs a user out everywhere (a lost tablet, a leaver); logged."""
    require(actor, Capability.ADMINISTER)
    with write_transaction():
        if db.session.get(User, user_id) is None:
            raise NotFound("user_not_found", name=user_id)
        ended = sessions.end_all(user_id)
        audit.record(actor, AuditAction.END_SESSIONS, "user", user_id)
    return ended


def reset_second_factor(actor: User, user_id: int) -> None:
    """An admin removes a user's lost second factor; they set it up again at next login."""
    require(actor, Capability.ADMINISTER)
    if user_id == actor.id:
        raise Refused("reset_own_second_factor")
    two_factor.reset(user_id)
    with write_transaction():
        audit.record(actor, AuditAction.RESET_SECOND_FACTOR, "user", user_id)
