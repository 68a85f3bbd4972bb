"""Signed-in sessions kept on the server.

A session starts at login and ends at logout, after SESSION_IDLE_MINUTES without a request,
SESSION_MAX_HOURS after it began, when its user ends it from their list of sessions, when an
admin ends all of a user's sessions, or when the user is deactivated or gets a new password.
The browser holds only a random token; the table holds its SHA-256, so a copy of the database
cannot be replayed as a cookie.
"""

import datetime as dt
import functools
import hashlib
import secrets
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app

from app.database import write_transaction
from app.extensions import db
from app.models import DEVICE_IDLE_MINUTES, AuthSession, Device, Role, User
from app.models.base import as_utc, utcnow

# last_seen_at is written at most this often per session: one small write a minute, not one
# per request. The idle limit is checked against it, so it is this much less exact.
TOUCH_EVERY = dt.timedelta(seconds=60)


@dataclass(frozen=True)
class Viewer:
    """The person behind a request and their session, as plain data (read on every request)."""

    id: int
    username: str
    display_name: str
    role: Role
    active: bool
    default_unit_id: int | None
    session_id: int
    session_token: str = field(repr=False)
    second_factor: bool  # given in this session
    has_second_factor: bool  # enrolled at all
    password_change_required: bool
    # On a shared tablet: its id and how long (seconds) the session may go idle; else None.
    device_id: int | None = None
    device_idle_seconds: int | None = None
    # Thanks and comments on their deeds since they last opened /me (the header's badge).
    news: int = 0

    is_authenticated = True  # what Flask-Login asks of a logged-in user
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        """Deactivated users are logged out."""
        return self.active

    def get_id(self) -> str:
        """What Flask-Login keeps in the cookie: the session token, never the user id."""
        return self.session_token


@dataclass(frozen=True)
class Resumed:
    """What a request's token leads to: the person, or why there is none."""

    viewer: Viewer | None
    expired: bool = False


@dataclass(frozen=True)
class SessionInfo:
    """A session as its user sees it in their list."""

    id: int
    device: str
    created_at: dt.datetime
    last_seen_at: dt.datetime


def token_hash(token: str) -> str:
    """The stored form of a session token."""
    return hashlib.sha256(token.encode()).hexdigest()


def start(
    user_id: int, device: str, second_factor: bool = False, device_id: int | None = None
) -> str:
    """Open a session for the user (on a shared tablet when device_id is given); return the
    token for the browser to keep."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    with write_transaction():
        db.session.add(AuthSession(
            token_hash=token_hash(token), user_id=user_id, created_at=now, last_seen_at=now,
            second_factor_at=now if second_factor else None, device=device[:120],
            device_id=device_id,
        ))
    return token


@functools.cache
def _resume_query() -> sa.Select:
    """A session and its user's Viewer columns by token hash (plain columns: every request)."""
    s, u, d = AuthSession.__table__.c, User.__table__.c, Device.__table__.c
    return (
        sa.select(
            s.id.label("session_id"), s.created_at, s.last_seen_at, s.ended_at,
            s.second_factor_at, s.device_id, d.idle_minutes, d.revoked_at, u.id, u.username,
            u.display_name, u.role, u.active, u.default_unit_id, u.password_change_required,
            u.totp_secret.is_not(None).label("has_second_factor"), u.news,
        )
        .select_from(
            AuthSession.__table__.join(User.__table__, u.id == s.user_id)
            .outerjoin(Device.__table__, d.id == s.device_id)
        )
        .where(s.token_hash == sa.bindparam("token_hash"))
    )


def resume(token: str) -> Resumed:
    """Find the person behind a token, ending the session if it has run out."""
    row = db.session.execute(_resume_query(), {"token_hash": token_hash(token)}).first()
    if row is None or row.ended_at is not None or not row.active:
        return Resumed(None)
    if row.revoked_at is not None:  # the tablet was taken out of shared use
        end(row.session_id)
        return Resumed(None)
    now = utcnow()
    last_seen, created = as_utc(row.last_seen_at), as_utc(row.created_at)
    idle, absolute = limits_of(row.device_id, row.idle_minutes)
    if now - last_seen > idle or now - created > absolute:
        end(row.session_id)
        return Resumed(None, expired=True)
    # A tablet's short idle limit is checked against last_seen_at: keep it close to the truth
    # (within 5 s of 5 min); tablets are few, so the extra writes are too.
    if now - last_seen > min(TOUCH_EVERY, idle / 60):
        touch(row.session_id, now)
    return Resumed(Viewer(
        id=row.id, username=row.username, display_name=row.display_name, role=row.role,
        active=row.active, default_unit_id=row.default_unit_id, session_id=row.session_id,
        session_token=token, second_factor=row.second_factor_at is not None,
        has_second_factor=row.has_second_factor,
        password_change_required=row.password_change_required, device_id=row.device_id,
        device_idle_seconds=int(idle.total_seconds()) if row.device_id else None,
        news=row.news,
    ))


def idle_limit() -> dt.timedelta:
    """How long a session may go without a request."""
    return dt.timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])


def absolute_limit() -> dt.timedelta:
    """How long a session may last at all."""
    return dt.timedelta(hours=current_app.config["SESSION_MAX_HOURS"])


def device_idle_limit(minutes: int | None) -> dt.timedelta:
    """How long a session on a shared tablet may go idle: the tablet's own minutes.

    DEVICE_IDLE_SECONDS (tests only) replaces every tablet's minutes with seconds.
    """
    seconds = current_app.config.get("DEVICE_IDLE_SECONDS")
    if seconds:
        return dt.timedelta(seconds=seconds)
    return dt.timedelta(minutes=minutes or DEVICE_IDLE_MINUTES)


def device_absolute_limit() -> dt.timedelta:
    """How long a session on a shared tablet may last at all (shorter than elsewhere)."""
    config = current_app.config
    hours = min(config["DEVICE_SESSION_MAX_HOURS"], config["SESSION_MAX_HOURS"])
    return dt.timedelta(hours=hours)


def touch(session_id: int, now: dt.datetime) -> None:
    """Record that the session was used now."""
    with write_transaction():
        db.session.execute(
            sa.update(AuthSession).where(AuthSession.id == session_id).values(last_seen_at=now)
        )


def mark_second_factor(session_id: int) -> None:
    """Record that the second factor was given in this session."""
    with write_transaction():
        db.session.execute(
            sa.update(AuthSession)
            .where(AuthSession.id == session_id)
            .values(second_factor_at=utcnow())
        )


def end(session_id: int, user_id: int | None = None) -> bool:
    """End one session (only the user's own when user_id is given); tell whether one ended."""
    query = sa.update(AuthSession).where(
        AuthSession.id == session_id, AuthSession.ended_at.is_(None)
    )
    if user_id is not None:
        query = query.where(AuthSession.user_id == user_id)
    with write_transaction():
        ended = db.session.execute(query.values(ended_at=utcnow())).rowcount
    return bool(ended)


def end_on_device(device_id: int) -> int:
    """End every open session on a tablet (in the caller's transaction)."""
    query = sa.update(AuthSession).where(
        AuthSession.device_id == device_id, AuthSession.ended_at.is_(None)
    )
    return db.session.execute(query.values(ended_at=utcnow())).rowcount


def end_all(user_id: int, keep: int | None = None) -> int:
    """End every session of the user (but the one to keep) in the caller's transaction."""
    query = sa.update(AuthSession).where(
        AuthSession.user_id == user_id, AuthSession.ended_at.is_(None)
    )
    if keep is not None:
        query = query.where(AuthSession.id != keep)
    return db.session.execute(query.values(ended_at=utcnow())).rowcount


def active_sessions(user_id: int) -> list[SessionInfo]:
    """The user's sessions still open, most recently used first (a tablet's by its limits)."""
    now = utcnow()
    query = (
        sa.select(AuthSession, Device.idle_minutes)
        .outerjoin(Device, Device.id == AuthSession.device_id)
        .where(AuthSession.user_id == user_id, AuthSession.ended_at.is_(None))
        .order_by(AuthSession.last_seen_at.desc())
    )
    return [
        SessionInfo(s.id, s.device, as_utc(s.created_at), as_utc(s.last_seen_at))
        for s, minutes in db.session.execute(query)
        if now - as_utc(s.last_seen_at) <= limits_of(s.device_id, minutes)[0]
        and now - as_utc(s.created_at) <= limits_of(s.device_id, minutes)[1]
    ]


Limits = tuple[dt.timedelta, dt.timedelta]


def limits_of(device_id: int | None, idle_minutes: int | None) -> Limits:
    """(idle, absolute) limits of a session: a shared tablet's own, or the site's."""
    if device_id is None:
        return idle_limit(), absolute_limit()
    return device_idle_limit(idle_minutes), device_absolute_limit()


def end_others(user_id: int, keep: int) -> int:
    """End every session of the user but this one; return how many ended."""
    with write_transaction():
        return end_all(user_id, keep=keep)
