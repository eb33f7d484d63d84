"""Moderation: the queue of new cases and proposed edits, and the decisions on them.

Three decisions: publish, reject, or request changes ("Änderungen erbitten") – the version sent
back is kept as a revision in state ``changes_requested`` with the request as its note, the
author goes on editing a draft, and the resubmission is compared with that version. Every
decision is audit-logged (who, when, what, why) and mailed to the author. Publishing commits
through the session, so the search index follows automatically (kb.search.sync).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kb.models import CaseRevision, ModerationState, RevisionState, Role, UseCase, User
from kb.models.base import utcnow
from kb.services import audit, notifications
from kb.services.cases import listed_adopters, revisions
from kb.services.cases.submissions import SubmissionError, apply_record, parse
from kb.services.decisions import ModerationError, clean_reason
from kb.services.unit_of_work import retrying

DECISIONS = ("publish", "request_changes", "reject")


@dataclass
class Pending:
    """Something waiting for a decision: a new case or an edit of a published one."""

    case: UseCase
    revision: CaseRevision | None
    kind: str  # new | edit
    submitted_at: datetime
    author: User | None

    @property
    def is_edit(self) -> bool:
        return self.kind == "edit"


def require_moderator(actor: User | None) -> User:
    if actor is None or not actor.has_role(Role.MODERATOR):
        raise PermissionError("moderator")
    return actor


def queue(session: Session) -> list[Pending]:
    """Everything waiting for moderation, oldest first."""
    new_cases = session.scalars(
        select(UseCase).where(UseCase.moderation == ModerationState.SUBMITTED)
        .options(selectinload(UseCase.author))
    )
    items = [_pending_new(session, case) for case in new_cases]
    edits = session.scalars(
        select(CaseRevision).join(UseCase, UseCase.id == CaseRevision.case_id)
        .where(CaseRevision.state == RevisionState.SUBMITTED,
               UseCase.moderation == ModerationState.PUBLISHED)
        .options(selectinload(CaseRevision.author))
    )
    items += [_pending_edit(session.get(UseCase, revision.case_id), revision) for revision in edits]
    return sorted(items, key=lambda p: (p.submitted_at, p.case.id))


def _pending_new(session: Session, case: UseCase) -> Pending:
    revision = revisions.latest(session, case, RevisionState.SUBMITTED)
    submitted = case.submitted_at or (revision.created_at if revision else case.updated_at)
    return Pending(case, revision, "new", submitted, case.author)


def _pending_edit(case: UseCase, revision: CaseRevision) -> Pending:
    return Pending(case, revision, "edit", revision.created_at, revision.author or case.author)


def pending_for(session: Session, case: UseCase) -> Pending | None:
    """What waits for a decision on this case, if anything."""
    if case.moderation is ModerationState.SUBMITTED:
        return _pending_new(session, case)
    if case.is_published:
        revision = revisions.open_revision(session, case)
        if revision is not None and revision.state is RevisionState.SUBMITTED:
            return _pending_edit(case, revision)
    return None


@retrying
def decide(session: Session, case: UseCase, decision: str, reason: str | None, *, actor: User,
           adopters: Iterable[int] = ()) -> Pending:
    """Publish or reject what waits for this case; a rejection needs a reason. Commit, then mail.

    ``adopters`` are the numbers of the held adopters (kb.services.cases.listed_adopters) that
    publishing turns into adoptions; the others are dropped.
    """
    require_moderator(actor)
    if decision not in DECISIONS:
        raise ModerationError("decision", _("Bitte wählen Sie „Veröffentlichen“, „Änderungen erbitten“ oder "
                                            "„Zurückweisen“."))
    if decision == "request_changes":
        reason = clean_reason(reason, required=True, missing=_(
            "Bitte schreiben Sie, was geändert oder ergänzt werden soll – der Text geht an die Autorin oder "
            "den Autor."))
    else:
        reason = clean_reason(reason, required=decision == "reject", missing=_(
            "Bitte begründen Sie die Zurückweisung – die Begründung geht an die Autorin oder den Autor."))
    pending = pending_for(session, case)
    if pending is None:
        raise ModerationError("-", _("Zu dieser Beschreibung liegt nichts zur Prüfung vor "
                                     "(vielleicht hat schon jemand entschieden)."), status=409)
    if decision == "publish":
        _publish(session, pending, reason, actor)
        held = pending.revision.data.get("adopters") if pending.revision is not None else None
        listed_adopters.create_chosen(session, case, held, adopters, actor=actor)
    elif decision == "request_changes":
        _request_changes(session, pending, reason, actor)
    else:
        _reject(session, pending, reason, actor)
    session.commit()
    if pending.author is not None and decision == "request_changes":
        notifications.changes_requested(case, pending.author, edit=pending.is_edit, request=reason)
    elif pending.author is not None:
        notifications.case_decision(case, pending.author, published=decision == "publish",
                                    edit=pending.is_edit, reason=reason or None)
    return pending


def _publish(session: Session, pending: Pending, note: str, actor: User) -> None:
    case, revision = pending.case, pending.revision
    if pending.is_edit:
        try:
            apply_record(session, case, parse(session, {**revision.data, "slug": case.slug}, draft=False))
        except SubmissionError as exc:
            raise ModerationError("-", _("Die Änderung erfüllt die Regeln nicht mehr: %(problems)s",
                                         problems=str(exc))) from None
    else:
        case.moderation = ModerationState.PUBLISHED
        case.published_at = case.published_at or utcnow()
    case.rejection_reason = None
    revisions.supersede(session, case, RevisionState.PUBLISHED, keep=revision)
    if revision is not None:
        revision.state = RevisionState.PUBLISHED
    action = "revision.publish" if pending.is_edit else "case.publish"
    audit.record(session, actor, action, case, reason=note or None,
                 data={"revision": revision.number if revision else None})


def _reject(session: Session, pending: Pending, reason: str, actor: User) -> None:
    case, revision = pending.case, pending.revision
    if not pending.is_edit:
        case.moderation = ModerationState.REJECTED
        case.rejection_reason = reason
    if revision is not None:
        revision.state = RevisionState.REJECTED
        revision.note = reason
    action = "revision.reject" if pending.is_edit else "case.reject"
    audit.record(session, actor, action, case, reason=reason,
                 data={"revision": revision.number if revision else None})


def _request_changes(session: Session, pending: Pending, request: str, actor: User) -> None:
    """Send the version back with a request: keep it (``changes_requested``), let the author edit on."""
    case, revision = pending.case, pending.revision
    if revision is None:  # submitted before revisions were stored: keep what was sent back
        revision = revisions.add(session, case, revisions.snapshot(case), RevisionState.SUBMITTED, case.author_id)
    revision.state, revision.note = RevisionState.CHANGES_REQUESTED, request
    if pending.is_edit:
        revisions.add(session, case, dict(revision.data), RevisionState.DRAFT, revision.author_id)
    else:
        case.moderation = ModerationState.DRAFT
        case.rejection_reason = request
    action = "revision.request_changes" if pending.is_edit else "case.request_changes"
    audit.record(session, actor, action, case, reason=request, data={"revision": revision.number})


def sent_back(session: Session, case: UseCase, before: CaseRevision | None = None) -> CaseRevision | None:
    """The latest version the moderation sent back with a request (older than ``before``)."""
    stmt = select(CaseRevision).where(CaseRevision.case_id == case.id,
                                      CaseRevision.state == RevisionState.CHANGES_REQUESTED)
    if before is not None:
        stmt = stmt.where(CaseRevision.number < before.number)
    return session.scalar(stmt.order_by(CaseRevision.number.desc()).limit(1))
