"""Admins manage people: the list of users, adding, editing, deactivating and their links."""

from dataclasses import dataclass

import sqlalchemy as sa

from app.database import write_transaction
from app.extensions import db
from app.models import (
    AuditAction,
    Deed,
    LinkPurpose,
    Municipality,
    Role,
    Unit,
    UnitSupervisor,
    User,
)
from app.permissions import Capability, require
from app.services import accounts, audit, onboarding, sessions
from app.services.errors import NotFound, Refused
from app.services.onboarding import IssuedLink

DISPLAY_NAME_MAX = 120
SEARCH_MAX = 64
PAGE_LIMIT = 500  # a company of a few hundred people: one page, filters narrow it


@dataclass(frozen=True)
class UserInput:
    """What an admin chooses for a user: name, role, own unit and supervised units."""

    display_name: str
    role: Role
    default_unit_id: int | None = None
    unit_ids: frozenset[int] = frozenset()  # kept for supervisors only


@dataclass(frozen=True)
class UserFilter:
    """The users list's search and filters (None: any)."""

    search: str = ""
    role: Role | None = None
    unit_id: int | None = None
    active: bool | None = None


@dataclass(frozen=True)
class UserRow:
    """One line of the users list."""

    id: int
    username: str
    display_name: str
    role: Role
    active: bool
    deed_count: int
    has_second_factor: bool
    has_password: bool
    units: tuple[str, ...]  # the unit of their own and the units they supervise


@dataclass(frozen=True)
class UnitGroup:
    """A municipality and its units, for checkbox lists and filters."""

    municipality: str
    units: tuple[tuple[int, str], ...]


def unit_groups() -> list[UnitGroup]:
    """Every unit by municipality and name (inactive ones too: they may still be supervised)."""
    query = (
        sa.select(Municipality.name, Unit.id, Unit.name)
        .join(Unit, Unit.municipality_id == Municipality.id)
        .order_by(Municipality.name, Unit.name)
    )
    groups: dict[str, list[tuple[int, str]]] = {}
    for municipality, unit_id, name in db.session.execute(query):
        groups.setdefault(municipality, []).append((unit_id, name))
    return [UnitGroup(name, tuple(units)) for name, units in groups.items()]


def users_page(filters: UserFilter) -> list[UserRow]:
    """The users matching the search and filters, by username, with deed counts and units."""
    counts = (
        sa.select(Deed.author_id, sa.func.count(Deed.id).label("n"))
        .group_by(Deed.author_id)
        .subquery()
    )
    query = (
        sa.select(User, sa.func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.author_id == User.id)
        .where(*_conditions(filters))
        .order_by(User.username)
        .limit(PAGE_LIMIT)
    )
    found = list(db.session.execute(query))
    names = _unit_names([user.id for user, _count in found])
    return [_row(user, count, names.get(user.id, ())) for user, count in found]


def _conditions(filters: UserFilter) -> list[sa.ColumnElement[bool]]:
    """The WHERE clauses of the users list."""
    conditions = []
    search = filters.search.strip().lower()[:SEARCH_MAX]
    if search:
        pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append(sa.or_(
            User.username.ilike(pattern, escape="\\"),
            User.display_name.ilike(pattern, escape="\\"),
        ))
    if filters.role is not None:
        conditions.append(User.role == filters.role)
    if filters.active is not None:
        conditions.append(User.active.is_(filters.active))
    if filters.unit_id is not None:
        supervising = sa.select(UnitSupervisor.user_id).where(
            UnitSupervisor.unit_id == filters.unit_id
        )
        conditions.append(sa.or_(User.default_unit_id == filters.unit_id,
                                 User.id.in_(supervising)))
    return conditions


def _unit_names(user_ids: list[int]) -> dict[int, tuple[str, ...]]:
    """Each user's own unit and supervised units, by name, in one query each."""
    names: dict[int, list[str]] = {}
    own = sa.select(User.id, Unit.name).join(Unit, Unit.id == User.default_unit_id).where(
        User.id.in_(user_ids)
    )
    supervised = (
        sa.select(UnitSupervisor.user_id, Unit.name)
        .join(Unit, Unit.id == UnitSupervisor.unit_id)
        .where(UnitSupervisor.user_id.in_(user_ids))
        .order_by(Unit.name)
    )
    for user_id, name in [*db.session.execute(own), *db.session.execute(supervised)]:
        if name not in names.setdefault(user_id, []):
            names[user_id].append(name)
    return {user_id: tuple(found) for user_id, found in names.items()}


def _row(user: User, deed_count: int, units: tuple[str, ...]) -> UserRow:
    """The plain data of a list line."""
    return UserRow(
        user.id, user.username, user.display_name, user.role, user.active, deed_count,
        user.totp_secret is not None, user.has_usable_password(), units,
    )


def get_user(user_id: int) -> User:
    """The user with this id; NotFound otherwise."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("user_not_found", name=user_id)
    return user


def supervised_unit_ids(user_id: int) -> set[int]:
    """The ids of the units the user supervises."""
    query = sa.select(UnitSupervisor.unit_id).where(UnitSupervisor.user_id == user_id)
    return set(db.session.scalars(query))


def create_user_by_admin(actor: User, username: str, data: UserInput) -> IssuedLink:
    """Add a user without a password, logged; return their one-time link to set one."""
    require(actor, Capability.ADMINISTER)
    username = accounts.normalise_username(username)
    display_name = _checked_name(data.display_name)
    with write_transaction():
        if not accounts.USERNAME_PATTERN.match(username):
            raise Refused("username_invalid")
        if accounts.find_user(username) is not None:
            raise Refused("username_taken")
        _check_units(data)
        user = User(username=username, display_name=display_name, role=data.role,
                    default_unit_id=data.default_unit_id)
        user.set_unusable_password()
        db.session.add(user)
        db.session.flush()
        _set_supervised(user, data)
        audit.record(actor, AuditAction.CREATE_USER, "user", user.id,
                     changes=audit.changed_fields({}, _snapshot(user)))
        return onboarding.issue_in_transaction(actor, user, LinkPurpose.ONBOARDING)


def edit_user(actor: User, user_id: int, data: UserInput) -> User:
    """Change a user's name, role and units; the changed fields are logged before and after."""
    require(actor, Capability.ADMINISTER)
    display_name = _checked_name(data.display_name)
    with write_transaction():
        user = get_user(user_id)
        before = _snapshot(user)
        if user.role == Role.ADMIN and data.role != Role.ADMIN:
            if user.id == actor.id:
                raise Refused("demote_self")
            _check_not_last_admin(user)
        _check_units(data)
        user.display_name = display_name
        user.role = data.role
        user.default_unit_id = data.default_unit_id
        _set_supervised(user, data)
        changes = audit.changed_fields(before, _snapshot(user))
        if changes:
            audit.record(actor, AuditAction.EDIT_USER, "user", user.id, changes=changes)
    return user


def set_user_active(actor: User, user_id: int, active: bool) -> User:
    """Deactivate (their sessions and links end) or reactivate a user, logged."""
    require(actor, Capability.ADMINISTER)
    with write_transaction():
        user = get_user(user_id)
        if user.active == active:
            return user
        if not active:
            if user.id == actor.id:
                raise Refused("deactivate_self")
            _check_not_last_admin(user)
            sessions.end_all(user.id)
            onboarding.retire_links(user.id)  # reactivating must not revive an old link
        user.active = active
        action = AuditAction.REACTIVATE_USER if active else AuditAction.DEACTIVATE_USER
        audit.record(actor, action, "user", user.id, changes={"active": (not active, active)})
    return user


def issue_link(actor: User, user_id: int) -> IssuedLink:
    """A new one-time link: to set a first password, or a new one instead of a forgotten one."""
    user = get_user(user_id)
    purpose = LinkPurpose.RESET if user.has_usable_password() else LinkPurpose.ONBOARDING
    return onboarding.issue_link(actor, user_id, purpose)


def _checked_name(display_name: str) -> str:
    """A display name of 1-120 characters, spaces tidied."""
    name = " ".join(display_name.split())
    if not 0 < len(name) <= DISPLAY_NAME_MAX:
        raise Refused("display_name_length", max=DISPLAY_NAME_MAX)
    return name


def _check_units(data: UserInput) -> None:
    """Refuse unit ids that name no unit."""
    wanted = set(data.unit_ids) | ({data.default_unit_id} - {None})
    known = set(db.session.scalars(sa.select(Unit.id).where(Unit.id.in_(wanted))))
    if data.default_unit_id is not None and data.default_unit_id not in known:
        raise Refused("default_unit_unknown")
    if set(data.unit_ids) - known:
        raise Refused("units_unknown")


def _check_not_last_admin(user: User) -> None:
    """Refuse to remove the last active admin (two admins demoting each other at once)."""
    if user.role != Role.ADMIN or not user.active:
        return
    others = sa.select(sa.func.count(User.id)).where(
        User.role == Role.ADMIN, User.active.is_(True), User.id != user.id
    )
    if db.session.scalar(others) == 0:
        raise Refused("last_admin")


def _set_supervised(user: User, data: UserInput) -> None:
    """Write the UnitSupervisor rows: the chosen units for a supervisor, none for other roles."""
    wanted = set(data.unit_ids) if data.role == Role.SUPERVISOR else set()
    current = supervised_unit_ids(user.id)
    if current - wanted:
        db.session.execute(sa.delete(UnitSupervisor).where(
            UnitSupervisor.user_id == user.id, UnitSupervisor.unit_id.in_(current - wanted)
        ))
    db.session.add_all(UnitSupervisor(unit_id=unit_id, user_id=user.id)
                       for unit_id in sorted(wanted - current))


def _snapshot(user: User) -> dict[str, object]:
    """The fields an admin edits, as the audit log shows them (never a password)."""
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role.value,
        "default_unit": user.default_unit_id,
        "units": sorted(supervised_unit_ids(user.id)),
    }
