"""Read the published catalogue for feeds and open-data downloads."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from kb.models import Kreis, ModerationState, Municipality, Organisation, Topic, UseCase, case_topic
from kb.services.catalog import listing as catalog

FEED_LIMIT = 50


class UnknownPlace(LookupError):
    """The municipality key names nothing in the registry."""


@dataclass
class FeedSelection:
    """The newest published cases for one feed, and what the feed is about."""

    cases: list[UseCase]
    topic: Topic | None = None
    place_name: str | None = None
    place_key: str | None = None
    updated: datetime | None = None
    topics: list[Topic] = field(default_factory=list)


def place_name(session: Session, key: str) -> str | None:
    """Return the display name of an AGS or Kreis key, or None if unknown."""
    if len(key) == 8 and key.isdigit() and (m := session.get(Municipality, key)) is not None:
        return m.display_name
    if len(key) == 5 and key.isdigit() and (k := session.get(Kreis, key)) is not None:
        return k.display_name
    return None


def _owner_filter(key: str):
    """Cases of a Gemeinde, or of a Kreis and every Gemeinde in it."""
    if len(key) == 8:
        return Organisation.municipality_ags == key
    return or_(Organisation.kreis_key == key, Organisation.region_key == key,
               Organisation.municipality_ags.like(f"{key}%"))


def feed_cases(session: Session, *, topic: str | None = None, municipality: str | None = None,
               limit: int = FEED_LIMIT) -> FeedSelection:
    """Return the newest published cases, optionally of one topic and/or one place.

    Raises catalog.FilterError for an unknown topic and UnknownPlace for an unknown key.
    """
    stmt = select(UseCase).where(UseCase.moderation == ModerationState.PUBLISHED)
    selection = FeedSelection(cases=[])
    if topic:
        (topic_id,), _lands, _statuses = catalog.resolve_filters(session, catalog.CaseFilters(topics=[topic]))
        selection.topic = session.get(Topic, topic_id)
        stmt = stmt.where(UseCase.id.in_(select(case_topic.c.case_id).where(case_topic.c.topic_id == topic_id)))
    if municipality:
        selection.place_name = place_name(session, municipality)
        if selection.place_name is None:
            raise UnknownPlace(municipality)
        selection.place_key = municipality
        stmt = stmt.where(UseCase.owner_id.in_(select(Organisation.id).where(_owner_filter(municipality))))
    stmt = stmt.options(*catalog.case_list_options()).order_by(UseCase.published_at.desc(), UseCase.id.desc())
    selection.cases = list(session.scalars(stmt.limit(limit)))
    stamps = [c.updated_at for c in selection.cases if c.updated_at] + [
        c.published_at for c in selection.cases if c.published_at]
    selection.updated = max(stamps) if stamps else None
    return selection


def topics(session: Session) -> list[Topic]:
    return list(session.scalars(select(Topic).order_by(Topic.position)))


def catalogue_stamp(session: Session) -> tuple[int, datetime | None]:
    """Return (number of published cases, time of the latest change) for download headers."""
    published = UseCase.moderation == ModerationState.PUBLISHED
    count, latest = session.execute(
        select(func.count(UseCase.id), func.max(UseCase.updated_at)).where(published)
    ).one()
    return count or 0, latest


def last_change(case: UseCase) -> datetime | None:
    """Return when the case or one of its adoptions last changed."""
    stamps = [case.updated_at, case.published_at, *(a.updated_at for a in case.adoptions)]
    return max((s for s in stamps if s is not None), default=None)
