"""Published cases similar to a text: the duplicate check of a new description ("Gibt es schon?").

The search ranks candidates (it also finds cases sharing a single common word); a candidate
counts as similar only when its title and summary answer more than half of the text's words
(by stem, compound part or synonym, as the search matches them; a single word must be answered).
A place name ("Mängelmelder für Ulm") does not count as a word to answer: the same solution run
elsewhere is exactly what the check should offer.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from kb.models import UseCase
from kb.search.engine.german import index_tokens, parse_query
from kb.services.catalog.search import SearchQuery, search_cases
from kb.services.registry.gazetteer import get_resolver
from kb.services.registry.names import AmbiguousName, NameResolutionError

MAX_TEXT = 200
CANDIDATES = 10


def similar_cases(session: Session, text: str, *, topic: str | None = None, limit: int = 3,
                  exclude: int | None = None) -> list[UseCase]:
    """Return up to ``limit`` published cases like ``text`` (optionally within one topic), best
    first, without the case ``exclude`` (the one being written)."""
    words = " ".join((text or "").split())[:MAX_TEXT]
    if sum(char.isalnum() for char in words) < 3:
        return []
    groups = [group for group in parse_query(words).groups if not group.filler]
    if not groups:
        return []
    groups = [group for group in groups if not _is_place(group.text)] or groups
    needed = len(groups) // 2 + 1
    # places named in the text stay words: a duplicate may run anywhere
    query = SearchQuery(text=words, topics=(topic,) if topic else (), per_page=CANDIDATES, detect_places=False)
    similar = []
    for hit in search_cases(session, query).hits:
        if hit.case.id == exclude:
            continue
        terms = set(index_tokens(f"{hit.case.title} {hit.case.summary or ''}"))
        answered = sum(any(set(alt.terms) <= terms for alt in group.alternatives) for group in groups)
        if answered >= needed:
            similar.append(hit.case)
    return similar[:limit]


def _is_place(word: str) -> bool:
    """True if the word names a Gemeinde or Kreis of the registry (one or several of that name)."""
    if not word[:1].isupper():
        return False
    try:
        get_resolver().resolve(word)
    except AmbiguousName:
        return True
    except NameResolutionError:
        return False
    return True
