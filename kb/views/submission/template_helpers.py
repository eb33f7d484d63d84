"""Template helpers of submissions, registered for every page."""

from __future__ import annotations

from kb.extensions import db
from kb.models import Role
from kb.services.cases import submissions
from kb.views.submission.blueprint import bp
from kb.web.permissions import current_actor


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
