"""The audit log: who did what, when and why."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from kb.models import AuditEvent, UseCase, User
from kb.services.paging import Page


def record(
    session: Session,
    actor: User | None,
    action: str,
    obj: UseCase | User | None = None,
    *,
    object_type: str | None = None,
    object_id: str | None = None,
    case: UseCase | None = None,
    reason: str | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add one event to the session (the caller commits)."""
    if isinstance(obj, UseCase):
        object_type, object_id, case = "case", obj.slug, case or obj
    elif isinstance(obj, User):
        object_type, object_id = "user", str(obj.id)
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=action,
        object_type=object_type or "-",
        object_id=object_id or "-",
        case_id=case.id if case is not None else None,
        reason=reason,
        data=data,
    )
    session.add(event)
    return event


def events(session: Session, *, text: str = "", action: str = "", page: int = 1,
           per_page: int = 50) -> Page[AuditEvent]:
    """Return audit events matching an action prefix and a text (object id, actor e-mail)."""
    stmt = select(AuditEvent).outerjoin(User, User.id == AuditEvent.actor_id)
    if action:
        stmt = stmt.where(AuditEvent.action.startswith(action))
    if text:
        like = f"%{text.lower()}%"
        stmt = stmt.where(or_(func.lower(AuditEvent.object_id).like(like), func.lower(User.email).like(like)))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(
        stmt.options(selectinload(AuditEvent.actor))
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(per_page).offset((page - 1) * per_page)
    )
    return Page(list(rows), total, page, per_page)


def for_case(session: Session, case: UseCase) -> list[AuditEvent]:
    """Return the events about one case, oldest first."""
    return list(session.scalars(
        select(AuditEvent).where(AuditEvent.case_id == case.id)
        .options(selectinload(AuditEvent.actor))
        .order_by(AuditEvent.created_at, AuditEvent.id)
    ))


def for_user(session: Session, user: User, limit: int = 50) -> list[AuditEvent]:
    """Return the latest events about one account, newest first."""
    return list(session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "user", AuditEvent.object_id == str(user.id))
        .options(selectinload(AuditEvent.actor))
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc()).limit(limit)
    ))
