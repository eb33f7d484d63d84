"""Account forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from kb.services.accounts import MIN_PASSWORD_LENGTH


class LoginForm(FlaskForm):
    email = EmailField(_l("E-Mail-Adresse"), validators=[DataRequired(_l("Bitte geben Sie Ihre E-Mail-Adresse ein."))])
    password = PasswordField(_l("Passwort"), validators=[DataRequired(_l("Bitte geben Sie Ihr Passwort ein."))])
    next = HiddenField()


class RegisterForm(FlaskForm):
    email = EmailField(
        _l("E-Mail-Adresse"),
        validators=[DataRequired(_l("Bitte geben Sie Ihre E-Mail-Adresse ein.")),
                    Email(_l("Bitte geben Sie eine gültige E-Mail-Adresse ein."), check_deliverability=False),
                    Length(max=254)],
    )
    password = PasswordField(
        _l("Passwort"),
        validators=[DataRequired(_l("Bitte wählen Sie ein Passwort.")),
                    Length(min=MIN_PASSWORD_LENGTH, max=200,
                           message=_l("Das Passwort muss mindestens %(n)d Zeichen lang sein.", n=MIN_PASSWORD_LENGTH))],
    )
    confirm = PasswordField(
        _l("Passwort wiederholen"),
        validators=[DataRequired(_l("Bitte wiederholen Sie das Passwort.")),
                    EqualTo("password", _l("Die Passwörter stimmen nicht überein."))],
    )
