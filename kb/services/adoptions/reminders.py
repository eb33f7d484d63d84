"""Ask adopters to re-confirm their adoptions after 12 months (``flask remind-adopters``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from kb.models import Adoption, AdoptionStatus, ModerationState, UseCase, User
from kb.models.base import utcnow
from kb.services.adoptions.declarations import STALE_AFTER
from kb.services.links import external_url
from kb.services.mail import send_mail

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
            send_mail(user.email, reminder_subject(adoptions), reminder_body(adoptions))
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


def reminder_subject(adoptions: list[Adoption]) -> str:
    if len(adoptions) == 1:
        return _("Nutzen Sie „%(title)s“ noch? Bitte bestätigen", title=adoptions[0].case.title)
    return _("Bitte bestätigen Sie %(n)d Nachnutzungen im Praxisatlas", n=len(adoptions))


def reminder_body(adoptions: list[Adoption]) -> str:
    """The plain-text mail: why, which cases, where to confirm or change."""
    site = current_app.config.get("KB_SITE_NAME", "Praxisatlas")
    lines = [
        _("Guten Tag,"),
        "",
        _("vor mehr als einem Jahr haben Sie im %(site)s angegeben, dass %(org)s die folgenden Lösungen "
          "nachnutzt. Damit andere Kommunen sich auf die Angaben verlassen können, bitten wir Sie, "
          "sie einmal im Jahr zu bestätigen oder zu ändern:", site=site, org=adoptions[0].organisation.name),
        "",
    ]
    for adoption in adoptions:
        lines.append(f"- {adoption.case.title}")
        lines.append("  " + external_url("catalog.case_detail", slug=adoption.case.slug,
                                         _anchor="nachnutzung-erklaeren"))
    lines += [
        "",
        _("Auf der Seite der Lösung können Sie mit „Bestätigen“ angeben, dass die Angabe noch stimmt, den Stand "
          "ändern oder die Angabe zurückziehen. Ohne Bestätigung wird die Angabe als veraltet gekennzeichnet."),
        "",
        _("Sie erhalten diese Nachricht, weil Sie die Nachnutzung mit Ihrem Konto angegeben haben."),
        "",
        _("Mit freundlichen Grüßen"),
        _("Ihr Team des %(site)s", site=site),
    ]
    return "\n".join(lines)
