"""Take a published case off the catalogue: unpublish it (moderators) or delete it for good (admins).

Both need a reason, are audit-logged and leave a tombstone in the change journal
(kb.services.cases.journal), so other catalogues learn that the case is gone. An unpublished case
goes back to its author as rejected, with the reason; a deleted one is gone with its adoptions
and versions. A harvested case that was unpublished stays unpublished when its source is read again.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.models import CaseRevision, ModerationState, Role, UseCase, User
from kb.services import audit, notifications
from kb.services.decisions import ModerationError, clean_reason
from kb.services.unit_of_work import retrying


def _reason(reason: str | None) -> str:
    return clean_reason(reason, required=True,
                        missing=_("Bitte geben Sie eine Begründung an – sie wird protokolliert."))


@retrying
def unpublish(session: Session, case: UseCase, reason: str | None, *, actor: User) -> None:
    """Take a published case off the catalogue; it goes back to its author as rejected. Commit, then mail."""
    if actor is None or not actor.has_role(Role.MODERATOR):
        raise PermissionError("moderator")
    reason = _reason(reason)
    if not case.is_published:
        raise ModerationError("-", _("Die Beschreibung ist nicht veröffentlicht."), status=409)
    case.moderation = ModerationState.REJECTED
    case.rejection_reason = reason
    audit.record(session, actor, "case.unpublish", case, reason=reason)
    session.commit()
    if case.author is not None:
        notifications.case_decision(case, case.author, published=False, edit=False, reason=reason)


@retrying
def delete(session: Session, case: UseCase, reason: str | None, confirmed: bool, *, actor: User) -> None:
    """Delete a case with its adoptions and versions (admins only, with a reason and a confirmation). Commit."""
    if actor is None or not actor.has_role(Role.ADMIN):
        raise PermissionError("admin")
    reason = _reason(reason)
    if not confirmed:
        raise ModerationError("confirm", _("Bitte bestätigen Sie, dass die Beschreibung endgültig gelöscht wird."))
    audit.record(session, actor, "case.remove", object_type="case", object_id=case.slug, reason=reason,
                 data={"title": case.title, "was_published": case.is_published})
    for revision in session.scalars(select(CaseRevision).where(CaseRevision.case_id == case.id)):
        session.delete(revision)
    session.delete(case)
    session.commit()
