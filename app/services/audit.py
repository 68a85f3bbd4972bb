"""The audit log: who hid, unhid, erased or exported what, and when (never the content)."""

from collections.abc import Sequence

import sqlalchemy as sa

from app.extensions import db
from app.models import AuditAction, AuditEntry, Deed, Municipality, Unit, User

SYSTEM_ACTOR = "järjestelmä"  # retention runs from cron, not by a person


Changes = dict[str, tuple[object, object]]


def record(
    actor: User | None,
    action: AuditAction,
    target_type: str,
    target_id: int,
    changes: Changes | None = None,
) -> None:
    """Add an entry in the caller's transaction (it commits with the action it logs)."""
    db.session.add(
        AuditEntry(
            actor_id=actor.id if actor is not None else None,
            actor_username=actor.username if actor is not None else SYSTEM_ACTOR,
            action=action,
            target_type=target_type,
            target_id=target_id,
            changes={field: list(pair) for field, pair in changes.items()} if changes else None,
        )
    )


def recent_entries(limit: int = 200) -> Sequence[AuditEntry]:
    """Return the newest entries first."""
    query = sa.select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    return db.session.scalars(query).all()


def existing(entries: Sequence[AuditEntry]) -> frozenset[tuple[str, int]]:
    """Which deeds and users the entries name still exist, as ("deed"|"user", id) pairs: the
    log links to those and names erased ones in plain text (two queries)."""
    deed_ids = {e.target_id for e in entries if e.target_type == "deed"}
    user_ids = {e.target_id for e in entries if e.target_type == "user"}
    user_ids |= {e.actor_id for e in entries if e.actor_id is not None}
    deeds = {("deed", deed_id) for deed_id in _ids(Deed, deed_ids)}
    return frozenset(deeds | {("user", user_id) for user_id in _ids(User, user_ids)})


def unit_names(entries: Sequence[AuditEntry]) -> dict[int, str]:
    """The names of the units the entries point at or name by id in their changes."""
    ids = {e.target_id for e in entries if e.target_type == "unit"}
    for entry in entries:
        for field in AuditEntry.UNIT_FIELDS:
            for value in (entry.changes or {}).get(field, ()):
                ids.update(value if isinstance(value, list) else [value])
    return _names(Unit, {value for value in ids if isinstance(value, int)})


def municipality_names(entries: Sequence[AuditEntry]) -> dict[int, str]:
    """The names of the municipalities the entries point at."""
    return _names(Municipality, {e.target_id for e in entries
                                 if e.target_type == "municipality"})


def _names(model, ids: set[int]) -> dict[int, str]:
    """The names of these rows that still exist, by id (one query)."""
    if not ids:
        return {}
    query = sa.select(model.id, model.name).where(model.id.in_(ids))
    return dict(db.session.execute(query).all())


def _ids(model, ids: set[int]) -> list[int]:
    """The ids of these that have a row in the model's table."""
    if not ids:
        return []
    return list(db.session.scalars(sa.select(model.id).where(model.id.in_(ids))))


def changed_fields(before: dict[str, object], after: dict[str, object]) -> Changes:
    """The fields whose value differs, as {field: (before, after)}, for record()."""
    return {name: (before.get(name), value) for name, value in after.items()
            if before.get(name) != value}
