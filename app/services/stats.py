"""Statistics of a period's deeds, counted by the database: never a ranking of people.

Each number is one GROUP BY or COUNT over the deed, thanks and comment tables, with the same
conditions as the board (the viewer's sight and the board filter), so a filter added to the
board counts here too. A page reads a fixed number of statements, whatever the number of deeds.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from app.extensions import db
from app.models import Comment, CustomerType, Deed, Municipality, Thanks, Unit, User
from app.permissions import visible_to
from app.services.board import BoardFilter, DeedRef, filtered, thanked_by

DEFAULT_MONTHS = 12  # a page opened without a period shows the last twelve months
TOP_DEEDS = 6  # the most thanked deeds of the period on the statistics page


class month_of(FunctionElement):  # noqa: N801  (an SQL function, named like one)
    """The month of a date column as 'YYYY-MM' text, on SQLite and PostgreSQL alike."""

    type = sa.String()
    name = "month_of"
    inherit_cache = True


@compiles(month_of, "sqlite")
def _month_sqlite(element, compiler, **kw) -> str:
    # SQLite keeps a date as 'YYYY-MM-DD' text: its first seven characters are the month.
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 7)"


@compiles(month_of, "postgresql")
def _month_postgresql(element, compiler, **kw) -> str:
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM')"


class only_a_filter(FunctionElement):  # noqa: N801
    """A condition the database checks row by row, never through an index of its own."""

    type = sa.Boolean()
    name = "only_a_filter"
    inherit_cache = True


@compiles(only_a_filter)
def _plain_condition(element, compiler, **kw) -> str:
    # In brackets: the condition may be an OR, and the filter's ANDs follow it.
    return f"({compiler.process(element.clauses, **kw)})"


@compiles(only_a_filter, "sqlite")
def _unlikely_index(element, compiler, **kw) -> str:
    # Without ANALYZE statistics SQLite takes "visibility = 'visible'" for a selective index
    # and walks every deed rather than the period's range; likelihood() hides the term from
    # the index choice (PostgreSQL keeps statistics and needs no hint).
    return f"likelihood({compiler.process(element.clauses, **kw)}, 0.9375)"


@dataclass(frozen=True)
class MonthRow:
    """One month: the deeds of each municipality (in the order of Stats.municipalities)."""

    month: str  # YYYY-MM
    counts: tuple[int, ...]

    @property
    def total(self) -> int:
        """The month's deeds in every municipality."""
        return sum(self.counts)


@dataclass(frozen=True)
class Stats:
    """What a period's deeds add up to, as counts."""

    date_from: dt.date
    date_to: dt.date
    deed_count: int
    thanks_count: int  # thanks given in the period to deeds in the filter
    comment_count: int  # comments written in the period on deeds in the filter
    poster_count: int  # people who posted at least one deed: a count, never who
    municipalities: tuple[str, ...]
    by_month: tuple[MonthRow, ...]  # every month of the period, zeros too
    by_municipality: tuple[tuple[str, int], ...]
    by_unit: tuple[tuple[str, str, int], ...]  # (unit, municipality, deeds), most first
    by_customer_type: tuple[tuple[CustomerType | None, int], ...]  # most first; None: not told
    top_deeds: tuple[DeedRef, ...]  # the most thanked deeds, most first


def default_period(today: dt.date) -> tuple[dt.date, dt.date]:
    """The last twelve months: from the first day of the month eleven months back to today."""
    months_back = today.year * 12 + today.month - 1 - (DEFAULT_MONTHS - 1)
    return dt.date(months_back // 12, months_back % 12 + 1, 1), today


def months_between(first: dt.date, last: dt.date) -> list[str]:
    """Every month from first to last as 'YYYY-MM'."""
    months = []
    index, end = first.year * 12 + first.month - 1, last.year * 12 + last.month - 1
    while index <= end:
        months.append(f"{index // 12:04d}-{index % 12 + 1:02d}")
        index += 1
    return months


def statistics(viewer: User, filters: BoardFilter, zone: dt.tzinfo) -> Stats:
    """Count the deeds the viewer may see in the filter (which must have both dates)."""
    # The route always fills in both ends; an invariant, not a refusal.
    assert filters.happened_from is not None and filters.happened_to is not None  # nosec B101
    values = {**filters.values(), **_moments(filters, zone)}
    groups = db.session.execute(_grouped_query(viewer, filters), values).all()
    posters, thanks, comments = db.session.execute(_totals_query(viewer, filters), values).one()
    top = _refs(viewer, db.session.execute(_top_query(viewer, filters), values).all())
    return _stats(filters, groups, posters, thanks, comments, top)


def report_deeds(viewer: User, filters: BoardFilter, limit: int) -> tuple[DeedRef, ...]:
    """The period's deeds for a report: the most thanked first, then the newest."""
    deed = Deed.__table__.c
    query = (
        _deeds_where(sa.select(deed.id, deed.version, deed.thanks_count), viewer, filters)
        .order_by(deed.thanks_count.desc(), deed.happened_on.desc(), deed.id.desc())
        .limit(limit)
    )
    return _refs(viewer, db.session.execute(query, filters.values()).all())


def _refs(viewer: User, rows: Sequence[sa.Row]) -> tuple[DeedRef, ...]:
    """Deeds as the card cache knows them, with whether the viewer has thanked each."""
    thanked = thanked_by(viewer, (row.id for row in rows))
    return tuple(DeedRef(row.id, row.version, row.thanks_count, row.id in thanked) for row in rows)


def _moments(filters: BoardFilter, zone: dt.tzinfo) -> dict[str, dt.datetime]:
    """The period as UTC moments: from the first day's midnight to the midnight after the last."""
    starts = dt.datetime.combine(filters.happened_from, dt.time(), zone)
    ends = dt.datetime.combine(filters.happened_to + dt.timedelta(days=1), dt.time(), zone)
    return {"period_starts": starts.astimezone(dt.UTC), "period_ends": ends.astimezone(dt.UTC)}


def _deeds_where(query: sa.Select, viewer: User, filters: BoardFilter) -> sa.Select:
    """The deeds the viewer may see, in the filter."""
    return filtered(query.where(only_a_filter(visible_to(viewer))), filters.shape())


def _grouped_query(viewer: User, filters: BoardFilter) -> sa.Select:
    """Deeds per month, municipality, unit and customer type, with the places' names."""
    deed = Deed.__table__.c
    month = month_of(deed.happened_on)
    grouped = _deeds_where(
        sa.select(
            month.label("month"), deed.municipality_id, deed.unit_id, deed.customer_type,
            sa.func.count().label("n"),
        ),
        viewer,
        filters,
    ).group_by(month, deed.municipality_id, deed.unit_id, deed.customer_type).subquery()
    return (
        sa.select(grouped.c.month, Municipality.name, Unit.name, grouped.c.customer_type,
                  grouped.c.n)
        .join_from(grouped, Municipality, Municipality.id == grouped.c.municipality_id)
        .join(Unit, Unit.id == grouped.c.unit_id)
    )


def _totals_query(viewer: User, filters: BoardFilter) -> sa.Select:
    """Active posters, thanks given and comments written in the period, in one statement."""
    deed = Deed.__table__.c
    posters = _deeds_where(
        sa.select(sa.func.count(sa.distinct(deed.author_id))), viewer, filters
    ).scalar_subquery()
    return sa.select(
        posters,
        _given_in_period(Thanks.__table__, viewer, filters),
        _given_in_period(Comment.__table__, viewer, filters),
    )


def _given_in_period(table: sa.Table, viewer: User, filters: BoardFilter) -> sa.ScalarSelect:
    """Rows of thanks or comments made in the period on deeds in the filter, whenever those
    deeds happened."""
    deed = Deed.__table__.c
    undated = replace(filters, happened_from=None, happened_to=None)
    in_filter = filtered(sa.select(deed.id), undated.shape()).whereclause
    # Every deed condition only a filter: the time index finds the period's rows, whereas a
    # unit's index would walk all its deeds of every year.
    deed_conditions = sa.and_(visible_to(viewer), *([] if in_filter is None else [in_filter]))
    return (
        sa.select(sa.func.count())
        .select_from(table.join(Deed.__table__, deed.id == table.c.deed_id))
        .where(table.c.created_at >= sa.bindparam("period_starts"),
               table.c.created_at < sa.bindparam("period_ends"),
               only_a_filter(deed_conditions))
        .scalar_subquery()
    )


def _top_query(viewer: User, filters: BoardFilter) -> sa.Select:
    """The period's most thanked deeds (thanked at least once), most thanked first."""
    deed = Deed.__table__.c
    query = sa.select(deed.id, deed.version, deed.thanks_count).where(deed.thanks_count > 0)
    return (
        _deeds_where(query, viewer, filters)
        .order_by(deed.thanks_count.desc(), deed.id.desc())
        .limit(TOP_DEEDS)
    )


def _stats(
    filters: BoardFilter, groups: Sequence[sa.Row], posters: int, thanks: int, comments: int,
    top: tuple[DeedRef, ...],
) -> Stats:
    """Add the grouped rows up into the page's tables."""
    municipalities = tuple(sorted({row[1] for row in groups}))
    per_month: dict[tuple[str, str], int] = {}
    per_unit: dict[tuple[str, str], int] = {}
    per_type: dict[CustomerType | None, int] = {}
    for month, municipality, unit, customer_type, n in groups:
        per_month[month, municipality] = per_month.get((month, municipality), 0) + n
        per_unit[unit, municipality] = per_unit.get((unit, municipality), 0) + n
        per_type[customer_type] = per_type.get(customer_type, 0) + n
    months = months_between(filters.happened_from, filters.happened_to)
    return Stats(
        date_from=filters.happened_from,
        date_to=filters.happened_to,
        deed_count=sum(per_type.values()),
        thanks_count=thanks or 0,
        comment_count=comments or 0,
        poster_count=posters or 0,
        municipalities=municipalities,
        by_month=tuple(
            MonthRow(m, tuple(per_month.get((m, name), 0) for name in municipalities))
            for m in months
        ),
        by_municipality=tuple(
            (name, sum(n for (_m, place), n in per_month.items() if place == name))
            for name in municipalities
        ),
        by_unit=tuple(
            (unit, place, n)
            for (unit, place), n in sorted(per_unit.items(), key=lambda item: (-item[1], item[0]))
        ),
        by_customer_type=tuple(sorted(per_type.items(), key=lambda item: -item[1])),
        top_deeds=top,
    )
