"""The statistics page and the printable report of a period, with the board's filters."""

import datetime as dt
from dataclasses import replace

from flask import render_template, request, url_for
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_login import current_user

from app.i18n import short_date
from app.insight import bp
from app.labels import label, round_label
from app.permissions import Capability
from app.services import board, stats
from app.services.board import BoardFilter, BoardPage, DeedRef
from app.web import cards, charts, params
from app.web.errors import refuse
from app.web.guards import capability_required

MAX_MONTHS = 120  # a longer period would draw columns thinner than a line
REPORT_DEEDS = 40  # deeds with photos in the report; the counts cover them all


def period_filter(places: board.Places) -> BoardFilter:
    """The board filter of the request, its period defaulting to the last twelve months."""
    filters = places.consistent(params.board_filter(request.args))
    today = dt.datetime.now(get_timezone()).date()
    date_to = filters.happened_to or max(today, filters.happened_from or today)
    date_from = filters.happened_from or stats.default_period(date_to)[0]
    if len(stats.months_between(date_from, date_to)) > MAX_MONTHS:
        refuse(400, _("Aikaväli on liian pitkä: valitse enintään %(num)s vuotta.",
                      num=MAX_MONTHS // 12))
    return replace(filters, happened_from=date_from, happened_to=date_to)


def month_label(month: str) -> str:
    """'2026-06' as '6/2026'."""
    year, number = month.split("-")
    return f"{int(number)}/{year}"


def short_month_label(month: str) -> str:
    """'2026-06' as '6/26', under a chart's column."""
    year, number = month.split("-")
    return f"{int(number)}/{year[2:]}"


def customer_type_label(customer_type) -> str:
    """A customer type's words, or that none was told."""
    return label(customer_type) if customer_type else _("Ei kerrottu")


def chart_set(numbers: stats.Stats) -> dict[str, charts.Chart]:
    """The page's charts, drawn from the same numbers as its tables."""
    return {
        "months": charts.stacked_columns(
            [short_month_label(row.month) for row in numbers.by_month],
            [row.counts for row in numbers.by_month],
            numbers.municipalities,
        ),
        "municipalities": charts.labelled_rows(numbers.by_municipality),
        "units": charts.labelled_rows([(f"{unit} · {place}", n)
                                       for unit, place, n in numbers.by_unit]),
        "customer_types": charts.labelled_rows(
            [(customer_type_label(kind), n) for kind, n in numbers.by_customer_type],
            total=numbers.deed_count,
        ),
    }


def cards_html(refs: tuple[DeedRef, ...], filters: BoardFilter, eager_all: bool = False):
    """The deeds' cards, by the one card partial (and its cache)."""
    return cards.page_html(BoardPage(refs, None), link_args=params.filter_args(filters),
                           eager_all=eager_all)


def page_values(filters: BoardFilter, places: board.Places) -> dict[str, object]:
    """What both pages show: the numbers, the charts and the filter."""
    numbers = stats.statistics(current_user, filters, get_timezone())
    return {
        "stats": numbers,
        "charts": chart_set(numbers),
        "filters": filters,
        "places": places,
        "month_label": month_label,
        "customer_type_label": customer_type_label,
        "short_date": short_date,
    }


def scope_label(filters: BoardFilter, places: board.Places) -> str:
    """The places and round the report covers, in words."""
    names = [name for id_, name in places.municipalities if id_ == filters.municipality_id]
    names += [unit.name for unit in places.units if unit.id == filters.unit_id]
    if filters.round:
        names.append(round_label(filters.round))
    return " · ".join(names) or _("Kaikki kunnat ja yksiköt")


@bp.route("/stats")
@capability_required(Capability.VIEW_STATS)
def index():
    """The statistics of a period: deeds, thanks, comments, customer types, in charts and tables."""
    places = board.places()
    filters = period_filter(places)
    values = page_values(filters, places)
    return render_template(
        "insight/stats.html",
        top_cards=cards_html(values["stats"].top_deeds, filters),
        report_url=url_for("insight.report", **params.filter_args(filters)),
        **values,
    )


@bp.route("/report")
@capability_required(Capability.VIEW_STATS)
def report():
    """The period's counts and charts, then its deeds with photos, to print on A4."""
    places = board.places()
    filters = period_filter(places)
    values = page_values(filters, places)
    deeds = stats.report_deeds(current_user, filters, REPORT_DEEDS)
    return render_template(
        "insight/report.html",
        deed_cards=cards_html(deeds, filters, eager_all=True),
        shown=len(deeds),
        scope=scope_label(filters, places),
        stats_url=url_for("insight.index", **params.filter_args(filters)),
        **values,
    )
