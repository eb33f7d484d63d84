"""The statistics page: cases and adoptions per topic, per Land and over time."""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _
from markupsafe import Markup

from kb.extensions import db
from kb.models import labels
from kb.services.catalog import statistics
from kb.views.catalog.blueprint import bp
from kb.views.catalog.svg_charts import Series, bar_chart, line_chart
from kb.web.caching import public_cache


@bp.get("/statistik")
@public_cache
def statistics_page():
    """Charts (server-rendered SVG) with a data table each."""
    stats = statistics.collect(db.session)
    charts = {
        "topic": _bar("chart-topic", _("Lösungen und Nachnutzungen je Thema"), stats.by_topic, _("Thema"),
                       name=lambda label: labels.label(labels.TOPIC_NAME, label)),
        "land": _bar("chart-land", _("Lösungen und Nachnutzungen je Bundesland"), stats.by_land, _("Bundesland")),
        "growth": _growth(stats.by_month),
    }
    return render_template("catalog/statistics.html", stats=stats, charts=charts)


def _series(rows) -> list[Series]:
    return [Series(_("Lösungen"), "cases", [r.cases for r in rows]),
            Series(_("Nachnutzungen"), "adoptions", [r.adoptions for r in rows])]


def _bar(chart_id: str, title: str, rows: list[statistics.Row], kind: str, name=str) -> Markup:
    """A bar chart of the rows; ``name`` turns a row label into the label shown."""
    top_cases = max(rows, key=lambda r: r.cases, default=None)
    top_adoptions = max(rows, key=lambda r: r.adoptions, default=None)
    desc = _("Balkendiagramm, je %(kind)s zwei Balken: Lösungen und Nachnutzungen.", kind=kind)
    if top_cases and top_cases.cases:
        desc += " " + _("Die meisten Lösungen: %(label)s (%(n)d).", label=name(top_cases.label), n=top_cases.cases)
    if top_adoptions and top_adoptions.adoptions:
        desc += " " + _("Die meisten Nachnutzungen: %(label)s (%(n)d).", label=name(top_adoptions.label),
                        n=top_adoptions.adoptions)
    desc += " " + _("Alle Werte stehen in der Tabelle unter dem Diagramm.")
    return bar_chart(chart_id, title, desc, [name(r.label) for r in rows], _series(rows))


def _growth(rows: list[statistics.MonthRow]) -> Markup | None:
    if not rows:
        return None
    last = rows[-1]
    desc = _("Liniendiagramm von %(first)s bis %(last)s: Gesamtzahl der veröffentlichten Lösungen (zuletzt "
             "%(cases)d) und der Nachnutzungen (zuletzt %(adoptions)d) am Ende jedes Monats. Die Werte je Monat "
             "stehen in der Tabelle unter dem Diagramm.", first=rows[0].month, last=last.month,
             cases=last.cases_total, adoptions=last.adoptions_total)
    series = [Series(_("Lösungen insgesamt"), "cases", [r.cases_total for r in rows]),
              Series(_("Nachnutzungen insgesamt"), "adoptions", [r.adoptions_total for r in rows])]
    return line_chart("chart-growth", _("Wachstum: Lösungen und Nachnutzungen insgesamt"), desc,
                      [r.month for r in rows], series)
