"""One-time links with which a person sets their own password: for new users and for resets."""

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from app.database import write_transaction
from app.extensions import db
from app.models import AccessLink, AuditAction, LinkPurpose, User
from app.models.base import as_utc, utcnow
from app.permissions import Capability, require
from app.services import audit, sessions
from app.services.errors import NotFound, Refused
from app.services.passwords import check_password_rules

LINK_VALID = dt.timedelta(days=7)  # long enough to hand a printed slip over at the workplace
TOKEN_BYTES = 24
TOKEN_LENGTH = 32  # token_urlsafe(24) is 32 characters


@dataclass(frozen=True)
class IssuedLink:
    """A link just made: the token is shown once and never stored."""

    token: str
    user: User
    purpose: LinkPurpose
    expires_at: dt.datetime


def token_hash(token: str) -> str:
    """The stored form of a link token."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue_link(actor: User, user_id: int, purpose: LinkPurpose) -> IssuedLink:
    """Make a one-time link for the user (replacing any earlier unused one), audited."""
    require(actor, Capability.ADMINISTER)
    with write_transaction():
        user = db.session.get(User, user_id)
        if user is None:
            raise NotFound("user_not_found", name=user_id)
        issued = issue_in_transaction(actor, user, purpose)
    return issued


def issue_in_transaction(actor: User, user: User, purpose: LinkPurpose) -> IssuedLink:
    """Make a link in the caller's write transaction (a bulk import makes many at once)."""
    if not user.active:
        raise Refused("user_inactive")
    now = utcnow()
    retire_links(user.id, now)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    expires_at = now + LINK_VALID
    db.session.add(AccessLink(token_hash=token_hash(token), user_id=user.id, purpose=purpose,
                              created_at=now, expires_at=expires_at))
    action = AuditAction.ISSUE_ONBOARDING_LINK if purpose == LinkPurpose.ONBOARDING else (
        AuditAction.ISSUE_RESET_LINK)
    audit.record(actor, action, "user", user.id)
    return IssuedLink(token=token, user=user, purpose=purpose, expires_at=expires_at)


def retire_links(user_id: int, now: dt.datetime | None = None) -> None:
    """Mark the user's unused links used: only the newest link works (in the caller's
    transaction; also when the user is deactivated)."""
    db.session.execute(
        sa.update(AccessLink)
        .where(AccessLink.user_id == user_id, AccessLink.used_at.is_(None))
        .values(used_at=now or utcnow())
    )


def valid_link(token: str) -> AccessLink:
    """Return the unused, unexpired link of an active user for this token; NotFound otherwise.

    Used, expired, replaced and made-up tokens all get the same answer, so nothing can be
    learned by guessing.
    """
    if not isinstance(token, str) or len(token) != TOKEN_LENGTH:
        raise NotFound("link_not_found")
    query = sa.select(AccessLink).where(AccessLink.token_hash == token_hash(token))
    link = db.session.scalar(query)
    if link is None or link.used_at is not None or as_utc(link.expires_at) <= utcnow():
        raise NotFound("link_not_found")
    user = db.session.get(User, link.user_id)
    if user is None or not user.active:
        raise NotFound("link_not_found")
    return link


def link_user(token: str) -> User:
    """The user a valid link is for (to greet them by name on the page)."""
    return db.session.get(User, valid_link(token).user_id)


def redeem(token: str, password: str) -> User:
    """Set the password through a valid link, once; every other session of the user ends."""
    with write_transaction():
        link = valid_link(token)  # again, under the write lock: two tabs cannot both use it
        user = db.session.get(User, link.user_id)
        check_password_rules(user.username, password, user.display_name)
        user.set_password(password)
        user.password_change_required = False
        user.pin_failures = 0
        link.used_at = utcnow()
        sessions.end_all(user.id)
        audit.record(user, AuditAction.USE_ACCESS_LINK, "user", user.id)
    return user
