"""A newly published case that matches an open need: recorded as an update of the need and
mailed to the need's followers at once (not with the daily digest).

A case matches a need when it shares the need's topic and a search for the need's title finds it
(``similar.need_matcher``). ``announce`` runs when the moderation publishes a case (queued after
the response); ``sweep`` catches the cases published by other paths (imports, the harvester) and
runs with ``send-digests`` and after ``import-cases``. A pair (need, case) is announced once.
Every mail goes to one follower, names no other person and carries a signed unsubscribe link
for that follow and the List-Unsubscribe header.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.models import (
    AppSetting,
    Follow,
    FollowKind,
    ModerationState,
    Need,
    NeedStatus,
    UpdateEvent,
    UpdateKind,
    UseCase,
    User,
    case_topic,
)
from kb.models.base import utcnow
from kb.services.community import follows, similar
from kb.services.links import external_url
from kb.services.mail import send_mail

log = logging.getLogger(__name__)
MATCHED_UNTIL = "needs_matched_until"

Matcher = Callable[[Need], set[int]]


def _open_needs(session: Session, topic_ids: list[int]) -> list[Need]:
    if not topic_ids:
        return []
    return list(session.scalars(select(Need).where(
        Need.moderation == ModerationState.PUBLISHED, Need.status == NeedStatus.OPEN,
        Need.topic_id.in_(topic_ids)).order_by(Need.id)))


def _announced(session: Session, need: Need, case_id: int) -> bool:
    return session.scalar(select(UpdateEvent.id).where(
        UpdateEvent.kind == UpdateKind.NEED_MATCH, UpdateEvent.need_id == need.id,
        UpdateEvent.case_id == case_id).limit(1)) is not None


def _record(session: Session, need: Need, case_ids: set[int], found: list[tuple[int, int]]) -> None:
    for case_id in sorted(case_ids):
        if not _announced(session, need, case_id):
            session.add(UpdateEvent(kind=UpdateKind.NEED_MATCH, need_id=need.id, case_id=case_id))
            found.append((need.id, case_id))


def announce(session: Session, case_id: int, matcher: Matcher | None = None) -> int:
    """Record and mail the open needs a just published case matches; commit; return how many."""
    case = session.get(UseCase, case_id)
    if case is None or case.moderation is not ModerationState.PUBLISHED:
        return 0
    matcher = matcher or similar.need_matcher(session)
    found: list[tuple[int, int]] = []
    for need in _open_needs(session, [topic.id for topic in case.topics]):
        if need.published_at is None or case.published_at is None or case.published_at >= need.published_at:
            _record(session, need, {case.id} & matcher(need), found)
    session.commit()
    mail_followers(session, found)
    return len(found)


def announce_job(case_id: int) -> Callable[[Session], None]:
    """``announce`` as a job for kb.services.deferred (runs after the response)."""
    def job(session: Session) -> None:
        announce(session, case_id)

    job.__name__ = f"announce_need_matches_{case_id}"
    return job


def sweep(session: Session, matcher: Matcher | None = None, now: datetime | None = None) -> int:
    """Announce matches of every case published since the last sweep (and after the need); commit."""
    now = now or utcnow()
    matcher = matcher or similar.need_matcher(session)
    setting = session.get(AppSetting, MATCHED_UNTIL)
    until = datetime.fromisoformat(setting.value) if setting is not None else None
    found: list[tuple[int, int]] = []
    for need in session.scalars(select(Need).where(Need.moderation == ModerationState.PUBLISHED,
                                                   Need.status == NeedStatus.OPEN)):
        since = max(filter(None, (need.published_at, until)))
        candidates = set(session.scalars(
            select(case_topic.c.case_id).join(UseCase, UseCase.id == case_topic.c.case_id)
            .where(case_topic.c.topic_id == need.topic_id, UseCase.moderation == ModerationState.PUBLISHED,
                   UseCase.published_at > since, UseCase.published_at <= now)))
        if candidates:
            _record(session, need, candidates & matcher(need), found)
    if setting is None:
        session.add(AppSetting(key=MATCHED_UNTIL, value=now.isoformat()))
    else:
        setting.value = now.isoformat()
    session.commit()
    mail_followers(session, found)
    return len(found)


def mail_followers(session: Session, found: list[tuple[int, int]]) -> int:
    """Mail each follower of each need about its matching case (after the commit); return the mails sent."""
    sent = 0
    for need_id, case_id in found:
        need, case = session.get(Need, need_id), session.get(UseCase, case_id)
        rows = session.scalars(select(Follow).join(User, User.id == Follow.user_id).where(
            Follow.kind == FollowKind.NEED, Follow.ref == str(need_id), User.active.is_(True)))
        for row in rows:
            try:
                _mail_one(row, need, case)
                sent += 1
            except Exception:  # the match stands; the operator sees the log
                log.exception("Treffer-Mail zu Bedarf %s an Konto %s fehlgeschlagen", need_id, row.user_id)
    return sent


def _mail_one(row: Follow, need: Need, case: UseCase) -> None:
    with force_locale("de"):
        unsubscribe = external_url("community.unsubscribe", token=follows.unsubscribe_token(row.user, row))
        subject = _("Praxisatlas: Eine Lösung passt zu Ihrem Bedarf „%(title)s“", title=need.title)
        body = render_template(
            "mail/need_match.txt", need=need, case=case, unsubscribe=unsubscribe,
            case_url=external_url("catalog.case_detail", slug=case.slug),
            need_url=external_url("community.need_detail", need_id=need.id),
            manage=external_url("community.my_follows"), site=external_url("catalog.index"))
    send_mail(row.user.email, subject, body, headers={"List-Unsubscribe": f"<{unsubscribe}>"})
