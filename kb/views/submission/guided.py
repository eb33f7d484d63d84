"""The guided submission: the case form in steps, each saved as a draft, ending with a
check-your-answers page (GOV.UK pattern). Works without JavaScript.

Worum geht es → Wer betreibt es → Wie kommt man dran → Kontakt → Prüfen und absenden. Every step
posts only its own fields; they are merged into the saved draft and parsed as a draft (so a
half-finished step can always be saved). To submit, contact and "Was Sie zur Nachnutzung
brauchen" are required on top of what every submission needs; a missing one is refused with the
step that asks for it. The single-page form at /cases/new stays for editing everything at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from kb.extensions import db
from kb.models import ReusePathKind, Role, UseCase, labels
from kb.services.cases import completeness, revisions, submissions
from kb.services.cases.fields import FieldProblem
from kb.services.catalog.similar import similar_cases
from kb.views.submission import forms
from kb.views.submission.blueprint import bp
from kb.views.submission.views import case_form, default_owner, own_case, submitted_message
from kb.web.permissions import current_actor, role_required

DESCRIPTION_TEMPLATE = "## Ausgangslage\n\n\n\n## Lösung\n\n\n\n## Ergebnisse\n\n"
BACK_TO_CHECK = "pruefen"
OWNER_FIELDS = ("owner_kind", "municipality", "state", "organisation", "organisation_uri", "organisation_kind")
#: the re-use facts, asked for by submission/_reuse_facts.html as one block
FACT_FIELDS = (*(f"reuse_{kind.value}{part}" for kind in ReusePathKind for part in ("", "_note", "_link")),
               "operator_kind", "operator_name", "hosting", "costs_once_eur", "costs_yearly_eur",
               "effort_person_days", "funding")


@dataclass(frozen=True)
class Step:
    """One page of the guided form: its key in the URL, its title and the form fields it asks for."""

    key: str
    title: str
    fields: tuple[str, ...]

    @property
    def asks_facts(self) -> bool:
        return FACT_FIELDS[0] in self.fields

    @property
    def single_fields(self) -> tuple[str, ...]:
        """The fields shown one by one (the re-use facts come as a block)."""
        return tuple(name for name in self.fields if name not in FACT_FIELDS)


STEPS = (
    Step("worum", _l("Worum geht es?"), ("title", "summary", "description", "topics", "status", "tags")),
    Step("betrieb", _l("Wer betreibt es?"), (*OWNER_FIELDS, "started")),
    Step("nachnutzung", _l("Wie kommt man dran?"),
         ("reuse", *FACT_FIELDS, "costs", "license", "repository", "links", "lessons")),
    Step("kontakt", _l("Kontakt"), ("contact_name", "contact_role", "contact_email", "contact_phone", "contact_url")),
    Step("pruefen", _l("Prüfen und absenden"), ()),
)
STEP_BY_KEY = {step.key: step for step in STEPS}


def step_of_field(name: str | None) -> Step:
    """The step asking for a form field (None, the record as a whole: the first step)."""
    for step in STEPS:
        if name in step.fields:
            return step
    return STEPS[0]


def step_number(step: Step) -> int:
    """The step's place in the walk, 1 to 5 (by its key: the first step of a member without an
    organisation asks for the owner too and is another Step)."""
    return next(number for number, known in enumerate(STEPS, 1) if known.key == step.key)


@bp.get("/teilen")
def share():
    """"Eigene Lösung teilen": what the steps are, and the way in (also for visitors not signed in)."""
    actor = current_actor()
    return render_template("submission/share.html", steps=STEPS,
                           can_submit=submissions.can_submit(actor), signed_in=actor is not None)


@bp.get("/cases/aehnlich")
def similar():
    """Published cases like a title being typed: JSON for the duplicate check ("Gibt es schon?")."""
    cases = similar_cases(db.session, request.args.get("q") or "")
    return jsonify(results=[{"title": case.title, "url": url_for("catalog.case_detail", slug=case.slug),
                             "municipality": case.owner.name} for case in cases])


@bp.route("/cases/neu/worum", methods=["GET", "POST"])
@role_required(Role.CONTRIBUTOR)
def guided_start():
    """Step 1 of a new case; saving it creates the draft the other steps continue."""
    form = case_form()
    step = STEPS[0]
    if current_actor().organisation is None:  # nobody to default to: ask for the owner at once
        step = Step(step.key, step.title, step.fields + OWNER_FIELDS)
    default_owner(form)
    if request.method == "GET":
        form.description.data = DESCRIPTION_TEMPLATE
        return _render_step(form, None, step)
    _take_step_fields(form, step)
    return _save(form, None, step)


@bp.route("/cases/<slug>/schritte/<step_key>", methods=["GET", "POST"])
@role_required(Role.CONTRIBUTOR)
def guided_step(slug: str, step_key: str):
    """One step of a saved draft, or the check page."""
    case = own_case(slug)
    step = STEP_BY_KEY.get(step_key)
    if step is None:
        abort(404)
    if step.key == "pruefen":
        return _check(case)
    form = case_form()
    forms.fill(form, submissions.editable_data(db.session, case))
    if request.method == "POST":
        _take_step_fields(form, step)
        return _save(form, case, step)
    return _render_step(form, case, step)


def _take_step_fields(form: forms.CaseForm, step: Step) -> None:
    """Replace the step's fields with what was posted (the other fields keep the saved draft)."""
    for name in step.fields:
        form[name].process(request.form)


def _save(form: forms.CaseForm, case: UseCase | None, step: Step):
    """Save the draft; go on to the next step, back to the check page, or to "Meine Beiträge"."""
    try:
        case = submissions.save_draft(db.session, forms.to_data(form), author=current_actor(), case=case)
    except submissions.SubmissionError as exc:
        _add_step_problems(form, step, exc.problems)
        return _render_step(form, case, step, status=400)
    except submissions.SubmissionForbidden:
        abort(403)
    if request.form.get("action") == "later":
        flash(_("Ihr Entwurf ist gespeichert. Sie können jederzeit weitermachen."), "success")
        return redirect(url_for("submission.mine"), 303)
    following = BACK_TO_CHECK if request.form.get("zurueck") == BACK_TO_CHECK else STEPS[step_number(step)].key
    return redirect(url_for("submission.guided_step", slug=case.slug, step_key=following), 303)


def _add_step_problems(form: forms.CaseForm, step: Step, problems: list[FieldProblem]) -> None:
    """Problems of this step's fields at the field; problems of other steps named with their step."""
    here = [problem for problem in problems if forms.field_for(problem, form) in step.fields]
    forms.add_problems(form, here)
    for problem in problems:
        if problem not in here:
            other = step_of_field(forms.field_for(problem, form))
            form.form_errors.append(_("Schritt %(n)d „%(step)s“: %(message)s", n=step_number(other),
                                      step=other.title, message=forms.message_for(problem)))


def _render_step(form: forms.CaseForm, case: UseCase | None, step: Step, status: int = 200):
    data = forms.to_data(form)
    duplicates = _duplicates(data.get("title") or "", case) if case is not None and step.key != "worum" else []
    return render_template(
        "submission/guided_step.html", form=form, case=case, step=step, steps=STEPS, number=step_number(step),
        meter=completeness.check(data), back_to_check=request.values.get("zurueck") == BACK_TO_CHECK,
        duplicates=duplicates,
    ), status


def _duplicates(title: str, case: UseCase | None) -> list[UseCase]:
    """Published cases like the title, other than the case itself."""
    return similar_cases(db.session, title, exclude=case.id if case else None)


def _check(case: UseCase):
    """Check your answers; POST submits (contact and re-use facts required, else the step is named)."""
    data = submissions.editable_data(db.session, case)
    rating = completeness.check(data)
    errors: list[tuple[Step, str]] = []
    if request.method == "POST":
        errors = [(STEP_BY_KEY[item.step], _("%(item)s fehlt: %(hint)s", item=item.label, hint=item.hint)
                   if item.hint else _("%(item)s fehlt.", item=item.label)) for item in rating.missing_required]
        if not errors:
            try:
                submissions.submit(db.session, case, actor=current_actor())
            except submissions.SubmissionError as exc:
                form = case_form()
                forms.fill(form, data)
                errors = [(step_of_field(forms.field_for(problem, form)), forms.message_for(problem))
                          for problem in exc.problems]
            else:
                flash(submitted_message(case), "success")
                return redirect(url_for("submission.mine"), 303)
        errors.sort(key=lambda error: step_number(error[0]))
    return render_template("submission/guided_check.html", case=case, data=data, steps=STEPS, meter=rating,
                           errors=errors, step_number=step_number, owner_label=revisions.owner_label(data),
                           facts=fact_rows(data),
                           duplicates=_duplicates(data.get("title") or "", case),
                           change_request=submissions.contribution(db.session, case).change_request,
                           ), 400 if errors else 200


def fact_rows(data: dict) -> list[tuple[str, str]]:
    """The re-use facts of record data as (label, text) rows of the check page ("" = not given)."""
    def euros(key: str) -> str:
        return "" if data.get(key) is None else f"{format_decimal(data[key])} €"

    operator = data.get("operator") or {}
    paths = [labels.label(labels.REUSE_PATH, path["kind"]) + (f": {path['note']}" if path.get("note") else "")
             + (f" ({path['link']})" if path.get("link") else "") for path in data.get("reuse_path") or []]
    return [
        (_("Wege zur Nachnutzung"), "; ".join(paths)),
        (_("Wer betreibt sie technisch?"), ", ".join(filter(None, (
            labels.label(labels.OPERATOR_KIND, operator["kind"]) if operator.get("kind") else "",
            operator.get("name") or "")))),
        (_("Wo läuft sie?"), labels.label(labels.HOSTING, data["hosting"]) if data.get("hosting") else ""),
        (_("Einmalige Kosten in Euro"), euros("costs_once_eur")),
        (_("Laufende Kosten pro Jahr in Euro"), euros("costs_yearly_eur")),
        (_("Eigener Aufwand in Personentagen"),
         "" if data.get("effort_person_days") is None else str(data["effort_person_days"])),
        (_("Förderung"), data.get("funding") or ""),
    ]
