"""Search the published catalogue: the backend ranks ids, the database supplies the cases."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session, joinedload, load_only, selectinload

from kb.model_base import utcnow
from kb.models import Adoption, Land, ModerationState, Organisation, SearchOutbox, Topic, UseCase
from kb.services.catalog import CaseFilters, resolve_filters

if TYPE_CHECKING:
    from kb.search import SearchBackend, SearchHit, SearchQuery, SearchResult

#: ``session.info`` flag: this transaction queued cases, drain the outbox after its commit
QUEUED = "kb_search_queued"


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


def canonical_query(session: Session, query: SearchQuery) -> SearchQuery:
    """The query with filter values as the index stores them (topic and Land names, status values).

    Filters may be given as names in any case, topic slugs or Land codes (``geodaten``, ``14``);
    raises ``catalog.FilterError`` for a value that names nothing.
    """
    if not (query.topics or query.states or query.statuses):
        return query
    topic_ids, land_codes, statuses = resolve_filters(
        session, CaseFilters(list(query.topics), list(query.states), list(query.statuses)))
    topics = dict(session.execute(select(Topic.id, Topic.name)).all())
    lands = dict(session.execute(select(Land.code, Land.name)).all())
    return replace(
        query,
        topics=tuple(dict.fromkeys(topics[i] for i in topic_ids)),
        states=tuple(dict.fromkeys(lands[c] for c in land_codes)),
        statuses=tuple(dict.fromkeys(s.value for s in statuses)),
    )


def search_cases(session: Session, backend: SearchBackend, query: SearchQuery) -> CaseSearchResult:
    """Run the query and load the hits from the database in rank order."""
    result = backend.search(query)
    ids = [hit.id for hit in result.hits]
    cases = {
        c.id: c for c in session.scalars(select(UseCase).where(UseCase.id.in_(ids)).options(*_hit_options()))
    } if ids else {}
    hits = [_hit(cases[h.id], h) for h in result.hits if h.id in cases and cases[h.id].is_published]
    return CaseSearchResult(hits, result)


def suggest_cases(session: Session, backend: SearchBackend, text: str, limit: int = 6) -> list[UseCase]:
    """Return up to ``limit`` published cases for a partial query (type-ahead).

    Cases whose title contains every word of the text (those starting with it first, then the
    shortest titles), so "Mast" finds the Masterportal; without such a title the best full-text hits.
    """
    from kb.search import SearchQuery

    words = text.split()
    if not words:
        return []
    stmt = select(UseCase).where(UseCase.moderation == ModerationState.PUBLISHED,
                                 *(UseCase.title.icontains(word, autoescape=True) for word in words))
    starts = UseCase.title.istartswith(text, autoescape=True)
    by_title = list(session.scalars(stmt.order_by(starts.desc(), func.length(UseCase.title), UseCase.id)
                                    .limit(limit).options(joinedload(UseCase.owner, innerjoin=True))))
    if by_title:
        return by_title
    return [hit.case for hit in search_cases(session, backend, SearchQuery(text=text, per_page=limit)).hits]


def _hit_options():
    """What a result card and the API show: owner and Land, topics, adoption statuses (not
    adopters); the long texts stay in the database (loaded on access if ever needed)."""
    return (
        load_only(UseCase.slug, UseCase.title, UseCase.summary, UseCase.owner_id, UseCase.status,
                  UseCase.moderation, UseCase.published_at, UseCase.updated_at),
        joinedload(UseCase.owner, innerjoin=True).joinedload(Organisation.land),
        selectinload(UseCase.topics),
        selectinload(UseCase.adoptions).load_only(Adoption.status).lazyload(Adoption.organisation),
    )


def _hit(case: UseCase, hit: SearchHit) -> CaseHit:
    return CaseHit(case, hit.score, hit.highlights)


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
    from kb.services.search_documents import published_versions

    expected = published_versions(session)
    indexed = backend.versions()
    return IndexDrift(
        missing=set(expected) - set(indexed),
        stale={i for i in set(expected) & set(indexed) if expected[i] != indexed[i]},
        orphaned=set(indexed) - set(expected),
        queued=set(session.scalars(select(SearchOutbox.case_id).distinct())),
    )


def write_cases(session: Session, backend: SearchBackend, case_ids: Iterable[int]) -> int:
    """Write the committed state of these cases to the index: published ones in, others out."""
    from kb.services.search_documents import iter_documents

    wanted = set(case_ids)
    found: set[int] = set()
    backend.index(iter_documents(session, wanted, found))
    if wanted - found:
        backend.remove(wanted - found)
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

    Call with the sync lock held (``kb.search_sync``). Rows queued while this runs stay for the next
    drain; on an error nothing is deleted.
    """
    rows = _queued_rows(session)
    if not rows:
        return 0
    count = write_cases(session, backend, {case_id for _row, case_id in rows})
    _forget_rows(session, [row_id for row_id, _case in rows])
    return count


def rebuild_index(session: Session, backend: SearchBackend,
                  progress: Callable[[int], None] | None = None) -> tuple[int, float]:
    """Rebuild the whole index from the database; return (documents, seconds).

    Outbox rows queued before the rebuild started are covered by it and deleted.
    """
    from kb.services.search_documents import all_documents

    started = time.perf_counter()
    rows = _queued_rows(session)
    count = backend.rebuild(all_documents(session), progress=progress)
    _forget_rows(session, [row_id for row_id, _case in rows])
    return count, time.perf_counter() - started


def repair_index(session: Session, backend: SearchBackend, drift: IndexDrift) -> int:
    """Rewrite the drifted cases and everything queued; return the number of cases written."""
    fixed = write_cases(session, backend, drift.ids - drift.queued) if drift.ids - drift.queued else 0
    return fixed + drain_outbox(session, backend)
