"""A large import indexes its new cases while it writes them, instead of reading them back after the commit.

The import (``kb.services.interchange.importing``) calls :func:`begin` before its write
transaction. If the backend can build in the background (Whoosh) and the import is large, this
takes the sync lock (``kb.search.sync``) for the whole import, so no other process drains the
outbox meanwhile, and starts the backend's background build as the writing begins. The new
cases are still queued in the outbox inside the transaction, as every change is:

* after the commit (``sync.drain_after_commit``), :meth:`ImportIndex.commit` makes the built
  segments visible, deletes the outbox rows of exactly these cases that the import queued and lets
  go of the lock; the usual drain then writes whatever else is queued (updated cases, other
  processes' changes);
* after a rollback (a bad record, a dry run, an error), :meth:`ImportIndex.cancel` throws the
  build away: the index never saw anything;
* if the process dies after the commit, the outbox rows are still there and the next drain of
  any process writes these cases (``check-index --repair`` at once).
"""

from __future__ import annotations

import logging
from contextlib import ExitStack

from flask import Flask, current_app, has_app_context
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from kb.extensions import db
from kb.models import SearchOutbox
from kb.search import documents
from kb.search.backend import get_backend
from kb.search.sync import IMPORT_INDEX as KEY
from kb.search.sync import sync_lock

log = logging.getLogger(__name__)
#: imports with fewer new cases go the usual way (queued, indexed after the commit)
MIN_CASES = 1000


class ImportIndex:
    """The background index build of one import transaction (holds the sync lock)."""

    def __init__(self, app: Flask, lock: ExitStack) -> None:
        self.app = app
        self.lock = lock
        self.expected = 0
        self.build = None
        self.ids: list[int] = []
        self.last_row = 0  # the newest outbox row this transaction wrote

    def start(self, expected: int) -> None:
        """Start the build for ``expected`` new cases before the first of them is written: the workers
        load what the analysis needs while this process still checks and writes the first block."""
        self.expected = expected
        if expected and self.build is None:
            self._start_build(expected)

    def add(self, session: Session, rows: list[tuple], ids: list[int]) -> None:
        """Hand cases written (and queued) in this transaction to the build: ``documents.written_rows``
        (the workers make the documents), ``ids`` their case ids in the same, ascending order."""
        if self.build is None:
            self._start_build(max(self.expected, len(rows)))
        self.build.add(rows, ids)
        self.ids.extend(ids)
        self.last_row = session.connection().scalar(select(func.max(SearchOutbox.id))) or 0

    def _start_build(self, expected: int) -> None:
        self.build = get_backend(self.app).start_background_build(expected, prepare=documents.written_document)

    def commit(self) -> None:
        """After the database commit: make the documents visible and forget their outbox rows."""
        try:
            if self.build is not None and self.build.sent:  # (no new case written: no new generation)
                self.build.commit()
                self.build = None
                with Session(db.engine) as session:
                    for start in range(0, len(self.ids), 500):
                        session.execute(delete(SearchOutbox).where(
                            SearchOutbox.case_id.in_(self.ids[start : start + 500]), SearchOutbox.id <= self.last_row))
                    session.commit()
        except Exception:  # the database change stands; the queued rows are written by the next drain
            log.exception("Suchindex des Imports konnte nicht geschrieben werden; die Fälle bleiben vorgemerkt.")
        finally:
            self.cancel()

    def cancel(self) -> None:
        """Throw the build away and let go of the sync lock."""
        try:
            if self.build is not None:
                self.build.cancel()
                self.build = None
        finally:
            self.lock.close()


def begin(session: Session, records: int) -> ImportIndex | None:
    """Start indexing alongside an import of up to ``records`` new cases, if worth it and possible."""
    if records < MIN_CASES or not has_app_context():
        return None
    app = current_app._get_current_object()
    if not hasattr(get_backend(app), "start_background_build"):
        return None
    lock = ExitStack()
    if not lock.enter_context(sync_lock(app, float(app.config["KB_SEARCH_SYNC_WAIT"]))):
        lock.close()
        return None
    indexing = session.info[KEY] = ImportIndex(app, lock)
    return indexing


def running(session: Session) -> ImportIndex | None:
    return session.info.get(KEY)


def finish(session: Session) -> None:
    """After the outermost commit: commit a running build (``sync.drain_after_commit`` calls this)."""
    indexing = session.info.pop(KEY, None)
    if indexing is not None:
        indexing.commit()


def discard(session: Session) -> None:
    """After a rollback, or when the import ends without a commit: drop a running build."""
    indexing = session.info.pop(KEY, None)
    if indexing is not None:
        indexing.cancel()
