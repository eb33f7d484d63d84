"""The moderation queue and the review page with the decision form."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from kb.extensions import db
from kb.models import Role, UseCase
from kb.services import deferred
from kb.services.accounts import admin as user_admin
from kb.services.adoptions import proposals as adoption_proposals
from kb.services.cases import listed_adopters, moderation, review_aids, revisions
from kb.services.cases import removal as case_removal
from kb.services.catalog.listing import get_visible
from kb.services.community import matches as need_matches
from kb.views.moderation.blueprint import bp
from kb.views.moderation.forms import DecisionForm, DeleteForm, UnpublishForm, show_error
from kb.web.permissions import current_actor, role_required


@bp.get("/moderation")
@role_required(Role.MODERATOR)
def queue():
    """New cases, proposed edits and held adoption proposals, oldest first, with their age."""
    return render_template("moderation/queue.html", items=moderation.queue(db.session),
                           proposals=adoption_proposals.queue(db.session))


def _case(slug: str) -> UseCase:
    case = get_visible(db.session, slug, current_actor())
    if case is None:
        abort(404)
    return case


def _review(case: UseCase, form: DecisionForm, status: int = 200, unpublish_form: UnpublishForm | None = None,
            delete_form: DeleteForm | None = None):
    pending = moderation.pending_for(db.session, case)
    diff = None
    if pending is not None and pending.is_edit:
        diff = revisions.compare(revisions.snapshot(case), pending.revision.data)
    proposed = pending.revision.data if pending is not None and pending.revision is not None else None
    listed = listed_adopters.describe(db.session, case, proposed.get("adopters")) if proposed else []
    return render_template("moderation/review.html", case=case, pending=pending, form=form, diff=diff,
                           proposed=proposed, owner_label=revisions.owner_label(proposed) if proposed else None,
                           listed_adopters=listed,
                           unpublish_form=unpublish_form or UnpublishForm(prefix="unpublish"),
                           delete_form=delete_form or DeleteForm(prefix="delete"),
                           aids=review_aids.aids(db.session, case, pending)), status


@bp.get("/moderation/<slug>")
@role_required(Role.MODERATOR)
def review(slug: str):
    """What waits for a decision on this case: a preview, for edits the changes."""
    return _review(_case(slug), DecisionForm())


@bp.post("/moderation/<slug>")
@role_required(Role.MODERATOR)
def decide(slug: str):
    """Publish or reject (a rejection needs a reason, which goes to the author)."""
    case = _case(slug)
    form = DecisionForm()
    form.validate()
    try:
        pending = moderation.decide(db.session, case, form.decision.data or "", form.reason.data,
                                    actor=current_actor(), adopters=form.adopter.data or [])
    except moderation.ModerationError as exc:
        show_error(form, exc.field, str(exc))
        return _review(case, form, exc.status)
    if form.decision.data == "request_changes":
        flash(_("Die Bitte um Änderungen an „%(title)s“ geht an die Autorin oder den Autor; die Beschreibung ist "
                "wieder ihr Entwurf.", title=case.title), "success")
    elif form.decision.data == "publish":
        if not pending.is_edit:  # followers of matching open needs hear of it now (after the response)
            deferred.after_response(need_matches.announce_job(case.id), db.session)
        flash(_("„%(title)s“ ist veröffentlicht.", title=case.title) if not pending.is_edit
              else _("Die Änderung an „%(title)s“ ist veröffentlicht.", title=case.title), "success")
    else:
        flash(_("„%(title)s“ ist zurückgewiesen; die Begründung geht an die Autorin oder den Autor.",
                title=case.title), "success")
    return redirect(url_for("moderation.queue"), 303)


@bp.post("/moderation/<slug>/mitgliedschaft")
@role_required(Role.MODERATOR)
def verify_membership(slug: str):
    """Confirm, with one click, that the submitter belongs to the organisation they named."""
    case = _case(slug)
    author = user_admin.verify_submitter(db.session, case, actor=current_actor())
    if author is None:
        flash(_("Zu dieser Beschreibung wartet nichts mit einer Autorin oder einem Autor."), "error")
    else:
        flash(_("Die Zugehörigkeit von %(who)s zu %(org)s ist bestätigt.", who=author.display_name or author.id,
                org=author.organisation.name), "success")
    return redirect(url_for("moderation.review", slug=case.slug, _anchor="mitgliedschaft"), 303)


def _remove(slug: str, form, form_key: str, remove, success: str):
    """Run a removal (unpublish or delete) with the form's reason; re-show the review page on a refusal."""
    case = _case(slug)
    form.validate()
    title = case.title
    try:
        remove(case, form)
    except moderation.ModerationError as exc:
        show_error(form, exc.field, str(exc))
        return _review(case, DecisionForm(), exc.status, **{form_key: form})
    flash(success % {"title": title}, "success")
    return redirect(url_for("moderation.queue"), 303)


@bp.post("/moderation/<slug>/zuruecknehmen")
@role_required(Role.MODERATOR)
def unpublish(slug: str):
    """Take a published case off the catalogue (with a reason; the author is told)."""
    return _remove(slug, UnpublishForm(prefix="unpublish"), "unpublish_form",
                   lambda case, form: case_removal.unpublish(db.session, case, form.reason.data,
                                                             actor=current_actor()),
                   _("„%(title)s“ ist nicht mehr veröffentlicht."))


@bp.post("/moderation/<slug>/loeschen")
@role_required(Role.ADMIN)
def delete(slug: str):
    """Delete a case for good (admins; with a reason and a confirmation)."""
    return _remove(slug, DeleteForm(prefix="delete"), "delete_form",
                   lambda case, form: case_removal.delete(db.session, case, form.reason.data,
                                                          bool(form.confirm.data), actor=current_actor()),
                   _("„%(title)s“ ist gelöscht."))
