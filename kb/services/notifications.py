"""The mails the site sends: account links, the moderation queue and its decisions (cases and adoption
proposals), adoption reminders.

Mail goes out after the change is committed; a failing mail server is logged and does not
undo the change. Longer mails are text templates (templates/mail/*.txt); links come from
``KB_BASE_URL`` (kb.services.links).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import current_app, render_template
from flask_babel import gettext as _

from kb.models import Adoption, AdoptionProposal, ProposalState, UseCase, User, labels
from kb.services.links import external_url
from kb.services.mail import send_mail

log = logging.getLogger(__name__)


def _site() -> str:
    return current_app.config.get("KB_SITE_NAME", "Praxisatlas")


def _send(to: str, subject: str, body: str) -> None:
    try:
        send_mail(to, subject, body)
    except Exception:  # the committed change stands; the operator sees the log
        log.exception("Mail an %s konnte nicht gesendet werden: %s", to, subject)


def _footer() -> str:
    return _("Viele Grüße\nIhr Team vom %(site)s\n\n%(url)s", site=_site(),
             url=external_url("catalog.index"))


def confirm_email(user: User, token: str, hours: int) -> None:
    link = external_url("auth.confirm_email", token=token)
    body = _(
        "Guten Tag,\n\nSie haben beim %(site)s ein Konto mit dieser E-Mail-Adresse angelegt. "
        "Bitte bestätigen Sie die Adresse über diesen Link:\n\n%(link)s\n\n"
        "Der Link ist %(hours)d Stunden gültig. Wenn Sie kein Konto angelegt haben, "
        "können Sie diese Nachricht ignorieren.\n\n", site=_site(), link=link, hours=hours)
    _send(user.email, _("Bitte bestätigen Sie Ihre E-Mail-Adresse"), body + _footer())


def already_registered(email: str) -> None:
    body = _(
        "Guten Tag,\n\njemand hat versucht, beim %(site)s ein Konto mit dieser E-Mail-Adresse "
        "anzulegen. Für diese Adresse gibt es bereits ein Konto.\n\n"
        "Anmelden: %(login)s\nPasswort vergessen? %(reset)s\n\n"
        "Wenn Sie das nicht waren, können Sie diese Nachricht ignorieren.\n\n",
        site=_site(), login=external_url("auth.login"), reset=external_url("auth.forgot_password"))
    _send(email, _("Sie haben bereits ein Konto"), body + _footer())


@dataclass(frozen=True)
class Mail:
    """A mail composed (in the reader's language) and not yet sent."""

    to: str
    subject: str
    body: str


def deliver(mail: Mail) -> None:
    _send(mail.to, mail.subject, mail.body)


def reset_password_mail(email: str, token: str, minutes: int) -> Mail:
    """Compose the reset mail (sent by the caller, see kb/services/accounts/passwords.py)."""
    link = external_url("auth.reset_password", token=token)
    body = _(
        "Guten Tag,\n\nfür Ihr Konto beim %(site)s wurde ein neues Passwort angefordert. "
        "Über diesen Link können Sie es festlegen:\n\n%(link)s\n\n"
        "Der Link ist %(minutes)d Minuten gültig und funktioniert nur einmal. Wenn Sie kein "
        "neues Passwort angefordert haben, können Sie diese Nachricht ignorieren; Ihr "
        "bisheriges Passwort bleibt gültig.\n\n", site=_site(), link=link, minutes=minutes)
    return Mail(email, _("Neues Passwort für Ihr Konto"), body + _footer())


def case_decision(case: UseCase, author: User, *, published: bool, edit: bool,
                  reason: str | None) -> None:
    """Tell the author what the moderation decided (with the reason for a rejection)."""
    link = external_url("catalog.case_detail", slug=case.slug)
    if published:
        subject = _("Ihre Änderung ist veröffentlicht") if edit else _("Ihre Beschreibung ist veröffentlicht")
        body = _("Guten Tag,\n\ndie Moderation hat „%(title)s“ veröffentlicht:\n\n%(link)s\n\n",
                 title=case.title, link=link)
    else:
        subject = _("Ihre Änderung wurde zurückgewiesen") if edit else _("Ihre Beschreibung wurde zurückgewiesen")
        body = _(
            "Guten Tag,\n\ndie Moderation hat „%(title)s“ nicht veröffentlicht. Begründung:\n\n"
            "%(reason)s\n\nSie können die Beschreibung überarbeiten und erneut einreichen:\n\n"
            "%(link)s\n\n", title=case.title, reason=reason or "", link=external_url("submission.mine"))
    _send(author.email, subject, body + _footer())


def new_submission_mails(case: UseCase, moderators: list[User], *, edit: bool) -> list[Mail]:
    """Compose the moderators' mails about something waiting in the queue (sent by the caller after the commit)."""
    link = external_url("moderation.review", slug=case.slug)
    kind = _("Änderung einer veröffentlichten Beschreibung") if edit else _("Neue Beschreibung")
    mails = []
    for moderator in moderators:
        body = _("Guten Tag,\n\nin der Moderation wartet: %(kind)s – „%(title)s“.\n\n%(link)s\n\n",
                 kind=kind, title=case.title, link=link)
        mails.append(Mail(moderator.email, _("Neu in der Moderation: %(title)s", title=case.title), body + _footer()))
    return mails


def new_proposal(proposal: AdoptionProposal, moderators: list[User]) -> None:
    """Tell the moderators that an unconfirmed member's declaration or report waits."""
    link = external_url("moderation.proposal", proposal_id=proposal.id)
    kind = labels.label(labels.PROPOSAL_KIND, proposal.kind)
    for moderator in moderators:
        body = _("Guten Tag,\n\nin der Moderation wartet: %(kind)s für %(org)s zu „%(title)s“ von einem Konto, "
                 "dessen Zugehörigkeit noch nicht bestätigt ist.\n\n%(link)s\n\n",
                 kind=kind, org=proposal.organisation.name, title=proposal.case.title, link=link)
        _send(moderator.email, _("Neu in der Moderation: %(title)s", title=proposal.case.title), body + _footer())


def proposal_decision(proposal: AdoptionProposal, author: User) -> None:
    """Tell the author whether their declaration or report was taken over (with the reason if not)."""
    names = {"kind": labels.label(labels.PROPOSAL_KIND, proposal.kind), "org": proposal.organisation.name,
             "title": proposal.case.title, "link": external_url("catalog.case_detail", slug=proposal.case.slug)}
    if proposal.state is ProposalState.ACCEPTED:
        subject = _("Ihr Vorschlag ist übernommen")
        body = _("Guten Tag,\n\ndie Moderation hat Ihren Vorschlag (%(kind)s) für %(org)s zu „%(title)s“ "
                 "übernommen:\n\n%(link)s\n\n", **names)
    else:
        subject = _("Ihr Vorschlag wurde abgelehnt")
        body = _("Guten Tag,\n\ndie Moderation hat Ihren Vorschlag (%(kind)s) für %(org)s zu „%(title)s“ "
                 "nicht übernommen. Begründung:\n\n%(reason)s\n\n%(link)s\n\n", reason=proposal.reason or "", **names)
    _send(author.email, subject, body + _footer())


def adoption_reminder(user: User, adoptions: list[Adoption]) -> None:
    """Ask the declaring account to confirm its adoptions; a failing mail server raises OSError
    (the reminder run counts it and asks again next time)."""
    if len(adoptions) == 1:
        subject = _("Nutzen Sie „%(title)s“ noch? Bitte bestätigen", title=adoptions[0].case.title)
    else:
        subject = _("Bitte bestätigen Sie %(n)d Nachnutzungen im Praxisatlas", n=len(adoptions))
    cases = [(a.case.title, external_url("catalog.case_detail", slug=a.case.slug, _anchor="nachnutzung-erklaeren"))
             for a in adoptions]
    body = render_template("mail/adoption_reminder.txt", site=_site(), organisation=adoptions[0].organisation.name,
                           cases=cases)
    send_mail(user.email, subject, body.rstrip("\n"))


def changes_requested(case: UseCase, author: User, *, edit: bool, request: str) -> None:
    """Tell the author what the moderation asks to change (never worded as a rejection)."""
    subject = (_("Bitte ergänzen Sie Ihre Änderung an „%(title)s“", title=case.title) if edit
               else _("Bitte ergänzen Sie „%(title)s“", title=case.title))
    body = render_template("mail/changes_requested.txt", title=case.title, request=request, edit=edit,
                           link=external_url("submission.edit", slug=case.slug),
                           mine=external_url("submission.mine"))
    _send(author.email, subject, body + _footer())
