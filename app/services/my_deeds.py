"""My deeds (/me): a user's own deeds, what happened to them, and the news since the last visit."""

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from app.database import write_transaction
from app.extensions import db
from app.models import Comment, Deed, HasVisibility, Thanks, User, Visibility
from app.models.base import utcnow


@dataclass(frozen=True)
class MyDeed(HasVisibility):
    """One of the user's deeds: its state, why it was hidden, and what is new on it."""

    id: int
    visibility: Visibility
    hidden_reason: str | None
    new_thanks: int = 0
    new_comments: int = 0


@dataclass(frozen=True)
class MyDeedsPage:
    """A page of the user's deeds, newest first, and the cursor of the next page."""

    deeds: list[MyDeed]
    next_cursor: int | None
    seen_at: dt.datetime | None  # the previous visit: what is newer is marked new


def my_deeds(user_id: int, cursor: int | None, limit: int) -> MyDeedsPage:
    """The user's deeds older than the cursor, with the thanks and comments since the last visit.

    Opening the first page counts as a visit: the badge in the header starts again from zero.
    """
    now = utcnow()
    seen = db.session.scalar(sa.select(User.me_seen_at).where(User.id == user_id))
    query = (
        sa.select(Deed.id, Deed.visibility, Deed.hidden_reason)
        .where(Deed.author_id == user_id)
        .order_by(Deed.id.desc())
        .limit(limit + 1)
    )
    if cursor is not None:
        query = query.where(Deed.id < cursor)
    rows = db.session.execute(query).all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    ids = [row.id for row in rows]
    thanks = _new_per_deed(Thanks, Thanks.user_id, ids, user_id, seen)
    comments = _new_per_deed(Comment, Comment.author_id, ids, user_id, seen)
    deeds = [
        MyDeed(row.id, row.visibility, row.hidden_reason, thanks.get(row.id, 0),
               comments.get(row.id, 0))
        for row in rows
    ]
    if cursor is None:
        mark_seen(user_id, now)
    return MyDeedsPage(deeds, ids[-1] if has_more else None, seen)


def _new_per_deed(model, actor, ids: list[int], user_id: int, seen: dt.datetime | None) -> dict:
    """How many thanks (or comments) others gave each of these deeds since `seen`."""
    if not ids:
        return {}
    query = (
        sa.select(model.deed_id, sa.func.count(model.id))
        .where(model.deed_id.in_(ids), actor != user_id)
        .group_by(model.deed_id)
    )
    if seen is not None:
        query = query.where(model.created_at > seen)
    return {deed_id: count for deed_id, count in db.session.execute(query)}


def mark_seen(user_id: int, moment: dt.datetime) -> None:
    """Remember when the user last opened their deeds; the badge counts from then on (a
    thanks that came in while the page was made stays news)."""
    with write_transaction():
        db.session.execute(sa.update(User).where(User.id == user_id).values(
            me_seen_at=moment, news=sa.select(counted_news(user_id, moment)).scalar_subquery()))


def counted_news(user_id: int, seen) -> sa.ColumnElement:
    """The news counted from the rows: thanks and comments of others on the user's deeds
    after `seen` (a moment, a column or None for all)."""
    return _news_query(Thanks, Thanks.user_id, user_id, seen) + _news_query(
        Comment, Comment.author_id, user_id, seen
    )


def _news_query(model, actor, user_id: int, seen) -> sa.ScalarSelect:
    """Count the thanks (or comments) of others on the user's deeds since `seen`."""
    query = (
        sa.select(sa.func.count(model.id))
        .join(Deed, Deed.id == model.deed_id)
        .where(Deed.author_id == user_id, actor != user_id)
    )
    if seen is not None:
        query = query.where(model.created_at > seen)
    return query.scalar_subquery()
