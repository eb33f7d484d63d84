"""The digest: one mail per member and day at most, with the updates of everything they follow.

``flask --app wsgi send-digests`` runs it (daily, from cron). A member gets a digest only when
something happened since their last one and at least ``MIN_GAP`` has passed since it (so a daily
cron job never sends two on one day, and never skips a day by a few seconds' drift). A case that
matches a followed need is mailed at once instead (kb.services.community.matches). Every mail
carries a signed unsubscribe link per follow and one for all (no login needed) and the
List-Unsubscribe header.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from kb.models import Follow, FollowKind, UpdateEvent, UpdateKind, User
from kb.models.base import utcnow
from kb.services.community import follows, updates
from kb.services.links import external_url
from kb.services.mail import send_mail

log = logging.getLogger(__name__)
MIN_GAP = timedelta(hours=20)
PER_FOLLOW = 20  # newest updates per follow in one digest


@dataclass
class Section:
    """One followed thing and what happened to it."""

    target: follows.FollowTarget
    url: str
    unsubscribe_url: str
    updates: list[UpdateEvent]

    @property
    def items(self) -> list[tuple[datetime, str, str]]:
        return [(u.created_at, updates.subject_title(u), updates.describe(u)) for u in self.updates]


@dataclass
class DigestReport:
    """What one run did."""

    members: int = 0
    mails: int = 0
    updates: int = 0
    too_soon: int = 0
    failed: list[str] = field(default_factory=list)


def members_with_follows(session: Session) -> list[int]:
    """Ids of active accounts that follow something."""
    return list(session.scalars(
        select(User.id).join(Follow, Follow.user_id == User.id).where(User.active.is_(True))
        .group_by(User.id).order_by(User.id)))


def last_digest(session: Session, user: User) -> datetime | None:
    return session.scalar(select(func.max(Follow.last_digest_at)).where(Follow.user_id == user.id))


def sections_for(session: Session, user: User) -> list[Section]:
    """What happened to each followed thing since it was followed or last mailed."""
    found = []
    for row, target in follows.of_user(session, user):
        if target is None:
            continue
        since = max(filter(None, (row.created_at, row.last_digest_at)))
        events = updates.recent(session, _digest_condition(session, row), since=since, limit=PER_FOLLOW)
        if events:
            found.append(Section(target, external_url(target.endpoint, **target.values),
                                 external_url("community.unsubscribe", token=follows.unsubscribe_token(user, row)),
                                 events))
    return found


def _digest_condition(session: Session, row: Follow):
    """What a follow's digest section reports: a need's matching cases were mailed at once (matches)."""
    condition = follows.condition(session, row)
    if row.kind is FollowKind.NEED:
        condition = and_(condition, UpdateEvent.kind != UpdateKind.NEED_MATCH)
    return condition


def send_one(session: Session, user: User, now: datetime | None = None) -> int | None:
    """Send the member's digest if one is due; return the number of updates (None: too soon)."""
    now = now or utcnow()
    previous = last_digest(session, user)
    if previous is not None and now - previous < MIN_GAP:
        return None
    sections = sections_for(session, user)
    if not sections:
        return 0
    with force_locale("de"):
        unsubscribe_all = external_url("community.unsubscribe", token=follows.unsubscribe_token(user))
        text = render_template("mail/digest.txt", sections=sections, unsubscribe_all=unsubscribe_all,
                               manage=external_url("community.my_follows"), site=external_url("catalog.index"))
        subject = _("Praxisatlas: Neues bei dem, was Sie verfolgen")
    for row in session.scalars(select(Follow).where(Follow.user_id == user.id)):
        row.last_digest_at = now
    session.commit()  # at most once: a failed mail is logged, not repeated
    send_mail(user.email, subject, text, headers={"List-Unsubscribe": f"<{unsubscribe_all}>"})
    return sum(len(s.updates) for s in sections)


def send_all(session: Session, *, now: datetime | None = None,
             progress: Callable[[int], None] | None = None) -> DigestReport:
    """Send every due digest; one failing mail does not stop the others."""
    report = DigestReport()
    ids = members_with_follows(session)
    report.members = len(ids)
    for user_id in ids:
        user = session.get(User, user_id)
        try:
            count = send_one(session, user, now)
        except Exception as exc:  # logged and counted; the next member still gets theirs
            session.rollback()
            log.exception("Sammel-Mail an Konto %s fehlgeschlagen", user_id)
            report.failed.append(f"{user_id}: {type(exc).__name__}")
            count = 0
        if count is None:
            report.too_soon += 1
        elif count:
            report.mails += 1
            report.updates += count
        if progress is not None:
            progress(1)
    return report
