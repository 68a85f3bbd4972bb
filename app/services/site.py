"""Site-wide switches an admin turns in the browser (stored in the database, not the config)."""

from app.database import write_transaction
from app.extensions import db
from app.models import AuditAction, SiteSetting, User
from app.permissions import Capability, require
from app.services import audit

PINS_ALLOWED = "pins_allowed"


def pins_allowed() -> bool:
    """Tell whether personal PINs may be used on shared tablets (off until an admin allows)."""
    setting = db.session.get(SiteSetting, PINS_ALLOWED)
    return setting is not None and setting.value == "1"


def set_pins_allowed(actor: User, allowed: bool) -> None:
    """Allow or forbid PINs on shared tablets; the audit log says who did it."""
    require(actor, Capability.ADMINISTER)
    with write_transaction():
        setting = db.session.get(SiteSetting, PINS_ALLOWED)
        if setting is None:
            setting = SiteSetting(name=PINS_ALLOWED, value="0")
            db.session.add(setting)
        if setting.value == ("1" if allowed else "0"):
            return
        setting.value = "1" if allowed else "0"
        action = AuditAction.ALLOW_PINS if allowed else AuditAction.FORBID_PINS
        audit.record(actor, action, "site", 0)
