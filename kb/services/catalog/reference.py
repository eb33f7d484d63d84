"""Topics and Länder as plain values, read once per process and change other than an adoption.

Every list, filter, facet and search needs them; they change only when the vocabulary does (a change
no adoption makes: ``ProcessCache.get(…, but_adoptions=True)``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.models import Land, Topic
from kb.services.generation import cache


@dataclass(frozen=True)
class TopicInfo:
    """A topic of the vocabulary (what pages show of it)."""

    id: int
    name: str
    slug: str
    description: str
    position: int


def topics(session: Session) -> tuple[TopicInfo, ...]:
    """Every topic, in vocabulary order."""
    return cache.get(session, ("topics",), lambda: tuple(
        TopicInfo(t.id, t.name, t.slug, t.description, t.position)
        for t in session.scalars(select(Topic).order_by(Topic.position, Topic.id))), but_adoptions=True)


def topic_lookup(session: Session) -> dict[str, int]:
    """Topic ids by name (case-folded) and by slug."""
    def build() -> dict[str, int]:
        found = {t.name.casefold(): t.id for t in topics(session)}
        found.update({t.slug: t.id for t in topics(session)})
        return found

    return cache.get(session, ("topic_lookup",), build, but_adoptions=True)


def topic_names(session: Session) -> dict[int, str]:
    return cache.get(session, ("topic_names",), lambda: {t.id: t.name for t in topics(session)}, but_adoptions=True)


def land_names(session: Session) -> dict[str, str]:
    """Land names by code."""
    return cache.get(session, ("lands",), lambda: dict(session.execute(select(Land.code, Land.name)).all()),
                     but_adoptions=True)


def land_lookup(session: Session) -> dict[str, str]:
    """Land codes by name (case-folded) and by code."""
    def build() -> dict[str, str]:
        found = {name.casefold(): code for code, name in land_names(session).items()}
        found.update({code: code for code in land_names(session)})
        return found

    return cache.get(session, ("land_lookup",), build, but_adoptions=True)
