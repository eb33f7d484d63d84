"""Forms of the community pages (Flask-WTF: every POST carries the CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField

from kb.services.community import needs, referents, relay


class ContactForm(FlaskForm):
    """A message through the relay; the service checks lengths and line breaks."""

    subject = StringField(_l("Betreff"))
    message = TextAreaField(_l("Ihre Nachricht"))

    max_subject = relay.MAX_SUBJECT
    max_message = relay.MAX_BODY


class ReferentForm(FlaskForm):
    name = StringField(_l("Ihr Name"))
    role = StringField(_l("Ihre Funktion oder Ihr Bereich"))

    max_name = referents.MAX_NAME
    max_role = referents.MAX_ROLE


class FollowForm(FlaskForm):
    """Follow or stop following: what (kind, ref) and where to go back to."""

    kind = HiddenField()
    ref = HiddenField()
    next = HiddenField()


class ActionForm(FlaskForm):
    """A button that needs only the CSRF token."""


class NeedForm(FlaskForm):
    title = StringField(_l("Was brauchen Sie?"))
    problem = TextAreaField(_l("Welches Problem soll gelöst werden?"))
    topic = SelectField(_l("Thema"), choices=[], validate_choice=False)
    budget = StringField(_l("Budget"))
    timeline = StringField(_l("Zeitrahmen"))

    max_title = needs.MAX_TITLE
    max_problem = needs.MAX_PROBLEM
    max_short = needs.MAX_SHORT


class NeedDecisionForm(FlaskForm):
    decision = RadioField(_l("Entscheidung"), validate_choice=False, choices=[
        ("publish", _l("Veröffentlichen")), ("reject", _l("Zurückweisen"))])
    reason = TextAreaField(_l("Begründung"))


def add_error(form: FlaskForm, field: str, message: str) -> None:
    """Attach a service's message to a field (or to the form as a whole)."""
    target = getattr(form, field, None) if field != "-" else None
    if target is None:
        form.form_errors.append(message)
    else:
        target.errors = [*target.errors, message]
