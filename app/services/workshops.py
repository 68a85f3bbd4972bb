"""Workshops and their rounds: which deeds each workshop shows, and how many units took part."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from app.database import write_transaction
from app.extensions import db
from app.models import AuditAction, Deed, Municipality, Role, Unit, User, Visibility, Workshop
from app.models.base import as_utc
from app.models.workshops import NAME_MAX, THEME_MAX
from app.permissions import Capability, require
from app.services import audit
from app.services.errors import NotFound, Refused

LEADER_ROLES = (Role.LEADER, Role.ADMIN)


@dataclass(frozen=True)
class WorkshopInput:
    """What a leader tells about a workshop."""

    name: str
    starts_at: dt.datetime  # aware
    municipality_id: int
    theme: str
    leader_ids: tuple[int, ...]


@dataclass(frozen=True)
class Round:
    """The deeds a workshop shows: made at or after `starts`, before `ends` (None: no bound).

    The open round is the newest workshop's "since": what the next workshop will show.
    """

    workshop_id: int | None
    workshop_name: str | None
    starts: dt.datetime | None
    ends: dt.datetime | None
    open: bool = False

    def condition(self) -> sa.ColumnElement[bool]:
        """This round as an SQL condition on the deed table."""
        created = Deed.__table__.c.created_at
        conditions = [sa.true()]
        if self.starts is not None:
            conditions.append(created >= self.starts)
        if self.ends is not None:
            conditions.append(created < self.ends)
        return sa.and_(*conditions)


@dataclass(frozen=True)
class WorkshopSummary:
    """A workshop in the list: its facts and how many deeds its round holds."""

    id: int
    name: str
    starts_at: dt.datetime
    municipality_name: str
    theme: str
    deed_count: int


@dataclass(frozen=True)
class Participation:
    """What a round holds, in counts only: never who did not post."""

    deed_count: int
    by_municipality: tuple[tuple[str, int], ...]  # every municipality, zeros too
    by_unit: tuple[tuple[str, str, int], ...]  # (unit, municipality, deeds): units that posted
    units_posted: int
    units_active: int


def get_workshop(workshop_id: int) -> Workshop:
    """Return the workshop or raise NotFound."""
    workshop = db.session.get(Workshop, workshop_id)
    if workshop is None:
        raise NotFound("workshop_not_found")
    return workshop


def workshops() -> list[WorkshopSummary]:
    """Every workshop, newest first, with the size of its round (one query)."""
    table = Workshop.__table__.c
    windowed = sa.select(
        table.id, table.starts_at,
        sa.func.lag(table.starts_at).over(order_by=table.starts_at).label("previous"),
    ).subquery()
    deed = Deed.__table__.c
    in_round = sa.and_(
        deed.visibility == Visibility.VISIBLE,
        deed.created_at < windowed.c.starts_at,
        sa.or_(windowed.c.previous.is_(None), deed.created_at >= windowed.c.previous),
    )
    count = sa.select(sa.func.count()).select_from(Deed.__table__).where(in_round).scalar_subquery()
    query = (
        sa.select(Workshop, Municipality.name, count)
        .join(windowed, windowed.c.id == Workshop.id)
        .join(Municipality, Municipality.id == Workshop.municipality_id)
        .order_by(Workshop.starts_at.desc())
    )
    return [
        WorkshopSummary(w.id, w.name, as_utc(w.starts_at), municipality, w.theme, deeds)
        for w, municipality, deeds in db.session.execute(query)
    ]


def round_of(workshop_id: int) -> Round:
    """The deeds made since the previous workshop started, up to this one's start."""
    workshop = get_workshop(workshop_id)
    previous = db.session.scalar(
        sa.select(sa.func.max(Workshop.starts_at)).where(Workshop.starts_at < workshop.starts_at)
    )
    return Round(
        workshop.id, workshop.name, as_utc(previous) if previous else None,
        as_utc(workshop.starts_at),
    )


def open_round() -> Round:
    """The deeds made since the newest workshop started (all of them before any workshop)."""
    newest = db.session.execute(
        sa.select(Workshop.id, Workshop.name, Workshop.starts_at)
        .order_by(Workshop.starts_at.desc())
        .limit(1)
    ).first()
    if newest is None:
        return Round(None, None, None, None, open=True)
    return Round(newest.id, newest.name, as_utc(newest.starts_at), None, open=True)


def newest_workshop_id() -> int | None:
    """The id of the workshop that started last (or will start last)."""
    return db.session.scalar(sa.select(Workshop.id).order_by(Workshop.starts_at.desc()).limit(1))


def participation(round_: Round) -> Participation:
    """Count a round's visible deeds per municipality and unit, and the active units that posted."""
    deed, unit = Deed.__table__.c, Unit.__table__.c
    in_round = sa.and_(deed.visibility == Visibility.VISIBLE, round_.condition())
    per_unit = db.session.execute(
        sa.select(unit.name, Municipality.name, unit.active, sa.func.count(deed.id))
        .select_from(Deed.__table__)
        .join(Unit.__table__, unit.id == deed.unit_id)
        .join(Municipality, Municipality.id == unit.municipality_id)
        .where(in_round)
        .group_by(unit.id, unit.name, Municipality.name, unit.active)
        .order_by(sa.func.count(deed.id).desc(), unit.name)
    ).all()
    per_municipality = dict(
        db.session.execute(
            sa.select(Municipality.name, sa.func.count(deed.id))
            .select_from(Municipality)
            .outerjoin(Deed.__table__, sa.and_(deed.municipality_id == Municipality.id, in_round))
            .group_by(Municipality.id, Municipality.name)
            .order_by(Municipality.name)
        ).all()
    )
    active = db.session.scalar(sa.select(sa.func.count()).where(unit.active.is_(True)))
    return Participation(
        deed_count=sum(per_municipality.values()),
        by_municipality=tuple(per_municipality.items()),
        by_unit=tuple((name, place, n) for name, place, _active, n in per_unit),
        units_posted=sum(1 for row in per_unit if row[2]),
        units_active=active or 0,
    )


def leader_choices() -> list[tuple[int, str]]:
    """The people who may lead a workshop: active leaders and admins, by name."""
    query = (
        sa.select(User.id, User.display_name)
        .where(User.role.in_(LEADER_ROLES), User.active.is_(True))
        .order_by(User.display_name)
    )
    return [(row.id, row.display_name) for row in db.session.execute(query)]


def create_workshop(actor: User, data: WorkshopInput) -> Workshop:
    """Add a workshop."""
    require(actor, Capability.MANAGE_WORKSHOPS)
    with write_transaction():
        workshop = Workshop()
        _apply(workshop, data)
        db.session.add(workshop)
    return workshop


def update_workshop(actor: User, workshop_id: int, data: WorkshopInput) -> Workshop:
    """Change a workshop's facts (its round follows its start time)."""
    require(actor, Capability.MANAGE_WORKSHOPS)
    with write_transaction():
        workshop = get_workshop(workshop_id)
        _apply(workshop, data)
    return workshop


def delete_workshop(actor: User, workshop_id: int) -> None:
    """Delete a workshop with its projection links; its deeds stay (they join the next round)."""
    require(actor, Capability.MANAGE_WORKSHOPS)
    with write_transaction():
        workshop = get_workshop(workshop_id)
        db.session.delete(workshop)
        audit.record(actor, AuditAction.DELETE_WORKSHOP, "workshop", workshop_id)


def _apply(workshop: Workshop, data: WorkshopInput) -> None:
    """Check the input and write it onto the workshop (inside the write transaction)."""
    name, theme = data.name.strip(), data.theme.strip()
    if not 1 <= len(name) <= NAME_MAX:
        raise Refused("workshop_name_length", max=NAME_MAX)
    if len(theme) > THEME_MAX:
        raise Refused("workshop_theme_length", max=THEME_MAX)
    if db.session.get(Municipality, data.municipality_id) is None:
        raise Refused("workshop_municipality_unknown")
    starts_at = data.starts_at.astimezone(dt.UTC)
    taken = sa.select(Workshop.id).where(Workshop.starts_at == starts_at)
    if workshop.id is not None:
        taken = taken.where(Workshop.id != workshop.id)
    if db.session.scalar(taken) is not None:
        raise Refused("workshop_start_taken")
    workshop.name, workshop.theme = name, theme
    workshop.starts_at, workshop.municipality_id = starts_at, data.municipality_id
    workshop.leaders = _leaders(data.leader_ids)


def _leaders(leader_ids: Sequence[int]) -> list[User]:
    """The chosen leaders, each an active leader or admin."""
    ids = set(leader_ids)
    if not ids:
        return []
    found = db.session.scalars(
        sa.select(User).where(User.id.in_(ids), User.role.in_(LEADER_ROLES), User.active.is_(True))
    ).all()
    if len(found) != len(ids):
        raise Refused("workshop_leader_unknown")
    return list(found)
