"""Accessible charts rendered on the server as inline SVG (no script, no inline style).

Each chart is an ``<svg role="img">`` with ``<title>`` and ``<desc>``; colours come from
CSS classes (KERN palette, dark mode included, see static/css/atlas.css) with a
presentation-attribute fallback. Pages show the same numbers in a data table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask import has_app_context
from flask_babel import format_decimal
from markupsafe import Markup, escape

WIDTH = 640
FALLBACK_FILL = {"cases": "#1b3a6b", "adoptions": "#00806b"}


@dataclass
class Series:
    """A named series of values, drawn in the colour of its ``kind``."""

    label: str
    kind: str  # cases | adoptions
    values: Sequence[int]


def _fmt(n: int | float) -> str:
    """Format a whole number for the current locale (German separators outside a request)."""
    if has_app_context():
        return format_decimal(int(n))
    return f"{int(n):,}".replace(",", ".")


def _svg(chart_id: str, title: str, desc: str, height: int, body: list[str]) -> Markup:
    head = (
        f'<svg class="chart" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg" focusable="false">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>'
    )
    return Markup(head + "".join(body) + "</svg>")  # noqa: S704 - every text is escaped above


def bar_chart(chart_id: str, title: str, desc: str, labels: Sequence[str], series: Sequence[Series]) -> Markup:
    """Horizontal grouped bars: one group per label, one bar per series."""
    label_width, value_width, bar_height, gap = 200, 48, 11, 10
    group = bar_height * len(series) + gap
    height = max(group * len(labels) + 10, 40)
    scale_max = max([max(s.values, default=0) for s in series] + [1])
    area = WIDTH - label_width - value_width
    body = []
    for i, label in enumerate(labels):
        top = 5 + i * group
        body.append(f'<text class="chart__label" x="{label_width - 8}" y="{top + group / 2 - gap / 2 + 4:.1f}" '
                    f'text-anchor="end" font-size="13">{escape(label)}</text>')
        for j, s in enumerate(series):
            value = s.values[i]
            y = top + j * bar_height
            w = area * value / scale_max
            body.append(f'<rect class="chart__bar chart__bar--{s.kind}" x="{label_width}" y="{y}" '
                        f'width="{w:.1f}" height="{bar_height - 2}" fill="{FALLBACK_FILL.get(s.kind, "#444")}">'
                        f'<title>{escape(label)}, {escape(s.label)}: {_fmt(value)}</title></rect>')
            body.append(f'<text class="chart__value" x="{label_width + w + 4:.1f}" y="{y + bar_height - 3}" '
                        f'font-size="11">{_fmt(value)}</text>')
    return _svg(chart_id, title, desc, height, body)


def line_chart(chart_id: str, title: str, desc: str, months: Sequence[str], series: Sequence[Series]) -> Markup:
    """Lines over months (``YYYY-MM``) with a y grid and one x label per year."""
    left, right, top, bottom, height = 48, 16, 12, 28, 260
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    scale_max = _nice_max(max([max(s.values, default=0) for s in series] + [1]))
    count = max(len(months) - 1, 1)

    def x(i: int) -> float:
        return left + plot_w * i / count

    def y(v: int) -> float:
        return top + plot_h - plot_h * v / scale_max

    body = []
    for step in range(5):
        value = scale_max * step / 4
        body.append(f'<line class="chart__grid" x1="{left}" x2="{WIDTH - right}" y1="{y(value):.1f}" '
                    f'y2="{y(value):.1f}" stroke="#c8c8c8" stroke-width="1"/>')
        body.append(f'<text class="chart__label" x="{left - 6}" y="{y(value) + 4:.1f}" text-anchor="end" '
                    f'font-size="11">{_fmt(value)}</text>')
    years = [(i, m[:4]) for i, m in enumerate(months) if i == 0 or m.endswith("-01")]
    every = max(1, len(years) // 8 + (1 if len(years) % 8 else 0))
    for i, year in years[::every]:
        body.append(f'<text class="chart__label" x="{x(i):.1f}" y="{height - 8}" text-anchor="middle" '
                    f'font-size="11">{escape(year)}</text>')
    for s in series:
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(s.values))
        body.append(f'<polyline class="chart__line chart__line--{s.kind}" points="{points}" fill="none" '
                    f'stroke="{FALLBACK_FILL.get(s.kind, "#444")}" stroke-width="2.5"/>')
        if s.values:
            body.append(f'<circle class="chart__dot chart__dot--{s.kind}" cx="{x(len(s.values) - 1):.1f}" '
                        f'cy="{y(s.values[-1]):.1f}" r="4" fill="{FALLBACK_FILL.get(s.kind, "#444")}">'
                        f'<title>{escape(s.label)}: {_fmt(s.values[-1])}</title></circle>')
    return _svg(chart_id, title, desc, height, body)


def _nice_max(value: int) -> int:
    """Round an axis maximum up so that its four grid steps are round whole numbers."""
    raw = max(value, 1) / 4
    steps = sorted({int(m * 10**k) for k in range(8) for m in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8)})
    return 4 * next(step for step in steps if step >= raw)
