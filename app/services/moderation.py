"""Who may see and moderate which deeds: supervisors of their units, admins, and authors."""

from collections.abc import Sequence

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from app.database import write_transaction
from app.extensions import db
from app.models import AuditAction, Deed, Role, Unit, UnitSupervisor, User, Visibility
from app.services import audit


class NotAllowed(Exception):
    """The user may not moderate this deed."""


class DeedMissing(LookupError):
    """No deed has this id."""


class SupervisionError(ValueError):
    """A supervisor could not be assigned; the message says why."""


def is_admin(user: User | None) -> bool:
    """Tell whether the user is a logged-in admin."""
    return bool(user is not None and user.is_authenticated and user.role == Role.ADMIN)


def supervised_units_query(user_id: int) -> sa.Select:
    """Select the ids of the units this user supervises."""
    return sa.select(UnitSupervisor.unit_id).where(UnitSupervisor.user_id == user_id)


def supervised_unit_ids(user: User | None) -> frozenset[int]:
    """Return the units a supervisor supervises (none for any other role)."""
    if user is None or not user.is_authenticated or user.role != Role.SUPERVISOR:
        return frozenset()
    return frozenset(db.session.scalars(supervised_units_query(user.id)))


def visible_to(viewer: User | None) -> sa.ColumnElement[bool]:
    """SQL condition for the deeds a viewer may see: visible ones, hidden ones they answer for."""
    if viewer is None or not viewer.is_authenticated:
        return Deed.visibility == Visibility.VISIBLE
    if viewer.role == Role.ADMIN:
        return sa.true()
    conditions = [Deed.visibility == Visibility.VISIBLE, Deed.author_id == viewer.id]
    if viewer.role == Role.SUPERVISOR:
        conditions.append(Deed.unit_id.in_(supervised_units_query(viewer.id)))
    return sa.or_(*conditions)


def hidden_deeds(viewer: User, limit: int = 200) -> Sequence[Deed]:
    """Return the hidden deeds the viewer may see, newest first (the board shows none)."""
    query = (
        sa.select(Deed)
        .where(Deed.visibility == Visibility.HIDDEN, visible_to(viewer))
        .options(joinedload(Deed.author), joinedload(Deed.unit), joinedload(Deed.municipality))
        .order_by(Deed.id.desc())
        .limit(limit)
    )
    return db.session.scalars(query).all()


def can_moderate(user: User | None, deed: Deed) -> bool:
    """Admins moderate every deed, supervisors the deeds of their own units."""
    return is_admin(user) or deed.unit_id in supervised_unit_ids(user)


def hide_deed(actor: User, deed_id: int) -> Deed:
    """Take a deed off the board for everyone but its author, its supervisors and admins."""
    return set_visibility(actor, deed_id, Visibility.HIDDEN)


def unhide_deed(actor: User, deed_id: int) -> Deed:
    """Put a hidden deed back on the board."""
    return set_visibility(actor, deed_id, Visibility.VISIBLE)


def set_visibility(actor: User, deed_id: int, visibility: Visibility) -> Deed:
    """Change a deed's visibility if the actor may, logging the change."""
    with write_transaction():
        deed = db.session.get(Deed, deed_id)
        if deed is None:
            raise DeedMissing(deed_id)
        if not can_moderate(actor, deed):
            raise NotAllowed
        if deed.visibility != visibility:
            deed.visibility = visibility
            action = AuditAction.HIDE if visibility == Visibility.HIDDEN else AuditAction.UNHIDE
            audit.record(actor, action, "deed", deed.id)
    return deed


def add_supervisor(unit_id: int, username: str) -> tuple[Unit, User]:
    """Make a supervisor responsible for a unit (nothing changes if they already are)."""
    with write_transaction():
        unit, user = _unit_and_supervisor(unit_id, username)
        if db.session.get(UnitSupervisor, (unit.id, user.id)) is None:
            db.session.add(UnitSupervisor(unit_id=unit.id, user_id=user.id))
    return unit, user


def remove_supervisor(unit_id: int, username: str) -> None:
    """Stop a user supervising a unit."""
    with write_transaction():
        unit, user = _unit_and_supervisor(unit_id, username, check_role=False)
        db.session.execute(
            sa.delete(UnitSupervisor).where(
                UnitSupervisor.unit_id == unit.id, UnitSupervisor.user_id == user.id
            )
        )


def _unit_and_supervisor(unit_id: int, username: str, check_role: bool = True) -> tuple[Unit, User]:
    """Find the unit and the user, refusing users who are not supervisors."""
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        raise SupervisionError(_l("Yksikköä ei löytynyt: %(id)s", id=unit_id))
    user = db.session.scalar(sa.select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise SupervisionError(_l("Käyttäjää ei löytynyt: %(name)s", name=username))
    if check_role and user.role != Role.SUPERVISOR:
        raise SupervisionError(
            _l("Vain esihenkilö voi valvoa yksikköä (käyttäjän rooli: %(role)s).", role=user.role)
        )
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
