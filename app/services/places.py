"""Municipalities and units as an admin keeps them: add, rename, retire and reactivate, audited."""

from dataclasses import dataclass

import sqlalchemy as sa

from app.database import write_transaction
from app.extensions import db
from app.models import AuditAction, Deed, Municipality, Role, Unit, UnitSupervisor, User
from app.permissions import Capability, require
from app.services import audit
from app.services.errors import NotFound, Refused

UNIT_NAME_MAX = 120
MUNICIPALITY_NAME_MAX = 80
NAME_MIN = 2


@dataclass(frozen=True)
class UnitRow:
    """A unit as the admin's list shows it."""

    id: int
    name: str
    active: bool
    deed_count: int
    supervisors: tuple[str, ...]


@dataclass(frozen=True)
class MunicipalityRow:
    """A municipality with its units, in use or retired."""

    id: int
    name: str
    units: tuple[UnitRow, ...]


def tidy(name: str) -> str:
    """One space between words, none around them."""
    return " ".join((name or "").split())


def overview() -> list[MunicipalityRow]:
    """Every municipality with every unit, its deed count and supervisors' names (3 queries)."""
    counts = dict(db.session.execute(
        sa.select(Deed.unit_id, sa.func.count()).group_by(Deed.unit_id)).all())
    names: dict[int, list[str]] = {}
    query = (sa.select(UnitSupervisor.unit_id, User.display_name)
             .join(User, User.id == UnitSupervisor.user_id).order_by(User.display_name))
    for unit_id, name in db.session.execute(query):
        names.setdefault(unit_id, []).append(name)
    units: dict[int, list[UnitRow]] = {}
    for unit in db.session.scalars(sa.select(Unit).order_by(Unit.name)):
        units.setdefault(unit.municipality_id, []).append(UnitRow(
            unit.id, unit.name, unit.active, counts.get(unit.id, 0),
            tuple(names.get(unit.id, ()))))
    return [MunicipalityRow(m.id, m.name, tuple(units.get(m.id, ())))
            for m in db.session.scalars(sa.select(Municipality).order_by(Municipality.name))]


def municipality_choices() -> list[tuple[int, str]]:
    """(id, name) of every municipality, by name."""
    query = sa.select(Municipality.id, Municipality.name).order_by(Municipality.name)
    return [(row.id, row.name) for row in db.session.execute(query)]


def get_municipality(municipality_id: int) -> Municipality:
    """The municipality with this id, or NotFound."""
    municipality = db.session.get(Municipality, municipality_id)
    if municipality is None:
        raise NotFound("municipality_not_found", name=municipality_id)
    return municipality


def get_unit(unit_id: int) -> Unit:
    """The unit with this id, in use or retired, or NotFound."""
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        raise NotFound("unit_not_found", id=unit_id)
    return unit


def municipality_name(name: str, keep_id: int | None = None) -> str:
    """A tidy, unused municipality name, else Refused (case-insensitive)."""
    name = tidy(name)
    if not NAME_MIN <= len(name) <= MUNICIPALITY_NAME_MAX:
        raise Refused("municipality_name_length", max=MUNICIPALITY_NAME_MAX)
    if _taken(sa.select(Municipality.id, Municipality.name), name, keep_id):
        raise Refused("municipality_exists")
    return name


def unit_name(name: str, municipality_id: int, keep_id: int | None = None) -> str:
    """A tidy unit name not yet used in the municipality, else Refused (case-insensitive)."""
    name = tidy(name)
    if not NAME_MIN <= len(name) <= UNIT_NAME_MAX:
        raise Refused("unit_name_length")
    names = sa.select(Unit.id, Unit.name).where(Unit.municipality_id == municipality_id)
    if _taken(names, name, keep_id):
        raise Refused("unit_exists")
    return name


def _taken(names: sa.Select, name: str, keep_id: int | None) -> bool:
    """Tell whether another row of (id, name) has this name, whatever its case (ä and Ä too)."""
    wanted = name.casefold()
    return any(row_id != keep_id and tidy(row_name).casefold() == wanted
               for row_id, row_name in db.session.execute(names))


def add_unit_row(municipality_id: int, name: str) -> Unit:
    """Insert a checked unit in the caller's write transaction."""
    unit = Unit(name=unit_name(name, municipality_id), municipality_id=municipality_id)
    db.session.add(unit)
    db.session.flush()
    return unit


def create_municipality(actor: User, name: str) -> Municipality:
    """Add a municipality with a name no other one has."""
    require(actor, Capability.ADMINISTER)
    with write_transaction():
        municipality = Municipality(name=municipality_name(name))
        db.session.add(municipality)
        db.session.flush()
        audit.record(actor, AuditAction.CREATE_MUNICIPALITY, "municipality", municipality.id,
                     changes=audit.changed_fields({}, {"name": municipality.name}))
    return municipality


def rename_municipality(actor: User, municipality_id: int, name: str) -> Municipality:
    """Give a municipality a new name; its units and deeds stay as they are."""
    require(actor, Capability.ADMINISTER)
    with write_transaction():
        municipality = get_municipality(municipality_id)
        before = {"name": municipality.name}
        municipality.name = municipality_name(name, keep_id=municipality.id)
        _bump_deeds(Deed.municipality_id == municipality.id, before["name"], municipality.name)
        changes = audit.changed_fields(before, {"name": municipality.name})
        if changes:
            audit.record(actor, AuditAction.RENAME_MUNICIPALITY, "municipality",
                         municipality.id, changes=changes)
    return municipality


def create_unit(actor: User, municipality_id: int, name: str) -> Unit:
    """Add a unit to a municipality, in use at once."""
    require(actor, Capability.ADMINISTER)
    with write_transaction():
        get_municipality(municipality_id)
        unit = add_unit_row(municipality_id, name)
        audit.record(actor, AuditAction.CREATE_UNIT, "unit", unit.id, changes=audit.changed_fields(
            {}, {"name": unit.name, "municipality": unit.municipality.name}))
    return unit


def rename_unit(actor: User, unit_id: int, name: str) -> Unit:
    """Give a unit a new name; its deeds stay with it and show the new name."""
    require(actor, Capability.ADMINISTER)
    with write_transaction():
        unit = get_unit(unit_id)
        before = {"name": unit.name}
        unit.name = unit_name(name, unit.municipality_id, keep_id=unit.id)
        _bump_deeds(Deed.unit_id == unit.id, before["name"], unit.name)
        changes = audit.changed_fields(before, {"name": unit.name})
        if changes:
            audit.record(actor, AuditAction.RENAME_UNIT, "unit", unit.id, changes=changes)
    return unit


def set_unit_active(actor: User, unit_id: int, active: bool) -> Unit:
    """Retire a unit (kept with its deeds, no longer offered) or take it back into use."""
    require(actor, Capability.ADMINISTER)
    with write_transaction():
        unit = get_unit(unit_id)
        if unit.active != active:
            changes = audit.changed_fields({"active": unit.active}, {"active": active})
            unit.active = active
            action = AuditAction.REACTIVATE_UNIT if active else AuditAction.RETIRE_UNIT
            audit.record(actor, action, "unit", unit.id, changes=changes)
    return unit


def _bump_deeds(condition: sa.ColumnElement[bool], before: str, after: str) -> None:
    """A new place name is a new card: raise the version of the deeds that show it."""
    if before != after:
        db.session.execute(sa.update(Deed).where(condition).values(version=Deed.version + 1))


def supervisors() -> list[User]:
    """Every active supervisor, by name (a company has tens of them, not thousands)."""
    query = (sa.select(User).where(User.role == Role.SUPERVISOR, User.active)
             .order_by(User.display_name, User.username))
    return list(db.session.scalars(query))


def supervisor_candidates(unit_id: int, search: str = "", limit: int = 20) -> list[User]:
    """Active supervisors not yet answering for the unit whose name or username has the words."""
    assigned = set(db.session.scalars(
        sa.select(UnitSupervisor.user_id).where(UnitSupervisor.unit_id == unit_id)))
    words = tidy(search).casefold().split()
    found = [user for user in supervisors() if user.id not in assigned and all(
        word in f"{user.display_name} {user.username}".casefold() for word in words)]
    return found[:limit]
