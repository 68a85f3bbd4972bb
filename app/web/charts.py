"""Bar charts as plain geometry for server-drawn SVG (templates/stats/_charts.html).

No chart library and no inline style: positions are SVG attributes, colours CSS classes
(`chart-series-N` in app.css), so the charts fit the strict CSP and print as they show.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

SERIES = 6  # distinct colours in app.css; more series repeat them
# Drawn about as wide as a phone's column, so that the text keeps its size there.
FONT = 13  # px in the chart's own units
MONTH_WIDTH, MONTH_HEIGHT = 340, 200  # the monthly chart's drawing, scaled to the page
ROWS_WIDTH = 330  # a chart of labelled rows, one bar under each label
ROW_HEIGHT = 40
MONTH_LABELS = 6  # "12/25" labels that fit under the monthly chart side by side


@dataclass(frozen=True)
class Bar:
    """One rectangle, with the text a pointer shows over it."""

    x: float
    y: float
    width: float
    height: float
    series: int
    title: str


@dataclass(frozen=True)
class Text:
    """A label drawn at a point (anchor: start, middle or end)."""

    x: float
    y: float
    text: str
    anchor: str = "start"
    css_class: str = "chart-label"


@dataclass(frozen=True)
class Chart:
    """A whole drawing: its size, bars, texts and horizontal guide lines (y positions)."""

    width: int
    height: int
    bars: tuple[Bar, ...]
    texts: tuple[Text, ...]
    guides: tuple[float, ...] = ()


def nice_top(value: int) -> int:
    """A round number at or above value for the top of an axis (1, 2, 5, 10, 20, 50…)."""
    if value <= 1:
        return 1
    step = 10 ** math.floor(math.log10(value))
    return next(m * step for m in (1, 2, 5, 10) if m * step >= value)


def stacked_columns(
    labels: Sequence[str], rows: Sequence[Sequence[int]], series_names: Sequence[str]
) -> Chart:
    """One column per label, stacked by series (e.g. deeds per month and municipality)."""
    left, bottom, top_pad = 30, 24, 8
    plot_h = MONTH_HEIGHT - bottom - top_pad
    top = nice_top(max((sum(row) for row in rows), default=0))
    slot = (MONTH_WIDTH - left) / max(len(labels), 1)
    bars, texts = [], []
    every = math.ceil(len(labels) / MONTH_LABELS)  # few enough labels that they never touch
    for index, (label, row) in enumerate(zip(labels, rows, strict=True)):
        x, y = left + index * slot + slot * 0.15, MONTH_HEIGHT - bottom
        for series, n in enumerate(row):
            height = plot_h * n / top
            if n:
                y -= height
                bars.append(Bar(x, y, slot * 0.7, height, series % SERIES,
                                f"{label} · {series_names[series]}: {n}"))
        if index % every == 0:
            texts.append(Text(x + slot * 0.35, MONTH_HEIGHT - 8, label, "middle", "chart-axis"))
    guides = tuple(MONTH_HEIGHT - bottom - plot_h * part / 2 for part in range(3))
    for part, guide in enumerate(guides):
        texts.append(Text(left - 6, guide + 4, str(top * part // 2), "end", "chart-axis"))
    return Chart(MONTH_WIDTH, MONTH_HEIGHT, tuple(bars), tuple(texts), guides)


def labelled_rows(rows: Sequence[tuple[str, int]], total: int | None = None) -> Chart:
    """One bar per row under its label, with its count (and share of `total`) at the end."""
    top = max((n for _label, n in rows), default=0) or 1
    bars, texts = [], []
    bar_room = ROWS_WIDTH - 80
    for index, (label, n) in enumerate(rows):
        y = index * ROW_HEIGHT
        width = max(bar_room * n / top, 2 if n else 0)
        value = f"{n} ({round(100 * n / total)} %)" if total else str(n)
        texts.append(Text(0, y + FONT + 2, label))
        bars.append(Bar(0, y + FONT + 8, width, 14, index % SERIES, f"{label}: {value}"))
        texts.append(Text(width + 6, y + FONT + 20, value, css_class="chart-value"))
    return Chart(ROWS_WIDTH, max(len(rows), 1) * ROW_HEIGHT, tuple(bars), tuple(texts))
