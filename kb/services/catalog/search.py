"""Search the published catalogue: the backend ranks ids, the database supplies the cases.

The search backend is this app's (``kb.search.backend``); callers hand over a :class:`SearchQuery`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from kb.models import ModerationState, UseCase
from kb.search.backend import get_searcher
from kb.search.engine import SearchHit, SearchQuery, SearchResult
from kb.services.catalog import reference
from kb.services.catalog.cards import load_cards
from kb.services.catalog.listing import CaseFilters, resolve_filters, resolve_sizes

__all__ = ["CaseHit", "CaseSearchResult", "SearchQuery", "canonical_query", "search_cases", "suggest_cases"]


@dataclass
class CaseHit:
    """A case with its score and highlighted snippets."""

    case: UseCase
    score: float
    highlights: dict[str, str]
    weaker: bool = False  # below the relevance floor: shown apart, after the strong hits


@dataclass
class CaseSearchResult:
    hits: list[CaseHit]
    result: SearchResult


def canonical_query(session: Session, query: SearchQuery) -> SearchQuery:
    """The query with filter values as the index stores them (topic and Land names, status values,
    size class keys).

    Filters may be given as names in any case, topic slugs or Land codes (``geodaten``, ``14``);
    raises ``catalog.FilterError`` for a value that names nothing.
    """
    if not (query.topics or query.states or query.statuses or query.sizes):
        return query
    filters = CaseFilters(list(query.topics), list(query.states), list(query.statuses), list(query.sizes))
    topic_ids, land_codes, statuses = resolve_filters(session, filters)
    topics = reference.topic_names(session)
    lands = reference.land_names(session)
    return replace(
        query,
        topics=tuple(dict.fromkeys(topics[i] for i in topic_ids)),
        states=tuple(dict.fromkeys(lands[c] for c in land_codes)),
        statuses=tuple(dict.fromkeys(s.value for s in statuses)),
        sizes=tuple(resolve_sizes(filters)),
    )


def search_cases(session: Session, query: SearchQuery) -> CaseSearchResult:
    """Run the query and load the hits from the database in rank order."""
    result = get_searcher().search(query)
    cases = {case.id: case for case in load_cards(session, [hit.id for hit in result.hits])}
    hits = [_hit(cases[h.id], h) for h in result.hits if h.id in cases and cases[h.id].is_published]
    return CaseSearchResult(hits, result)


def suggest_cases(session: Session, text: str, limit: int = 6) -> list[UseCase]:
    """Return up to ``limit`` published cases for a partial query (type-ahead).

    Cases whose title contains every word of the text (those starting with it first, then the
    shortest titles), so "Mast" finds the Masterportal; without such a title the best full-text hits
    above the relevance floor.
    """
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
    found = search_cases(session, SearchQuery(text=text, per_page=limit))
    return [hit.case for hit in found.hits if not hit.weaker]


def _hit(case: UseCase, hit: SearchHit) -> CaseHit:
    return CaseHit(case, hit.score, hit.highlights, hit.weaker)
