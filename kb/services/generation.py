"""The data generation: a token that changes with every committed change of the data public pages show.

The number and the time of the last change live in ``app_setting`` (key ``data_generation``).
Every transaction that changed a row an anonymous visitor could see — through the ORM,
``session.execute`` or the session's connection, in any process or on any server — bumps it in the
same transaction, just before the commit (listeners below, installed once per process). Readers
therefore see a new token exactly when they can see the change. Writes no public page shows
(:mod:`kb.services.public_change`: login attempts, rate-limit windows, the audit log, the time of a
sign-in, drafts and submissions waiting for moderation) do not count: the caches stay warm while
members write what only they and the moderation see. ORM flushes are judged by their objects, any
other SQL that writes counts. The search index follows a change after the commit; deleting the
handled rows of ``search_outbox`` is a change of its own, so the token moves again once the index
has caught up.

Per-process caches (:class:`ProcessCache`) and HTTP validators (ETag, Last-Modified) are keyed on
the token: whatever does not depend on the request is computed once per generation and process.

Case pages have counters of their own, moved in the same transaction: ``case_pages_generation``
with every change a case page may show except adoptions, and ``case_page:<id>`` with each change of
that case's adoptions (:func:`case_page_token`). Members declaring "Wir nutzen das auch" thus leave
the stored pages of all other cases valid, and the index catching up leaves every case page valid.
Listings (search answers, the start page) have one too: ``listings_generation`` moves with every
change but an adoption's note, dates, contact, confirmation or "Pilot" to "In Betrieb" – they show
of an adoption only its organisation and its kind of use (:attr:`Generation.token_listings`).
"""

from __future__ import annotations

import re
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import Integer, String, bindparam, cast, event, insert, literal, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kb.models import AppSetting, UseCase
from kb.models.base import utcnow
from kb.services.public_change import CASE_PAGE_UNSEEN_TABLES, LISTINGS_UNSEEN_TABLES, PRIVATE_TABLES, reach

T = TypeVar("T")
KEY = "data_generation"
#: moves with every change a case page may show, except adoptions: those move their case's own counter
CASE_PAGES_KEY = "case_pages_generation"
#: moves with every change but adoptions that keep their case, organisation and kind of use
LISTINGS_KEY = "listings_generation"
_CASE_KEY = "case_page:"  # + case id: that case's adoptions changed
_CHANGED = "kb_data_changed"  # connection.info: this transaction changed rows
_BROAD = "kb_case_pages_changed"  # connection.info: … rows every case page may show
_CASES = "kb_adopted_cases"  # connection.info: … the adoptions of these cases
_LISTED = "kb_listings_changed"  # connection.info: … rows listings show
_IN_FLUSH = "kb_in_flush"  # connection.info: an ORM flush runs (its objects are judged, not its SQL)
_SEEN = "kb_generation"  # session.info: the generation read in the current transaction
_DML = re.compile(r"^\s*(?:INSERT|UPDATE|DELETE|REPLACE)\b(?:\s+OR\s+\w+)?\s+(?:INTO\s+|FROM\s+)?\"?(\w+)", re.I)
_installed = False
_READ = select(AppSetting.key, AppSetting.value, AppSetting.updated_at).where(
    AppSetting.key.in_([KEY, CASE_PAGES_KEY, LISTINGS_KEY]))
_NEVER = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Generation:
    """The data generation: a counter and the time of the change that set it; the counter of every
    change but adoptions (``case_pages_generation``) and the one of every change listings show
    (``listings_generation``), each with the time of its last change."""

    number: int
    changed_at: datetime
    but_adoptions: int = 0
    but_adoptions_at: datetime = _NEVER
    listings: int = 0
    listings_at: datetime = _NEVER

    @property
    def token(self) -> str:
        return f"{self.number}.{int(self.changed_at.timestamp() * 1_000_000)}"

    @property
    def token_but_adoptions(self) -> str:
        """A token that moves with every public change except adoptions of a known case (and the
        three tables no case page shows: ``public_change.CASE_PAGE_UNSEEN_TABLES``) – for what does not
        depend on them."""
        return f"b{self.but_adoptions}.{int(self.but_adoptions_at.timestamp() * 1_000_000)}"

    @property
    def token_listings(self) -> str:
        """A token that moves with every public change except an adoption's note, dates, contact,
        confirmation or "Pilot" to "In Betrieb" – for search answers and the start page, which show of
        an adoption only who it is and whether it uses the case, is interested or used it once."""
        return f"l{self.listings}.{int(self.listings_at.timestamp() * 1_000_000)}"


def _generation(rows: dict) -> Generation:
    found = rows.get(KEY)
    if found is None:
        return Generation(0, _NEVER)
    shared, listed = rows.get(CASE_PAGES_KEY), rows.get(LISTINGS_KEY)
    return Generation(int(found.value), found.updated_at,
                      *((int(shared.value), shared.updated_at) if shared is not None else (0, _NEVER)),
                      *((int(listed.value), listed.updated_at) if listed is not None else (0, _NEVER)))


def current(session: Session) -> Generation:
    """The generation as this session's transaction sees it (read once per transaction)."""
    found = session.info.get(_SEEN)
    if found is None:  # Core, not ORM: this runs on every public request, cached answers included
        found = _generation({row.key: row for row in session.connection().execute(_READ)})
        session.info[_SEEN] = found
    return found


def bump(session: Session) -> None:
    """Count a change in the session's transaction (done by the listeners; call it after raw writes):
    every page may show it, case pages and listings included."""
    _bump_keys(session, (KEY, CASE_PAGES_KEY, LISTINGS_KEY))


def _bump_keys(session: Session, keys) -> None:
    now = utcnow()
    for key in keys:  # always the data generation first: concurrent writers lock the rows in one order
        _bump_key(session, key, now)


def _bump_key(session: Session, key: str, now: datetime) -> None:
    done = session.execute(update(AppSetting).where(AppSetting.key == key).values(
        value=cast(cast(AppSetting.value, Integer) + 1, String), updated_at=now))
    if done.rowcount == 0:
        try:
            with session.begin_nested():
                session.execute(insert(AppSetting).values(key=key, value="1", updated_at=now))
        except IntegrityError:  # another process created it meanwhile
            _bump_key(session, key, now)


_CASE_PAGE_READ = select(AppSetting.key, AppSetting.value, AppSetting.updated_at).where(or_(
    AppSetting.key.in_([KEY, CASE_PAGES_KEY, LISTINGS_KEY]),
    AppSetting.key == literal(_CASE_KEY) + cast(
        select(UseCase.id).where(UseCase.slug == bindparam("slug")).scalar_subquery(), String)))


def case_page_token(session: Session, slug: str) -> str:
    """What an anonymous case page shows at this moment, as a token for its stored answer: the
    generation of everything case pages show but adoptions, and the count of changes to the adoptions
    of the case with this slug (:mod:`kb.services.public_change`, ``reach``). Reads the data
    generation in the same statement (as :func:`current` would, once per transaction)."""
    rows = {row.key: row for row in session.connection().execute(_CASE_PAGE_READ, {"slug": slug})}
    if _SEEN not in session.info:
        session.info[_SEEN] = _generation(rows)
    rows.pop(KEY, None)
    rows.pop(LISTINGS_KEY, None)
    shared = rows.pop(CASE_PAGES_KEY, None)
    return _case_token(shared, next(iter(rows.values()), None))


def _case_token(shared, own) -> str:
    """A case page's token from the row of ``case_pages_generation`` and the row of its own counter."""
    return f"case.{_counter(shared)}.{_counter(own)}"


def _counter(row) -> str:
    """A counter of ``app_setting`` with the time it moved: after a restore of an older backup the
    same number may come again for other data, never with the same time."""
    if row is None:
        return "0"
    return f"{row.value}@{int(row.updated_at.timestamp() * 1_000_000) if row.updated_at else 0}"


_CASE_TOKENS_READ = select(AppSetting.key, AppSetting.value, AppSetting.updated_at).where(
    AppSetting.key.in_(bindparam("keys", expanding=True)))


def case_tokens(session: Session, ids: list[int]) -> dict[int, str]:
    """The token of :func:`case_page_token` for each of these cases, in one statement: what a card
    shows of a case (title, owner, topics, usage …) is a part of its page and changes with it."""
    keys = [CASE_PAGES_KEY, *(f"{_CASE_KEY}{i}" for i in ids)]
    rows = {row.key: row for row in session.connection().execute(_CASE_TOKENS_READ, {"keys": keys})}
    return {i: _case_token(rows.get(CASE_PAGES_KEY), rows.get(f"{_CASE_KEY}{i}")) for i in ids}


def index_rewritten(session: Session) -> None:
    """Count a rebuild or repair of the search index as a change: search answers may differ now."""
    bump(session)
    session.commit()


def install() -> None:
    """Listen to every engine and session of this process (once)."""
    global _installed
    if _installed:
        return
    event.listen(Engine, "after_cursor_execute", _note_change)
    event.listen(Engine, "commit", _forget_change)
    event.listen(Engine, "rollback", _forget_change)
    event.listen(Engine, "rollback_savepoint", _flush_failed)
    event.listen(Session, "before_flush", _flush_starts)
    event.listen(Session, "after_flush", _flush_ends)
    event.listen(Session, "before_commit", _bump_if_changed)
    event.listen(Session, "after_transaction_end", _forget_token)
    _installed = True


def _written_table(context, statement: str) -> str | None:
    if context is not None and (context.isinsert or context.isupdate or context.isdelete):
        table = getattr(getattr(context.compiled, "statement", None), "table", None)
        return getattr(table, "name", None) or "?"
    match = _DML.match(statement)
    return match.group(1).lower() if match else None


def _note_change(conn, cursor, statement, _parameters, context, executemany) -> None:
    if conn.info.get(_IN_FLUSH):
        return
    table = _written_table(context, statement)
    if table is None or table in PRIVATE_TABLES:
        return
    if executemany or cursor.rowcount != 0:  # rowcount 0: nothing changed (e.g. begin_write's no-op)
        conn.info[_CHANGED] = True
        if table not in LISTINGS_UNSEEN_TABLES:
            conn.info[_LISTED] = True
        if table not in CASE_PAGE_UNSEEN_TABLES:
            conn.info[_BROAD] = True


def _forget_change(conn) -> None:
    for key in (_CHANGED, _BROAD, _CASES, _LISTED, _IN_FLUSH):
        conn.info.pop(key, None)


def _flush_failed(conn, _name, _context) -> None:
    conn.info.pop(_IN_FLUSH, None)  # a failed flush in a savepoint ends without after_flush


def _flush_starts(session: Session, _context, _instances) -> None:
    session.connection().info[_IN_FLUSH] = True


def _flush_ends(session: Session, _context) -> None:
    """Judge the flushed objects (the session still lists them as before the flush)."""
    info = session.connection().info
    info.pop(_IN_FLUSH, None)
    if info.get(_BROAD):
        return  # every page counts already
    new, deleted = session.new, session.deleted
    found = reach(session, (*new, *session.dirty, *deleted), (*new, *deleted))
    if found.public:
        info[_CHANGED] = True
    if found.listed:
        info[_LISTED] = True
    if found.broad:
        info[_BROAD] = True
    elif found.cases:
        info.setdefault(_CASES, set()).update(found.cases)


def _bump_if_changed(session: Session) -> None:
    if not session.in_transaction() or session.in_nested_transaction():
        return
    session.flush()  # the commit's own flush comes after this listener
    info = session.connection().info
    if not info.get(_CHANGED):
        return
    if info.get(_BROAD):
        bump(session)
    else:  # only adoptions and rows no case page shows: the other case pages stay as they are
        listings = (LISTINGS_KEY,) if info.get(_LISTED) else ()
        _bump_keys(session, (KEY, *listings, *(f"{_CASE_KEY}{i}" for i in sorted(info.get(_CASES, ())))))


def _forget_token(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_SEEN, None)


class ProcessCache:
    """Values computed at most once per data generation in this process (one store per database).

    Keep only plain values in it (tuples, dataclasses, dicts) — never ORM objects, which belong to
    the session that loaded them.
    """

    def __init__(self, size: int = 2048) -> None:
        self.size = size
        self._stores: weakref.WeakKeyDictionary[Engine, OrderedDict] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def get(self, session: Session, key: Hashable, compute: Callable[[], T], *, but_adoptions: bool = False,
            token: str | None = None) -> T:
        """The value cached under ``key`` for the current generation, computing it if needed; with
        ``but_adoptions`` for the current :attr:`Generation.token_but_adoptions` (a value that no
        adoption of a case can change); with ``token`` for that token instead (one the caller read in
        the session's transaction, e.g. from :func:`case_tokens` of the cases the value shows)."""
        if token is None:
            seen = current(session)
            token = seen.token_but_adoptions if but_adoptions else seen.token
        engine = session.get_bind()
        with self._lock:
            store = self._stores.setdefault(engine, OrderedDict())
            hit = store.get(key)
            if hit is not None and hit[0] == token:
                store.move_to_end(key)
                return hit[1]
        value = compute()
        with self._lock:
            store[key] = (token, value)
            store.move_to_end(key)
            while len(store) > self.size:
                store.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._stores.clear()


cache = ProcessCache()
