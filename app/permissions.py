"""Who may do what: one capability table for routes, services and templates alike."""

import enum
from dataclasses import dataclass
from typing import Protocol

import sqlalchemy as sa

from app.extensions import db
from app.models import Deed, Role, Unit, UnitSupervisor, User, Visibility
from app.services.errors import NotAllowed


class Capability(enum.StrEnum):
    """Something a person may do, on one deed or in general."""

    SEE_HIDDEN = "see_hidden"  # open a deed that is hidden from the board
    THANK = "thank"
    HIDE = "hide"
    UNHIDE = "unhide"
    REVIEW = "review"  # the list of hidden deeds one answers for
    ERASE_DEED = "erase_deed"
    ERASE_USER = "erase_user"
    EXPORT = "export"  # a user's data as a ZIP, for an access request
    ADMINISTER = "administer"  # the admin pages: users, the audit log
    PROJECT = "project"  # show the board in a workshop, spotlight deeds, make projection links
    MANAGE_WORKSHOPS = "manage_workshops"  # create, edit and delete workshops
    MANAGE_DEVICES = "manage_devices"  # set up shared tablets for a unit, list and revoke them
    FEATURE = "feature"  # mark a deed "nostettu" (and take the mark off)
    APPROVE = "approve"  # let a deed that waits for approval onto the board
    COMMENT = "comment"  # write a comment under a deed one can see
    DELETE_COMMENT = "delete_comment"  # of a deed: pass OnComment to name the comment's writer
    EDIT_DEED = "edit_deed"  # change one's own deed's text, unit, date and customer type
    EXPORT_BOARD = "export_board"  # a filtered board's deeds as CSV, and their photos as a ZIP
    VIEW_STATS = "view_stats"  # the statistics page and the printable report, in counts


@dataclass(frozen=True)
class Rule:
    """Who holds a capability: roles everywhere, roles for their own units' deeds, the author."""

    everywhere: frozenset[Role] = frozenset()
    own_units: frozenset[Role] = frozenset()
    author: bool = False
    # The writer of the comment in question holds it too (can() is given an OnComment).
    comment_author: bool = False
    # The deed's author never holds it, whatever else says so (one does not thank oneself).
    not_author: bool = False
    # The person must also be able to see the deed (a hidden one only if SEE_HIDDEN allows).
    needs_sight: bool = False


EVERYONE = frozenset(Role)
ADMIN = frozenset({Role.ADMIN})
SUPERVISOR = frozenset({Role.SUPERVISOR})
LEADER = frozenset({Role.LEADER})

TABLE: dict[Capability, Rule] = {
    Capability.SEE_HIDDEN: Rule(everywhere=ADMIN, own_units=SUPERVISOR, author=True),
    Capability.THANK: Rule(everywhere=EVERYONE, not_author=True, needs_sight=True),
    Capability.HIDE: Rule(everywhere=ADMIN, own_units=SUPERVISOR),
    Capability.UNHIDE: Rule(everywhere=ADMIN, own_units=SUPERVISOR),
    Capability.REVIEW: Rule(everywhere=ADMIN | SUPERVISOR),
    Capability.ERASE_DEED: Rule(everywhere=ADMIN, author=True),
    Capability.ERASE_USER: Rule(everywhere=ADMIN),
    Capability.EXPORT: Rule(everywhere=ADMIN),
    Capability.ADMINISTER: Rule(everywhere=ADMIN),
    Capability.PROJECT: Rule(everywhere=ADMIN | LEADER),
    Capability.MANAGE_WORKSHOPS: Rule(everywhere=ADMIN | LEADER),
    Capability.MANAGE_DEVICES: Rule(everywhere=ADMIN, own_units=SUPERVISOR),
    Capability.FEATURE: Rule(everywhere=ADMIN, own_units=SUPERVISOR),
    Capability.APPROVE: Rule(everywhere=ADMIN, own_units=SUPERVISOR),
    Capability.COMMENT: Rule(everywhere=EVERYONE, needs_sight=True),
    Capability.DELETE_COMMENT: Rule(
        everywhere=ADMIN, own_units=SUPERVISOR, author=True, comment_author=True, needs_sight=True
    ),
    Capability.EDIT_DEED: Rule(author=True, needs_sight=True),
    Capability.EXPORT_BOARD: Rule(everywhere=ADMIN | SUPERVISOR | LEADER),
    Capability.VIEW_STATS: Rule(everywhere=ADMIN | SUPERVISOR | LEADER),
}


class DeedFacts(Protocol):
    """What a capability check needs to know of a deed (a model row or plain card data)."""

    author_id: int
    unit_id: int
    visibility: Visibility


@dataclass(frozen=True)
class InUnit:
    """A thing that belongs to a unit but has no author (a shared tablet), for can()."""

    unit_id: int
    author_id: int = 0
    visibility: Visibility = Visibility.VISIBLE


@dataclass(frozen=True)
class OnComment:
    """A comment under a deed, for can(): the deed's facts and who wrote the comment."""

    deed: DeedFacts
    comment_author_id: int

    @property
    def author_id(self) -> int:
        """The deed's author."""
        return self.deed.author_id

    @property
    def unit_id(self) -> int:
        """The deed's unit."""
        return self.deed.unit_id

    @property
    def visibility(self) -> Visibility:
        """The deed's visibility."""
        return self.deed.visibility


def can(user: User | None, capability: Capability | str, deed: DeedFacts | None = None) -> bool:
    """Tell whether the user has the capability (on this deed, when one is given)."""
    if user is None or not user.is_authenticated or not user.active:
        return False
    rule = TABLE[Capability(capability)]
    if rule.needs_sight and deed is not None and not may_see(user, deed):
        return False
    if rule.not_author and deed is not None and deed.author_id == user.id:
        return False
    if user.role in rule.everywhere:
        return True
    if deed is None:
        return False
    if rule.author and deed.author_id == user.id:
        return True
    if rule.comment_author and getattr(deed, "comment_author_id", None) == user.id:
        return True
    return user.role in rule.own_units and deed.unit_id in supervised_unit_ids(user)


def require(user: User | None, capability: Capability | str, deed: DeedFacts | None = None) -> None:
    """Raise NotAllowed unless the user has the capability."""
    if not can(user, capability, deed):
        raise NotAllowed(capability=str(capability))


def may_see(user: User | None, deed: DeedFacts) -> bool:
    """A deed on the board is for every logged-in user; a hidden or pending one as SEE_HIDDEN
    says."""
    return deed.visibility == Visibility.VISIBLE or can(user, Capability.SEE_HIDDEN, deed)


def visible_to(viewer: User | None) -> sa.ColumnElement[bool]:
    """The same rule as may_see, as an SQL condition on Deed."""
    if viewer is None or not viewer.is_authenticated:
        return Deed.visibility == Visibility.VISIBLE
    rule = TABLE[Capability.SEE_HIDDEN]
    if viewer.role in rule.everywhere:
        return sa.true()
    conditions = [Deed.visibility == Visibility.VISIBLE]
    if rule.author:
        conditions.append(Deed.author_id == viewer.id)
    if viewer.role in rule.own_units:
        conditions.append(Deed.unit_id.in_(supervised_units_query(viewer.id)))
    return sa.or_(*conditions)


def supervised_units_query(user_id: int) -> sa.Select:
    """Select the ids of the units this user supervises."""
    return sa.select(UnitSupervisor.unit_id).where(UnitSupervisor.user_id == user_id)


def supervised_unit_ids(user: User) -> frozenset[int]:
    """Return the units the user supervises."""
    return frozenset(db.session.scalars(supervised_units_query(user.id)))


def holds_somewhere(user: User | None, capability: Capability) -> bool:
    """Tell whether the user holds the capability everywhere or in at least one unit."""
    if user is None or not user.is_authenticated or not user.active:
        return False
    rule = TABLE[capability]
    if user.role in rule.everywhere:
        return True
    return user.role in rule.own_units and bool(supervised_unit_ids(user))


def units_in_reach(user: User | None, capability: Capability) -> sa.ColumnElement[bool]:
    """An SQL condition on a unit id column's owner (Unit.id) for where the user holds the
    capability: every unit, the units they supervise, or none."""
    rule = TABLE[capability]
    if user is None or not user.is_authenticated or not user.active:
        return sa.false()
    if user.role in rule.everywhere:
        return sa.true()
    if user.role in rule.own_units:
        return Unit.id.in_(supervised_units_query(user.id))
    return sa.false()
