"""Declare, confirm and withdraw re-use; experience reports; moderators' corrections."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from kb.extensions import db
from kb.models import Adoption, AdoptionProposal, Role, UseCase, labels
from kb.services.adoptions import declarations as adoptions
from kb.services.adoptions import proposals as adoption_proposals
from kb.services.adoptions import reports as experience_reports
from kb.services.adoptions.declarations import AdoptionError, AdoptionNotAllowed
from kb.services.catalog import listing as catalog
from kb.views.adoption.blueprint import bp
from kb.views.adoption.forms import ActionForm, DeclareForm, ModerateForm, RemoveForm, ReportForm
from kb.web.errors import error_response
from kb.web.permissions import current_actor, role_required

ANCHOR = "nachnutzung-erklaeren"


def _case_or_404(slug: str) -> UseCase:
    case = catalog.get_published(db.session, slug)
    if case is None:
        abort(404)
    return case


def _case_url(case: UseCase, anchor: str = ANCHOR) -> str:
    return url_for("catalog.case_detail", slug=case.slug, _anchor=anchor)


def _own_adoption(case: UseCase) -> Adoption:
    """The signed-in member's adoption of ``case``; 404 if there is none."""
    org = adoptions.organisation_of(db.session, current_actor())
    adoption = adoptions.find(db.session, case, org) if org is not None and org.id is not None else None
    if adoption is None:
        abort(404, _("Ihre Kommune oder Organisation hat für diese Lösung keine Nachnutzung angegeben."))
    return adoption


@bp.route("/cases/<slug>/adopt", methods=["GET", "POST"])
@role_required(Role.READER)
def declare(slug: str):
    """Declare "Wir nutzen das auch" for the member's own municipality (or change the declaration)."""
    case = catalog.get_published_with_owner(db.session, slug)  # the form shows the title and owner only
    if case is None:
        abort(404)
    actor = current_actor()
    blocker = adoptions.declare_blocker(db.session, case, actor)
    org = adoptions.organisation_of(db.session, actor)
    own = adoptions.find(db.session, case, org) if org is not None and org.id is not None else None
    form = DeclareForm(data={"status": own.status.value, "note": own.note or "",
                             **DeclareForm.since_data(own.since)} if own else None)
    if request.method == "POST" and blocker is None and form.validate():
        # what the answer names, read before the commit expires it (else three more statements)
        title, org_name, case_url = case.title, org.name, _case_url(case)
        try:
            result = adoption_proposals.submit_declaration(db.session, case=case, actor=actor,
                                                           status=form.status.data, note=form.note.data,
                                                           since=form.since)
        except AdoptionError as exc:
            field = form.since_year if exc.field == "since" else getattr(form, exc.field, form.status)
            field.errors.append(str(exc))
        else:
            if isinstance(result, AdoptionProposal):
                flash(_held_message(org_name), "info")
            else:
                status = adoptions.parse_status(form.status.data)  # what was stored
                flash(_("Gespeichert: %(org)s nutzt „%(title)s“ (%(status)s).", org=org_name,
                        title=title, status=labels.label(labels.ADOPTION_STATUS, status)), "success")
            return redirect(case_url, 303)
    status = 200
    if request.method == "POST":
        status = 403 if blocker else 400
    return render_template("adoption/declare.html", case=case, form=form, blocker=blocker, own=own,
                           organisation=org, speaks_for=org is not None and adoptions.may_speak_for(actor, org)), status


def _held_message(org_name: str) -> str:
    return _("Danke! Ihre Angabe wartet auf Prüfung: Ihre Zugehörigkeit zu %(org)s ist noch nicht bestätigt, "
             "deshalb sieht die Moderation sie sich an, bevor sie erscheint. Sie bekommen eine E-Mail, "
             "sobald entschieden ist.", org=org_name)


@bp.post("/cases/<slug>/adopt/confirm")
@role_required(Role.READER)
def confirm(slug: str):
    """Confirm that the member's adoption is still current."""
    case = _case_or_404(slug)
    adoption = _own_adoption(case)
    ActionForm()  # CSRF is checked globally; the form only documents the POST
    adoptions.confirm(db.session, adoption, actor=current_actor())
    flash(_("Danke! Die Nachnutzung ist für weitere zwölf Monate bestätigt."), "success")
    return redirect(_case_url(case), 303)


@bp.post("/cases/<slug>/adopt/withdraw")
@role_required(Role.READER)
def withdraw(slug: str):
    """Withdraw the member's declaration for this case."""
    case = _case_or_404(slug)
    adoption = _own_adoption(case)
    name = adoption.organisation.name
    adoptions.withdraw(db.session, adoption, actor=current_actor())
    flash(_("Die Angabe, dass %(org)s diese Lösung nutzt, ist zurückgezogen.", org=name), "success")
    return redirect(_case_url(case), 303)


@bp.route("/cases/<slug>/adopt/report", methods=["GET", "POST"])
@role_required(Role.READER)
def report(slug: str):
    """Write or change the experience report of the member's adoption."""
    case = _case_or_404(slug)
    adoption = _own_adoption(case)
    existing = experience_reports.as_dict(adoption.report) if adoption.report else None
    form = ReportForm(data=existing)
    if form.validate_on_submit():
        data = experience_reports.ReportInput(**{name: form[name].data for name in
                                                 experience_reports.ReportInput.__dataclass_fields__})
        try:
            saved = adoption_proposals.submit_report(db.session, adoption, data, actor=current_actor())
        except AdoptionError as exc:
            form[exc.field].errors.append(str(exc))
        else:
            if isinstance(saved, AdoptionProposal):
                flash(_held_message(saved.organisation.name), "info")
            else:
                flash(_("Ihr Erfahrungsbericht ist gespeichert.") if saved
                      else _("Ihr Erfahrungsbericht ist gelöscht."), "success")
            return redirect(_case_url(case, "erfahrungsberichte"), 303)
    status = 400 if form.errors else 200
    return render_template("adoption/report.html", case=case, adoption=adoption, form=form,
                           speaks_for=adoptions.may_change(current_actor(), adoption)), status


@bp.post("/cases/<slug>/adopt/vorschlag/<int:proposal_id>/zurueckziehen")
@role_required(Role.READER)
def withdraw_proposal(slug: str, proposal_id: int):
    """Take back one's own declaration or report that waits for moderation."""
    case = _case_or_404(slug)
    proposal = adoption_proposals.get(db.session, proposal_id)
    actor = current_actor()
    if proposal is None or proposal.case_id != case.id or proposal.author_id != actor.id or not proposal.is_pending:
        abort(404)
    adoption_proposals.withdraw(db.session, proposal, actor=actor)
    flash(_("Ihr Vorschlag ist zurückgezogen."), "success")
    return redirect(_case_url(case), 303)


@bp.route("/cases/<slug>/adoptions/<int:adoption_id>/moderate", methods=["GET", "POST"])
@role_required(Role.MODERATOR)
def moderate(slug: str, adoption_id: int):
    """Correct (status, note, trust) or remove any adoption; every change is audit-logged."""
    case = _case_or_404(slug)
    adoption = adoptions.get_for_case(db.session, case, adoption_id)
    if adoption is None:
        abort(404)
    form = ModerateForm(data=_moderation_data(adoption))
    remove_form = RemoveForm(formdata=None, prefix="remove")
    if form.validate_on_submit():
        try:
            adoptions.moderate(db.session, adoption, actor=current_actor(), reason=form.reason.data,
                               status=form.status.data, note=form.note.data, verified=form.verified.data,
                               confirmed=form.confirmed.data)
        except AdoptionError as exc:
            getattr(form, exc.field, form.reason).errors.append(str(exc))
        else:
            flash(_("Die Nachnutzung von %(org)s ist korrigiert.", org=adoption.organisation.name), "success")
            return redirect(_case_url(case, "adopters-heading"), 303)
    status = 400 if form.errors else 200
    return render_template("adoption/moderate.html", case=case, adoption=adoption, form=form,
                           remove_form=remove_form), status


@bp.post("/cases/<slug>/adoptions/<int:adoption_id>/remove")
@role_required(Role.MODERATOR)
def remove(slug: str, adoption_id: int):
    """Remove any adoption as a moderator, with a reason."""
    case = _case_or_404(slug)
    adoption = adoptions.get_for_case(db.session, case, adoption_id)
    if adoption is None:
        abort(404)
    remove_form = RemoveForm(prefix="remove")
    if remove_form.validate():
        name = adoption.organisation.name
        adoptions.moderate(db.session, adoption, actor=current_actor(), reason=remove_form.reason.data, remove=True)
        flash(_("Die Nachnutzung von %(org)s ist entfernt.", org=name), "success")
        return redirect(_case_url(case, "adopters-heading"), 303)
    form = ModerateForm(formdata=None, data=_moderation_data(adoption))
    return render_template("adoption/moderate.html", case=case, adoption=adoption, form=form,
                           remove_form=remove_form), 400


def _moderation_data(adoption: Adoption) -> dict:
    return {"status": adoption.status.value, "note": adoption.note or "", "verified": adoption.verified,
            "confirmed": adoption.moderation_confirmed_at is not None}


@bp.post("/cases/<slug>/adoptions/<int:adoption_id>/owner-confirm")
@role_required(Role.READER)
def owner_confirm(slug: str, adoption_id: int):
    """The owner's confirmed member confirms an adopter of its solution ("vom Betreiber bestätigt")."""
    case = _case_or_404(slug)
    adoption = adoptions.get_for_case(db.session, case, adoption_id)
    if adoption is None:
        abort(404)
    adoptions.confirm_as_owner(db.session, adoption, actor=current_actor())
    flash(_("Bestätigt: %(org)s nutzt „%(title)s“ – die Angabe trägt jetzt „vom Betreiber bestätigt“.",
            org=adoption.organisation.name, title=case.title), "success")
    return redirect(_case_url(case, "adopters-heading"), 303)


@bp.errorhandler(AdoptionNotAllowed)
def not_allowed(exc: AdoptionNotAllowed):
    return error_response(403, str(exc))
