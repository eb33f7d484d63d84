"""Decision forms: cases (INTERFACES §6: decision = publish | reject, reason; and request_changes) and held
proposals."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectMultipleField, TextAreaField


class DecisionForm(FlaskForm):
    decision = RadioField(_l("Entscheidung"), validate_choice=False, choices=[
        ("publish", _l("Veröffentlichen")), ("request_changes", _l("Änderungen erbitten")),
        ("reject", _l("Zurückweisen"))])
    reason = TextAreaField(_l("Begründung"))
    # numbers of the held adopters (kb.services.cases.listed_adopters) to create on publishing; none by default
    adopter = SelectMultipleField(_l("Nachnutzer übernehmen"), coerce=int, validate_choice=False)


class ProposalDecisionForm(FlaskForm):
    decision = RadioField(_l("Entscheidung"), validate_choice=False, choices=[
        ("accept", _l("Übernehmen")), ("reject", _l("Ablehnen"))])
    reason = TextAreaField(_l("Begründung"))


def show_error(form: FlaskForm, field: str, message: str) -> None:
    """Attach a service's refusal to the named field of ``form``, or to the form as a whole."""
    target = getattr(form, field, None)
    if target is not None:
        target.errors = [*target.errors, message]
    else:
        form.form_errors.append(message)


class UnpublishForm(FlaskForm):
    reason = TextAreaField(_l("Begründung"))


class DeleteForm(FlaskForm):
    reason = TextAreaField(_l("Begründung"))
    confirm = BooleanField(_l("Ja, die Beschreibung mit allen Nachnutzungen und Versionen endgültig löschen"))
