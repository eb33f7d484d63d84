"""Follow a case, a topic, a municipality or a need; unsubscribe with a signed link from a mail.

``ref`` is the case, topic or need id, or the registry key (AGS or Kreis key) of a place.
Following is rate-limited like the contact relay (``throttle``); following twice is harmless.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kb.models import ActionKind, Follow, FollowKind, Kreis, Municipality, Need, Topic, UseCase, User
from kb.services.accounts import tokens
from kb.services.community import throttle, updates
from kb.services.unit_of_work import retrying

UNSUBSCRIBE = "unsubscribe"
UNSUBSCRIBE_MAX_AGE = 2 * 366 * 86400  # a link in an old digest still works for two years


class FollowError(ValueError):
    """Nothing to follow under this kind and ref."""


@dataclass
class FollowTarget:
    """What a follow points at, ready to show and link."""

    kind: FollowKind
    ref: str
    label: str
    endpoint: str
    values: dict


def resolve(session: Session, kind: str | FollowKind, ref: str | None) -> FollowTarget | None:
    """The followable thing, or None if it does not exist or is not public."""
    try:
        kind = FollowKind(kind)
    except ValueError:
        return None
    ref = (ref or "").strip()
    if not ref.isdigit() or len(ref) > 12:
        return None
    if kind is FollowKind.CASE:
        case = session.get(UseCase, int(ref))
        if case is None or not case.is_published:
            return None
        return FollowTarget(kind, ref, _("Lösung „%(title)s“", title=case.title), "catalog.case_detail",
                            {"slug": case.slug})
    if kind is FollowKind.TOPIC:
        topic = session.get(Topic, int(ref))
        return FollowTarget(kind, ref, _("Thema „%(name)s“", name=_topic_label(topic.name)), "catalog.browse",
                            {"topic": topic.name}) if topic else None
    if kind is FollowKind.PLACE:
        place = session.get(Municipality, ref) if len(ref) == 8 else session.get(Kreis, ref) if len(ref) == 5 else None
        return FollowTarget(kind, ref, place.display_name, "catalog.municipality", {"key": ref}) if place else None
    need = session.get(Need, int(ref))
    if need is None or not need.is_published:
        return None
    return FollowTarget(kind, ref, _("Bedarf „%(title)s“", title=need.title), "community.need_detail",
                        {"need_id": need.id})


def _topic_label(name: str) -> str:
    from kb.models import labels

    return labels.label(labels.TOPIC_NAME, name)


def find(session: Session, user: User | None, kind: FollowKind, ref: str) -> Follow | None:
    if user is None:
        return None
    return session.scalar(select(Follow).where(Follow.user_id == user.id, Follow.kind == kind, Follow.ref == ref))


@retrying
def follow(session: Session, user: User, kind: str, ref: str, *, client: str) -> tuple[Follow, FollowTarget]:
    """Follow a target (again: nothing changes); commit. Raise FollowError or throttle.Throttled."""
    target = resolve(session, kind, ref)
    if target is None:
        raise FollowError(_("Das gibt es nicht (mehr) oder es ist nicht öffentlich."))
    existing = find(session, user, target.kind, target.ref)
    if existing is not None:
        return existing, target
    throttle.check(session, ActionKind.FOLLOW, user, client)
    follow_row = Follow(user_id=user.id, kind=target.kind, ref=target.ref)
    session.add(follow_row)
    throttle.log(session, ActionKind.FOLLOW, user, client, f"{target.kind.value}:{target.ref}")
    session.commit()
    return follow_row, target


def follow_quietly(session: Session, user: User, kind: FollowKind, ref: str) -> None:
    """Follow as part of another action (posting or joining a need); the caller commits."""
    if find(session, user, kind, ref) is None:
        session.add(Follow(user_id=user.id, kind=kind, ref=ref))


@retrying
def unfollow(session: Session, user: User, kind: str, ref: str) -> bool:
    """Stop following; True if there was something to stop. Commit."""
    try:
        kind = FollowKind(kind)
    except ValueError:
        return False
    result = session.execute(delete(Follow).where(Follow.user_id == user.id, Follow.kind == kind,
                                                  Follow.ref == (ref or "")))
    session.commit()
    return bool(result.rowcount)


def of_user(session: Session, user: User) -> list[tuple[Follow, FollowTarget | None]]:
    """The user's follows with what they point at (None: no longer public), newest first."""
    rows = session.scalars(select(Follow).where(Follow.user_id == user.id)
                           .order_by(Follow.created_at.desc(), Follow.id.desc()))
    return [(row, resolve(session, row.kind, row.ref)) for row in rows]


def condition(session: Session, row: Follow):
    """The update events a follow covers (a condition for ``updates.recent``)."""
    ref = row.ref
    if row.kind is FollowKind.CASE:
        return updates.selection(case_ids=[int(ref)])
    if row.kind is FollowKind.TOPIC:
        return updates.selection(topic_ids=[int(ref)])
    if row.kind is FollowKind.NEED:
        return updates.selection(need_ids=[int(ref)])
    return updates.selection(organisation_ids=updates.place_organisations(session, ref) or [-1])


# ---------------------------------------------------------------- unsubscribing without login


def unsubscribe_token(user: User, row: Follow | None = None) -> str:
    """A link token that ends one follow (or, without ``row``, every follow of the user)."""
    return tokens.make_token(UNSUBSCRIBE, {"u": user.id, "f": row.id if row is not None else None})


@dataclass
class Unsubscription:
    """What an unsubscribe link names: one follow of a user, or all of them."""

    user: User
    all: bool
    row: Follow | None  # the one follow, if it still exists


def read_unsubscribe_token(session: Session, token: str) -> Unsubscription:
    """Decode an unsubscribe token; raise tokens.TokenError if it is forged or damaged."""
    payload = tokens.read_token(UNSUBSCRIBE, token, UNSUBSCRIBE_MAX_AGE)
    user_id, follow_id = payload.get("u"), payload.get("f")
    user = session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not (follow_id is None or isinstance(follow_id, int)):
        raise tokens.TokenError()
    row = session.get(Follow, follow_id) if follow_id is not None else None
    if row is not None and row.user_id != user.id:
        raise tokens.TokenError()
    return Unsubscription(user, follow_id is None, row)


@retrying
def unsubscribe(session: Session, token: str) -> int:
    """End what the token names; return how many follows ended. Commit."""
    found = read_unsubscribe_token(session, token)
    if not found.all and found.row is None:
        return 0
    stmt = delete(Follow).where(Follow.user_id == found.user.id)
    if not found.all:
        stmt = stmt.where(Follow.id == found.row.id)
    count = session.execute(stmt).rowcount
    session.commit()
    return count
