"""Statistics of a period's deeds, counted by the database: never a ranking of people.

Each number is one GROUP BY or COUNT with the same conditions as the board (the viewer's sight
and the board filter), so a filter added to the board counts here too. The counts are summed
from the tallies (app.services.tallies), which the filters of a place, customer type, author and
period can be said of; other filters count the deed, thanks and comment tables themselves. A
page reads a fixed number of statements, whatever the number of deeds.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.util import ClauseAdapter

from app.extensions import db
from app.models import (
    Comment,
    CustomerType,
    Deed,
    DeedTally,
    Municipality,
    ReactionTally,
    Thanks,
    Unit,
    User,
)
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


def statistics(
    viewer: User, filters: BoardFilter, zone: dt.tzinfo, *, from_tallies: bool = True
) -> Stats:
    """Count the deeds the viewer may see in the filter (which must have both dates); with
    from_tallies=False from the deeds themselves (to check the tallies against)."""
    # The route always fills in both ends; an invariant, not a refusal.
    assert filters.happened_from is not None and filters.happened_to is not None  # nosec B101
    moments = _moments(filters, zone)
    values = {**filters.values(), **moments}
    tallied = from_tallies and _tallied(filters)
    deeds = DeedTally.__table__ if tallied else Deed.__table__
    reactions = ReactionTally.__table__ if tallied and _whole_hours(moments) else None
    groups = db.session.execute(_grouped_query(viewer, filters, deeds), values).all()
    posters, thanks, comments = db.session.execute(
        _totals_query(viewer, filters, deeds, reactions), values).one()
    top = _refs(viewer, db.session.execute(_top_query(viewer, filters), values).all())
    return _stats(filters, groups, posters, thanks, comments, top)


def _tallied(filters: BoardFilter) -> bool:
    """Tell whether the tallies can answer the filter.

    They keep the place, the customer type, the author, the visibility and the day (for
    reactions the hour): a period reads at most one row per day (hour) and key, however many
    deeds it counts. A search text, a workshop round (a range of posting times) and
    "featured" are not kept in them: such a page counts the deeds themselves, by GROUP BY.
    """
    return filters.text is None and filters.round is None and not filters.featured


def _whole_hours(moments: dict[str, dt.datetime]) -> bool:
    """Tell whether the period starts and ends on whole UTC hours, as reaction tallies do (in a
    time zone offset by a half hour, they do not: the reactions are counted one by one)."""
    return all(moment.minute == moment.second == moment.microsecond == 0
               for moment in moments.values())


def _on(table: sa.Table, condition: sa.ColumnElement[bool]) -> sa.ColumnElement[bool]:
    """A condition on deed columns, said of a tally's columns of the same names instead."""
    if table is Deed.__table__:
        return condition
    deed = Deed.__table__
    adapter = ClauseAdapter(table, include_fn=lambda column: getattr(column, "table", None)
                            is deed, adapt_on_names=True)
    return adapter.traverse(condition)


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


def _grouped_query(viewer: User, filters: BoardFilter, source: sa.Table) -> sa.Select:
    """Deeds per month, municipality, unit and customer type, with the places' names, counted
    from the deeds or summed from their tally."""
    row = source.c
    count = sa.func.count() if source is Deed.__table__ else sa.func.sum(row.deeds)
    month = month_of(row.happened_on)
    grouped = (
        sa.select(month.label("month"), row.municipality_id, row.unit_id, row.customer_type,
                  count.label("n"))
        .where(_on(source, _deeds_where(sa.select(Deed.id), viewer, filters).whereclause))
        .group_by(month, row.municipality_id, row.unit_id, row.customer_type)
        .subquery()
    )
    return (
        sa.select(grouped.c.month, Municipality.name, Unit.name, grouped.c.customer_type,
                  grouped.c.n)
        .join_from(grouped, Municipality, Municipality.id == grouped.c.municipality_id)
        .join(Unit, Unit.id == grouped.c.unit_id)
    )


def _totals_query(
    viewer: User, filters: BoardFilter, source: sa.Table, reactions: sa.Table | None
) -> sa.Select:
    """Active posters, thanks given and comments written in the period, in one statement."""
    in_filter = _on(source, _deeds_where(sa.select(Deed.id), viewer, filters).whereclause)
    # A tally keeps no row at zero: its distinct authors are those who posted.
    posters = (sa.select(sa.func.count(sa.distinct(source.c.author_id))).where(in_filter)
               .scalar_subquery())
    if reactions is None:
        return sa.select(
            posters,
            _given_in_period(Thanks.__table__, viewer, filters),
            _given_in_period(Comment.__table__, viewer, filters),
        )
    sums = _reactions_in_period(reactions, viewer, filters)
    return sa.select(posters, sums.c.thanks, sums.c.comments)


def _condition(viewer: User, filters: BoardFilter) -> sa.ColumnElement[bool]:
    """The viewer's sight and the filter, on deed columns."""
    in_filter = filtered(sa.select(Deed.id), filters.shape()).whereclause
    return sa.and_(visible_to(viewer), *([] if in_filter is None else [in_filter]))


def _undated_condition(viewer: User, filters: BoardFilter) -> sa.ColumnElement[bool]:
    """The viewer's sight and the filter without its period, on deed columns."""
    return _condition(viewer, replace(filters, happened_from=None, happened_to=None))


def _reactions_in_period(reactions: sa.Table, viewer: User, filters: BoardFilter) -> sa.Subquery:
    """Thanks and comments made in the period on deeds in the filter, summed from their tally
    (one row)."""
    row = reactions.c
    return sa.select(
        sa.func.coalesce(sa.func.sum(row.thanks), 0).label("thanks"),
        sa.func.coalesce(sa.func.sum(row.comments), 0).label("comments"),
    ).where(
        row.created_hour >= sa.bindparam("period_starts"),
        row.created_hour < sa.bindparam("period_ends"),
        _on(reactions, _undated_condition(viewer, filters)),
    ).subquery()


def _given_in_period(table: sa.Table, viewer: User, filters: BoardFilter) -> sa.ScalarSelect:
    """Rows of thanks or comments made in the period on deeds in the filter, whenever those
    deeds happened."""
    deed = Deed.__table__.c
    # Every deed condition only a filter: the time index finds the period's rows, whereas a
    # unit's index would walk all its deeds of every year.
    return (
        sa.select(sa.func.count())
        .select_from(table.join(Deed.__table__, deed.id == table.c.deed_id))
        .where(table.c.created_at >= sa.bindparam("period_starts"),
               table.c.created_at < sa.bindparam("period_ends"),
               only_a_filter(_undated_condition(viewer, filters)))
        .scalar_subquery()
    )


def _top_query(viewer: User, filters: BoardFilter) -> sa.Select:
    """The period's most thanked deeds (thanked at least once), most thanked first."""
    deed = Deed.__table__.c
    # A literal 0, as in ix_deed_thanked's condition: only then may the planner use that index.
    # It walks the thanked deeds most thanked first and stops at the filter's first few; every
    # other condition only a filter, or SQLite would read all the period's deeds and sort them.
    return (
        sa.select(deed.id, deed.version, deed.thanks_count)
        .where(deed.thanks_count > sa.literal_column("0"),
               only_a_filter(_condition(viewer, filters)))
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
    for month, municipality, unit, told, n in groups:
        customer_type = CustomerType(told) if told else None  # a tally keeps '' for not told
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
        # Most first; a tie in a fixed order (types by name, "not told" last), not the rows'.
        by_customer_type=tuple(sorted(per_type.items(), key=lambda item: (
            -item[1], item[0] is None, item[0] or ""))),
        top_deeds=top,
    )
