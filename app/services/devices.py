"""Shared tablets: set up for a unit by its supervisor or an admin, listed, revoked.

The tablet's cookie holds a random token; the table holds only its SHA-256, as for sessions.
Sessions begun on a set-up tablet carry its id: the tablet's idle minutes and a shorter
absolute limit apply to them (app.services.sessions).
"""

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from app.database import write_transaction
from app.extensions import db
from app.models import AuditAction, Deed, Device, Unit, User
from app.models.base import as_utc, utcnow
from app.permissions import Capability, InUnit, require, units_in_reach
from app.services import audit, sessions
from app.services.errors import NotFound, Refused

IDLE_MINUTES_RANGE = (1, 60)
NAME_MAX = 80
RECENT_POSTER_DAYS = 30
RECENT_POSTERS_MAX = 40  # large targets: more would not fit one screen anyway
SEEN_EVERY = dt.timedelta(minutes=10)  # last_seen_at is written at most this often


@dataclass(frozen=True)
class DeviceInfo:
    """A set-up tablet as a request sees it."""

    id: int
    unit_id: int
    unit_name: str
    name: str
    logout_after_post: bool
    idle_minutes: int


@dataclass(frozen=True)
class DeviceRow:
    """A tablet in the list its managers see."""

    id: int
    name: str
    unit_name: str
    municipality_name: str
    logout_after_post: bool
    idle_minutes: int
    created_by: str
    created_at: dt.datetime
    last_seen_at: dt.datetime


@dataclass(frozen=True)
class Poster:
    """Someone who posted for the unit lately: a large name to tap on the tablet's login."""

    username: str
    display_name: str


def token_hash(token: str) -> str:
    """The stored form of a device token."""
    return hashlib.sha256(token.encode()).hexdigest()


def check_settings(name: str, idle_minutes: int) -> str:
    """Refuse an empty or long name or idle minutes out of range; return the trimmed name."""
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise Refused("device_name_invalid", n=NAME_MAX)
    low, high = IDLE_MINUTES_RANGE
    if not low <= idle_minutes <= high:
        raise Refused("device_idle_invalid", low=low, high=high)
    return name


def set_up(
    actor: User, unit_id: int, name: str, *, logout_after_post: bool = True, idle_minutes: int = 5
) -> tuple[DeviceInfo, str]:
    """Set up a tablet for a unit the actor answers for; return it and the token to keep."""
    name = check_settings(name, idle_minutes)
    unit = db.session.get(Unit, unit_id)
    if unit is None or not unit.active:  # a retired unit gets no new tablets
        raise Refused("unit_unknown")
    require(actor, Capability.MANAGE_DEVICES, InUnit(unit_id))
    token = secrets.token_urlsafe(32)
    with write_transaction():
        device = Device(
            token_hash=token_hash(token), unit_id=unit_id, name=name,
            logout_after_post=logout_after_post, idle_minutes=idle_minutes,
            created_by_id=actor.id,
        )
        db.session.add(device)
        db.session.flush()
        audit.record(actor, AuditAction.SET_UP_DEVICE, "device", device.id)
        info = _info(device)
    return info, token


def find(token: str) -> DeviceInfo | None:
    """The tablet behind a cookie's token, unless it was revoked; note that it was seen."""
    device = db.session.scalar(
        sa.select(Device).where(Device.token_hash == token_hash(token), Device.revoked_at.is_(None))
    )
    if device is None:
        return None
    info = _info(device)
    if utcnow() - as_utc(device.last_seen_at) > SEEN_EVERY:
        with write_transaction():
            db.session.execute(
                sa.update(Device).where(Device.id == info.id).values(last_seen_at=utcnow())
            )
    return info


def _info(device: Device) -> DeviceInfo:
    """A tablet row as plain data."""
    return DeviceInfo(device.id, device.unit_id, device.unit.name, device.name,
                      device.logout_after_post, device.idle_minutes)


def revoke(actor: User, device_id: int) -> None:
    """Take a tablet out of shared use: its cookie opens nothing and its sessions end."""
    with write_transaction():
        device = db.session.get(Device, device_id)
        if device is None or device.revoked_at is not None:
            raise NotFound("device_not_found")
        require(actor, Capability.MANAGE_DEVICES, InUnit(device.unit_id))
        device.revoked_at = utcnow()
        sessions.end_on_device(device.id)
        audit.record(actor, AuditAction.REVOKE_DEVICE, "device", device.id)


def managed_devices(user: User) -> list[DeviceRow]:
    """The tablets in use in the units the user answers for, newest first."""
    creator = sa.orm.aliased(User)
    query = (
        sa.select(Device, creator.display_name)
        .join(Unit, Unit.id == Device.unit_id)
        .outerjoin(creator, creator.id == Device.created_by_id)
        .where(Device.revoked_at.is_(None), units_in_reach(user, Capability.MANAGE_DEVICES))
        .order_by(Device.id.desc())
    )
    return [
        DeviceRow(d.id, d.name, d.unit.name, d.unit.municipality.name, d.logout_after_post,
                  d.idle_minutes, created_by or "–", as_utc(d.created_at), as_utc(d.last_seen_at))
        for d, created_by in db.session.execute(query)
    ]


def managed_units(user: User) -> list[tuple[int, str]]:
    """(id, "unit (municipality)") of the active units the user may set up tablets for."""
    query = (
        sa.select(Unit)
        .where(Unit.active, units_in_reach(user, Capability.MANAGE_DEVICES))
        .order_by(Unit.name)
    )
    return [(u.id, f"{u.name} ({u.municipality.name})") for u in db.session.scalars(query)]


def recent_posters(unit_id: int, days: int = RECENT_POSTER_DAYS) -> list[Poster]:
    """Active people who posted for the unit in the last days, by name (never by count)."""
    since = utcnow() - dt.timedelta(days=days)
    query = (
        sa.select(User.username, User.display_name)
        .where(
            User.active,
            User.id.in_(
                sa.select(Deed.author_id).where(Deed.unit_id == unit_id, Deed.created_at >= since)
            ),
        )
        .order_by(User.display_name, User.username)
        .limit(RECENT_POSTERS_MAX)
    )
    return [Poster(username, display_name) for username, display_name in db.session.execute(query)]
