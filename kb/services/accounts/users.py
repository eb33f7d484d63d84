"""Accounts: creation and lookup (the web flows build on these)."""

from __future__ import annotations

from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from kb.models import AuditEvent, Role, User
from kb.models.accounts import new_session_version
from kb.models.base import utcnow
from kb.services import audit
from kb.services.accounts import password_policy
from kb.services.cases.fields import EMAIL_RE
from kb.services.registry import organisations
from kb.services.registry.gazetteer import get_resolver
from kb.services.registry.names import NameResolutionError, RegistryEntry

MIN_PASSWORD_LENGTH = password_policy.MIN_LENGTH
MAX_PASSWORD_LENGTH = password_policy.MAX_LENGTH


class AccountError(ValueError):
    """An account could not be created or changed; the message says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=password_hash_method())


def password_hash_method() -> str:
    """The hash for new passwords: ``KB_PASSWORD_HASH_METHOD`` (config.py: werkzeug's scrypt, a cheaper
    one under the test settings); outside an app werkzeug's default, the same scrypt."""
    return current_app.config.get("KB_PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"


def check_new_password(password: str, *, email: str | None = None, name: str | None = None) -> None:
    """Raise AccountError (field ``password``) if the policy refuses the password for this account."""
    try:
        password_policy.check(password, email=email, name=name)
    except password_policy.PasswordRefused as exc:
        raise AccountError("password", str(exc)) from None


def check_email(email: str) -> str:
    """Return the normalised address; raise AccountError if it is not an e-mail address."""
    email = normalise_email(email)
    if len(email) > 254 or not EMAIL_RE.match(email):
        raise AccountError("email", _("„%(email)s“ ist keine gültige E-Mail-Adresse.", email=email))
    return email


def resolve_municipality(municipality: str | None, state: str | None = None) -> RegistryEntry | None:
    """Return the registry entry a typed name or key means; raise AccountError if unclear."""
    if not municipality or not municipality.strip():
        return None
    try:
        return get_resolver().resolve(municipality, state=state or None)
    except NameResolutionError as exc:
        raise AccountError("municipality", str(exc)) from None


def assign_membership(session: Session, user: User, municipality: str | None,
                      organisation: str | None, state: str | None = None) -> None:
    """Link the account to a municipality (name or key, resolved in the registry) or a named
    organisation; raise AccountError with the resolver's explanation if the name is unclear."""
    entry = resolve_municipality(municipality, state)
    if entry is not None:
        org = organisations.for_entry(session, entry)
        user.organisation = org
        user.municipality_ags = org.municipality_ags
    elif organisation and organisation.strip():
        user.organisation = organisations.named(session, organisation.strip()[:200])
        user.municipality_ags = None


def set_password(user: User, password: str) -> None:
    """Check and set a new password; lift a lock-out, end all sessions (does not commit)."""
    check_new_password(password, email=user.email, name=user.display_name)
    user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    end_sessions(user)


def end_sessions(user: User) -> None:
    """Make every session of the account invalid from its next request on (does not commit)."""
    user.session_version = new_session_version()


def sign_out(session: Session, user: User, *, everywhere: bool = False) -> None:
    """End the account's sessions and commit.

    The session version belongs to the account, so a logout ends the sessions on every device,
    including a copy of the cookie someone else may hold; ``everywhere`` only adds an audit entry.
    """
    end_sessions(user)
    if everywhere:
        audit.record(session, user, "user.sign_out_everywhere", user)
    session.commit()


def create_user(
    session: Session,
    *,
    email: str,
    password: str,
    role: Role = Role.READER,
    municipality: str | None = None,
    organisation: str | None = None,
    confirmed: bool = False,
    actor: User | None = None,
    state: str | None = None,
    display_name: str | None = None,
) -> User:
    """Create an account and commit; raise AccountError with a clear message on bad input."""
    email = check_email(email)
    if find_by_email(session, email) is not None:
        raise AccountError("email", _("Für %(email)s gibt es bereits ein Konto.", email=email))
    check_new_password(password, email=email, name=display_name)
    user = User(email=email, password_hash=hash_password(password), role=role,
                display_name=(display_name or "").strip()[:120] or None)
    assign_membership(session, user, municipality, organisation, state)
    if confirmed:
        user.email_confirmed_at = utcnow()
        user.membership_verified_at = utcnow() if (municipality or organisation) else None
    session.add(user)
    session.flush()
    session.add(AuditEvent(actor_id=actor.id if actor else None, action="user.create",
                           object_type="user", object_id=str(user.id),
                           data={"email": email, "role": role.value}))
    session.commit()
    return user
