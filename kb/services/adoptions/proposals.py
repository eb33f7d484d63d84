"""Declarations and experience reports held for moderation (issue 19, item 2; issue 14).

What a confirmed member of an organisation (or a moderator) declares for it is published at once.
Everyone else who merely *claims* membership – the account's link to the organisation is not
confirmed – only proposes: the declaration or report is stored as a pending
:class:`AdoptionProposal`, never written over the published adoption. A moderator accepts it
(then it becomes, or replaces, the real record) or rejects it with a reason; the author gets
a mail either way and may withdraw it while it waits.

Views, API and CLI call these functions with the actor; each commits once.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kb.models import (
    Adoption,
    AdoptionProposal,
    AdoptionSource,
    ExperienceReport,
    ModerationState,
    Organisation,
    ProposalKind,
    ProposalState,
    Role,
    UseCase,
    User,
)
from kb.models.base import utcnow
from kb.services import audit, notifications
from kb.services.adoptions import declarations as adoptions
from kb.services.adoptions import reports as experience_reports
from kb.services.adoptions.declarations import AdoptionError, AdoptionNotAllowed
from kb.services.adoptions.reports import ReportInput
from kb.services.decisions import ModerationError, clean_reason
from kb.services.unit_of_work import retrying

DECISIONS = ("accept", "reject")


#: a decision cannot be taken: ``field`` names the form field, ``status`` the HTTP status
ProposalError = ModerationError


# ---------------------------------------------------------------- members send


def submit_declaration(session: Session, *, case: UseCase, actor: User, status: str,
                       note: str | None, since: str | None = None) -> Adoption | AdoptionProposal:
    """Declare re-use for the actor's organisation ("seit wann" ``since``: YYYY[-MM], the use's date in
    timelines): published at once for confirmed members and moderators, otherwise held as a proposal.
    Raise AdoptionNotAllowed or AdoptionError."""
    blocker = adoptions.declare_blocker(session, case, actor)
    if blocker:
        raise AdoptionNotAllowed(blocker)
    org = adoptions.organisation_of(session, actor)
    if adoptions.may_speak_for(actor, org):
        return adoptions.declare(session, case=case, organisation=org, status=status, note=note, actor=actor,
                                 verified=adoptions.is_verified_member(actor, org), since=since)
    values = {"status": adoptions.parse_status(status), "note": adoptions.clean_note(note),
              "since": adoptions.clean_since(since)}
    adoptions.check_not_owner(case, org)
    return _hold(session, ProposalKind.DECLARATION, case, org, actor, values)


def submit_report(session: Session, adoption: Adoption, data: ReportInput, *,
                  actor: User) -> ExperienceReport | AdoptionProposal | None:
    """Save the experience report (confirmed members, moderators) or hold it as a proposal
    (other members of the adopting organisation). An empty report deletes it, or proposes that."""
    if adoptions.may_change(actor, adoption):
        return experience_reports.save_report(session, adoption, data, actor=actor)
    if not adoptions.is_member(actor, adoption.organisation):
        raise adoptions.refusal(actor, adoption.organisation, _("Den Erfahrungsbericht schreiben"))
    data = experience_reports.validate(data)
    if data.is_empty() and adoption.report is None:
        return None
    return _hold(session, ProposalKind.REPORT, adoption.case, adoption.organisation, actor,
                 {"report": asdict(data)})


@retrying
def _hold(session: Session, kind: ProposalKind, case: UseCase, org: Organisation, author: User,
          values: dict[str, Any]) -> AdoptionProposal:
    """Store (or replace) the author's pending proposal of this kind; commit; tell the moderators."""
    proposal = session.scalar(select(AdoptionProposal).where(
        AdoptionProposal.case_id == case.id, AdoptionProposal.organisation_id == org.id,
        AdoptionProposal.author_id == author.id, AdoptionProposal.kind == kind,
        AdoptionProposal.state == ProposalState.PENDING))
    if proposal is None:
        proposal = AdoptionProposal(kind=kind, case=case, organisation=org, author=author)
        session.add(proposal)
    for name, value in values.items():
        setattr(proposal, name, value)
    proposal.created_at = utcnow()
    session.flush()
    audit.record(session, author, "proposal.submit", object_type="proposal", object_id=str(proposal.id), case=case,
                 data={"kind": kind.value, "organisation": org.name, **_payload(proposal)})
    session.commit()
    notifications.new_proposal(proposal, _moderators(session))
    return proposal


@retrying
def withdraw(session: Session, proposal: AdoptionProposal, *, actor: User) -> None:
    """Take back one's own pending proposal."""
    if proposal.author_id != actor.id:
        raise AdoptionNotAllowed(_("Nur wer den Vorschlag gemacht hat, kann ihn zurückziehen."))
    _require_pending(proposal)
    _close(session, proposal, ProposalState.WITHDRAWN, actor, None)
    session.commit()


# ---------------------------------------------------------------- moderators decide


@retrying
def decide(session: Session, proposal: AdoptionProposal, decision: str, reason: str | None, *,
           actor: User) -> AdoptionProposal:
    """Accept (it becomes the real record) or reject (reason required) a pending proposal; mail the author."""
    if not adoptions.is_moderator(actor):
        raise AdoptionNotAllowed(_("Nur die Moderation entscheidet über Vorschläge."))
    if decision not in DECISIONS:
        raise ProposalError("decision", _("Bitte wählen Sie „Übernehmen“ oder „Ablehnen“."))
    reason = clean_reason(reason, required=decision == "reject", missing=_(
        "Bitte begründen Sie die Ablehnung – die Begründung geht an die Person, die den Vorschlag gemacht hat."))
    _require_pending(proposal)
    try:
        if decision == "accept":
            _apply(session, proposal, actor)
            _close(session, proposal, ProposalState.ACCEPTED, actor, reason or None)
        else:
            _close(session, proposal, ProposalState.REJECTED, actor, reason)
    except ProposalError:
        session.rollback()
        raise
    session.commit()
    if proposal.author is not None:
        notifications.proposal_decision(proposal, proposal.author)
    return proposal


def _apply(session: Session, proposal: AdoptionProposal, actor: User) -> None:
    """Write the proposal into the published record (in the moderator's unit of work)."""
    case, org, author = proposal.case, proposal.organisation, proposal.author
    if case.moderation is not ModerationState.PUBLISHED:
        raise ProposalError("-", _("Die Lösung ist nicht mehr veröffentlicht."), status=409)
    try:
        if proposal.kind is ProposalKind.DECLARATION:
            adoptions.record_declaration(
                session, case=case, organisation=org, status=proposal.status, note=proposal.note, actor=actor,
                source=AdoptionSource.DECLARED, verified=adoptions.is_verified_member(author, org),
                declared_by=author, since=proposal.since)
            return
        adoption = adoptions.find(session, case, org)
        if adoption is None:
            raise ProposalError("-", _("%(org)s hat für diese Lösung keine Nachnutzung mehr angegeben; "
                                       "der Erfahrungsbericht hat keinen Platz.", org=org.name), status=409)
        experience_reports.write_report(session, adoption, experience_reports.validate(
            ReportInput(**proposal.report)), actor=actor)
    except AdoptionError as exc:
        raise ProposalError("-", str(exc), status=409) from None


def _require_pending(proposal: AdoptionProposal) -> None:
    if not proposal.is_pending:
        raise ProposalError("-", _("Über diesen Vorschlag ist schon entschieden (vielleicht von jemand anderem)."),
                            status=409)


def _close(session: Session, proposal: AdoptionProposal, state: ProposalState, actor: User,
           reason: str | None) -> None:
    proposal.state, proposal.reason = state, reason
    proposal.decided_by_id, proposal.decided_at = actor.id, utcnow()
    audit.record(session, actor, f"proposal.{state.value}", object_type="proposal", object_id=str(proposal.id),
                 case=proposal.case, reason=reason, data={"kind": proposal.kind.value,
                                                          "organisation": proposal.organisation.name})


def _moderators(session: Session) -> list[User]:
    return list(session.scalars(select(User).where(User.role.in_([Role.MODERATOR, Role.ADMIN]),
                                                   User.active.is_(True))))


# ---------------------------------------------------------------- reading


def _payload(proposal: AdoptionProposal) -> dict[str, Any]:
    if proposal.kind is ProposalKind.DECLARATION:
        return {"status": proposal.status.value, "note": proposal.note, "since": proposal.since}
    return {"report": proposal.report}


def get(session: Session, proposal_id: int) -> AdoptionProposal | None:
    return session.get(AdoptionProposal, proposal_id)


def queue(session: Session) -> list[AdoptionProposal]:
    """Every pending proposal, oldest first."""
    return list(session.scalars(
        select(AdoptionProposal).where(AdoptionProposal.state == ProposalState.PENDING)
        .options(selectinload(AdoptionProposal.case), selectinload(AdoptionProposal.author))
        .order_by(AdoptionProposal.created_at, AdoptionProposal.id)))


def pending_of(session: Session, case: UseCase, author: User | None) -> list[AdoptionProposal]:
    """The author's proposals for this case that wait for a decision."""
    if author is None or case.id is None:
        return []
    return list(session.scalars(select(AdoptionProposal).where(
        AdoptionProposal.case_id == case.id, AdoptionProposal.author_id == author.id,
        AdoptionProposal.state == ProposalState.PENDING).order_by(AdoptionProposal.kind)))


def of_author(session: Session, author: User, limit: int = 50) -> list[AdoptionProposal]:
    """The author's proposals, newest first (for "Meine Beiträge")."""
    return list(session.scalars(
        select(AdoptionProposal).where(AdoptionProposal.author_id == author.id)
        .options(selectinload(AdoptionProposal.case))
        .order_by(AdoptionProposal.created_at.desc(), AdoptionProposal.id.desc()).limit(limit)))


def current_values(session: Session, proposal: AdoptionProposal) -> dict[str, Any] | None:
    """What the proposal would replace: the published declaration or report (None if there is none)."""
    adoption = adoptions.find(session, proposal.case, proposal.organisation)
    if adoption is None:
        return None
    if proposal.kind is ProposalKind.DECLARATION:
        return {"status": adoption.status.value, "note": adoption.note, "since": adoption.since,
                "verified": adoption.verified, "source": adoption.source.value,
                "owner_confirmed_at": adoption.owner_confirmed_at,
                "moderation_confirmed_at": adoption.moderation_confirmed_at}
    return experience_reports.as_dict(adoption.report) if adoption.report is not None else None
