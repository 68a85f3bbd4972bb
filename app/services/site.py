"""Site-wide switches an admin turns in the browser (stored in the database, not the config)."""

from app.database import write_transaction
from app.extensions import db
from app.models import AuditAction, SiteSetting, User
from app.permissions import Capability, require
from app.services import audit

PINS_ALLOWED = "pins_allowed"
APPROVAL_REQUIRED = "approval_required"


def pins_allowed() -> bool:
    """Tell whether personal PINs may be used on shared tablets (off until an admin allows)."""
    return _switch(PINS_ALLOWED)


def set_pins_allowed(actor: User, allowed: bool) -> None:
    """Allow or forbid PINs on shared tablets; the audit log says who did it."""
    _set_switch(actor, PINS_ALLOWED, allowed, (AuditAction.ALLOW_PINS, AuditAction.FORBID_PINS))


def approval_required() -> bool:
    """Tell whether new deeds wait for a supervisor's approval (off: open sharing)."""
    return _switch(APPROVAL_REQUIRED)


def set_approval_required(actor: User, required: bool) -> None:
    """Make new deeds wait for approval, or go straight to the board; audited."""
    _set_switch(actor, APPROVAL_REQUIRED, required,
                (AuditAction.REQUIRE_APPROVAL, AuditAction.END_APPROVAL))


def _switch(name: str) -> bool:
    """Tell whether a switch is on (a missing row is off)."""
    setting = db.session.get(SiteSetting, name)
    return setting is not None and setting.value == "1"


def _set_switch(
    actor: User, name: str, on: bool, actions: tuple[AuditAction, AuditAction]
) -> None:
    """Turn a switch on or off, logging (on, off) action of the pair when it changes."""
    require(actor, Capability.ADMINISTER)
    with write_transaction():
        setting = db.session.get(SiteSetting, name)
        if setting is None:
            setting = SiteSetting(name=name, value="0")
            db.session.add(setting)
        if setting.value == ("1" if on else "0"):
            return
        setting.value = "1" if on else "0"
        audit.record(actor, actions[0] if on else actions[1], "site", 0)
