"""Helpers for the review tests: deeds waiting for approval, featured deeds, the approval switch."""

import sqlalchemy as sa

from app.extensions import db
from app.models import Deed, SiteSetting, Visibility
from app.services import site
from tests.security_support import make_deed

HIDE = {"reason_choice": "Tunnistettava henkilö ilman lupaa"}


def set_approval(app, on: bool) -> None:
    """Turn "deeds wait for approval" on or off directly (the admin page has its own test)."""
    with app.app_context():
        setting = db.session.get(SiteSetting, site.APPROVAL_REQUIRED)
        if setting is None:
            db.session.add(SiteSetting(name=site.APPROVAL_REQUIRED, value="1" if on else "0"))
        else:
            setting.value = "1" if on else "0"
        db.session.commit()
        db.session.remove()


def make_pending(app, unit_id: int, username: str = "aino", **kwargs) -> int:
    """Post a deed while approval is on (it waits); approval is off again afterwards."""
    set_approval(app, True)
    try:
        return make_deed(app, unit_id, username, **kwargs)
    finally:
        set_approval(app, False)


def deed_state(app, deed_id: int) -> tuple[Visibility, bool, str | None, int]:
    """(visibility, featured, hidden reason, version) of a deed in the database."""
    with app.app_context():
        deed = db.session.get(Deed, deed_id)
        state = (deed.visibility, deed.featured_at is not None, deed.hidden_reason, deed.version)
        db.session.remove()
    return state


def review_world(app, world) -> dict[str, int]:
    """Deeds of unit A for the authorization matrix: one waiting, one to feature."""
    return {
        "pending": make_pending(app, world.unit_id, "pertti", seed=21),
        "to_feature": make_deed(app, world.unit_id, "pertti", seed=22),
        "featured": featured_deed(app, world.unit_id, "pertti", seed=23),
    }


def featured_deed(app, unit_id: int, username: str = "aino", **kwargs) -> int:
    """A deed already featured (written directly, as a supervisor's feature would)."""
    deed_id = make_deed(app, unit_id, username, **kwargs)
    with app.app_context():
        db.session.execute(
            sa.update(Deed).where(Deed.id == deed_id)
            .values(featured_at=sa.func.now(), version=Deed.version + 1)
        )
        db.session.commit()
        db.session.remove()
    return deed_id
