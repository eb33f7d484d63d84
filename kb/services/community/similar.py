"""Published cases similar to a text: the duplicate check and the need matching use it."""

from __future__ import annotations

from sqlalchemy.orm import Session

from kb.models import Need, UseCase
from kb.search.engine import SearchQuery
from kb.services.catalog.search import search_cases

MAX_TEXT = 200


def similar_cases(session: Session, backend, text: str, *, topic: str | None = None, limit: int = 5,
                  exclude: int | None = None) -> list[UseCase]:
    """The best published hits of a search for ``text`` (optionally within one topic)."""
    words = " ".join((text or "").split())[:MAX_TEXT]
    if sum(char.isalnum() for char in words) < 3:
        return []
    query = SearchQuery(text=words, topics=(topic,) if topic else (), per_page=limit + 1)
    found = search_cases(session, backend, query)
    return [hit.case for hit in found.hits if hit.case.id != exclude][:limit]


def need_matcher(session: Session, backend):
    """A function need → ids of published cases a search for the need's title finds in its topic."""
    def similar(need: Need) -> set[int]:
        return {case.id for case in similar_cases(session, backend, need.title, topic=need.topic.name, limit=20)}

    return similar
