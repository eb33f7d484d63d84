"""Merkliste (/merkliste) and the compare view (/vergleich)."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from kb.extensions import db
from kb.services.catalog import comparison, glance, shortlist
from kb.services.catalog import listing as catalog
from kb.views.shortlist import store
from kb.views.shortlist.blueprint import bp
from kb.web.permissions import current_actor
from kb.web.safe_redirect import safe_next


def _back(default: str) -> str:
    return safe_next(request.form.get("next"), default)


def _published_or_404(slug: str | None):
    case = catalog.get_published(db.session, (slug or "").strip()[:120]) if slug else None
    if case is None:
        abort(404, _("Diese Lösung gibt es nicht oder sie ist nicht veröffentlicht."))
    return case


@bp.get("/merkliste")
def index():
    """The saved cases, with checkboxes to compare 2 to 4 of them."""
    cases = shortlist.published_cases(db.session, store.ids(), glance.loader_options())
    return render_template("shortlist/index.html", glances=[glance.glance(c) for c in cases],
                           signed_in=current_actor() is not None, max_compare=comparison.MAX_CASES)


@bp.post("/merkliste")
def add():
    """Save a published case on the Merkliste (field ``case``: its slug)."""
    case = _published_or_404(request.form.get("case"))
    try:
        store.add(case)
    except shortlist.ShortlistFull:
        flash(_("Ihre Merkliste ist voll (höchstens %(n)d Lösungen). Entfernen Sie zuerst eine.",
                n=shortlist.MAX_ENTRIES), "error")
    else:
        flash(_("„%(title)s“ ist auf Ihrer Merkliste.", title=case.title), "success")
    return redirect(_back(url_for("shortlist.index")), 303)


@bp.post("/merkliste/entfernen")
def remove():
    """Take a case off the Merkliste (field ``case``: its slug)."""
    case = _published_or_404(request.form.get("case"))
    store.remove(case.id)
    flash(_("„%(title)s“ ist nicht mehr auf Ihrer Merkliste.", title=case.title), "success")
    return redirect(_back(url_for("shortlist.index")), 303)


@bp.get("/vergleich")
def compare():
    """2–4 published cases side by side; without ``cases`` it starts from the Merkliste."""
    named = comparison.named_slugs(request.args.getlist("cases"))
    slugs = comparison.requested_slugs(named)
    if not slugs and "cases" not in request.args:
        saved = shortlist.published_cases(db.session, store.ids())
        if comparison.MIN_CASES <= len(saved) <= comparison.MAX_CASES:
            query = urlencode({"cases": ",".join(c.slug for c in saved)}, safe=",")
            return redirect(f"{url_for('shortlist.compare')}?{query}", 303)
    result = comparison.compare(db.session, slugs, repeated=len(named) > len(slugs))
    status = 400 if (result.too_many or result.unknown) else 200
    return render_template("shortlist/compare.html", result=result, slugs=slugs, facts=glance.FACTS,
                           max_cases=comparison.MAX_CASES, min_cases=comparison.MIN_CASES), status
