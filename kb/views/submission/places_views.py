"""Municipality type-ahead (JSON) and the author/moderator notice on the case page."""

from __future__ import annotations

from flask import jsonify, request

from kb.extensions import db
from kb.models import Role
from kb.services.cases import submissions
from kb.services.registry import typeahead as places
from kb.views.submission.blueprint import bp
from kb.web.permissions import current_actor


@bp.get("/municipalities/suggest")
def suggest_places():
    """Registry entries starting with ``q`` for the type-ahead (public; registry data only)."""
    found = places.suggest(request.args.get("q", ""), limit=10)
    response = jsonify({"results": [
        {"key": s.key, "name": s.name, "value": s.value, "label": s.label} for s in found]})
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.app_context_processor
def case_workflow_helper():
    """``case_workflow(case)`` for catalog/case.html: what the viewer may do with the case."""

    def case_workflow(case):
        actor = current_actor()
        if actor is None or not submissions.can_edit(case, actor):
            return None
        item = submissions.contribution(db.session, case)
        return {"item": item, "can_edit": True, "is_moderator": actor.has_role(Role.MODERATOR)}

    return {"case_workflow": case_workflow}
