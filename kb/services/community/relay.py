"""The contact relay: a signed-in member writes to the people behind a case or a need.

The site mails the message; the sender's address is the Reply-To, so the recipient answers
directly, and the recipient's address is never shown to the sender (nor on any page). Every
message is logged without subject and body (who, to what, how many recipients) and counts
against the sender's and the client address's hourly allowance (``throttle``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from kb.models import ActionKind, Adoption, AdoptionStatus, Need, Referent, UseCase, User
from kb.services.adoptions.declarations import organisation_of
from kb.services.community import referents, throttle
from kb.services.links import external_url
from kb.services.mail import send_mail

log = logging.getLogger(__name__)
MAX_SUBJECT = 150
MAX_BODY = 5000


class RelayError(ValueError):
    """The message cannot be sent as it is; ``field`` names the form field ("-": the form)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass
class Recipient:
    """Someone the relay writes to: the address stays inside the relay, the label is shown."""

    email: str = field(repr=False)
    label: str
    user_id: int | None = None


@dataclass
class Target:
    """What a message is about and who receives it."""

    kind: str  # team | adopter | need | pool
    ref: str  # for the log, e.g. "case:hamburg-masterportal:team"
    title: str
    endpoint: str
    values: dict
    recipients: list[Recipient]
    reason: str  # why the recipients get the mail (said in its footer)

    @property
    def reachable(self) -> bool:
        return bool(self.recipients)

    def labels(self) -> list[str]:
        return [r.label for r in self.recipients]


# ---------------------------------------------------------------- who receives


def _referent_recipient(referent) -> Recipient:
    user = referent.user
    name = user.display_name or _("Ansprechperson")
    label = _("%(name)s (%(role)s), %(org)s", name=name, role=referent.role, org=referent.organisation.name) \
        if referent.role else _("%(name)s, %(org)s", name=name, org=referent.organisation.name)
    return Recipient(user.email, label, user.id)


def _adopter_recipient(adoption: Adoption, referent) -> Recipient | None:
    if referent is not None:
        return _referent_recipient(referent)
    user = adoption.declared_by
    if user is not None and user.active:
        return Recipient(user.email, _("das Mitglied von %(org)s, das die Nachnutzung angegeben hat",
                                       org=adoption.organisation.name), user.id)
    return None


def team_recipient(session: Session, case: UseCase, by_org: dict[int, Referent] | None = None) -> Recipient | None:
    """The owner's referent, else the case's contact address, else its author.

    ``by_org``: the case's referents, when the caller has them already."""
    by_org = referents.for_case(session, case) if by_org is None else by_org
    referent = by_org.get(case.owner_id)
    if referent is not None:
        return _referent_recipient(referent)
    contact = case.contact or {}
    if contact.get("email"):
        return Recipient(contact["email"], contact.get("name") or _("die Kontaktstelle der Lösung"))
    if case.author is not None and case.author.active:
        return Recipient(case.author.email, _("die Autorin oder der Autor der Beschreibung"), case.author.id)
    return None


def team_target(session: Session, case: UseCase) -> Target:
    recipient = team_recipient(session, case)
    return Target("team", f"case:{case.slug}:team", case.title, "catalog.case_detail", {"slug": case.slug},
                  [recipient] if recipient else [],
                  _("Sie als Kontakt für die Lösung „%(title)s“ im Praxisatlas genannt sind", title=case.title))


_USERS_BY_ID = select(User).where(User.id.in_(bindparam("ids", expanding=True)))


def adopter_recipients(session: Session, case: UseCase, adoptions: list[Adoption],
                       by_org: dict[int, Referent] | None = None) -> dict[int, Recipient]:
    """Who answers for each adopting organisation (by organisation id), where someone does."""
    by_org = referents.for_case(session, case) if by_org is None else by_org
    declarers = {a.declared_by_id for a in adoptions if a.organisation_id not in by_org} - {None}
    if declarers:  # one statement for all of them (the rows below then come from the session)
        session.scalars(_USERS_BY_ID, {"ids": sorted(declarers)}).all()
    found = {}
    for adoption in adoptions:
        recipient = _adopter_recipient(adoption, by_org.get(adoption.organisation_id))
        if recipient is not None:
            found[adoption.organisation_id] = recipient
    return found


def adopter_target(session: Session, case: UseCase, adoption: Adoption) -> Target:
    recipient = adopter_recipients(session, case, [adoption]).get(adoption.organisation_id)
    return Target("adopter", f"case:{case.slug}:org:{adoption.organisation_id}", case.title,
                  "catalog.case_detail", {"slug": case.slug}, [recipient] if recipient else [],
                  _("%(org)s im Praxisatlas angegeben hat, die Lösung „%(title)s“ zu nutzen",
                    org=adoption.organisation.name, title=case.title))


def pool_target(session: Session, case: UseCase, sender: User) -> Target:
    """Every other municipality interested in the case (the starting point of a joint procurement)."""
    own = organisation_of(session, sender)
    pool = [a for a in case.adoptions if a.status is AdoptionStatus.INTERESSIERT
            and (own is None or a.organisation_id != own.id)]
    recipients = list(adopter_recipients(session, case, pool).values())
    return Target("pool", f"case:{case.slug}:pool", case.title, "community.case_pool", {"slug": case.slug},
                  recipients, _("Ihre Kommune Interesse an der Lösung „%(title)s“ angegeben hat", title=case.title))


def need_target(session: Session, need: Need, sender: User) -> Target:
    """The author and every member of a need, except the sender's own organisation."""
    own = organisation_of(session, sender)
    people: list[tuple[User | None, str]] = [(need.author, need.organisation.name)]
    people += [(m.user, m.organisation.name) for m in need.members]
    recipients, seen = [], set()
    for user, org_name in people:
        if user is None or not user.active or user.id in seen:
            continue
        if own is not None and user.organisation_id == own.id:
            continue
        seen.add(user.id)
        recipients.append(Recipient(user.email, _("%(name)s, %(org)s", name=user.display_name or _("ein Mitglied"),
                                                  org=org_name), user.id))
    return Target("need", f"need:{need.id}", need.title, "community.need_detail", {"need_id": need.id},
                  recipients, _("Ihre Kommune den Bedarf „%(title)s“ im Praxisatlas teilt", title=need.title))


# ---------------------------------------------------------------- sending


def clean(subject: str | None, body: str | None) -> tuple[str, str]:
    """Check subject and message; raise RelayError naming the field."""
    subject = (subject or "").strip()
    body = (body or "").replace("\r\n", "\n").strip()
    if "\n" in subject or "\r" in subject:
        raise RelayError("subject", _("Der Betreff darf keine Zeilenumbrüche enthalten."))
    if not subject:
        raise RelayError("subject", _("Bitte geben Sie einen Betreff an."))
    if len(subject) > MAX_SUBJECT:
        raise RelayError("subject", _("Der Betreff darf höchstens %(n)d Zeichen lang sein.", n=MAX_SUBJECT))
    if not body:
        raise RelayError("message", _("Bitte schreiben Sie eine Nachricht."))
    if len(body) > MAX_BODY:
        raise RelayError("message", _("Die Nachricht darf höchstens %(n)d Zeichen lang sein (jetzt: %(len)d).",
                                      n=MAX_BODY, len=len(body)))
    return subject, body


def send(session: Session, target: Target, *, sender: User, subject: str | None, body: str | None,
         client: str) -> int:
    """Relay a message to the target's recipients; log it without content; commit; return how many."""
    subject, body = clean(subject, body)
    recipients = [r for r in target.recipients if r.email.casefold() != sender.email.casefold()]
    if not recipients:
        raise RelayError("-", _("Für diese Nachricht gibt es (noch) niemanden, der sie empfangen kann."))
    throttle.check(session, ActionKind.RELAY, sender, client)
    throttle.log(session, ActionKind.RELAY, sender, client, target.ref, len(recipients))
    session.commit()
    _mail(session, target, recipients, sender, subject, body)
    return len(recipients)


def _mail(session: Session, target: Target, recipients: list[Recipient], sender: User, subject: str,
          body: str) -> None:
    org = organisation_of(session, sender)
    with force_locale("de"):
        for recipient in recipients:
            text = render_template(
                "mail/relay.txt", sender_name=sender.display_name or _("Ein Mitglied des Praxisatlas"),
                reply_name=sender.display_name or _("die Absenderin oder den Absender"),
                organisation=org.name if org else None, verified=sender.membership_verified_at is not None,
                title=target.title, subject=subject, body=body, reason=target.reason,
                link=external_url(target.endpoint, **target.values), site=external_url("catalog.index"))
            try:
                send_mail(recipient.email, _("[Praxisatlas] %(subject)s", subject=subject), text,
                          reply_to=sender.email)
            except Exception:  # the others still get theirs; the operator sees the log
                log.exception("Weitergeleitete Nachricht (%s) konnte nicht zugestellt werden", target.ref)
