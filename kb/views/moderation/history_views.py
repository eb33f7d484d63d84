"""Revision history of a case and the comparison of two versions (author and moderators)."""

from __future__ import annotations

from flask import abort, render_template, request

from kb.extensions import db
from kb.models import Role, UseCase
from kb.services import audit
from kb.services.cases import revisions, submissions
from kb.services.catalog.listing import get_visible
from kb.views.moderation.blueprint import bp
from kb.web.permissions import current_actor, role_required
from kb.web.query_params import ParamError, parse_bounded_int


def _case(slug: str) -> UseCase:
    """The case if the viewer wrote it or moderates; others get 404 like for unpublished cases."""
    actor = current_actor()
    case = get_visible(db.session, slug, actor)
    if case is None or not submissions.can_edit(case, actor):
        abort(404)
    return case


@bp.get("/cases/<slug>/versionen")
@role_required(Role.CONTRIBUTOR)
def history(slug: str):
    """Every stored version with state, author and date, and the case's audit trail."""
    case = _case(slug)
    items = revisions.history(db.session, case)
    return render_template("moderation/history.html", case=case, revisions=items,
                           events=audit.for_case(db.session, case))


@bp.get("/cases/<slug>/versionen/vergleich")
@role_required(Role.CONTRIBUTOR)
def compare(slug: str):
    """Compare two versions field by field (``alt`` and ``neu`` are version numbers; ``neu``
    may be "aktuell" for the case as it is now)."""
    case = _case(slug)
    old_number, new_number = request.args.get("alt", ""), request.args.get("neu", "aktuell")
    old = _version(case, old_number)
    new = _version(case, new_number)
    if old is None or new is None:
        abort(404)
    return render_template("moderation/compare.html", case=case, old=old, new=new,
                           diff=revisions.compare(old["data"], new["data"]))


def _version(case: UseCase, number: str) -> dict | None:
    if number == "aktuell":
        return {"number": None, "data": revisions.snapshot(case), "revision": None}
    try:
        revision = revisions.get(db.session, case, parse_bounded_int(number, name="version"))
    except ParamError:
        return None
    return {"number": revision.number, "data": revision.data, "revision": revision} if revision else None
