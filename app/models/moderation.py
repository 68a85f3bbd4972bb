"""Who supervises which unit, and the audit log of moderation and erasure."""

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import enum_column, utcnow


class UnitSupervisor(db.Model):
    """A supervisor (esihenkilö) responsible for one unit; a unit may have several."""

    __tablename__ = "unit_supervisor"

    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), primary_key=True, index=True)


class AuditAction(enum.StrEnum):
    """What was done to a deed or a user."""

    HIDE = "hide"
    UNHIDE = "unhide"
    ERASE_DEED = "erase_deed"
    ERASE_USER = "erase_user"
    RETENTION = "retention"
    EXPORT = "export"
    END_SESSIONS = "end_sessions"
    RESET_SECOND_FACTOR = "reset_second_factor"
    CREATE_PROJECTION_LINK = "create_projection_link"
    REVOKE_PROJECTION_LINK = "revoke_projection_link"
    DELETE_WORKSHOP = "delete_workshop"
    SET_UP_DEVICE = "set_up_device"
    REVOKE_DEVICE = "revoke_device"
    SET_PIN = "set_pin"
    REMOVE_PIN = "remove_pin"
    LOCK_PIN = "lock_pin"
    ALLOW_PINS = "allow_pins"
    FORBID_PINS = "forbid_pins"
    ISSUE_ONBOARDING_LINK = "issue_onboarding_link"
    ISSUE_RESET_LINK = "issue_reset_link"
    USE_ACCESS_LINK = "use_access_link"
    CREATE_USER = "create_user"
    EDIT_USER = "edit_user"
    DEACTIVATE_USER = "deactivate_user"
    REACTIVATE_USER = "reactivate_user"
    FEATURE = "feature"
    UNFEATURE = "unfeature"
    APPROVE = "approve"
    REQUIRE_APPROVAL = "require_approval"
    END_APPROVAL = "end_approval"
    EDIT_DEED = "edit_deed"
    DELETE_COMMENT = "delete_comment"
    CREATE_MUNICIPALITY = "create_municipality"
    RENAME_MUNICIPALITY = "rename_municipality"
    CREATE_UNIT = "create_unit"
    RENAME_UNIT = "rename_unit"
    RETIRE_UNIT = "retire_unit"
    REACTIVATE_UNIT = "reactivate_unit"
    ADD_SUPERVISOR = "add_supervisor"
    REMOVE_SUPERVISOR = "remove_supervisor"
    IMPORT_USERS = "import_users"
    EXPORT_BOARD_CSV = "export_board_csv"
    EXPORT_BOARD_ZIP = "export_board_zip"


class AuditEntry(db.Model):
    """One moderation or privacy action: who, what, on which id, when; never the content."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, index=True)
    # The actor's row may be erased later; the username stays so the log still says who acted.
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    actor_username: Mapped[str] = mapped_column(sa.String(64))
    action: Mapped[AuditAction] = mapped_column(enum_column(AuditAction))
    target_type: Mapped[str] = mapped_column(sa.String(16))
    target_id: Mapped[int]
    # What changed, as JSON {"field": [before, after]}; never passwords, PINs or deed content.
    changes: Mapped[dict | None] = mapped_column(sa.JSON)

    # Change fields whose values are unit ids (the log shows the units' names).
    UNIT_FIELDS = ("unit_id", "default_unit", "units")
