"""Held declarations and experience reports of unconfirmed members: review and decision."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from kb.extensions import db
from kb.models import AdoptionProposal, Role
from kb.services.adoptions import proposals as adoption_proposals
from kb.views.moderation.blueprint import bp
from kb.views.moderation.forms import ProposalDecisionForm, show_error
from kb.web.permissions import current_actor, role_required


def _proposal(proposal_id: int) -> AdoptionProposal:
    proposal = adoption_proposals.get(db.session, proposal_id)
    if proposal is None:
        abort(404)
    return proposal


def _review(proposal: AdoptionProposal, form: ProposalDecisionForm, status: int = 200):
    return render_template("moderation/proposal.html", proposal=proposal, form=form,
                           current=adoption_proposals.current_values(db.session, proposal)), status


@bp.get("/moderation/nachnutzungen/<int:proposal_id>")
@role_required(Role.MODERATOR)
def proposal(proposal_id: int):
    """The proposal beside what it would replace, with the decision form."""
    return _review(_proposal(proposal_id), ProposalDecisionForm())


@bp.post("/moderation/nachnutzungen/<int:proposal_id>")
@role_required(Role.MODERATOR)
def decide_proposal(proposal_id: int):
    """Accept (it becomes the published record) or reject (with a reason mailed to the author)."""
    item = _proposal(proposal_id)
    form = ProposalDecisionForm()
    form.validate()
    try:
        adoption_proposals.decide(db.session, item, form.decision.data or "", form.reason.data,
                                  actor=current_actor())
    except adoption_proposals.ProposalError as exc:
        show_error(form, exc.field, str(exc))
        return _review(item, form, exc.status)
    if form.decision.data == "accept":
        flash(_("Übernommen: %(org)s bei „%(title)s“.", org=item.organisation.name, title=item.case.title), "success")
    else:
        flash(_("Abgelehnt; die Begründung geht per E-Mail an die Person, die den Vorschlag gemacht hat."), "success")
    return redirect(url_for("moderation.queue"), 303)
