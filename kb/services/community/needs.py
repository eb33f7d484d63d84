"""Needs ("Bedarf melden"): a municipality says what it needs and nobody offers yet.

A need is moderated like a case (submitted → published or rejected) and listed at /bedarfe once
published. Other municipalities join it ("wir auch"); the author and everyone who joins follow it
and can write to each other through the relay. When a newly published case matches an open need
(same topic and found by searching for the need), the need's followers get a mail at once
(kb.services.community.matches).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache as built_once

from flask import render_template
from flask_babel import gettext as _
from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import Session, selectinload

from kb.models import (
    FollowKind,
    Land,
    ModerationState,
    Need,
    NeedMember,
    NeedStatus,
    Organisation,
    Role,
    Topic,
    User,
)
from kb.models.base import utcnow
from kb.services import audit, generation
from kb.services.adoptions.declarations import is_member, is_moderator, may_speak_for, organisation_of
from kb.services.community.follows import follow_quietly
from kb.services.links import external_url
from kb.services.mail import send_mail
from kb.services.paging import Page
from kb.services.unit_of_work import retrying

log = logging.getLogger(__name__)

MAX_TITLE = 200
MAX_PROBLEM = 5000
MAX_SHORT = 200
MAX_REASON = 2000
DECISIONS = ("publish", "reject")


class NeedError(ValueError):
    """Bad input; ``field`` names the form field ("-": the whole form)."""

    def __init__(self, field: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.field = field
        self.status = status


class NeedNotAllowed(PermissionError):
    """The actor may not do this; the message says why."""


@dataclass
class NeedInput:
    """A need as entered in the form."""

    title: str | None = None
    problem: str | None = None
    topic: str | None = None
    budget: str | None = None
    timeline: str | None = None


# ---------------------------------------------------------------- who may


def post_blocker(session: Session, user: User | None) -> str | None:
    """Why the user cannot post a need, or None."""
    if user is None:
        return _("Melden Sie sich an, um einen Bedarf zu melden.")
    if not user.active:
        return _("Ihr Konto ist gesperrt.")
    if organisation_of(session, user) is None:
        return _("Ihr Konto ist keiner Kommune und keiner Organisation zugeordnet. Bedarfe melden Kommunen "
                 "und Organisationen.")
    return None


def join_blocker(session: Session, need: Need, user: User | None) -> str | None:
    """Why the user's municipality cannot join the need, or None."""
    blocker = post_blocker(session, user)
    if blocker:
        return blocker
    if not need.is_published:
        return _("Der Bedarf ist noch nicht veröffentlicht.")
    if not need.is_open:
        return _("Der Bedarf ist erledigt.")
    org = organisation_of(session, user)
    if org.id == need.organisation_id:
        return _("Der Bedarf stammt von Ihrer eigenen Kommune.")
    if is_member(user, org) and not may_speak_for(user, org):  # the pool of a case holds it; a need lists it
        return _("Ihre Zugehörigkeit zu %(org)s ist noch nicht bestätigt. Für %(org)s „Wir auch“ sagen und allen "
                 "Beteiligten schreiben können bestätigte Mitglieder, damit hier nur Kommunen stehen, die es "
                 "wirklich sind.", org=org.name)
    return None


def can_see(need: Need, viewer: User | None) -> bool:
    """Published needs are public; others only for their author and moderators."""
    if need.is_published:
        return True
    return viewer is not None and (is_moderator(viewer) or need.author_id == viewer.id)


def can_manage(need: Need, viewer: User | None) -> bool:
    return viewer is not None and (is_moderator(viewer) or need.author_id == viewer.id)


# ---------------------------------------------------------------- reading


def _options():
    return (selectinload(Need.topic), selectinload(Need.organisation).selectinload(Organisation.land),
            selectinload(Need.organisation).selectinload(Organisation.municipality),
            selectinload(Need.members).selectinload(NeedMember.organisation).selectinload(Organisation.land),
            selectinload(Need.members).selectinload(NeedMember.organisation).selectinload(Organisation.municipality))


def get_visible(session: Session, need_id: int, viewer: User | None) -> Need | None:
    need = session.scalar(select(Need).where(Need.id == need_id).options(*_options()))
    return need if need is not None and can_see(need, viewer) else None


def list_published(session: Session, *, topic: str | None = None, state: str | None = None,
                   text: str | None = None, include_closed: bool = False, page: int = 1,
                   per_page: int = 20) -> Page[Need]:
    """Published needs, newest first, filtered by topic name, Land name and words of title or problem."""
    stmt = _published(topic=topic, state=state, text=text, include_closed=include_closed)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.options(*_options()).order_by(Need.published_at.desc(), Need.id.desc())
                           .limit(per_page).offset((page - 1) * per_page))
    return Page(list(rows), total, page, per_page)


def count_published(session: Session, *, topic: str | None = None, state: str | None = None,
                    text: str | None = None) -> int:
    """How many open needs the board lists for these filters (the search page's "Bedarfe" count),
    counted once per process until something but an adoption changes (needs, topics, organisations)."""
    def count() -> int:
        stmt = _published(topic=topic, state=state, text=text, include_closed=False)
        return session.scalar(select(func.count()).select_from(stmt.subquery())) or 0

    return generation.cache.get(session, ("needs.count_published", topic, state, text), count, but_adoptions=True)


def _published(*, topic: str | None, state: str | None, text: str | None, include_closed: bool):
    stmt = select(Need).where(Need.moderation == ModerationState.PUBLISHED)
    if not include_closed:
        stmt = stmt.where(Need.status == NeedStatus.OPEN)
    if topic:
        stmt = stmt.where(Need.topic_id.in_(select(Topic.id).where(func.lower(Topic.name) == topic.casefold())))
    if state:
        stmt = stmt.where(Need.organisation_id.in_(
            select(Organisation.id).join(Land, Land.code == Organisation.land_code)
            .where(func.lower(Land.name) == state.casefold())))
    for word in (text or "").split()[:8]:
        like = f"%{word.casefold()}%"
        stmt = stmt.where(or_(func.lower(Need.title).like(like), func.lower(Need.problem).like(like)))
    return stmt


@dataclass(frozen=True, slots=True)
class PlaceNeed:
    """A need as a municipality page lists it."""

    id: int
    title: str
    organisation_id: int
    organisation_name: str
    is_open: bool


def for_organisation(session: Session, org: Organisation | None) -> tuple[PlaceNeed, ...]:
    """Published needs a municipality posted or joined, newest first, as plain values: kept per process
    until a change other than an adoption (a need, who joined it, an organisation's name)."""
    if org is None:
        return ()
    return generation.cache.get(session, ("place_needs", org.id), lambda: tuple(
        PlaceNeed(need_id, title, organisation_id, name, status is NeedStatus.OPEN)
        for need_id, title, organisation_id, name, status in session.execute(_needs_of_organisation(),
                                                                            {"org": org.id})),
        but_adoptions=True)


@built_once
def _needs_of_organisation():
    """The statement of :func:`for_organisation`, built once per process."""
    joined = select(NeedMember.need_id).where(NeedMember.organisation_id == bindparam("org"))
    return (select(Need.id, Need.title, Need.organisation_id, Organisation.name, Need.status)
            .join(Organisation, Organisation.id == Need.organisation_id)
            .where(Need.moderation == ModerationState.PUBLISHED,
                   or_(Need.organisation_id == bindparam("org"), Need.id.in_(joined)))
            .order_by(Need.published_at.desc()))


def of_author(session: Session, user: User) -> list[Need]:
    return list(session.scalars(select(Need).where(Need.author_id == user.id).options(*_options())
                                .order_by(Need.created_at.desc())))


def waiting(session: Session) -> list[Need]:
    """Needs waiting for moderation, oldest first."""
    return list(session.scalars(select(Need).where(Need.moderation == ModerationState.SUBMITTED)
                                .options(*_options(), selectinload(Need.author)).order_by(Need.created_at)))


def topic_names(session: Session) -> list[str]:
    return list(session.scalars(select(Topic.name).order_by(Topic.position, Topic.name)))


# ---------------------------------------------------------------- writing


def _text(value: str | None, field: str, limit: int, *, required: bool) -> str | None:
    text = (value or "").replace("\r\n", "\n").strip()
    if required and not text:
        raise NeedError(field, _("Pflichtfeld – bitte ausfüllen."))
    if len(text) > limit:
        raise NeedError(field, _("Höchstens %(n)d Zeichen (jetzt: %(len)d).", n=limit, len=len(text)))
    if field in ("title", "budget", "timeline") and "\n" in text:
        text = " ".join(text.split())
    return text or None


def validate(session: Session, data: NeedInput) -> tuple[dict, Topic]:
    """Return the cleaned fields and the topic; raise NeedError naming the first bad field."""
    fields = {"title": _text(data.title, "title", MAX_TITLE, required=True),
              "problem": _text(data.problem, "problem", MAX_PROBLEM, required=True),
              "budget": _text(data.budget, "budget", MAX_SHORT, required=False),
              "timeline": _text(data.timeline, "timeline", MAX_SHORT, required=False)}
    topic = session.scalar(select(Topic).where(Topic.name == (data.topic or "")))
    if topic is None:
        raise NeedError("topic", _("Bitte wählen Sie ein Thema."))
    return fields, topic


@retrying
def post(session: Session, data: NeedInput, *, actor: User) -> Need:
    """Post a need for the actor's municipality; it waits for moderation. Commit."""
    blocker = post_blocker(session, actor)
    if blocker:
        raise NeedNotAllowed(blocker)
    fields, topic = validate(session, data)
    need = Need(topic=topic, organisation=organisation_of(session, actor), author_id=actor.id,
                moderation=ModerationState.SUBMITTED, status=NeedStatus.OPEN, **fields)
    session.add(need)
    session.flush()
    follow_quietly(session, actor, FollowKind.NEED, str(need.id))
    audit.record(session, actor, "need.submit", object_type="need", object_id=str(need.id),
                 data={"title": need.title})
    session.commit()
    _mail_moderators(session, need)
    return need


def moderators(session: Session) -> list[User]:
    return list(session.scalars(select(User).where(User.role.in_([Role.MODERATOR, Role.ADMIN]),
                                                   User.active.is_(True))))


@retrying
def decide(session: Session, need: Need, decision: str, reason: str | None, *, actor: User) -> None:
    """Publish or reject a waiting need (a rejection needs a reason for the author). Commit."""
    if not is_moderator(actor):
        raise NeedNotAllowed(_("Nur die Moderation entscheidet über Bedarfe."))
    reason = (reason or "").strip()
    if decision not in DECISIONS:
        raise NeedError("decision", _("Bitte wählen Sie „Veröffentlichen“ oder „Zurückweisen“."))
    if len(reason) > MAX_REASON:
        raise NeedError("reason", _("Die Begründung ist zu lang (höchstens %(n)d Zeichen).", n=MAX_REASON))
    if decision == "reject" and not reason:
        raise NeedError("reason", _("Bitte begründen Sie die Zurückweisung – die Begründung geht an die "
                                    "Autorin oder den Autor."))
    if need.moderation is not ModerationState.SUBMITTED:
        raise NeedError("-", _("Über diesen Bedarf ist schon entschieden."), status=409)
    if decision == "publish":
        need.moderation, need.published_at, need.rejection_reason = ModerationState.PUBLISHED, utcnow(), None
    else:
        need.moderation, need.rejection_reason = ModerationState.REJECTED, reason
    audit.record(session, actor, f"need.{decision}", object_type="need", object_id=str(need.id),
                 reason=reason or None)
    session.commit()
    _mail_author(need)


@retrying
def join(session: Session, need: Need, *, actor: User) -> NeedMember:
    """Join a need for the actor's municipality ("wir auch") and follow it; commit."""
    blocker = join_blocker(session, need, actor)
    if blocker:
        raise NeedNotAllowed(blocker)
    org = organisation_of(session, actor)
    member = session.scalar(select(NeedMember).where(NeedMember.need_id == need.id,
                                                     NeedMember.organisation_id == org.id))
    if member is None:
        member = NeedMember(need=need, organisation=org, user_id=actor.id)
        session.add(member)
        audit.record(session, actor, "need.join", object_type="need", object_id=str(need.id),
                     data={"organisation": org.name})
    follow_quietly(session, actor, FollowKind.NEED, str(need.id))
    session.commit()
    return member


@retrying
def leave(session: Session, need: Need, *, actor: User) -> bool:
    """Take the actor's municipality off a need; True if it was on it. Commit."""
    org = organisation_of(session, actor)
    member = session.scalar(select(NeedMember).where(NeedMember.need_id == need.id,
                                                     NeedMember.organisation_id == (org.id if org else -1)))
    if member is None:
        return False
    audit.record(session, actor, "need.leave", object_type="need", object_id=str(need.id),
                 data={"organisation": org.name})
    session.delete(member)
    session.commit()
    return True


@retrying
def close(session: Session, need: Need, *, actor: User) -> None:
    """Mark a need as met (its author or a moderator); commit."""
    if not can_manage(need, actor):
        raise NeedNotAllowed(_("Nur wer den Bedarf gemeldet hat oder die Moderation kann ihn schließen."))
    need.status = NeedStatus.CLOSED
    audit.record(session, actor, "need.close", object_type="need", object_id=str(need.id))
    session.commit()


# ---------------------------------------------------------------- mails (after the commit)


def _send(to: str, subject: str, template: str, **context) -> None:
    try:
        send_mail(to, subject, render_template(template, site=external_url("catalog.index"), **context))
    except Exception:  # the committed change stands; the operator sees the log
        log.exception("Mail zu einem Bedarf konnte nicht gesendet werden: %s", subject)


def _mail_moderators(session: Session, need: Need) -> None:
    link = external_url("community.review_need", need_id=need.id)
    for moderator in moderators(session):
        _send(moderator.email, _("Neuer Bedarf in der Moderation: %(title)s", title=need.title),
              "mail/need_submitted.txt", need=need, link=link)


def _mail_author(need: Need) -> None:
    if need.author is None or not need.author.active:
        return
    subject = (_("Ihr Bedarf ist veröffentlicht") if need.is_published
               else _("Ihr Bedarf wurde nicht veröffentlicht"))
    _send(need.author.email, subject, "mail/need_decision.txt", need=need,
          link=external_url("community.need_detail", need_id=need.id))
