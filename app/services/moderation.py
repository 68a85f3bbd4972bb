"""Hiding and unhiding deeds, and choosing which supervisors answer for which unit."""

from collections.abc import Sequence

import sqlalchemy as sa

from app.database import write_transaction
from app.extensions import db
from app.models import AuditAction, Deed, Role, Unit, UnitSupervisor, User, Visibility
from app.permissions import Capability, require, visible_to
from app.services import audit, board
from app.services.deeds import visible_deed
from app.services.errors import NotFound, Refused


def hidden_deeds(viewer: User, limit: int = 200) -> list[board.DeedSummary]:
    """Return the hidden deeds the viewer may see, newest first (the board shows none)."""
    query = (
        sa.select(Deed.id)
        .where(Deed.visibility == Visibility.HIDDEN, visible_to(viewer))
        .order_by(Deed.id.desc())
        .limit(limit)
    )
    return board.summaries(list(db.session.scalars(query)), with_photos=False)


def hide_deed(actor: User, deed_id: int) -> Deed:
    """Take a deed off the board for everyone but its author, its supervisors and admins."""
    return set_visibility(actor, deed_id, Visibility.HIDDEN)


def unhide_deed(actor: User, deed_id: int) -> Deed:
    """Put a hidden deed back on the board."""
    return set_visibility(actor, deed_id, Visibility.VISIBLE)


def set_visibility(actor: User, deed_id: int, visibility: Visibility) -> Deed:
    """Change a deed's visibility if the actor may, logging the change."""
    hiding = visibility == Visibility.HIDDEN
    with write_transaction():
        deed = visible_deed(actor, deed_id)
        require(actor, Capability.HIDE if hiding else Capability.UNHIDE, deed)
        if deed.visibility != visibility:
            deed.visibility = visibility
            audit.record(actor, AuditAction.HIDE if hiding else AuditAction.UNHIDE, "deed", deed.id)
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
