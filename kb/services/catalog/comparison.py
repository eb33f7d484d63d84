"""Compare 2–4 published cases side by side (/vergleich?cases=a,b,c).

The request names cases by slug; whatever it names that is not a published case is reported
with one message for "unknown" and "not published" alike, so a draft's existence never leaks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.models import ModerationState, UseCase
from kb.services.catalog import glance

MIN_CASES, MAX_CASES = 2, 4
MAX_SLUG_LENGTH = 120


@dataclass
class Comparison:
    """The cases to compare (in the order asked for) and what was wrong with the request."""

    glances: list[glance.Glance] = field(default_factory=list)
    asked: int = 0
    unknown: list[str] = field(default_factory=list)
    repeated: bool = False

    @property
    def too_many(self) -> bool:
        return self.asked > MAX_CASES

    @property
    def too_few(self) -> bool:
        return len(self.glances) < MIN_CASES

    @property
    def valid(self) -> bool:
        return not self.too_many and not self.unknown and not self.too_few


def named_slugs(values: Iterable[str]) -> list[str]:
    """Every slug from ``cases=a,b`` and repeated ``cases=`` parameters, trimmed, repeats kept."""
    slugs: list[str] = []
    for value in values:
        slugs.extend(part.strip() for part in value.split(","))
    return [s for s in slugs if s]


def requested_slugs(values: Iterable[str]) -> list[str]:
    """The slugs of ``named_slugs`` without repeats, in the order first named."""
    return list(dict.fromkeys(named_slugs(values)))


def compare(session: Session, slugs: list[str], repeated: bool = False) -> Comparison:
    """Look up the named published cases; more than MAX_CASES names are refused unread.
    ``repeated``: the request named a case more than once (it is shown once, and the page says so)."""
    result = Comparison(asked=len(slugs), repeated=repeated)
    if result.too_many:
        return result
    found = {c.slug: c for c in session.scalars(
        select(UseCase).where(UseCase.slug.in_([s[:MAX_SLUG_LENGTH] for s in slugs]),
                              UseCase.moderation == ModerationState.PUBLISHED)
        .options(*glance.loader_options()))}
    for slug in slugs:
        case = found.get(slug)
        if case is None:
            result.unknown.append(slug[:60])
        else:
            result.glances.append(glance.glance(case))
    return result
