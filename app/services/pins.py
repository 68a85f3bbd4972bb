"""Personal PINs for quick sign-in on a shared tablet.

A PIN is a second, shorter secret: it is accepted only on a set-up tablet, only while an admin
allows PINs, never for a role that must give a second factor, and it locks after a few wrong
tries until the password is used again. It is hashed as the password is.
"""

import functools
import secrets

from app.database import write_transaction
from app.extensions import db
from app.models import AuditAction, User
from app.services import audit, site
from app.services.errors import Refused

PIN_MIN = 6
PIN_MAX = 12
PIN_MAX_FAILURES = 5
# Patterns people reach for that the sequence and repetition rules below do not catch.
COMMON_PINS = frozenset({
    "112233", "123321", "654456", "147258", "258369", "159753", "951357", "147852",
    "123654", "789456", "456123", "102030", "010203", "121314", "696969", "131313",
    "741852", "852963", "112358", "314159", "271828", "1234567890", "0987654321",
})


def check_pin_rules(pin: str) -> None:
    """Raise Refused unless the PIN is 6-12 digits and not a trivial pattern."""
    if not pin.isascii() or not pin.isdigit():
        raise Refused("pin_not_digits")
    if not PIN_MIN <= len(pin) <= PIN_MAX:
        raise Refused("pin_length", low=PIN_MIN, high=PIN_MAX)
    if is_trivial(pin):
        raise Refused("pin_trivial")


def is_trivial(pin: str) -> bool:
    """A run (123456, 987654, 890123), a repeated block (111111, 121212, 123123) or a common PIN."""
    steps = {(int(b) - int(a)) % 10 for a, b in zip(pin, pin[1:], strict=False)}
    if steps in ({0}, {1}, {9}):
        return True
    if any(len(pin) % size == 0 and pin == pin[:size] * (len(pin) // size)
           for size in range(1, len(pin) // 2 + 1)):
        return True
    return pin in COMMON_PINS


def may_use_pin(user: User, second_factor_roles: frozenset[str]) -> bool:
    """Tell whether this user's role may sign in with a PIN (not one that needs a 2nd factor)."""
    return user.role not in second_factor_roles


def pin_state(user_id: int) -> str:
    """Whether the user has a PIN: "none", "set", or "locked" (too many wrong tries)."""
    user = db.session.get(User, user_id)
    if user is None or user.pin_hash is None:
        return "none"
    return "locked" if user.pin_failures >= PIN_MAX_FAILURES else "set"


def set_pin(user_id: int, password: str, pin: str, second_factor_roles: frozenset[str]) -> None:
    """Set or change one's own PIN, after the password."""
    if not site.pins_allowed():
        raise Refused("pins_not_allowed")
    with write_transaction():
        user = _own_user(user_id, password)
        if not may_use_pin(user, second_factor_roles):
            raise Refused("pin_role")
        check_pin_rules(pin)
        user.set_pin(pin)
        user.pin_failures = 0
        audit.record(user, AuditAction.SET_PIN, "user", user.id)


def remove_pin(user_id: int, password: str) -> None:
    """Remove one's own PIN, after the password."""
    with write_transaction():
        user = _own_user(user_id, password)
        if user.pin_hash is None:
            return
        user.pin_hash = None
        user.pin_failures = 0
        audit.record(user, AuditAction.REMOVE_PIN, "user", user.id)


def _own_user(user_id: int, password: str) -> User:
    """The active user, once their password is right."""
    user = db.session.get(User, user_id)
    if user is None or not user.active or not user.check_password(password):
        raise Refused("password_wrong")
    return user


def authenticate(user: User | None, pin: str, second_factor_roles: frozenset[str]) -> User:
    """Return the user when the PIN is theirs; count a wrong one, locking at the limit.

    The caller has checked the tablet and the site switch. Every refusal has one reason for
    the person ("pin_wrong") except a locked PIN, which says to use the password.
    """
    if user is None or not user.active or user.pin_hash is None:
        _stand_in().check_pin(pin)  # as slow as a real check: the answer tells nothing
        raise Refused("pin_wrong")
    if not may_use_pin(user, second_factor_roles):
        raise Refused("pin_role")
    if user.pin_failures >= PIN_MAX_FAILURES:
        raise Refused("pin_locked")
    if user.check_pin(pin):
        if user.pin_failures:
            with write_transaction():
                db.session.get(User, user.id).pin_failures = 0
        return user
    _count_failure(user.id)
    raise Refused("pin_wrong")


@functools.cache
def _stand_in() -> User:
    """A user nobody is, with a PIN nobody knows."""
    stand_in = User(username="")
    stand_in.set_pin(secrets.token_hex(8))
    return stand_in


def _count_failure(user_id: int) -> None:
    """Add a wrong PIN to the user's count; the one that reaches the limit is logged."""
    with write_transaction():
        user = db.session.get(User, user_id)
        user.pin_failures += 1
        if user.pin_failures == PIN_MAX_FAILURES:
            audit.record(None, AuditAction.LOCK_PIN, "user", user.id)


def unlock(user: User) -> None:
    """A right password unlocks a locked PIN (in the caller's transaction or alone)."""
    if user.pin_failures:
        with write_transaction():
            db.session.get(User, user.id).pin_failures = 0
