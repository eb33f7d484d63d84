"""Ask adopters to re-confirm their adoptions after 12 months (``flask remind-adopters``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from kb.models import Adoption, AdoptionStatus, ModerationState, UseCase, User
from kb.models.base import utcnow
from kb.services import notifications
from kb.services.adoptions.declarations import STALE_AFTER

REMIND_AGAIN_AFTER = timedelta(days=30)


@dataclass
class ReminderReport:
    """What a reminder run did."""

    due: int = 0
    mails: int = 0
    adoptions: int = 0
    failed: int = 0


def due_adoptions(session: Session, now: datetime | None = None) -> list[Adoption]:
    """Adoptions declared by an active account, unconfirmed for 12 months, not reminded for 30 days."""
    now = now or utcnow()
    stmt = (
        select(Adoption)
        .join(UseCase, UseCase.id == Adoption.case_id)
        .join(User, User.id == Adoption.declared_by_id)
        .where(
            UseCase.moderation == ModerationState.PUBLISHED,
            User.active.is_(True),
            Adoption.status != AdoptionStatus.EINGESTELLT,
            func.coalesce(Adoption.confirmed_at, Adoption.created_at) < now - STALE_AFTER,
            or_(Adoption.reminded_at.is_(None), Adoption.reminded_at < now - REMIND_AGAIN_AFTER),
        )
        .options(selectinload(Adoption.case), selectinload(Adoption.declared_by))
        .order_by(Adoption.declared_by_id, Adoption.id)
    )
    return list(session.scalars(stmt))


def send_reminders(session: Session, *, now: datetime | None = None,
                   progress: Callable[[int], None] | None = None) -> ReminderReport:
    """Send one mail per account listing its due adoptions; mark them reminded (commit per mail)."""
    now = now or utcnow()
    by_user: dict[int, list[Adoption]] = defaultdict(list)
    due = due_adoptions(session, now)
    for adoption in due:
        by_user[adoption.declared_by_id].append(adoption)
    report = ReminderReport(due=len(due))
    for adoptions in by_user.values():
        user = adoptions[0].declared_by
        try:
            notifications.adoption_reminder(user, adoptions)
        except OSError:
            current_app.logger.exception("Erinnerung an %s konnte nicht gesendet werden", user.email)
            report.failed += 1
        else:
            for adoption in adoptions:
                adoption.reminded_at = now
            session.commit()
            report.mails += 1
            report.adoptions += len(adoptions)
        if progress:
            progress(len(adoptions))
    return report
