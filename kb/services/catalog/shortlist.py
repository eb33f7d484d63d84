"""The Merkliste: cases a visitor saved, to compare them or come back to them.

Signed-in members keep it in the database; anonymous visitors keep a list of case ids in
their session, which moves into the account when they sign in (``merge``). Only published
cases are ever listed; a case that is no longer published drops out silently.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kb.models import ModerationState, ShortlistEntry, UseCase, User
from kb.services.unit_of_work import retrying

MAX_ENTRIES = 50


class ShortlistFull(ValueError):
    """The Merkliste holds MAX_ENTRIES cases already."""


def published_cases(session: Session, ids: Iterable[int], options=()) -> list[UseCase]:
    """The published cases among ``ids``, in the order given."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    found = {c.id: c for c in session.scalars(
        select(UseCase).where(UseCase.id.in_(wanted), UseCase.moderation == ModerationState.PUBLISHED)
        .options(*options))}
    return [found[i] for i in wanted if i in found]


def ids_of(session: Session, user: User) -> list[int]:
    """Case ids on the member's Merkliste, oldest first (published or not)."""
    return list(session.scalars(select(ShortlistEntry.case_id).where(ShortlistEntry.user_id == user.id)
                                .order_by(ShortlistEntry.created_at, ShortlistEntry.id)))


@retrying
def add(session: Session, user: User, case: UseCase) -> None:
    """Save a published case on the member's Merkliste (nothing happens if it is there already)."""
    known = ids_of(session, user)
    if case.id in known:
        return
    if len(known) >= MAX_ENTRIES:
        raise ShortlistFull(str(MAX_ENTRIES))
    session.add(ShortlistEntry(user_id=user.id, case_id=case.id))
    session.commit()  # a parallel save of the same case: the retry finds it there


@retrying
def remove(session: Session, user: User, case_id: int) -> None:
    """Take a case off the member's Merkliste."""
    session.execute(delete(ShortlistEntry).where(ShortlistEntry.user_id == user.id,
                                                 ShortlistEntry.case_id == case_id))
    session.commit()


@retrying
def merge(session: Session, user: User, ids: Iterable[int]) -> int:
    """Add the published cases among ``ids`` (a visitor's session list) to the member's Merkliste."""
    known = set(ids_of(session, user))
    room = MAX_ENTRIES - len(known)
    new = [c.id for c in published_cases(session, ids) if c.id not in known][:max(room, 0)]
    session.add_all(ShortlistEntry(user_id=user.id, case_id=case_id) for case_id in new)
    session.commit()
    return len(new)


def anonymous_add(ids: list[int], case: UseCase) -> list[int]:
    """A visitor's session list with ``case`` added (raise ShortlistFull when full)."""
    if case.id in ids:
        return ids
    if len(ids) >= MAX_ENTRIES:
        raise ShortlistFull(str(MAX_ENTRIES))
    return [*ids, case.id]
