"""Backend-neutral search interface (no Flask, no SQLAlchemy).

The app builds a :class:`SearchDocument` from each published case, hands it to
a :class:`SearchBackend` and renders :class:`SearchResult` hits by reloading
the cases by id in rank order.

Semantics every backend implements
  * empty ``text`` lists all documents (after filters), newest first;
  * filters: OR within one facet, AND across facets; ``states`` filters the
    owner's Land (``SearchDocument.state``), ``sizes`` the size classes of the
    places a case runs at (``SearchDocument.user_sizes``, keys given by the app),
    ``places`` the places it runs at (``SearchDocument.place_keys``: registry keys
    given by the app); ``places`` is no facet (no counts) but filters every facet's counts;
  * facet counts are *disjunctive*: the counts of a facet are computed with
    the query and the filters of the *other* facets, so users see the
    alternatives to their current selection;
  * ``page`` beyond the end returns no hits and the correct ``total``;
  * field weights title > tags/topics > summary > municipality/state/places >
    body; place queries ("Projekte in Sachsen", "Leipzig") match the
    municipality, state and places fields;
  * ``sort``: ``relevance`` (default; newest first for an empty text),
    ``newest`` (published date, missing dates last), ``adoption``
    (adopter_count, then relevance);
  * highlights: ``{"title": ..., "summary": ..., "body": ...}`` HTML
    snippets, text HTML-escaped and matches wrapped in ``<mark>…</mark>``,
    nothing else (``body`` only when it contains a match);
  * relevance floor: a hit is *strong* when it matches the query's substantive
    words (not only stop-like ones such as "digital", not only part of a
    compound) and scores at least a fifth of the best such hit; the others are
    ``weaker`` and follow all strong hits (``strong_total`` counts the strong ones);
  * facet counts count the strong hits (judged by the floor over the filters of the
    other facets, so with no filter set they add up to ``strong_total``); selecting
    a value shows at least that many strong hits (its own best hit may lower the
    floor); only when no document qualifies at all they count all hits;
  * ``group_weaker`` (the search page): the pages run over the strong hits
    (``paged_total``) and the last of them ends with the first ``per_page`` weaker
    hits, shown apart; without strong hits the pages run over the weaker ones.
    Without it (the API) the pages run over strong, then weaker hits (``total``);
  * Länder named in the text ("Geodaten NRW", "in Sachsen") become ``states``
    filters (``place_filters``; off with ``detect_places=False``); ``place_text``
    holds the parts of the text the app took out as ``places`` filters ("in Jena"):
    they leave the text like the Länder (corrections keep them in ``suggestion``);
  * a word that is neither German nor in the index is corrected when the
    correction finds strong hits: the hits are those of ``suggestion`` and
    ``corrected`` is true (off with ``correct=False``); words nothing matches
    are listed in ``unmatched``, with ``related`` searches that find something.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable

STATUSES = ("planung", "pilot", "in_betrieb", "eingestellt")
SORTS = ("relevance", "newest", "adoption")
FACETS = ("topic", "state", "status", "size")


@dataclass
class SearchDocument:
    """One published case as the search index sees it."""

    id: int
    slug: str
    version: str  # case updated_at as ISO string; compared by check-index
    title: str
    summary: str
    body: str  # description + lessons + reuse as plain text
    tags: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    status: str = "in_betrieb"  # planung | pilot | in_betrieb | eingestellt
    municipality: str = ""  # owner's display name ("Leipzig", "Civitas Connect e.V.")
    state: str | None = None  # owner's Land ("Sachsen")
    places: list[str] = field(default_factory=list)  # Kreis, adopters and their Länder
    published: datetime | None = None
    adopter_count: int = 0
    user_sizes: list[str] = field(default_factory=list)  # size classes of the places it runs at
    place_keys: list[str] = field(default_factory=list)  # registry keys of the places it runs at


@dataclass
class SearchQuery:
    text: str = ""
    topics: Sequence[str] = ()
    states: Sequence[str] = ()
    statuses: Sequence[str] = ()
    sizes: Sequence[str] = ()  # size class keys (SearchDocument.user_sizes)
    places: Sequence[str] = ()  # place keys (SearchDocument.place_keys): runs at any of them
    place_text: Sequence[str] = ()  # parts of ``text`` that named ``places`` (taken out of the text)
    page: int = 1
    per_page: int = 10
    sort: str = "relevance"  # relevance | newest | adoption
    detect_places: bool = True  # Länder named in the text become filters
    correct: bool = True  # search a spelling correction of unknown words
    group_weaker: bool = False  # page over the strong hits, the weaker ones end the last page


@dataclass
class SearchHit:
    id: int
    score: float
    highlights: dict[str, str] = field(default_factory=dict)
    weaker: bool = False  # below the relevance floor (see the module docstring)


@dataclass
class SearchResult:
    hits: list[SearchHit]
    total: int
    page: int
    per_page: int
    facets: dict[str, dict[str, int]]  # {"topic": {...}, "state": {...}, "status": {...}, "size": {...}}
    suggestion: str | None = None  # the corrected query text
    corrected: bool = False  # the hits are those of ``suggestion``
    strong_total: int | None = None  # hits above the relevance floor (None: ``total``)
    unmatched: list[str] = field(default_factory=list)  # typed words no document matches
    related: list[str] = field(default_factory=list)  # searches that find something instead
    place_filters: list[str] = field(default_factory=list)  # Länder taken from the text as filters
    place_words: list[str] = field(default_factory=list)  # the words that named them
    paged_total: int | None = None  # the hits the pages run over (None: ``total``)

    def __post_init__(self) -> None:
        if self.strong_total is None:
            self.strong_total = self.total
        if self.paged_total is None:
            self.paged_total = self.total


class SearchError(RuntimeError):
    """Base class of the search package's errors."""


class IndexBusyError(SearchError):
    """The index write lock could not be acquired within the timeout."""


@runtime_checkable
class SearchBackend(Protocol):
    def index(self, docs: Iterable[SearchDocument]) -> None:
        """Add or replace documents (by id)."""

    def remove(self, ids: Iterable[int]) -> None:
        """Remove documents by id (unknown ids are ignored)."""

    def search(self, query: SearchQuery) -> SearchResult: ...

    def rebuild(
        self, docs: Iterable[SearchDocument], progress: Callable[[int], None] | None = None
    ) -> int:
        """Replace the whole index with ``docs``; returns the number indexed.
        ``progress(k)`` is called with the number of documents added since
        its previous call (so ``click.progressbar(...).update`` fits)."""

    def versions(self) -> dict[int, str]:
        """``{id: version}`` of every indexed document (for check-index)."""

    def close(self) -> None: ...


def selected_filters(q: SearchQuery) -> dict[str, Sequence[str]]:
    """The filter values of ``q`` per facet (keys of ``FACETS``)."""
    return {"topic": q.topics, "state": q.states, "status": q.statuses, "size": q.sizes}


def normalise_query(q: SearchQuery) -> SearchQuery:
    """Clamp paging and sort values of a query to sane ranges."""
    page = max(1, int(q.page or 1))
    per_page = min(max(1, int(q.per_page or 10)), 100)
    sort = q.sort if q.sort in SORTS else "relevance"
    return SearchQuery(
        text=(q.text or "").strip(),
        topics=tuple(dict.fromkeys(q.topics or ())),
        states=tuple(dict.fromkeys(q.states or ())),
        statuses=tuple(dict.fromkeys(q.statuses or ())),
        sizes=tuple(dict.fromkeys(q.sizes or ())),
        places=tuple(dict.fromkeys(q.places or ())),
        place_text=tuple(t for t in (q.place_text or ()) if t),
        page=page,
        per_page=per_page,
        sort=sort,
        detect_places=bool(q.detect_places),
        correct=bool(q.correct),
        group_weaker=bool(q.group_weaker),
    )


def page_ranges(q: SearchQuery, strong: int, weak: int) -> tuple[int, range, range]:
    """``(paged_total, strong ranks, weaker ranks)`` of the page ``q`` asks for, given how many
    strong and weaker hits there are (ranks count from 0 within each kind; see ``group_weaker``)."""
    start, end = (q.page - 1) * q.per_page, q.page * q.per_page
    if not q.group_weaker:
        return strong + weak, range(min(start, strong), min(end, strong)), \
            range(min(max(start - strong, 0), weak), min(max(end - strong, 0), weak))
    if not strong:
        return weak, range(0), range(min(start, weak), min(end, weak))
    last = start < strong <= end
    return strong, range(min(start, strong), min(end, strong)), range(min(q.per_page, weak) if last else 0)

