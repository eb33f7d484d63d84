"""Forgotten and changed passwords."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash

from kb.models import AuditEvent, User
from kb.models.base import utcnow
from kb.services import audit, deferred, notifications
from kb.services.accounts import authentication, tokens
from kb.services.accounts import users as accounts

RESEND_PAUSE = timedelta(minutes=2)


def reset_max_age() -> int:
    return int(current_app.config.get("KB_RESET_MAX_AGE_MINUTES", 60)) * 60


def _fingerprint(user: User) -> str:
    """Part of the password hash: a token stops working once the password has changed."""
    return user.password_hash[-16:]


def request_reset(session: Session, email: str) -> None:
    """Mail a reset link if an active account has this address; never tell the caller which.

    Known and unknown addresses cost the same before the answer: one lookup, one check of the
    resend pause, one signed token, one composed mail. The mail itself goes out after the response
    (kb/services/deferred.py), so neither the work nor the mail server's delay shows in the timing.
    At most one mail per account every two minutes, so the form cannot flood a mailbox.
    """
    try:
        email = accounts.check_email(email)
    except accounts.AccountError:
        return
    user = accounts.find_by_email(session, email)
    account = user if user is not None and user.active else None
    recent = _recently_requested(session, account.id if account is not None else 0)
    token = tokens.make_token(tokens.RESET, {"uid": account.id if account is not None else 0,
                                             "fp": _fingerprint(account) if account is not None else "-"})
    mail = notifications.reset_password_mail(email, token, reset_max_age() // 60)
    account_id = account.id if account is not None and not recent else None
    deferred.after_response(partial(_send_reset, account_id, mail), session)


def _send_reset(account_id: int | None, mail: notifications.Mail, session: Session) -> None:
    """After the response: record the request (the resend pause counts from here), commit, send."""
    user = session.get(User, account_id) if account_id is not None else None
    if user is None or not user.active or _recently_requested(session, user.id):
        return
    audit.record(session, None, "user.password_reset_requested", user)
    session.commit()
    notifications.deliver(mail)


def _recently_requested(session: Session, user_id: int) -> bool:
    since = utcnow() - RESEND_PAUSE
    return session.scalar(
        select(AuditEvent.id).where(
            AuditEvent.action == "user.password_reset_requested",
            AuditEvent.object_id == str(user_id),
            AuditEvent.created_at >= since,
        ).limit(1)
    ) is not None


def user_for_reset(session: Session, token: str) -> User:
    """Return the account a reset token belongs to; raise TokenError if invalid, expired or used."""
    payload = tokens.read_token(tokens.RESET, token, reset_max_age())
    user = session.get(User, payload.get("uid")) if isinstance(payload.get("uid"), int) else None
    if user is None or not user.active or payload.get("fp") != _fingerprint(user):
        raise tokens.TokenError()
    return user


def reset_password(session: Session, token: str, password: str, remote_addr: str = "-") -> User:
    """Set a new password with a valid token and sign in with it: confirm the address, end the
    lock-out and all other sessions; commit. The caller starts the new session."""
    user = user_for_reset(session, token)
    accounts.set_password(user, password)
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
    authentication.record_reset_sign_in(session, user, remote_addr)
    audit.record(session, user, "user.password_reset", user)
    session.commit()
    return user


def change_password(session: Session, user: User, current: str, new: str) -> None:
    """Change the password of a signed-in user after checking the current one; commit."""
    if not check_password_hash(user.password_hash, current or ""):
        raise accounts.AccountError("current", _("Das bisherige Passwort stimmt nicht."))
    accounts.set_password(user, new)
    audit.record(session, user, "user.password_change", user)
    session.commit()


def explain_token_error(error: tokens.TokenError) -> str:
    if error.expired:
        return _("Der Link zum Zurücksetzen ist abgelaufen. Bitte fordern Sie einen neuen an.")
    return _("Der Link zum Zurücksetzen ist ungültig oder wurde schon benutzt. "
             "Bitte fordern Sie einen neuen an.")
