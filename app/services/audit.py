"""The audit log: who hid, unhid, erased or exported what, and when (never the content)."""

from collections.abc import Sequence

import sqlalchemy as sa

from app.extensions import db
from app.models import AuditAction, AuditEntry, User

SYSTEM_ACTOR = "järjestelmä"  # retention runs from cron, not by a person


def record(actor: User | None, action: AuditAction, target_type: str, target_id: int) -> None:
    """Add an entry in the caller's transaction (it commits with the action it logs)."""
    db.session.add(
        AuditEntry(
            actor_id=actor.id if actor is not None else None,
            actor_username=actor.username if actor is not None else SYSTEM_ACTOR,
            action=action,
            target_type=target_type,
            target_id=target_id,
        )
    )


def recent_entries(limit: int = 200) -> Sequence[AuditEntry]:
    """Return the newest entries first."""
    query = sa.select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    return db.session.scalars(query).all()
