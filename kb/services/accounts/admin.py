"""Administration of accounts: roles, verified memberships, deactivation, lock-outs.

Every change is audit-logged with the acting admin. Admins cannot demote or deactivate
themselves, so an installation never loses its last way in by accident.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from kb.models import Organisation, Role, UseCase, User
from kb.models.base import utcnow
from kb.services import audit
from kb.services.accounts import authentication
from kb.services.accounts import users as accounts
from kb.services.cases import moderation
from kb.services.paging import Page

FILTERS = ("unverified", "locked", "inactive", "unconfirmed")


class AdminError(ValueError):
    """An admin action is not possible; the message says why."""


def require_admin(actor: User | None) -> User:
    if actor is None or not actor.has_role(Role.ADMIN):
        raise PermissionError("admin")
    return actor


def list_users(session: Session, *, text: str = "", role: str = "", state: str = "",
               page: int = 1, per_page: int = 25) -> Page[User]:
    """Search by e-mail, name or organisation; filter by role and state; newest first."""
    stmt = select(User).outerjoin(Organisation, Organisation.id == User.organisation_id)
    if text:
        like = f"%{text.strip().lower()}%"
        stmt = stmt.where(or_(func.lower(User.email).like(like), func.lower(User.display_name).like(like),
                              func.lower(Organisation.name).like(like), User.municipality_ags == text.strip()))
    if role:
        stmt = stmt.where(User.role == Role(role))
    stmt = _state_filter(stmt, state)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(
        stmt.options(selectinload(User.organisation)).order_by(User.created_at.desc(), User.id.desc())
        .limit(per_page).offset((page - 1) * per_page)
    )
    return Page(list(rows), total, page, per_page)


def _state_filter(stmt, state: str):
    if state == "unverified":
        return stmt.where(User.organisation_id.is_not(None), User.membership_verified_at.is_(None))
    if state == "locked":
        return stmt.where(User.locked_until > utcnow())
    if state == "inactive":
        return stmt.where(User.active.is_(False))
    if state == "unconfirmed":
        return stmt.where(User.email_confirmed_at.is_(None))
    return stmt


def change_role(session: Session, user: User, role: Role, *, actor: User) -> None:
    require_admin(actor)
    if user.id == actor.id and role is not user.role:
        raise AdminError(_("Sie können Ihre eigene Rolle nicht ändern. Bitten Sie eine andere Administratorin "
                           "oder einen anderen Administrator."))
    if role is user.role:
        return
    old = user.role
    user.role = role
    accounts.end_sessions(user)
    audit.record(session, actor, "user.role", user, data={"from": old.value, "to": role.value})
    session.commit()


def set_membership_verified(session: Session, user: User, verified: bool, *, actor: User) -> None:
    """Confirm or withdraw a membership; admins, and moderators from the review of a submission."""
    if actor is None or not actor.has_role(Role.MODERATOR):
        raise PermissionError("moderator")
    if user.organisation_id is None:
        raise AdminError(_("Das Konto gehört zu keiner Kommune oder Organisation; es gibt nichts zu bestätigen."))
    if verified == (user.membership_verified_at is not None):
        return
    user.membership_verified_at = utcnow() if verified else None
    action = "user.verify_membership" if verified else "user.unverify_membership"
    audit.record(session, actor, action, user, data={"organisation": user.organisation.name})
    session.commit()


def verify_submitter(session: Session, case: UseCase, *, actor: User) -> User | None:
    """Confirm the membership of whoever submitted what waits on ``case`` (moderators, one click
    beside the review); None when nothing waits or its author names no organisation."""
    pending = moderation.pending_for(session, case)
    author = pending.author if pending is not None else None
    if author is None or author.organisation_id is None:
        return None
    set_membership_verified(session, author, True, actor=actor)
    return author


def set_active(session: Session, user: User, active: bool, *, actor: User, reason: str | None = None) -> None:
    require_admin(actor)
    if user.id == actor.id and not active:
        raise AdminError(_("Sie können Ihr eigenes Konto nicht deaktivieren."))
    if active == user.active:
        return
    user.active = active
    if not active:
        accounts.end_sessions(user)
    audit.record(session, actor, "user.activate" if active else "user.deactivate", user,
                 reason=(reason or "").strip()[:2000] or None)
    session.commit()


def unlock(session: Session, user: User, *, actor: User) -> None:
    """Lift a lock-out after failed logins."""
    require_admin(actor)
    authentication.record_unlock(session, user)
    audit.record(session, actor, "user.unlock", user)
    session.commit()


def is_locked(user: User) -> bool:
    return user.locked_until is not None and user.locked_until > utcnow()
