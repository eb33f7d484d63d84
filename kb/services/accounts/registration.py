"""Self-registration with e-mail confirmation, without revealing which addresses have accounts."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from kb.models import Role, User
from kb.models.base import utcnow
from kb.services import audit, notifications
from kb.services.accounts import tokens
from kb.services.accounts import users as accounts


@dataclass
class Registration:
    """What someone typed into the registration form."""

    email: str
    password: str
    display_name: str = ""
    municipality: str = ""
    state: str = ""
    organisation: str = ""


def registration_role() -> Role:
    try:
        return Role(current_app.config.get("KB_REGISTRATION_ROLE", "contributor"))
    except ValueError:
        return Role.READER


def register(session: Session, form: Registration) -> None:
    """Create an unconfirmed account and mail a confirmation link.

    If the address already has an account, nothing is created and that address gets a
    hint instead, so the answer on screen is the same either way. Bad input raises
    AccountError (naming the field) and changes nothing.
    """
    email = accounts.check_email(form.email)
    accounts.check_new_password(form.password, email=email, name=form.display_name)
    accounts.resolve_municipality(form.municipality, form.state)
    if accounts.find_by_email(session, email) is not None:
        accounts.hash_password(form.password)  # same work as for a new account: no timing hint
        notifications.already_registered(email)
        return
    user = accounts.create_user(
        session, email=email, password=form.password, role=registration_role(),
        municipality=form.municipality, organisation=form.organisation, state=form.state,
        display_name=form.display_name)
    send_confirmation(user)


def confirm_max_age() -> int:
    return int(current_app.config.get("KB_CONFIRM_MAX_AGE_HOURS", 72)) * 3600


def send_confirmation(user: User) -> None:
    token = tokens.make_token(tokens.CONFIRM_EMAIL, {"uid": user.id, "email": user.email})
    notifications.confirm_email(user, token, confirm_max_age() // 3600)


def user_for_confirmation(session: Session, token: str) -> User:
    """Return the account a confirmation token belongs to; raise TokenError otherwise."""
    payload = tokens.read_token(tokens.CONFIRM_EMAIL, token, confirm_max_age())
    user = session.get(User, payload.get("uid")) if isinstance(payload.get("uid"), int) else None
    if user is None or user.email != payload.get("email"):
        raise tokens.TokenError()
    return user


def confirm_email(session: Session, token: str) -> User:
    """Mark the address as confirmed (idempotent) and commit; raise TokenError if invalid."""
    user = user_for_confirmation(session, token)
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
        audit.record(session, user, "user.confirm_email", user)
        session.commit()
    return user


def resend_confirmation(session: Session, email: str) -> None:
    """Mail a new link if the address belongs to an unconfirmed account; say nothing otherwise."""
    try:
        email = accounts.check_email(email)
    except accounts.AccountError:
        return
    user = accounts.find_by_email(session, email)
    if user is not None and user.active and user.email_confirmed_at is None:
        send_confirmation(user)


def explain_token_error(error: tokens.TokenError) -> str:
    if error.expired:
        return _("Der Bestätigungslink ist abgelaufen. Fordern Sie bitte einen neuen an.")
    return _("Der Bestätigungslink ist ungültig. Bitte prüfen Sie, ob er vollständig kopiert wurde.")
