"""The projection: the deeds a filter shows on the wall, its spotlight, and projection links.

Everything a projection shares lives in the database (a row per projected filter), so any
worker of any app server answers every screen alike. A filter is named by its canonical query
string (the web layer makes it), e.g. "municipality=1&round=4".
"""

import datetime as dt
from dataclasses import dataclass, replace

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.database import write_transaction
from app.extensions import db
from app.models import AuditAction, Deed, Projection, ProjectionLink, User, Visibility
from app.models.base import as_utc, utcnow
from app.permissions import Capability, require
from app.services import audit
from app.services.board import BoardFilter, filtered
from app.services.errors import NotFound, Refused

WINDOW = 300  # the newest deeds a projection holds: a workshop round fits many times over
LINK_HOURS_DEFAULT = 24
LINK_HOURS_MAX = 7 * 24


@dataclass(frozen=True)
class Shown:
    """A deed a projection shows: its id and the version of its card."""

    id: int
    version: int


@dataclass(frozen=True)
class LinkInfo:
    """A projection link as the workshop page lists it."""

    id: int
    filter_key: str
    workshop_id: int | None
    created_by: str | None
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked: bool

    def valid(self, now: dt.datetime) -> bool:
        """Tell whether the link still opens its projection."""
        return not self.revoked and now < self.expires_at


def window(filters: BoardFilter, limit: int = WINDOW) -> list[Shown]:
    """The visible deeds of the filter: the featured ones first, then the newest (newest first
    within each); two indexed queries (ix_deed_featured serves the few featured ones)."""
    featured = _newest(replace(filters, featured=True), limit)
    taken = {item.id for item in featured}
    newest = [item for item in _newest(filters, limit) if item.id not in taken]
    return (featured + newest)[:limit]


def _newest(filters: BoardFilter, limit: int) -> list[Shown]:
    """The newest visible deeds of the filter, newest first."""
    deed = Deed.__table__.c
    query = (
        sa.select(deed.id, deed.version)
        .where(deed.visibility == Visibility.VISIBLE)
        .order_by(deed.id.desc())
        .limit(limit)
    )
    rows = db.session.execute(filtered(query, filters.shape()), filters.values())
    return [Shown(*row) for row in rows]


def in_filter(filters: BoardFilter, deed_id: int) -> bool:
    """Tell whether a visible deed of this id belongs to the filter."""
    deed = Deed.__table__.c
    query = sa.select(deed.id).where(deed.id == deed_id, deed.visibility == Visibility.VISIBLE)
    found = db.session.execute(filtered(query, filters.shape()), filters.values()).first()
    return found is not None


def spotlight(filter_key: str) -> int | None:
    """The deed the projection of this filter has in its spotlight, if any."""
    return db.session.scalar(
        sa.select(Projection.spotlight_deed_id).where(Projection.filter_key == filter_key)
    )


def set_spotlight(actor: User, filters: BoardFilter, filter_key: str, deed_id: int | None) -> None:
    """Put a deed of the filter in the projection's spotlight (None releases it)."""
    require(actor, Capability.PROJECT)
    if deed_id is not None and not in_filter(filters, deed_id):
        raise NotFound("deed_not_found")
    try:
        _store_spotlight(filter_key, deed_id)
    except IntegrityError:  # another worker made the row first: now it exists
        _store_spotlight(filter_key, deed_id)


def _store_spotlight(filter_key: str, deed_id: int | None) -> None:
    """Write the spotlight onto the filter's row, making the row when it is the first."""
    with write_transaction():
        changed = db.session.execute(
            sa.update(Projection)
            .where(Projection.filter_key == filter_key)
            .values(spotlight_deed_id=deed_id, changed_at=utcnow())
        )
        if changed.rowcount == 0:
            db.session.add(Projection(filter_key=filter_key, spotlight_deed_id=deed_id))


def create_link(
    actor: User, filter_key: str, workshop_id: int | None, hours: int = LINK_HOURS_DEFAULT
) -> ProjectionLink:
    """Make a link that shows this filter's projection without a login, for some hours."""
    require(actor, Capability.PROJECT)
    if not 1 <= hours <= LINK_HOURS_MAX:
        raise Refused("projection_link_hours", max=LINK_HOURS_MAX)
    with write_transaction():
        link = ProjectionLink(
            filter_key=filter_key,
            workshop_id=workshop_id,
            created_by_id=actor.id,
            expires_at=utcnow() + dt.timedelta(hours=hours),
        )
        db.session.add(link)
        db.session.flush()
        audit.record(actor, AuditAction.CREATE_PROJECTION_LINK, "projection_link", link.id)
    return link


def revoke_link(actor: User, link_id: int) -> ProjectionLink:
    """End a link now; screens showing it are refused from their next request."""
    require(actor, Capability.PROJECT)
    with write_transaction():
        link = db.session.get(ProjectionLink, link_id)
        if link is None:
            raise NotFound("projection_link_not_found")
        if link.revoked_at is None:
            link.revoked_at = utcnow()
            audit.record(actor, AuditAction.REVOKE_PROJECTION_LINK, "projection_link", link.id)
    return link


def open_link(link_id: int) -> ProjectionLink:
    """The link with this id while it is valid; refused once expired or revoked."""
    link = db.session.get(ProjectionLink, link_id)
    if link is None:
        raise NotFound("projection_link_not_found")
    if link.revoked_at is not None:
        raise Refused("projection_link_revoked")
    if as_utc(link.expires_at) <= utcnow():
        raise Refused("projection_link_expired")
    return link


def links(*, workshop_id: int | None = None, filter_key: str | None = None) -> list[LinkInfo]:
    """The links of a workshop or of a filter, newest first (ended ones of the last week too)."""
    since = utcnow() - dt.timedelta(days=7)
    query = (
        sa.select(ProjectionLink, User.display_name)
        .outerjoin(User, User.id == ProjectionLink.created_by_id)
        .where(ProjectionLink.expires_at > since)
        .order_by(ProjectionLink.id.desc())
    )
    if workshop_id is not None:
        query = query.where(ProjectionLink.workshop_id == workshop_id)
    if filter_key is not None:
        query = query.where(ProjectionLink.filter_key == filter_key)
    return [
        LinkInfo(link.id, link.filter_key, link.workshop_id, name, as_utc(link.created_at),
                 as_utc(link.expires_at), link.revoked_at is not None)
        for link, name in db.session.execute(query)
    ]
