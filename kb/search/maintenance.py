"""Upkeep of the search index: compare it with the database, rebuild it, repair drift."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.models import SearchOutbox
from kb.search.sync import _forget_rows, _queued_rows, drain_outbox, write_cases

if TYPE_CHECKING:
    from kb.search.engine import SearchBackend


@dataclass
class IndexDrift:
    """How the index differs from the database, and which cases wait in the outbox."""

    missing: set[int]
    stale: set[int]
    orphaned: set[int]
    queued: set[int] = field(default_factory=set)

    @property
    def clean(self) -> bool:
        return not (self.missing or self.stale or self.orphaned)

    @property
    def ids(self) -> set[int]:
        return self.missing | self.stale | self.orphaned


def check_index(session: Session, backend: SearchBackend) -> IndexDrift:
    """Compare the index with the published cases (read only)."""
    from kb.search.documents import published_versions

    expected = published_versions(session)
    indexed = backend.versions()
    return IndexDrift(
        missing=set(expected) - set(indexed),
        stale={i for i in set(expected) & set(indexed) if expected[i] != indexed[i]},
        orphaned=set(indexed) - set(expected),
        queued=set(session.scalars(select(SearchOutbox.case_id).distinct())),
    )


def rebuild_index(session: Session, backend: SearchBackend,
                  progress: Callable[[int], None] | None = None) -> tuple[int, float]:
    """Rebuild the whole index from the database; return (documents, seconds).

    Outbox rows queued before the rebuild started are covered by it and deleted.
    """
    from kb.search.documents import all_documents

    started = time.perf_counter()
    rows = _queued_rows(session)
    count = backend.rebuild(all_documents(session), progress=progress)
    _forget_rows(session, [row_id for row_id, _case in rows])
    return count, time.perf_counter() - started


def repair_index(session: Session, backend: SearchBackend, drift: IndexDrift) -> int:
    """Rewrite the drifted cases and everything queued; return the number of cases written."""
    fixed = write_cases(session, backend, drift.ids - drift.queued) if drift.ids - drift.queued else 0
    return fixed + drain_outbox(session, backend)
