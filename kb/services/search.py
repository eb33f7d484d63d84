"""Search the published catalogue: the backend ranks ids, the database supplies the cases."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.models import UseCase
from kb.services.catalog import case_list_options

if TYPE_CHECKING:
    from kb.search import SearchBackend, SearchHit, SearchQuery, SearchResult


@dataclass
class CaseHit:
    """A case with its score and highlighted snippets."""

    case: UseCase
    score: float
    highlights: dict[str, str]


@dataclass
class CaseSearchResult:
    hits: list[CaseHit]
    result: SearchResult


def search_cases(session: Session, backend: SearchBackend, query: SearchQuery) -> CaseSearchResult:
    """Run the query and load the hits from the database in rank order."""
    result = backend.search(query)
    ids = [hit.id for hit in result.hits]
    cases = {
        c.id: c for c in session.scalars(select(UseCase).where(UseCase.id.in_(ids)).options(*case_list_options()))
    } if ids else {}
    hits = [_hit(cases[h.id], h) for h in result.hits if h.id in cases and cases[h.id].is_published]
    return CaseSearchResult(hits, result)


def _hit(case: UseCase, hit: SearchHit) -> CaseHit:
    return CaseHit(case, hit.score, hit.highlights)


@dataclass
class IndexDrift:
    """How the index differs from the database."""

    missing: set[int]
    stale: set[int]
    orphaned: set[int]

    @property
    def clean(self) -> bool:
        return not (self.missing or self.stale or self.orphaned)


def check_index(session: Session, backend: SearchBackend) -> IndexDrift:
    """Compare the index with the published cases."""
    from kb.services.search_documents import published_versions

    expected = published_versions(session)
    indexed = backend.versions()
    return IndexDrift(
        missing=set(expected) - set(indexed),
        stale={i for i in set(expected) & set(indexed) if expected[i] != indexed[i]},
        orphaned=set(indexed) - set(expected),
    )


def rebuild_index(session: Session, backend: SearchBackend,
                  progress: Callable[[int], None] | None = None) -> tuple[int, float]:
    """Rebuild the whole index from the database; return (documents, seconds)."""
    from kb.services.search_documents import all_documents

    started = time.perf_counter()
    count = backend.rebuild(all_documents(session), progress=progress)
    return count, time.perf_counter() - started


def repair_index(session: Session, backend: SearchBackend, drift: IndexDrift) -> int:
    """Re-index missing and stale cases and drop orphans; return the number of fixes."""
    from kb.services.search_documents import documents_for

    docs, removed = documents_for(session, drift.missing | drift.stale)
    if docs:
        backend.index(docs)
    if drift.orphaned | removed:
        backend.remove(drift.orphaned | removed)
    return len(docs) + len(drift.orphaned | removed)
