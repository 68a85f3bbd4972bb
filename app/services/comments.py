"""Comments under deeds: writing, listing and deleting them, with the deed's count kept in SQL."""

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from app.database import write_transaction
from app.extensions import db
from app.models import COMMENT_MAX, AuditAction, Comment, Deed, User
from app.permissions import Capability, DeedFacts, OnComment, can, require
from app.services import audit
from app.services.deeds import visible_deed
from app.services.errors import NotFound, Refused


@dataclass(frozen=True)
class CommentItem:
    """A comment as the deed page lists it, and whether the viewer may delete it."""

    id: int
    body: str
    author_name: str
    author_id: int
    created_at: dt.datetime
    deletable: bool


def add_comment(user: User, deed_id: int, body: str) -> Comment:
    """Write a comment under a deed the user can see, raising the deed's count in the same
    transaction (an SQL expression: concurrent comments never lose a count)."""
    if not body or len(body) > COMMENT_MAX:  # the form says why; this keeps the row sound
        raise Refused("comment_length", max=COMMENT_MAX)
    with write_transaction():
        deed = visible_deed(user, deed_id)
        require(user, Capability.COMMENT, deed)
        comment = Comment(deed_id=deed_id, author_id=user.id, body=body)
        db.session.add(comment)
        db.session.execute(
            sa.update(Deed).where(Deed.id == deed_id).values(comment_count=Deed.comment_count + 1)
        )
    return comment


def delete_comment(user: User, comment_id: int) -> int:
    """Delete a comment the user may delete and lower its deed's count; return the deed's id.

    Two deletes of the same comment at once lower the count once: only the one whose DELETE
    removed the row lowers it; the other finds it gone.
    """
    with write_transaction():
        comment = db.session.get(Comment, comment_id)
        if comment is None:
            raise NotFound("comment_not_found")
        deed_id, writer_id = comment.deed_id, comment.author_id
        deed = visible_deed(user, deed_id)
        require(user, Capability.DELETE_COMMENT, OnComment(deed, writer_id))
        db.session.expunge(comment)
        removed = db.session.execute(sa.delete(Comment).where(Comment.id == comment_id)).rowcount
        if not removed:  # a concurrent delete took it after it was read
            raise NotFound("comment_not_found")
        db.session.execute(
            sa.update(Deed).where(Deed.id == deed_id).values(comment_count=Deed.comment_count - 1)
        )
        if writer_id != user.id:  # someone else's words removed: moderation
            audit.record(user, AuditAction.DELETE_COMMENT, "deed", deed_id,
                         changes={"comment_id": (comment_id, None)})
    return deed_id


def comments_on(viewer: User, deed: DeedFacts, deed_id: int) -> list[CommentItem]:
    """The comments under a deed the viewer can see, oldest first (one query)."""
    query = (
        sa.select(Comment.id, Comment.body, User.display_name, Comment.author_id,
                  Comment.created_at)
        .join(User, User.id == Comment.author_id)
        .where(Comment.deed_id == deed_id)
        .order_by(Comment.id)
    )
    rows = db.session.execute(query).all()
    deletable: dict[int, bool] = {}  # per writer: the rule is asked once per person, not per row
    for row in rows:
        if row.author_id not in deletable:
            deletable[row.author_id] = can(
                viewer, Capability.DELETE_COMMENT, OnComment(deed, row.author_id)
            )
    return [CommentItem(*row, deletable=deletable[row.author_id]) for row in rows]
