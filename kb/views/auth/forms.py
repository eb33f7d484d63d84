"""Account forms (the checks that matter run in the services; these only shape the input)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from kb.services.accounts.users import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH

_EMAIL_REQUIRED = _l("Bitte geben Sie Ihre E-Mail-Adresse ein.")
_EMAIL_VALID = _l("Bitte geben Sie eine gültige E-Mail-Adresse ein.")


def _new_password(label):
    return PasswordField(label, validators=[
        DataRequired(_l("Bitte wählen Sie ein Passwort.")),
        Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH,
               message=_l("Das Passwort muss %(min)d bis %(max)d Zeichen lang sein.",
                          min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH)),
    ])


def _repeat():
    return PasswordField(_l("Passwort wiederholen"), validators=[
        DataRequired(_l("Bitte wiederholen Sie das Passwort.")),
        EqualTo("password", _l("Die Passwörter stimmen nicht überein.")),
    ])


def _email():
    return EmailField(_l("E-Mail-Adresse"), validators=[
        DataRequired(_EMAIL_REQUIRED), Email(_EMAIL_VALID, check_deliverability=False), Length(max=254)])


class LoginForm(FlaskForm):
    email = EmailField(_l("E-Mail-Adresse"), validators=[DataRequired(_EMAIL_REQUIRED)])
    password = PasswordField(_l("Passwort"), validators=[DataRequired(_l("Bitte geben Sie Ihr Passwort ein."))])
    next = HiddenField()


class RegisterForm(FlaskForm):
    email = _email()
    display_name = StringField(_l("Ihr Name"), validators=[Length(max=120)])
    municipality = StringField(_l("Ihre Kommune oder Ihr Kreis"), validators=[Length(max=200)])
    state = SelectField(_l("Bundesland"), choices=[], validate_choice=False)
    organisation = StringField(_l("Oder: Ihre Organisation"), validators=[Length(max=200)])
    password = _new_password(_l("Passwort"))
    confirm = _repeat()


class EmailForm(FlaskForm):
    """One e-mail address: forgotten password, new confirmation link."""

    email = _email()


class ConfirmForm(FlaskForm):
    """Only the CSRF token: confirming happens by pressing the button."""


class ResetPasswordForm(FlaskForm):
    password = _new_password(_l("Neues Passwort"))
    confirm = _repeat()


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Bisheriges Passwort"),
                            validators=[DataRequired(_l("Bitte geben Sie Ihr bisheriges Passwort ein."))])
    password = _new_password(_l("Neues Passwort"))
    confirm = _repeat()
