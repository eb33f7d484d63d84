"""Putting a case into the moderation queue: its state, the revision the moderators review, the audit event
and the moderators' mails (kb.services.cases.submissions decides when; nothing here commits but
``commit_and_notify``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.models import ModerationState, RevisionState, Role, UseCase, User
from kb.models.base import utcnow
from kb.services import audit, notifications
from kb.services.cases import revisions


def new_case(slug: str, author_id: int | None, *, submitted: bool) -> UseCase:
    """A case not yet stored, as a draft or already waiting for moderation: never published, no adoptions,
    no re-use paths yet – set, so the flush's listeners and the first revision need not ask the database."""
    case = UseCase(slug=slug, author_id=author_id, tags=[], links=[], adoptions=[], reuse_paths=[], published_at=None,
                   moderation=ModerationState.SUBMITTED if submitted else ModerationState.DRAFT)
    if submitted:
        case.submitted_at = utcnow()
    return case


def mark_submitted(session: Session, case: UseCase, actor: User | None, via: str,
                   adopters: list[dict] | None = None) -> None:
    """Send a stored case that is not published (draft, rejected, waiting already) to moderation."""
    session.flush()
    revisions.supersede(session, case, RevisionState.SUBMITTED)
    revision = revisions.add(session, case, _submitted_data(case, adopters), RevisionState.SUBMITTED,
                             actor.id if actor else case.author_id)
    case.moderation = ModerationState.SUBMITTED
    case.submitted_at = utcnow()
    case.rejection_reason = None
    audit.record(session, actor, "case.submit", case, data={"revision": revision.number, "via": via})


def first_revision(session: Session, case: UseCase, actor: User | None, via: str,
                   adopters: list[dict] | None = None) -> None:
    """Record the submission of a case created in this transaction in its final state (``new_case``):
    its revision 1 and the audit event, written with the commit's flush."""
    revision = revisions.first(session, case, _submitted_data(case, adopters), RevisionState.SUBMITTED,
                               actor.id if actor else case.author_id)
    audit.record(session, actor, "case.submit", case, data={"revision": revision.number, "via": via})


def _submitted_data(case: UseCase, adopters: list[dict] | None) -> dict[str, Any]:
    data = revisions.snapshot(case)
    if adopters:
        data["adopters"] = adopters
    return data


def notify_moderators(session: Session, case: UseCase, *, edit: bool) -> None:
    """Tell the moderators that something about this case waits for them (after the commit)."""
    for mail in _moderator_mails(session, case, edit=edit):
        notifications.deliver(mail)


def commit_and_notify(session: Session, case: UseCase, *, edit: bool) -> None:
    """Commit, then tell the moderators; the mails are written before the commit, so nothing of the
    case or the moderators has to be read again after it."""
    mails = _moderator_mails(session, case, edit=edit)
    session.commit()
    for mail in mails:
        notifications.deliver(mail)


def _moderator_mails(session: Session, case: UseCase, *, edit: bool) -> list[notifications.Mail]:
    moderators = list(session.scalars(
        select(User).where(User.role.in_([Role.MODERATOR, Role.ADMIN]), User.active.is_(True))
    ))
    return notifications.new_submission_mails(case, moderators, edit=edit)
