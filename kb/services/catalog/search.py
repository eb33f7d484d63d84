"""Search the published catalogue: the backend ranks ids, the database supplies the cases.

The search backend is this app's (``kb.search.backend``); callers hand over a :class:`SearchQuery`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from kb.models import ModerationState, UseCase
from kb.search.backend import get_searcher
from kb.search.engine import SearchHit, SearchQuery, SearchResult
from kb.search.engine.places import find_laender
from kb.search.engine.plan import without_parts
from kb.services.catalog import place_query, reference
from kb.services.catalog.cards import CardSummary, card_summaries, load_cards
from kb.services.catalog.listing import CaseFilters, resolve_filters, resolve_sizes
from kb.services.catalog.place_query import Place
from kb.services.registry.gazetteer import get_resolver

__all__ = ["CaseHit", "CaseSearchResult", "Place", "PlaceFilters", "SearchQuery", "canonical_query", "search_cases",
           "search_summaries", "suggest_cases", "with_places"]


@dataclass
class CaseHit:
    """A case with its score and highlighted snippets (the case as a :class:`CardSummary` from
    :func:`search_summaries`)."""

    case: UseCase | CardSummary
    score: float
    highlights: dict[str, str]
    weaker: bool = False  # below the relevance floor: shown apart, after the strong hits


@dataclass
class PlaceFilters:
    """The Gemeinden and Kreise a search filters by (given as parameters, taken from the text) and the
    namesakes it suggests for an ambiguous name in the text."""

    given: list[Place] = field(default_factory=list)  # ?municipality=, ?kreis=
    from_text: list[Place] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)  # the words that named them ("in Jena")
    suggested: list[Place] = field(default_factory=list)
    ambiguous: list[str] = field(default_factory=list)  # the words that named the suggestions
    rest_text: str = ""  # the text without them (to search with a suggestion instead)

    @property
    def applied(self) -> list[Place]:
        return [*self.given, *self.from_text]


@dataclass
class CaseSearchResult:
    hits: list[CaseHit]
    result: SearchResult
    places: PlaceFilters = field(default_factory=PlaceFilters)


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
    """Run the query (with the Gemeinden and Kreise named in its text as filters, see
    :func:`with_places`) and load the hits from the database in rank order."""
    query, places = with_places(query)
    result = get_searcher().search(query)
    cases = {case.id: case for case in load_cards(session, [hit.id for hit in result.hits])}
    hits = [_hit(cases[h.id], h) for h in result.hits if h.id in cases and cases[h.id].is_published]
    return CaseSearchResult(hits, result, places)


def search_summaries(session: Session, query: SearchQuery) -> CaseSearchResult:
    """:func:`search_cases` with the hits as plain :class:`CardSummary` values (the API's list
    entries), kept per data generation and process instead of loaded as ORM objects."""
    query, places = with_places(query)
    result = get_searcher().search(query)
    cards = card_summaries(session, [hit.id for hit in result.hits])
    hits = [_hit(cards[h.id], h) for h in result.hits if h.id in cards and cards[h.id].is_published]
    return CaseSearchResult(hits, result, places)


def with_places(query: SearchQuery) -> tuple[SearchQuery, PlaceFilters]:
    """The query with the Gemeinden and Kreise its text names (:mod:`place_query`, unless
    ``detect_places`` is off) added to its ``places`` filter and their words to ``place_text``; and
    what to show of its place filters."""
    resolver = get_resolver()
    given = [place_query.place_of(resolver, e, key) for key in query.places if (e := resolver.lookup(key))]
    if not (query.detect_places and query.text):
        return query, PlaceFilters(given)
    laender = [*query.states, *find_laender(query.text).laender]
    found = place_query.find_places(query.text, resolver, laender)
    if not (found.parts or found.suggested):
        return query, PlaceFilters(given)
    new = [p for p in found.applied if p.key not in query.places]
    query = replace(query, places=(*query.places, *(p.key for p in new)),
                    place_text=(*query.place_text, *found.parts))
    rest = without_parts(query.text, [*found.parts, *found.ambiguous])
    return query, PlaceFilters(given, new, list(found.parts), list(found.suggested), list(found.ambiguous), rest)


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


def _hit(case: UseCase | CardSummary, hit: SearchHit) -> CaseHit:
    return CaseHit(case, hit.score, hit.highlights, hit.weaker)
