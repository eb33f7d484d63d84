"""Keep the search index in step with the database.

* Every flush that touches what a case's search document shows — the case, its adoptions and
  their experience reports, the name or Land of an organisation, the name of a topic — queues the case id in the table
  ``search_outbox``, inside the same transaction: the queue entry exists exactly when the
  change does, and a rollback removes both.
* After the commit, the process drains the outbox under the *sync lock* (one writer at a time
  across all processes: ``fcntl`` on ``$KB_DATA_DIR/search-sync.lock``, or a PostgreSQL advisory
  lock): it reads the committed state of the queued cases, writes or removes their documents and
  deletes the rows it handled. Reading inside the lock means the last writer always writes the
  newest state, so concurrent workers cannot lose updates, and the index never runs ahead of
  the database.
* A web request never waits for the lock: the process holding it looks at the outbox again after
  letting go, so it picks up rows queued meanwhile. The command line waits (``import-cases``
  returns with the index up to date).
* A failed index write (``IndexBusyError``, a full disk …) is logged and leaves its rows queued;
  the next write of any process, ``flask check-index --repair`` or ``flask reindex`` finishes the
  job, as does a restarted worker after a process was killed between commit and index write.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask, current_app, has_app_context, has_request_context
from sqlalchemy import delete, event, func, insert, inspect, select, text
from sqlalchemy.orm import Session

from kb.extensions import db
from kb.models import Adoption, ExperienceReport, Organisation, SearchOutbox, Topic, UseCase, case_topic
from kb.models.base import utcnow
from kb.search.backend import get_backend, get_searcher
from kb.search.documents import indexed_use
from kb.search.engine.locking import file_lock, poll

if TYPE_CHECKING:
    from kb.search.engine import SearchBackend


log = logging.getLogger(__name__)
LOCK_FILE = "search-sync.lock"
#: PostgreSQL advisory lock key of the sync lock (any constant shared by all processes)
ADVISORY_KEY = zlib.crc32(b"praxisatlas-search-sync")
_listening = False


def init_app(app: Flask) -> None:
    """Configure the backend for this app and listen to session events (once per process)."""
    global _listening
    app.config.setdefault("KB_SEARCH_SYNC_WAIT", 600.0)
    app.extensions["kb_search"] = {"backend": None, "warm": False}
    if not _listening:
        event.listen(db.session, "before_flush", stamp_changed_cases)
        event.listen(db.session, "after_flush", queue_changes)
        event.listen(db.session, "after_commit", drain_after_commit)
        event.listen(db.session, "after_soft_rollback", forget_changes)
        _listening = True


# ------------------------------------------------------------- session events


def stamp_changed_cases(session: Session, _flush_context, _instances) -> None:
    """Give a case whose topics alone changed a new version (else check-index could not see it)."""
    for obj in session.dirty:
        if (isinstance(obj, UseCase) and session.is_modified(obj)
                and not session.is_modified(obj, include_collections=False)):
            obj.updated_at = utcnow()


def _document_sees(adoption: Adoption) -> bool:
    """True if this change of a stored adoption changes its case's document: another case or
    organisation, or a status on the other side of "uses it" (kb.search.documents.adopters_stamp) –
    not its dates, note or contact, nor "Pilot" to "In Betrieb"."""
    if _changed(adoption, "case_id", "organisation_id"):
        return True
    history = inspect(adoption).attrs.status.history
    before = {indexed_use(s) for s in (*history.deleted, *history.unchanged)}
    after = {indexed_use(s) for s in (*history.added, *history.unchanged)}
    return bool(history.has_changes()) and before != after


def _case_ids(adoption: Adoption) -> set:
    """The case of an adoption before and after this flush."""
    history = inspect(adoption).attrs.case_id.history
    return {*history.added, *history.unchanged, *history.deleted} or {inspect(adoption).attrs.case_id.loaded_value}


def _changed(obj, *names: str) -> bool:
    attrs = inspect(obj).attrs
    return any(attrs[name].history.has_changes() for name in names)


def _touched_case_ids(session: Session) -> set[int]:
    """Ids of the cases whose search document this flush may have changed."""
    ids: set[int] = set()
    orgs: set[int] = set()
    topics: set[int] = set()
    adoptions: set[int] = set()
    new = {id(obj) for obj in session.new}
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, UseCase):
            ids.add(obj.id)
        elif isinstance(obj, Adoption):
            if id(obj) in new or obj in session.deleted or _document_sees(obj):
                ids.update(_case_ids(obj))
        elif isinstance(obj, ExperienceReport):  # its texts are part of the case's document
            adoptions.add(inspect(obj).attrs.adoption_id.loaded_value)
        elif isinstance(obj, Organisation) and id(obj) not in new and _changed(obj, "name", "land_code"):
            orgs.add(obj.id)
        elif isinstance(obj, Topic) and id(obj) not in new and _changed(obj, "name"):
            topics.add(obj.id)
    if orgs:
        connection = session.connection()
        ids.update(connection.scalars(select(UseCase.id).where(UseCase.owner_id.in_(orgs))))
        ids.update(connection.scalars(select(Adoption.case_id).where(Adoption.organisation_id.in_(orgs))))
    adoptions = {a for a in adoptions if isinstance(a, int)}
    if adoptions:
        ids.update(session.connection().scalars(select(Adoption.case_id).where(Adoption.id.in_(adoptions))))
    if topics:
        ids.update(session.connection().scalars(select(case_topic.c.case_id).where(case_topic.c.topic_id.in_(topics))))
    return {i for i in ids if isinstance(i, int)}


def _ever_published(session: Session, ids: set[int]) -> set[int]:
    """The cases among ``ids`` that are or were published: only those can be in the index.

    A case gets ``published_at`` when it is first published and keeps it; a deleted case is judged
    by what the session last knew of it.
    """
    gone = {obj.id for obj in session.deleted if isinstance(obj, UseCase)
            and inspect(obj).attrs.published_at.loaded_value is not None}  # unloaded: NO_VALUE, kept
    born = _inserted_unpublished(session)
    rest = sorted(ids - gone - born)
    found = set()
    for start in range(0, len(rest), 500):
        found.update(session.connection().scalars(
            select(UseCase.id).where(UseCase.id.in_(rest[start : start + 500]), UseCase.published_at.is_not(None))))
    return found | (gone & ids)


def _inserted_unpublished(session: Session) -> set[int]:
    """The cases this flush inserted without ``published_at`` (drafts, submissions): the row is as written."""
    return {obj.id for obj in session.new if isinstance(obj, UseCase)
            and inspect(obj).attrs.published_at.loaded_value is None}


def queue_changes(session: Session, _flush_context) -> None:
    """Queue the touched cases that are or were published in ``search_outbox``, in the flushing
    transaction (drafts never reach the index, so saving one leaves the index alone)."""
    touched = _touched_case_ids(session)
    if touched:
        queue_cases(session, _ever_published(session, touched))


def forget_changes(session: Session, previous_transaction) -> None:
    """A rolled-back transaction took its queue entries with it."""
    if previous_transaction.parent is None:
        session.info.pop(QUEUED, None)
        if IMPORT_INDEX in session.info:
            from kb.search import bulk_import

            bulk_import.discard(session)


def drain_after_commit(session: Session) -> None:
    """After the outermost commit: bring the index up to date (never raises)."""
    if session.in_nested_transaction():
        return
    if IMPORT_INDEX in session.info:  # a large import built its index beside the transaction
        from kb.search import bulk_import

        bulk_import.finish(session)
    if not session.info.pop(QUEUED, False):
        return
    if not has_app_context():
        log.warning("Suchindex nicht aktualisiert (kein App-Kontext); die Änderungen bleiben vorgemerkt.")
        return
    drain(current_app._get_current_object())


# ------------------------------------------------------------------- draining


def drain(app: Flask, wait: float | None = None) -> int:
    """Write every queued case to the index; return how many were written (never raises).

    ``wait``: seconds to wait for the sync lock (default: none inside a web request, where the
    process holding the lock picks up our rows; ``KB_SEARCH_SYNC_WAIT`` elsewhere).
    """
    if wait is None:
        wait = 0.0 if has_request_context() else float(app.config["KB_SEARCH_SYNC_WAIT"])
    written = 0
    try:
        while True:
            with sync_lock(app, wait) as held:
                if not held:
                    return written
                with Session(db.engine) as session:
                    written += drain_outbox(session, get_backend(app))
            with Session(db.engine) as session:
                if not outbox_size(session):
                    return written
            wait = 0.0  # rows arrived while we held the lock: take them unless someone else does
    except Exception:  # the database change stands; the queued rows are retried
        log.exception("Suchindex konnte nicht aktualisiert werden; die Änderungen bleiben vorgemerkt "
                      "(`flask --app wsgi check-index --repair` schreibt sie sofort).")
        return written


@contextmanager
def sync_lock(app: Flask, wait: float = 0.0) -> Iterator[bool]:
    """Hold the index sync lock of this instance; yields False if it stayed busy for ``wait`` s."""
    if db.engine.dialect.name == "postgresql":
        with _advisory_lock(wait) as held:
            yield held
    else:
        with file_lock(Path(app.config["KB_DATA_DIR"]) / LOCK_FILE, wait) as held:
            yield held


@contextmanager
def _advisory_lock(wait: float) -> Iterator[bool]:
    with db.engine.connect() as connection:
        def try_once() -> bool:
            held = bool(connection.scalar(select(func.pg_try_advisory_lock(ADVISORY_KEY))))
            connection.commit()
            return held

        held = poll(try_once, wait)
        try:
            yield held
        finally:
            if held:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY})
                connection.commit()


def warm_up_worker(app: Flask) -> None:
    """Prepare a fresh worker process: warm the search backend, write rows a dead process left."""
    with app.app_context():
        get_searcher(app)
        drain(app, wait=0.0)


#: ``session.info`` flag: this transaction queued cases, drain the outbox after its commit
QUEUED = "kb_search_queued"
#: ``session.info`` key of a large import's index build (``kb.search.bulk_import``)
IMPORT_INDEX = "kb_import_index"


def write_cases(session: Session, backend: SearchBackend, case_ids: Iterable[int]) -> int:
    """Write the committed state of these cases to the index: published ones in, others out."""
    from kb.search.documents import iter_documents

    wanted = set(case_ids)
    found: set[int] = set()
    backend.index(iter_documents(session, wanted, found))
    gone = wanted - found
    if gone:  # never-published cases were never indexed: nothing to remove
        gone -= set(session.scalars(select(UseCase.id).where(UseCase.id.in_(gone), UseCase.published_at.is_(None))))
    if gone:
        backend.remove(gone)
    return len(wanted)


def queue_cases(session: Session, case_ids: Iterable[int]) -> None:
    """Queue cases for the search index inside the session's transaction (written after commit)."""
    ids = sorted({i for i in case_ids if isinstance(i, int)})
    if not ids:
        return
    now = utcnow()
    connection = session.connection()
    for start in range(0, len(ids), 5000):
        connection.execute(insert(SearchOutbox.__table__),
                           [{"case_id": i, "queued_at": now} for i in ids[start : start + 5000]])
    session.info[QUEUED] = True


def outbox_size(session: Session) -> int:
    return session.scalar(select(func.count(SearchOutbox.id))) or 0


def _queued_rows(session: Session) -> list[tuple[int, int]]:
    return [(row_id, case_id) for row_id, case_id in session.execute(select(SearchOutbox.id, SearchOutbox.case_id))]


def _forget_rows(session: Session, row_ids: list[int]) -> None:
    for start in range(0, len(row_ids), 500):
        session.execute(delete(SearchOutbox).where(SearchOutbox.id.in_(row_ids[start : start + 500])))
    session.commit()


def drain_outbox(session: Session, backend: SearchBackend) -> int:
    """Write the cases queued in the outbox, then delete the rows handled; return the case count.

    Call with the sync lock held (``kb.search.sync``). Rows queued while this runs stay for the next
    drain; on an error nothing is deleted.
    """
    rows = _queued_rows(session)
    if not rows:
        return 0
    count = write_cases(session, backend, {case_id for _row, case_id in rows})
    _forget_rows(session, [row_id for row_id, _case in rows])
    return count
