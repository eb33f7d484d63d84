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

from sqlalchemy import Integer, String, cast, event, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kb.models import AppSetting
from kb.models.base import utcnow
from kb.services.public_change import PRIVATE_TABLES, any_public

T = TypeVar("T")
KEY = "data_generation"
_CHANGED = "kb_data_changed"  # connection.info: this transaction changed rows
_IN_FLUSH = "kb_in_flush"  # connection.info: an ORM flush runs (its objects are judged, not its SQL)
_SEEN = "kb_generation"  # session.info: the generation read in the current transaction
_DML = re.compile(r"^\s*(?:INSERT|UPDATE|DELETE|REPLACE)\b(?:\s+OR\s+\w+)?\s+(?:INTO\s+|FROM\s+)?\"?(\w+)", re.I)
_installed = False
_READ = select(AppSetting.value, AppSetting.updated_at).where(AppSetting.key == KEY)


@dataclass(frozen=True)
class Generation:
    """The data generation: a counter and the time of the change that set it."""

    number: int
    changed_at: datetime

    @property
    def token(self) -> str:
        return f"{self.number}.{int(self.changed_at.timestamp() * 1_000_000)}"


def current(session: Session) -> Generation:
    """The generation as this session's transaction sees it (read once per transaction)."""
    found = session.info.get(_SEEN)
    if found is None:  # Core, not ORM: this runs on every public request, cached answers included
        row = session.connection().execute(_READ).first()
        found = Generation(int(row.value), row.updated_at) if row else Generation(0, datetime(2000, 1, 1, tzinfo=UTC))
        session.info[_SEEN] = found
    return found


def bump(session: Session) -> None:
    """Count a change in the session's transaction (done by the listeners; call it after raw writes)."""
    now = utcnow()
    done = session.execute(update(AppSetting).where(AppSetting.key == KEY).values(
        value=cast(cast(AppSetting.value, Integer) + 1, String), updated_at=now))
    if done.rowcount == 0:
        try:
            with session.begin_nested():
                session.execute(insert(AppSetting).values(key=KEY, value="1", updated_at=now))
        except IntegrityError:  # another process created it meanwhile
            bump(session)


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


def _forget_change(conn) -> None:
    conn.info.pop(_CHANGED, None)
    conn.info.pop(_IN_FLUSH, None)


def _flush_failed(conn, _name, _context) -> None:
    conn.info.pop(_IN_FLUSH, None)  # a failed flush in a savepoint ends without after_flush


def _flush_starts(session: Session, _context, _instances) -> None:
    session.connection().info[_IN_FLUSH] = True


def _flush_ends(session: Session, _context) -> None:
    """Judge the flushed objects (the session still lists them as before the flush)."""
    info = session.connection().info
    info.pop(_IN_FLUSH, None)
    if not info.get(_CHANGED) and any_public(session, (*session.new, *session.dirty, *session.deleted)):
        info[_CHANGED] = True


def _bump_if_changed(session: Session) -> None:
    if not session.in_transaction() or session.in_nested_transaction():
        return
    session.flush()  # the commit's own flush comes after this listener
    if session.connection().info.get(_CHANGED):
        bump(session)


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

    def get(self, session: Session, key: Hashable, compute: Callable[[], T]) -> T:
        """The value cached under ``key`` for the current generation, computing it if needed."""
        token = current(session).token
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
