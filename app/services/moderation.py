"""Reviewing deeds (hide with a reason, unhide, feature, approve; the review list), and choosing
which supervisors answer for which unit."""

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from app.database import write_transaction
from app.extensions import db
from app.models import (
    AuditAction,
    AuditEntry,
    Deed,
    Role,
    Unit,
    UnitSupervisor,
    User,
    Visibility,
)
from app.models.base import as_utc, utcnow
from app.models.deeds import HIDE_REASON_MAX
from app.permissions import Capability, require, units_in_reach, visible_to
from app.services import audit, board
from app.services.deeds import visible_deed
from app.services.errors import NotFound, Refused

REVIEW_PAGE = 30  # deeds per review page
CHANGES_SHOWN = 20  # others' review actions listed under "since your last visit"


class Show(enum.StrEnum):
    """What the review page lists."""

    ALL = "all"
    PENDING = "pending"
    HIDDEN = "hidden"
    FEATURED = "featured"


SHOW_CONDITIONS = {
    Show.ALL: sa.true,
    Show.PENDING: lambda: Deed.visibility == Visibility.PENDING,
    Show.HIDDEN: lambda: Deed.visibility == Visibility.HIDDEN,
    Show.FEATURED: lambda: Deed.featured_at.is_not(None),
}


@dataclass(frozen=True)
class ReviewEntry:
    """A deed on the review page: its summary, whether it is new to the viewer, who hid it."""

    deed: board.DeedSummary
    created_at: dt.datetime
    new: bool
    hidden_by: str | None = None
    hidden_at: dt.datetime | None = None


@dataclass(frozen=True)
class ReviewPage:
    """One page of the review list and the cursor of the next (None at the end)."""

    entries: list[ReviewEntry]
    next_cursor: int | None


@dataclass(frozen=True)
class Change:
    """Someone else's review action on a deed the viewer answers for."""

    at: dt.datetime
    actor: str
    action: AuditAction
    deed_id: int


@dataclass(frozen=True)
class SinceLastVisit:
    """What happened in the viewer's units since they last opened the review page."""

    seen_at: dt.datetime
    new_deeds: int
    changes: list[Change]


def in_reach(viewer: User) -> sa.ColumnElement[bool]:
    """Deeds of the units where the viewer reviews (every unit for admins)."""
    return Deed.unit_id.in_(sa.select(Unit.id).where(units_in_reach(viewer, Capability.HIDE)))


def last_review_visit(viewer: User) -> dt.datetime | None:
    """When the viewer last opened the review page (None: never)."""
    seen_at = db.session.scalar(sa.select(User.review_seen_at).where(User.id == viewer.id))
    return as_utc(seen_at) if seen_at is not None else None


def review_page(
    viewer: User, show: Show, seen_at: dt.datetime | None, cursor: int | None = None,
    limit: int = REVIEW_PAGE,
) -> ReviewPage:
    """The deeds of the viewer's units, newest first, narrowed to what `show` asks; those
    posted after `seen_at` are marked new."""
    require(viewer, Capability.REVIEW)
    query = (
        sa.select(Deed.id, Deed.created_at)
        .where(in_reach(viewer), SHOW_CONDITIONS[show]())
        .order_by(Deed.id.desc())
        .limit(limit + 1)
    )
    if cursor is not None:
        query = query.where(Deed.id < cursor)
    rows = db.session.execute(query).all()
    more = len(rows) > limit
    rows = rows[:limit]
    entries = review_entries([row.id for row in rows], dict(rows).get, seen_at)
    return ReviewPage(entries, rows[-1].id if more else None)


def hidden_deeds(viewer: User, limit: int = 200) -> list[ReviewEntry]:
    """Return the hidden deeds the viewer may see, newest first (the board shows none)."""
    rows = db.session.execute(
        sa.select(Deed.id, Deed.created_at)
        .where(Deed.visibility == Visibility.HIDDEN, visible_to(viewer))
        .order_by(Deed.id.desc())
        .limit(limit)
    ).all()
    return review_entries([row.id for row in rows], dict(rows).get, None)


def review_entries(
    deed_ids: list[int], created_at, seen_at: dt.datetime | None
) -> list[ReviewEntry]:
    """Summaries with photos, marked new since `seen_at`, with who hid the hidden ones."""
    hides = hide_records(deed_ids)
    entries = []
    for deed in board.summaries(deed_ids):
        created = as_utc(created_at(deed.id))
        new = seen_at is not None and created > seen_at
        hidden = deed.visibility == Visibility.HIDDEN
        by, at = hides.get(deed.id, (None, None)) if hidden else (None, None)
        entries.append(ReviewEntry(deed, created, new, by, at))
    return entries


def hide_records(deed_ids: list[int]) -> dict[int, tuple[str, dt.datetime]]:
    """Who hid each deed last, and when, from the audit log."""
    if not deed_ids:
        return {}
    rows = db.session.execute(
        sa.select(AuditEntry.target_id, AuditEntry.actor_username, User.display_name,
                  AuditEntry.at)
        .outerjoin(User, User.id == AuditEntry.actor_id)
        .where(AuditEntry.action == AuditAction.HIDE, AuditEntry.target_type == "deed",
               AuditEntry.target_id.in_(deed_ids))
        .order_by(AuditEntry.id)
    )
    return {row.target_id: (row.display_name or row.actor_username, as_utc(row.at))
            for row in rows}


def since_last_visit(viewer: User, seen_at: dt.datetime | None) -> SinceLastVisit | None:
    """New deeds and others' review actions in the viewer's units since their last visit
    (None at the first visit)."""
    if seen_at is None:
        return None
    new_deeds = db.session.scalar(
        sa.select(sa.func.count()).select_from(Deed).where(in_reach(viewer),
                                                           Deed.created_at > seen_at)
    ) or 0
    rows = db.session.execute(
        sa.select(AuditEntry.at, AuditEntry.actor_username, User.display_name,
                  AuditEntry.action, AuditEntry.target_id)
        .outerjoin(User, User.id == AuditEntry.actor_id)
        .where(AuditEntry.at > seen_at, AuditEntry.target_type == "deed",
               AuditEntry.action.in_(REVIEW_ACTIONS),
               sa.or_(AuditEntry.actor_id.is_(None), AuditEntry.actor_id != viewer.id),
               AuditEntry.target_id.in_(sa.select(Deed.id).where(in_reach(viewer))))
        .order_by(AuditEntry.id.desc())
        .limit(CHANGES_SHOWN)
    )
    changes = [Change(as_utc(row.at), row.display_name or row.actor_username, row.action,
                      row.target_id) for row in rows]
    return SinceLastVisit(seen_at, new_deeds, changes)


def mark_review_seen(viewer: User) -> None:
    """Remember that the viewer has seen the review page now."""
    with write_transaction():
        db.session.execute(
            sa.update(User).where(User.id == viewer.id).values(review_seen_at=utcnow())
        )


REVIEW_ACTIONS = (AuditAction.HIDE, AuditAction.UNHIDE, AuditAction.FEATURE,
                  AuditAction.UNFEATURE, AuditAction.APPROVE)


def hide_deed(actor: User, deed_id: int, reason: str) -> Deed:
    """Take a deed off the board for everyone but its author, its supervisors and admins; the
    reason is shown to the author."""
    reason = " ".join((reason or "").split())
    with write_transaction():
        deed = visible_deed(actor, deed_id)
        require(actor, Capability.HIDE, deed)
        if not reason:
            raise Refused("hide_reason_missing")
        if len(reason) > HIDE_REASON_MAX:
            raise Refused("hide_reason_length", max=HIDE_REASON_MAX)
        before = {"visibility": deed.visibility.value, "reason": deed.hidden_reason}
        deed.visibility, deed.hidden_reason = Visibility.HIDDEN, reason
        changes = audit.changed_fields(before, {"visibility": "hidden", "reason": reason})
        if changes:
            audit.record(actor, AuditAction.HIDE, "deed", deed.id, changes=changes)
    return deed


def unhide_deed(actor: User, deed_id: int) -> Deed:
    """Put a hidden deed back on the board; its hiding reason goes."""
    with write_transaction():
        deed = visible_deed(actor, deed_id)
        require(actor, Capability.UNHIDE, deed)
        if deed.visibility == Visibility.HIDDEN:
            changes = {"visibility": ("hidden", "visible"), "reason": (deed.hidden_reason, None)}
            deed.visibility, deed.hidden_reason = Visibility.VISIBLE, None
            audit.record(actor, AuditAction.UNHIDE, "deed", deed.id, changes=changes)
    return deed


def approve_deed(actor: User, deed_id: int) -> Deed:
    """Let a deed that waits for approval onto the board."""
    with write_transaction():
        deed = visible_deed(actor, deed_id)
        require(actor, Capability.APPROVE, deed)
        if deed.visibility == Visibility.PENDING:
            deed.visibility = Visibility.VISIBLE
            deed.version += 1  # the card no longer says it waits
            audit.record(actor, AuditAction.APPROVE, "deed", deed.id,
                         changes={"visibility": ("pending", "visible")})
    return deed


def set_featured(actor: User, deed_id: int, featured: bool) -> Deed:
    """Mark a deed "nostettu" (or take the mark off); the card shows it, so its version rises."""
    with write_transaction():
        deed = visible_deed(actor, deed_id)
        require(actor, Capability.FEATURE, deed)
        if (deed.featured_at is not None) != featured:
            deed.featured_at = utcnow() if featured else None
            deed.version += 1
            action = AuditAction.FEATURE if featured else AuditAction.UNFEATURE
            audit.record(actor, action, "deed", deed.id,
                         changes={"featured": (not featured, featured)})
    return deed


def add_supervisor(unit_id: int, username: str, actor: User | None = None) -> tuple[Unit, User]:
    """Make a supervisor responsible for a unit (nothing changes if they already are).

    An admin in the browser is the actor, checked and logged; the command line passes none.
    """
    if actor is not None:
        require(actor, Capability.ADMINISTER)
    with write_transaction():
        unit, user = _unit_and_supervisor(unit_id, username)
        if db.session.get(UnitSupervisor, (unit.id, user.id)) is None:
            db.session.add(UnitSupervisor(unit_id=unit.id, user_id=user.id))
            _log_supervisor(actor, AuditAction.ADD_SUPERVISOR, unit, None, user.username)
    return unit, user


def remove_supervisor(unit_id: int, username: str, actor: User | None = None) -> None:
    """Stop a user supervising a unit."""
    if actor is not None:
        require(actor, Capability.ADMINISTER)
    with write_transaction():
        unit, user = _unit_and_supervisor(unit_id, username, check_role=False)
        removed = db.session.execute(
            sa.delete(UnitSupervisor).where(
                UnitSupervisor.unit_id == unit.id, UnitSupervisor.user_id == user.id
            )
        ).rowcount
        if removed:
            _log_supervisor(actor, AuditAction.REMOVE_SUPERVISOR, unit, user.username, None)


def _log_supervisor(actor: User | None, action: AuditAction, unit: Unit,
                    before: str | None, after: str | None) -> None:
    """Log a change of who answers for the unit, when an admin made it."""
    if actor is not None:
        audit.record(actor, action, "unit", unit.id, changes={"supervisor": (before, after)})


def _unit_and_supervisor(unit_id: int, username: str, check_role: bool = True) -> tuple[Unit, User]:
    """Find the unit and the user, refusing users who are not supervisors."""
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        raise NotFound("unit_not_found", id=unit_id)
    user = db.session.scalar(sa.select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise NotFound("user_not_found", name=username)
    if check_role and user.role != Role.SUPERVISOR:
        raise Refused("not_a_supervisor", role=user.role)
    return unit, user


def supervisions(unit_id: int | None = None) -> Sequence[tuple[Unit, User]]:
    """Return (unit, supervisor) pairs, optionally for one unit, by unit and username."""
    query = (
        sa.select(Unit, User)
        .join(UnitSupervisor, UnitSupervisor.unit_id == Unit.id)
        .join(User, User.id == UnitSupervisor.user_id)
        .order_by(Unit.name, User.username)
    )
    if unit_id is not None:
        query = query.where(Unit.id == unit_id)
    return [(unit, user) for unit, user in db.session.execute(query)]
