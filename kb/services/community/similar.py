"""Published cases that match an open need: same topic and similar to the need's title."""

from __future__ import annotations

from sqlalchemy.orm import Session

from kb.models import Need
from kb.services.catalog.similar import similar_cases


def need_matcher(session: Session):
    """A function need → ids of published cases similar to the need's title within its topic."""
    def similar(need: Need) -> set[int]:
        return {case.id for case in similar_cases(session, need.title, topic=need.topic.name, limit=20)}

    return similar
