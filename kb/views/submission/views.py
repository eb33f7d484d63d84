"""The case form (new and edit, with preview), submitting drafts, "Meine Beiträge"."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from kb.extensions import db
from kb.models import Role, UseCase, labels
from kb.services.adoptions import proposals as adoption_proposals
from kb.services.cases import revisions, submissions
from kb.services.catalog import listing as catalog
from kb.services.registry import typeahead as places
from kb.views.submission import forms
from kb.views.submission.blueprint import bp
from kb.web import page_parts
from kb.web.permissions import current_actor, role_required

ACTIONS = ("preview", "save", "submit")
#: the texts an empty form is prefilled with (the member's own organisation), put in for each request
PREFILLED = ("municipality", "organisation", "organisation_uri")
#: the fields whose choices come from the database
LISTED = ("topics", "state")


def case_form() -> forms.CaseForm:
    return with_choices(forms.CaseForm())


def with_choices(form: forms.CaseForm) -> forms.CaseForm:
    """Fill the Länder and topics to choose from (needed to show the form, not to read a sent one)."""
    form.state.choices = [("", _("– nicht nötig –"))] + places.land_choices(db.session)
    form.topics.choices = [(name, labels.label(labels.TOPIC_NAME, name))
                           for name in submissions.topic_names(db.session)]
    return form


def own_case(slug: str) -> UseCase:
    """The case if the signed-in member may edit it; 404 if they may not even see it."""
    actor = current_actor()
    case = catalog.get_visible(db.session, slug, actor)
    if case is None:
        abort(404)
    if not submissions.can_edit(case, actor):
        abort(403)
    return case


def _render(form: forms.CaseForm, case: UseCase | None, preview: dict | None = None, status: int = 200,
            form_html: Markup | None = None):
    return render_template("submission/form.html", form=form, case=case, preview=preview, form_html=form_html,
                           owner_label=revisions.owner_label(preview) if preview else None), status


@bp.route("/cases/new", methods=["GET", "POST"])
@role_required(Role.CONTRIBUTOR)
def new():
    """Describe a new solution; the owner defaults to the member's own municipality."""
    if request.method == "POST":
        return _handle(forms.CaseForm(), None)
    form = case_form()
    default_owner(form)
    return _render(form, None, form_html=blank_form(form))


def blank_form(form: forms.CaseForm) -> Markup:
    """The empty form, rendered once per process for what it shows (language, the data of its fields
    such as the kind of owner, the topics and Länder to choose from); the member's own texts and form
    token are put in for each request. Never for a form with submitted data or errors."""
    shown = tuple((field.short_name, _frozen(field.data)) for field in form
                  if field.short_name not in PREFILLED and field.type != "CSRFTokenField")
    listed = tuple(tuple(form[name].choices) for name in LISTED)
    key = ("case_form", str(get_locale() or ""), request.script_root, request.path, shown, listed)
    values = {name: form[name]._value() for name in PREFILLED}
    return page_parts.stored_part(key, lambda store: _render_blank(form, store), values)


def _frozen(data):
    return tuple(data) if isinstance(data, list) else data


def _render_blank(form: forms.CaseForm, store: page_parts.PartStore) -> str:
    """The form with the store's placeholders for the prefilled texts and the form token."""
    kept = {name: form[name].data for name in PREFILLED}
    token = getattr(form, "csrf_token", None)
    kept_token = token.current_token if token is not None else None
    try:
        for name in PREFILLED:
            form[name].data = store.blank(name)
        if token is not None:
            token.current_token = store.token
        return render_template("submission/_case_form.html", form=form, case=None)
    finally:
        for name, data in kept.items():
            form[name].data = data
        if token is not None:
            token.current_token = kept_token


def default_owner(form: forms.CaseForm) -> None:
    org = current_actor().organisation
    if org is None:
        return
    if org.key:
        form.municipality.data = places.label_for_key(org.key) or org.name
    else:
        form.owner_kind.data = "organisation"
        form.organisation.data = org.name
        form.organisation_uri.data = org.uri or ""
        form.organisation_kind.data = org.kind.value


@bp.route("/cases/<slug>/edit", methods=["GET", "POST"])
@role_required(Role.CONTRIBUTOR)
def edit(slug: str):
    """Edit an own case; for a published case the change is proposed and reviewed first."""
    case = own_case(slug)
    if request.method == "POST":
        return _handle(forms.CaseForm(), case)
    form = case_form()
    forms.fill(form, submissions.editable_data(db.session, case))
    return _render(form, case)


def _handle(form: forms.CaseForm, case: UseCase | None):
    """Preview, save as draft or submit – the pressed button decides (the form's choices are filled
    only where it is shown again)."""
    action = request.form.get("action", "save")
    if action not in ACTIONS:
        abort(400)
    form.validate()
    data = forms.to_data(form)
    actor = current_actor()
    try:
        if action == "preview":
            preview = submissions.preview(db.session, data, case.slug if case else "vorschau")
            return _render(with_choices(form), case, preview)
        if action == "submit":
            message = submitted_message(case)  # before the commit, which expires the case
            case = submissions.submit_data(db.session, data, author=actor, case=case)
            flash(message, "success")
            return redirect(url_for("submission.mine"), 303)
        case = submissions.save_draft(db.session, data, author=actor, case=case)
    except submissions.SubmissionError as exc:
        forms.add_problems(form, exc.problems)
        return _render(with_choices(form), case, status=400)
    except submissions.SubmissionForbidden:
        abort(403)
    flash(_("Ihr Entwurf ist gespeichert. Nur Sie und die Moderation können ihn sehen."), "success")
    return redirect(url_for("submission.mine"), 303)


def submitted_message(case: UseCase | None) -> str:
    """What a member reads after submitting this case (None: a new one)."""
    if case is not None and case.is_published:
        return _("Ihre Änderung ist eingereicht. Bis die Moderation sie freigibt, bleibt die "
                 "veröffentlichte Fassung sichtbar.")
    return _("Ihre Beschreibung ist eingereicht. Die Moderation prüft sie; danach ist sie für alle sichtbar.")


@bp.post("/cases/<slug>/submit")
@role_required(Role.CONTRIBUTOR)
def submit(slug: str):
    """Send a saved draft to moderation; if something is missing, show the form with errors."""
    case = own_case(slug)
    message = submitted_message(case)  # before the commit, which expires the case
    try:
        submissions.submit(db.session, case, actor=current_actor())
    except submissions.SubmissionError as exc:
        form = case_form()
        forms.fill(form, submissions.editable_data(db.session, case))
        forms.add_problems(form, exc.problems)
        return _render(form, case, status=400)
    flash(message, "success")
    return redirect(url_for("submission.mine"), 303)


@bp.post("/cases/<slug>/delete")
@role_required(Role.CONTRIBUTOR)
def delete(slug: str):
    """Delete an own draft that was never published."""
    case = own_case(slug)
    try:
        submissions.delete_draft(db.session, case, actor=current_actor())
    except submissions.SubmissionError as exc:
        flash(exc.problems[0].message, "error")
        return redirect(url_for("submission.mine"), 303)
    flash(_("Der Entwurf ist gelöscht."), "success")
    return redirect(url_for("submission.mine"), 303)


@bp.get("/meine-beitraege")
@role_required(Role.CONTRIBUTOR)
def mine():
    """The member's own cases and held adoption proposals with where they stand and any reason for a rejection."""
    actor = current_actor()
    return render_template("submission/mine.html", items=submissions.contributions(db.session, actor),
                           proposals=adoption_proposals.of_author(db.session, actor))
