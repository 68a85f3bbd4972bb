"""Typed SQLAlchemy models, one module per aggregate."""

from app.models.auth import AccessLink, AuthSession, LinkPurpose, RecoveryCode
from app.models.deeds import (
    COMMENT_MAX,
    DESCRIPTION_MAX,
    Comment,
    CustomerType,
    Deed,
    HasVisibility,
    PendingPhoto,
    Photo,
    Rendition,
    Thanks,
    Visibility,
)
from app.models.devices import DEVICE_IDLE_MINUTES, Device, SiteSetting
from app.models.jobs import JobLock
from app.models.moderation import AuditAction, AuditEntry, UnitSupervisor
from app.models.places import Municipality, Unit
from app.models.tallies import DeedTally, ReactionTally
from app.models.users import Role, User
from app.models.workshops import Projection, ProjectionLink, Workshop

__all__ = [
    "AccessLink",
    "COMMENT_MAX",
    "DESCRIPTION_MAX",
    "DEVICE_IDLE_MINUTES",
    "AuditAction",
    "AuditEntry",
    "AuthSession",
    "Comment",
    "CustomerType",
    "Deed",
    "DeedTally",
    "Device",
    "JobLock",
    "LinkPurpose",
    "Municipality",
    "PendingPhoto",
    "Photo",
    "Projection",
    "ReactionTally",
    "ProjectionLink",
    "RecoveryCode",
    "Rendition",
    "Role",
    "SiteSetting",
    "Thanks",
    "Unit",
    "UnitSupervisor",
    "User",
    "HasVisibility",
    "Visibility",
    "Workshop",
]
