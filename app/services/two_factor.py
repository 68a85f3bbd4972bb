"""The second factor: a TOTP authenticator app, with one-time recovery codes for a lost phone."""

import hashlib
import secrets

import pyotp
import sqlalchemy as sa

from app.database import write_transaction
from app.extensions import db
from app.models import RecoveryCode, User
from app.models.base import utcnow
from app.services import sessions
from app.services.errors import NotFound, Refused

ISSUER = "Tekotaulu"
RECOVERY_CODES = 10
# One step either side: a phone's clock a little off, or a code typed as it changed.
VALID_WINDOW = 1


def new_secret() -> str:
    """A fresh random TOTP secret (base32), not yet tied to anyone."""
    return pyotp.random_base32()


def enrolment_uri(secret: str, username: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def enrol(user_id: int, secret: str, code: str, session_id: int | None) -> list[str]:
    """Turn the second factor on once a code from the app matches; return recovery codes."""
    step = _matching_step(secret, code, after=0)
    if step is None:
        raise Refused("code_wrong")
    with write_transaction():
        user = _user(user_id)
        user.totp_secret = secret
        user.totp_last_step = step
        codes = _replace_recovery_codes(user.id)
    if session_id is not None:
        sessions.mark_second_factor(session_id)
    return codes


def verify(user_id: int, code: str) -> bool:
    """Check an app code (each usable once) or an unused recovery code, spending it."""
    code = "".join(code.split()).lower()
    with write_transaction():
        user = _user(user_id)
        if user.totp_secret is None:
            return False
        step = _matching_step(user.totp_secret, code, after=user.totp_last_step)
        if step is not None:
            user.totp_last_step = step
            return True
        return _spend_recovery_code(user.id, code)


def regenerate_recovery_codes(user_id: int) -> list[str]:
    """New recovery codes; the old ones stop working."""
    with write_transaction():
        user = _user(user_id)
        if user.totp_secret is None:
            raise Refused("second_factor_missing")
        return _replace_recovery_codes(user.id)


def remaining_recovery_codes(user_id: int) -> int:
    """How many recovery codes are still unused."""
    query = sa.select(sa.func.count(RecoveryCode.id)).where(
        RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None)
    )
    return int(db.session.scalar(query) or 0)


def reset(user_id: int) -> None:
    """Remove a user's second factor (a lost phone and codes); they enrol again at next login."""
    with write_transaction():
        user = _user(user_id)
        user.totp_secret = None
        user.totp_last_step = 0
        db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
        sessions.end_all(user.id)


def _user(user_id: int) -> User:
    """The user, or NotFound."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("user_not_found", name=user_id)
    return user


def _matching_step(secret: str, code: str, after: int) -> int | None:
    """The time step whose code this is, if it is newer than `after` (no code twice)."""
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    now = totp.timecode(utcnow())
    for step in range(now - VALID_WINDOW, now + VALID_WINDOW + 1):
        if step > after and secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _code_hash(code: str) -> str:
    """The stored form of a recovery code (the codes are random: no salt needed)."""
    return hashlib.sha256(code.encode()).hexdigest()


def _replace_recovery_codes(user_id: int) -> list[str]:
    """Delete the user's recovery codes and make new ones (in the caller's transaction)."""
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(RECOVERY_CODES)]
    db.session.add_all(RecoveryCode(user_id=user_id, code_hash=_code_hash(c)) for c in codes)
    return codes


def _spend_recovery_code(user_id: int, code: str) -> bool:
    """Use up a recovery code if it is one of the user's unused ones."""
    found = db.session.scalar(
        sa.select(RecoveryCode).where(
            RecoveryCode.user_id == user_id,
            RecoveryCode.code_hash == _code_hash(code),
            RecoveryCode.used_at.is_(None),
        )
    )
    if found is None:
        return False
    found.used_at = utcnow()
    return True
