"""Which written rows an anonymous visitor could see: the data generation counts only those.

A change is public unless it is known not to be: rows of bookkeeping tables no page shows (login
attempts, rate-limit windows, the audit log, API tokens), the time of a user's last sign-in, and a case that is
not published and was not published before this change (a draft or a submission waiting for
moderation) together with its revisions and re-use paths. Anything else — and anything this module
cannot judge, such as a case whose state is not loaded, or SQL written without the ORM — counts.
Only anonymous answers and the per-process caches (public data only) are keyed on the generation;
signed-in users are never answered from a cache.

Case pages are kept finer (``reach``): an adoption changes only the page of its own case, and a few
public tables (the search queue, the change journal, the feeds' news) appear on no case page.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import inspect
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from kb.models import Adoption, CaseRevision, ModerationState, ReusePath, UseCase, User

#: tables whose rows no page for anonymous visitors shows
PRIVATE_TABLES = frozenset({"login_attempt", "api_rate_window", "audit_event", "api_token"})
#: columns of a user account that no page for anonymous visitors shows
PRIVATE_USER_COLUMNS = frozenset({"last_login_at"})
_CASE_PARTS = (CaseRevision, ReusePath)  # rows that belong to one case (``case_id``) and are shown only with it
#: public tables no case page shows: the search index's queue, the change journal, the news of the feeds
CASE_PAGE_UNSEEN_TABLES = frozenset({"search_outbox", "case_change", "update_event"})


@dataclass
class Reach:
    """What written rows change for anonymous visitors: anything public (``public``), and of that
    what case pages show — the adoptions of the cases ``cases``, or more (``broad``)."""

    public: bool = False
    broad: bool = False
    cases: set[int] = field(default_factory=set)


def reach(session: Session, objects: Iterable[object]) -> Reach:
    """Judge written ORM objects: public at all, and which case pages they change.

    An adoption changes the page of its own case only (its adopters, usage, peers and map); every
    other public row counts as shown on every case page unless its table is one no case page shows
    (``CASE_PAGE_UNSEEN_TABLES``) — an organisation, a user, a case itself are broad."""
    found = Reach()
    for obj in objects:
        if not _public(session, obj):
            continue
        found.public = True
        if inspect(obj).mapper.local_table.name in CASE_PAGE_UNSEEN_TABLES:
            continue
        ids = _adopted_case_ids(obj) if isinstance(obj, Adoption) else None
        if ids:
            found.cases |= ids
        else:
            found.broad = True
    return found


def _adopted_case_ids(adoption: Adoption) -> set[int] | None:
    """The case (before and after this change) of an adoption, None if not known."""
    history = inspect(adoption).attrs.case_id.history
    ids = {*history.added, *history.unchanged, *history.deleted}
    return ids if ids and all(isinstance(i, int) for i in ids) else None


def _public(session: Session, obj: object) -> bool:
    state = inspect(obj)
    if state.mapper.local_table.name in PRIVATE_TABLES:
        return False
    if isinstance(obj, User):
        return not (state.persistent and not state.deleted and _changed_columns(state) <= PRIVATE_USER_COLUMNS)
    if isinstance(obj, UseCase):
        return _ever_published(state)
    if isinstance(obj, _CASE_PARTS):
        case = session.identity_map.get(identity_key(UseCase, obj.case_id)) if obj.case_id else None
        return case is None or _ever_published(inspect(case))
    return True


def _changed_columns(state) -> set[str]:
    return {attr.key for attr in state.attrs if attr.history.has_changes()}


def _ever_published(state) -> bool:
    """True if the case is published now or was before this change (or its state is not known)."""
    history = state.attrs.moderation.history
    values = {*history.added, *history.unchanged, *history.deleted}
    if not values:
        return not state.pending  # a new case without a state gets the default: a draft
    return ModerationState.PUBLISHED in values or None in values
