"""Forms of the adoption pages; field names match POST /cases/<slug>/adopt (status, note)."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from kb.models import labels
from kb.services.adoptions.declarations import NOTE_MAX_LENGTH
from kb.services.adoptions.reports import COST_BANDS, LIMITS, RECOMMEND, TEXT_MAX_LENGTH


def status_choices() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in labels.ADOPTION_STATUS.items()]


def _open_status_choices() -> list[tuple[str, str]]:
    """The statuses after an empty "Bitte wählen": nothing is preselected."""
    return [("", str(_l("Bitte wählen …")))] + status_choices()


MONTHS = (_l("Januar"), _l("Februar"), _l("März"), _l("April"), _l("Mai"), _l("Juni"), _l("Juli"),
          _l("August"), _l("September"), _l("Oktober"), _l("November"), _l("Dezember"))
FIRST_YEAR = 1990


def _month_choices() -> list[tuple[str, str]]:
    return [("", str(_l("Monat (optional)")))] + [(f"{n:02d}", str(name)) for n, name in enumerate(MONTHS, 1)]


def _year_choices() -> list[tuple[str, str]]:
    this_year = date.today().year
    return [("", str(_l("Jahr")))] + [(str(y), str(y)) for y in range(this_year, FIRST_YEAR - 1, -1)]


class DeclareForm(FlaskForm):
    """"Wir nutzen das auch": the status (no default), since when (month/year) and a note."""

    status = SelectField(_l("Stand bei Ihnen"), choices=_open_status_choices,
                         validators=[InputRequired(_l("Bitte wählen Sie den Stand."))])
    since_month = SelectField(_l("Seit Monat"), choices=_month_choices, validators=[Optional()])
    since_year = SelectField(_l("Seit Jahr"), choices=_year_choices, validators=[Optional()])
    note = TextAreaField(_l("Hinweis für andere Kommunen"),
                         validators=[Optional(), Length(max=NOTE_MAX_LENGTH,
                                                        message=_l("Höchstens %(max)d Zeichen."))])

    def validate_since_month(self, field) -> None:
        if field.data and not self.since_year.data:
            raise ValidationError(_l("Bitte geben Sie zum Monat auch das Jahr an."))
        if field.data and date(int(self.since_year.data), int(field.data), 1) > date.today():
            raise ValidationError(_l("„Seit wann“ darf nicht in der Zukunft liegen."))

    @property
    def since(self) -> str | None:
        """``YYYY-MM``, ``YYYY`` or None: the date the use began, for timelines."""
        if not self.since_year.data:
            return None
        return f"{self.since_year.data}-{self.since_month.data}" if self.since_month.data else self.since_year.data

    @staticmethod
    def since_data(since: str | None) -> dict[str, str]:
        """Form data of a stored "seit" (``YYYY[-MM[-DD]]``)."""
        parts = (since or "").split("-")
        return {"since_year": parts[0] if since else "", "since_month": parts[1] if len(parts) > 1 else ""}


class ActionForm(FlaskForm):
    """A button that only needs the CSRF token (withdraw, confirm)."""


class ModerateForm(FlaskForm):
    status = SelectField(_l("Stand"), choices=status_choices,
                         validators=[InputRequired(_l("Bitte wählen Sie den Stand."))])
    note = TextAreaField(_l("Hinweis"), validators=[Optional(), Length(max=NOTE_MAX_LENGTH)])
    verified = BooleanField(_l("Von einem bestätigten Mitglied der Kommune angegeben"))
    confirmed = BooleanField(_l("Bestätigt durch Moderation (z. B. nach Rückfrage oder aus einer Quelle belegt)"))
    reason = TextAreaField(_l("Begründung für das Protokoll"),
                           validators=[DataRequired(_l("Bitte geben Sie eine Begründung an.")), Length(max=2000)])


class RemoveForm(FlaskForm):
    reason = TextAreaField(_l("Begründung für das Entfernen"),
                           validators=[DataRequired(_l("Bitte geben Sie eine Begründung an.")), Length(max=2000)])


def _choices(table: dict) -> list[tuple[str, str]]:
    return [("", str(_l("Keine Angabe")))] + [(k, str(v)) for k, v in table.items()]


class WholeNumberField(IntegerField):
    """An integer field with a German message for text that is not a whole number."""

    def process_formdata(self, valuelist):
        if valuelist and valuelist[0].strip():
            try:
                self.data = int(valuelist[0].strip())
            except ValueError:
                self.data = None
                raise ValueError(str(_l("Bitte eine ganze Zahl eingeben, zum Beispiel 12."))) from None
        else:
            self.data = None


def _number(label, maximum: int) -> IntegerField:
    return WholeNumberField(label, validators=[Optional(), NumberRange(
        min=0, max=maximum, message=_l("Bitte eine Zahl zwischen 0 und %(max)d angeben.", max=maximum))])


def _text(label) -> TextAreaField:
    return TextAreaField(label, validators=[Optional(), Length(
        max=TEXT_MAX_LENGTH, message=_l("Höchstens %(max)d Zeichen.", max=TEXT_MAX_LENGTH))])


class ReportForm(FlaskForm):
    months_to_live = _number(_l("Monate bis zum Regelbetrieb"), LIMITS["months_to_live"])
    effort_person_days = _number(_l("Aufwand in Personentagen (eigene Verwaltung)"), LIMITS["effort_person_days"])
    cost_band = SelectField(_l("Kosten der Einführung"), choices=lambda: _choices(COST_BANDS), default="")
    recommend = SelectField(_l("Würden Sie die Lösung weiterempfehlen?"), choices=lambda: _choices(RECOMMEND),
                            default="")
    adapted = _text(_l("Was haben Sie angepasst?"))
    data_prerequisites = _text(_l("Welche Daten und Voraussetzungen brauchten Sie?"))
    pitfalls = _text(_l("Stolpersteine und Tipps"))
