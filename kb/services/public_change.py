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
Listings (search, the start page) are kept finer too: of an adoption they show only that its
organisation uses the case, is interested in it or used it once (``kb.models.usage``) – a new note,
new dates or "Pilot" to "In Betrieb" leave them as they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import inspect
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from kb.models import Adoption, CaseRevision, ModerationState, ReusePath, UseCase, User
from kb.models.usage import usage_class

#: tables whose rows no page for anonymous visitors shows
PRIVATE_TABLES = frozenset({"login_attempt", "api_rate_window", "audit_event", "api_token"})
#: columns of a user account that no page for anonymous visitors shows
PRIVATE_USER_COLUMNS = frozenset({"last_login_at"})
_CASE_PARTS = (CaseRevision, ReusePath)  # rows that belong to one case (``case_id``) and are shown only with it
#: public tables no case page shows: the search index's queue, the change journal, the news of the feeds
CASE_PAGE_UNSEEN_TABLES = frozenset({"search_outbox", "case_change", "update_event"})
#: public tables no listing (search answers, the start page) shows: the change journal, the feeds' news
#: (the search queue is not one of them: once it is handled, search answers may differ)
LISTINGS_UNSEEN_TABLES = frozenset({"case_change", "update_event"})


@dataclass
class Reach:
    """What written rows change for anonymous visitors: anything public (``public``), of that what
    case pages show — the adoptions of the cases ``cases``, or more (``broad``) — and whether it
    changes what listings show (``listed``: anything but an adoption that keeps its case, its
    organisation and its kind of use)."""

    public: bool = False
    broad: bool = False
    cases: set[int] = field(default_factory=set)
    listed: bool = False


def reach(session: Session, objects: Iterable[object], added_or_removed: Iterable[object] = ()) -> Reach:
    """Judge written ORM objects: public at all, which case pages they change, and whether listings
    show it (``added_or_removed``: those of them that are new or deleted).

    An adoption changes the page of its own case only (its adopters, usage, peers and map); every
    other public row counts as shown on every case page unless its table is one no case page shows
    (``CASE_PAGE_UNSEEN_TABLES``) — an organisation, a user, a case itself are broad. Listings see
    every change but the rows of ``LISTINGS_UNSEEN_TABLES`` and adoptions that keep their case,
    organisation and kind of use."""
    found = Reach()
    whole = {id(obj) for obj in added_or_removed}
    for obj in objects:
        if not _public(session, obj):
            continue
        found.public = True
        table = inspect(obj).mapper.local_table.name
        if table in CASE_PAGE_UNSEEN_TABLES:
            found.listed = found.listed or table not in LISTINGS_UNSEEN_TABLES
            continue
        ids = _adopted_case_ids(obj) if isinstance(obj, Adoption) else None
        if ids:
            found.cases |= ids
            found.listed = found.listed or id(obj) in whole or _listed_change(obj)
        else:
            found.broad = found.listed = True
    return found


def _listed_change(adoption: Adoption) -> bool:
    """True unless this change of a stored adoption keeps its case, its organisation and its kind of
    use (uses, interested, used once): its note, dates, contact, confirmation or "Pilot" to "In
    Betrieb"."""
    attrs = inspect(adoption).attrs
    if attrs.case_id.history.has_changes() or attrs.organisation_id.history.has_changes():
        return True
    history = attrs.status.history
    if not history.has_changes():
        return False
    before = {usage_class(s) for s in (*history.deleted, *history.unchanged)}
    after = {usage_class(s) for s in (*history.added, *history.unchanged)}
    return before != after or len(after) != 1


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
        case = _loaded_case(session, obj.case_id)
        return case is None or _ever_published(inspect(case))
    return True


def _loaded_case(session: Session, case_id: int | None) -> UseCase | None:
    """The case with this id if the session holds it – also one this flush has just inserted, which enters
    the identity map only after the flush (the re-use paths of a new submission are written with it)."""
    if not case_id:
        return None
    case = session.identity_map.get(identity_key(UseCase, case_id))
    if case is None:
        case = next((obj for obj in session.new if isinstance(obj, UseCase) and obj.id == case_id), None)
    return case


def _changed_columns(state) -> set[str]:
    return {attr.key for attr in state.attrs if attr.history.has_changes()}


def _ever_published(state) -> bool:
    """True if the case is published now or was before this change (or its state is not known)."""
    history = state.attrs.moderation.history
    values = {*history.added, *history.unchanged, *history.deleted}
    if not values:
        return not state.pending  # a new case without a state gets the default: a draft
    return ModerationState.PUBLISHED in values or None in values
