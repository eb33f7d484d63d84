"""Keep the search index in step with the database.

Changed case ids are collected from the session while it flushes and applied to the
index only after the transaction commits, so the index never runs ahead of the database.
A failed index write is logged; ``flask reindex`` / ``flask check-index --repair`` repair it.
"""

from __future__ import annotations

import logging
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from kb.extensions import db
from kb.models import Adoption, ExperienceReport, UseCase

if TYPE_CHECKING:
    from kb.search import SearchBackend

log = logging.getLogger(__name__)
PENDING = "kb_search_pending"
_listening = False


def init_app(app: Flask) -> None:
    """Configure the backend for this app and listen to session events (once per process)."""
    global _listening
    app.extensions["kb_search"] = {"backend": None}
    if not _listening:
        event.listen(db.session, "after_flush", collect_changes)
        event.listen(db.session, "after_commit", apply_changes)
        event.listen(db.session, "after_soft_rollback", discard_changes)
        _listening = True


def get_backend(app: Flask | None = None) -> SearchBackend:
    """Return this app's search backend, creating it on first use."""
    from kb.search import create_backend

    app = app or current_app
    state = app.extensions["kb_search"]
    if state["backend"] is None:
        name = app.config["KB_SEARCH_BACKEND"]
        if name == "whoosh":
            state["backend"] = create_backend("whoosh", index_dir=Path(app.config["KB_DATA_DIR"]) / "index")
        else:
            state["backend"] = create_backend(name, engine=db.engine)
    return state["backend"]


def close_backend(app: Flask) -> None:
    state = app.extensions.get("kb_search")
    if state and state["backend"] is not None:
        state["backend"].close()
        state["backend"] = None


def _case_id(obj) -> int | None:
    if isinstance(obj, UseCase):
        return obj.id
    if isinstance(obj, Adoption):
        return obj.case_id or (obj.case.id if obj.case is not None else None)
    if isinstance(obj, ExperienceReport) and obj.adoption is not None:
        return obj.adoption.case_id
    return None


def collect_changes(session: Session, _flush_context) -> None:
    """Remember which cases this flush touched."""
    pending = session.info.setdefault(PENDING, set())
    for obj in chain(session.new, session.dirty, session.deleted):
        case_id = _case_id(obj)
        if case_id is not None:
            pending.add(case_id)


def discard_changes(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(PENDING, None)


def apply_changes(session: Session) -> None:
    """After commit: write the touched cases to the index (never raises)."""
    pending = session.info.pop(PENDING, None)
    if not pending or not has_app_context():
        return
    try:
        sync_cases(pending)
    except Exception:  # the database change stands; the index is repaired by reindex
        log.exception(
            "Suchindex konnte %d Fälle nicht aktualisieren; "
            "`flask --app wsgi check-index --repair` behebt das.", len(pending)
        )


def sync_cases(case_ids: set[int]) -> None:
    """Index the published cases among ``case_ids`` and remove the others."""
    from kb.services.search_documents import documents_for

    with Session(db.engine) as session:
        docs, removed = documents_for(session, case_ids)
    backend = get_backend()
    if docs:
        backend.index(docs)
    if removed:
        backend.remove(removed)
