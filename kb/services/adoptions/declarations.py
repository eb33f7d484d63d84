"""Re-use of cases ("Wir nutzen das auch"): declare, change, withdraw, confirm, moderate.

Views, the JSON API and the CLI call these functions; each commits once. An adoption is
"bestätigt" (``verified``) when a verified account of the adopting organisation declared or
confirmed it; imported ones are not. It is *stale* when nobody confirmed it for 12 months.
Only confirmed members of the organisation and moderators change or remove an adoption
(``may_change``); what other members of it send waits as a proposal
(kb.services.adoptions.proposals).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kb.models import (
    Adoption,
    AdoptionSource,
    AdoptionStatus,
    AuditEvent,
    ModerationState,
    Organisation,
    Role,
    UseCase,
    User,
)
from kb.models.base import utcnow
from kb.services.registry import organisations
from kb.services.unit_of_work import retrying

STALE_AFTER = timedelta(days=365)
NOTE_MAX_LENGTH = 1000
SINCE_LENGTHS = (4, 7, 10)


class AdoptionError(ValueError):
    """Input that cannot be stored; ``field`` names the form field or record key."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class AdoptionNotAllowed(PermissionError):
    """The actor may not do this with this adoption; the message says why."""


# ---------------------------------------------------------------- who may do what


def organisation_of(session: Session, user: User | None) -> Organisation | None:
    """Return the municipality or organisation an account acts for, if any."""
    if user is None:
        return None
    if user.organisation is not None:
        return user.organisation
    if user.municipality is not None:
        return organisations.for_municipality(session, user.municipality)
    return None


def is_member(user: User | None, org: Organisation) -> bool:
    return user is not None and user.organisation_id is not None and user.organisation_id == org.id


def is_verified_member(user: User | None, org: Organisation) -> bool:
    """True if the account is a verified member of the organisation."""
    return is_member(user, org) and user.membership_verified_at is not None


def is_moderator(user: User | None) -> bool:
    return user is not None and user.has_role(Role.MODERATOR)


def may_change(user: User | None, adoption: Adoption) -> bool:
    """Confirmed members of the adopting organisation and moderators may change or remove an adoption."""
    return may_speak_for(user, adoption.organisation)


def may_speak_for(user: User | None, org: Organisation) -> bool:
    """True if what ``user`` declares for ``org`` is published at once (confirmed member or moderator).

    Everyone else who belongs to ``org`` only proposes (kb.services.adoptions.proposals).
    """
    return is_verified_member(user, org) or is_moderator(user)


def refusal(user: User | None, org: Organisation, action: str) -> AdoptionNotAllowed:
    """Why ``user`` may not change ``org``'s adoption (``action`` names what they tried)."""
    if is_member(user, org):
        return AdoptionNotAllowed(_(
            "Ihre Zugehörigkeit zu %(org)s ist noch nicht bestätigt. %(action)s können nur bestätigte "
            "Mitglieder oder die Moderation.", org=org.name, action=action))
    return AdoptionNotAllowed(_("Nur Mitglieder von %(org)s oder die Moderation können das: %(action)s.",
                                org=org.name, action=action))


def declare_blocker(session: Session, case: UseCase, user: User | None) -> str | None:
    """Return why the user cannot declare re-use of this case, or None if they can."""
    if user is None:
        return _("Melden Sie sich an, um anzugeben, dass Ihre Kommune diese Lösung nutzt.")
    if not user.active:
        return _("Ihr Konto ist gesperrt.")
    if case.moderation is not ModerationState.PUBLISHED:
        return _("Nachnutzungen können erst angegeben werden, wenn die Lösung veröffentlicht ist.")
    org = organisation_of(session, user)
    if org is None:
        return _("Ihr Konto ist keiner Kommune und keiner Organisation zugeordnet. Nur Mitglieder einer "
                 "Kommune oder Organisation können eine Nachnutzung für diese angeben.")
    if org.id == case.owner_id:
        return _("%(org)s betreibt diese Lösung selbst und kann sie nicht zusätzlich nachnutzen.", org=org.name)
    return None


# ---------------------------------------------------------------- reading


def find(session: Session, case: UseCase, org: Organisation) -> Adoption | None:
    return session.scalar(
        select(Adoption).where(Adoption.case_id == case.id, Adoption.organisation_id == org.id)
    )


def get_for_case(session: Session, case: UseCase, adoption_id: int) -> Adoption | None:
    adoption = session.get(Adoption, adoption_id)
    return adoption if adoption is not None and adoption.case_id == case.id else None


def last_confirmed(adoption: Adoption) -> datetime:
    """When someone last vouched for the adoption (declaration, confirmation or import)."""
    return adoption.confirmed_at or adoption.created_at or utcnow()


def is_stale(adoption: Adoption, now: datetime | None = None) -> bool:
    """True if nobody confirmed the adoption for more than 12 months."""
    return last_confirmed(adoption) < (now or utcnow()) - STALE_AFTER


# ---------------------------------------------------------------- input checks


def parse_status(value: AdoptionStatus | str | None) -> AdoptionStatus:
    if isinstance(value, AdoptionStatus):
        return value
    try:
        return AdoptionStatus((value or "").strip())
    except ValueError:
        allowed = ", ".join(s.value for s in AdoptionStatus)
        raise AdoptionError("status", _("Unbekannter Stand „%(value)s“; erlaubt sind: %(allowed)s.",
                                        value=value or "", allowed=allowed)) from None


def clean_note(note: str | None) -> str | None:
    text = (note or "").strip()
    if len(text) > NOTE_MAX_LENGTH:
        raise AdoptionError("note", _("Der Hinweis darf höchstens %(n)d Zeichen lang sein.", n=NOTE_MAX_LENGTH))
    return text or None


def clean_since(since: str | None) -> str | None:
    text = (since or "").strip()
    if not text:
        return None
    parts = text.split("-")
    if len(text) not in SINCE_LENGTHS or not all(p.isdigit() for p in parts) or len(parts[0]) != 4:
        raise AdoptionError("since", _("„Seit“ erwartet JJJJ, JJJJ-MM oder JJJJ-MM-TT, nicht „%(v)s“.", v=text))
    today = utcnow().date().isoformat()
    if text > today[:len(text)]:
        raise AdoptionError("since", _("„Seit wann“ darf nicht in der Zukunft liegen."))
    return text


# ---------------------------------------------------------------- writing


@retrying
def declare(session: Session, **declaration: Any) -> Adoption:
    """Record that ``organisation`` re-uses ``case`` and commit (arguments: see record_declaration).

    The caller has checked that ``actor`` may speak for the organisation (see ``may_change``).
    """
    adoption = record_declaration(session, **declaration)
    session.commit()
    return adoption


def record_declaration(
    session: Session,
    *,
    case: UseCase,
    organisation: Organisation,
    status: AdoptionStatus | str,
    note: str | None,
    actor: User | None,
    source: AdoptionSource = AdoptionSource.DECLARED,
    verified: bool,
    since: str | None = None,
    declared_by: User | None = None,
) -> Adoption:
    """Record that ``organisation`` re-uses ``case``; update the existing record if there is one (no commit).

    Declaring counts as a confirmation. Raises AdoptionError for bad input (nothing is written).
    ``declared_by`` (who vouches for it) defaults to the actor.
    """
    status = parse_status(status)
    note = clean_note(note)
    since = clean_since(since)
    check_not_owner(case, organisation)
    if organisation.id is None:
        session.flush()
    case_id, org_id, actor_id = case.id, organisation.id, actor.id if actor else None
    declared_by_id = declared_by.id if declared_by is not None else actor_id
    values = {"status": status, "note": note, "source": source, "verified": verified,
              "declared_by_id": declared_by_id, "confirmed_at": utcnow(), **({"since": since} if since else {})}
    adoption = find(session, case, organisation)
    created = adoption is None
    if created:  # inserted with its values: one write, not an insert and an update
        adoption = _insert(session, case_id, org_id, values)
        if adoption is None:  # someone else inserted it meanwhile: update theirs
            created = False
            adoption = session.scalar(select(Adoption).where(
                Adoption.case_id == case_id, Adoption.organisation_id == org_id))
    before = snapshot(adoption) if not created else None
    if not created:
        for name, value in values.items():
            setattr(adoption, name, value)
    _audit(session, actor_id, "adoption.declare" if created else "adoption.update", adoption,
           data={"before": before, "after": snapshot(adoption)})
    return adoption


def check_not_owner(case: UseCase, organisation: Organisation) -> None:
    """Raise AdoptionError if ``organisation`` owns ``case`` (an owner does not adopt its own solution)."""
    if organisation.id is not None and organisation.id == case.owner_id:
        raise AdoptionError("organisation", _("Die betreibende Stelle kann ihre eigene Lösung nicht nachnutzen."))


def _insert(session: Session, case_id: int, org_id: int, values: dict[str, Any]) -> Adoption | None:
    """Insert a new adoption row; return None if the unique constraint says it exists already."""
    adoption = Adoption(case_id=case_id, organisation_id=org_id, **values)
    session.add(adoption)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        return None
    return adoption


@retrying
def confirm(session: Session, adoption: Adoption, *, actor: User) -> Adoption:
    """Confirm that the adoption is still current (after a reminder, or any time)."""
    if not may_change(actor, adoption):
        raise refusal(actor, adoption.organisation, _("Diese Angabe bestätigen"))
    adoption.confirmed_at = utcnow()
    if is_verified_member(actor, adoption.organisation):
        adoption.verified = True
        adoption.declared_by_id = actor.id
        if adoption.source is not AdoptionSource.DECLARED:
            adoption.source = AdoptionSource.DECLARED
    _audit(session, actor.id, "adoption.confirm", adoption, data={"after": snapshot(adoption)})
    session.commit()
    return adoption


def may_confirm_as_owner(user: User | None, adoption: Adoption) -> bool:
    """Verified members of the organisation that runs the case may confirm its adopters."""
    return is_verified_member(user, adoption.case.owner)


@retrying
def confirm_as_owner(session: Session, adoption: Adoption, *, actor: User) -> Adoption:
    """The owner confirms that the organisation uses (or is interested in) its solution
    ("vom Betreiber bestätigt"); the adopter's own statement and status stay as they are."""
    if not may_confirm_as_owner(actor, adoption):
        raise AdoptionNotAllowed(_("Nur bestätigte Mitglieder von %(org)s können Nachnutzungen ihrer Lösung "
                                   "bestätigen.", org=adoption.case.owner.name))
    adoption.owner_confirmed_at = utcnow()
    adoption.owner_confirmed_by_id = actor.id
    _audit(session, actor.id, "adoption.owner_confirm", adoption, data={"after": snapshot(adoption)})
    session.commit()
    return adoption


@retrying
def withdraw(session: Session, adoption: Adoption, *, actor: User, reason: str | None = None) -> None:
    """Remove an adoption (by a confirmed member of the adopting organisation, or a moderator)."""
    if not may_change(actor, adoption):
        raise refusal(actor, adoption.organisation, _("Diese Angabe zurückziehen"))
    _audit(session, actor.id, "adoption.withdraw", adoption, reason=reason, data={"before": snapshot(adoption)})
    session.delete(adoption)
    session.commit()


@retrying
def moderate(
    session: Session,
    adoption: Adoption,
    *,
    actor: User,
    reason: str,
    status: AdoptionStatus | str | None = None,
    note: str | None = None,
    verified: bool | None = None,
    confirmed: bool | None = None,
    remove: bool = False,
) -> Adoption | None:
    """Correct or remove any adoption as a moderator; the reason goes into the audit log.
    ``confirmed`` marks (or unmarks) it "bestätigt durch Moderation"."""
    if not is_moderator(actor):
        raise AdoptionNotAllowed(_("Nur die Moderation kann Nachnutzungen anderer korrigieren."))
    reason = (reason or "").strip()
    if not reason:
        raise AdoptionError("reason", _("Bitte geben Sie eine Begründung an; sie wird im Protokoll vermerkt."))
    before = snapshot(adoption)
    if remove:
        _audit(session, actor.id, "adoption.remove", adoption, reason=reason, data={"before": before})
        session.delete(adoption)
        session.commit()
        return None
    if status is not None:
        adoption.status = parse_status(status)
    adoption.note = clean_note(note)
    if verified is not None:
        adoption.verified = verified
    if confirmed is not None and confirmed != (adoption.moderation_confirmed_at is not None):
        adoption.moderation_confirmed_at = utcnow() if confirmed else None
    _audit(session, actor.id, "adoption.moderate", adoption, reason=reason,
           data={"before": before, "after": snapshot(adoption)})
    session.commit()
    return adoption


def snapshot(adoption: Adoption) -> dict[str, Any]:
    """The fields of an adoption as stored in the audit log."""
    return {
        "case_id": adoption.case_id,
        "organisation_id": adoption.organisation_id,
        "status": adoption.status.value if adoption.status else None,
        "note": adoption.note,
        "since": adoption.since,
        "source": adoption.source.value if adoption.source else None,
        "verified": bool(adoption.verified),
        "owner_confirmed": adoption.owner_confirmed_at.isoformat() if adoption.owner_confirmed_at else None,
        "moderation_confirmed": (adoption.moderation_confirmed_at.isoformat()
                                 if adoption.moderation_confirmed_at else None),
    }


def _audit(session: Session, actor_id: int | None, action: str, adoption: Adoption, *,
           reason: str | None = None, data: dict | None = None) -> None:
    if adoption.id is None:  # the event names it; otherwise written with the commit's flush
        session.flush()
    session.add(AuditEvent(actor_id=actor_id, action=action, object_type="adoption",
                           object_id=str(adoption.id), case_id=adoption.case_id, reason=reason, data=data))
