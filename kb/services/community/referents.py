"""Referents ("Ansprechperson"): a confirmed member answers for their organisation's use of a case.

The owner's referent answers "Frage an das Team", an adopter's referent "Frage an Nutzer".
Pages show the referent's name and role, never the address; the relay mails them.
"""

from __future__ import annotations

from functools import cache as built_once

from flask_babel import gettext as _
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, joinedload

from kb.models import Organisation, Referent, UseCase, User
from kb.services import audit
from kb.services.adoptions.declarations import find, is_moderator, is_verified_member, organisation_of
from kb.services.unit_of_work import retrying

MAX_ROLE = 120
MAX_NAME = 120


class ReferentError(ValueError):
    """Bad input; ``field`` names the form field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class ReferentNotAllowed(PermissionError):
    """The actor cannot be (or remove) this referent; the message says why."""


def for_case(session: Session, case: UseCase) -> dict[int, Referent]:
    """The referents of a case by organisation id (one statement, with their accounts and organisations)."""
    rows = session.scalars(_referents_of_case(), {"case": case.id})
    return {r.organisation_id: r for r in rows if r.user is not None and r.user.active}


@built_once
def _referents_of_case():
    """The statement of :func:`for_case`, built once per process (every case page runs it)."""
    return (select(Referent).where(Referent.case_id == bindparam("case"))
            .options(joinedload(Referent.user), joinedload(Referent.organisation)))


def blocker(session: Session, case: UseCase, user: User | None) -> str | None:
    """Why the user cannot become the referent for their organisation, or None if they can."""
    if user is None:
        return _("Melden Sie sich an, um sich als Ansprechperson einzutragen.")
    if not case.is_published:
        return _("Ansprechpersonen gibt es erst für veröffentlichte Lösungen.")
    org = organisation_of(session, user)
    if org is None or org.id is None:
        return _("Ihr Konto ist keiner Kommune und keiner Organisation zugeordnet.")
    if org.id != case.owner_id and find(session, case, org) is None:
        return _("%(org)s betreibt diese Lösung nicht und hat keine Nachnutzung angegeben.", org=org.name)
    if not is_verified_member(user, org):
        return _("Ihre Zugehörigkeit zu %(org)s ist noch nicht bestätigt. Sobald die Moderation sie bestätigt "
                 "hat, können Sie sich als Ansprechperson eintragen.", org=org.name)
    return None


def _clean(value: str | None, field: str, limit: int) -> str | None:
    text = " ".join((value or "").split())
    if len(text) > limit:
        raise ReferentError(field, _("Höchstens %(n)d Zeichen.", n=limit))
    return text or None


@retrying
def declare(session: Session, case: UseCase, *, actor: User, role: str | None, name: str | None) -> Referent:
    """Make the actor the referent of their organisation for this case (replacing a colleague); commit."""
    reason = blocker(session, case, actor)
    if reason:
        raise ReferentNotAllowed(reason)
    role = _clean(role, "role", MAX_ROLE)
    name = _clean(name, "name", MAX_NAME) or actor.display_name
    if not name:
        raise ReferentError("name", _("Bitte geben Sie Ihren Namen an – er erscheint bei der Lösung."))
    org: Organisation = organisation_of(session, actor)
    actor.display_name = name
    referent = session.scalar(select(Referent).where(Referent.case_id == case.id,
                                                     Referent.organisation_id == org.id))
    before = referent.user_id if referent is not None else None
    if referent is None:
        referent = Referent(case_id=case.id, organisation_id=org.id, user_id=actor.id)
        session.add(referent)
    referent.user_id, referent.role = actor.id, role
    audit.record(session, actor, "referent.declare", case,
                 data={"organisation": org.name, "before": before, "role": role})
    session.commit()
    return referent


@retrying
def withdraw(session: Session, case: UseCase, organisation_id: int, *, actor: User) -> None:
    """Remove a referent (the referent themself, or a moderator); commit."""
    referent = session.scalar(select(Referent).where(Referent.case_id == case.id,
                                                     Referent.organisation_id == organisation_id))
    if referent is None:
        return
    if referent.user_id != actor.id and not is_moderator(actor):
        raise ReferentNotAllowed(_("Nur die Ansprechperson selbst oder die Moderation kann den Eintrag entfernen."))
    audit.record(session, actor, "referent.withdraw", case,
                 data={"organisation": referent.organisation.name, "user": referent.user_id})
    session.delete(referent)
    session.commit()
