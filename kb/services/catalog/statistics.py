"""Figures for /statistik: cases and adoptions per topic, per Land and over time.

Counted by the database (GROUP BY), once per data generation and process.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from kb.models import (
    Adoption,
    Land,
    ModerationState,
    Organisation,
    Topic,
    UseCase,
    case_topic,
    usage,
)
from kb.services.catalog.listing import counts
from kb.services.generation import cache

PUBLISHED = UseCase.moderation == ModerationState.PUBLISHED
ACTIVE = usage.uses_clause()  # the counting rule: only pilot and in_betrieb are use


@dataclass
class Row:
    """One line of a statistics table: a label with the number of cases and adoptions."""

    label: str
    cases: int
    adoptions: int
    key: str | None = None


@dataclass
class MonthRow:
    """New and cumulative cases and adoptions in one month (``YYYY-MM``)."""

    month: str
    cases: int
    adoptions: int
    cases_total: int
    adoptions_total: int


@dataclass
class Statistics:
    total_cases: int
    total_adoptions: int
    total_interested: int
    by_topic: list[Row]
    by_land: list[Row]
    by_month: list[MonthRow]


def collect(session: Session) -> Statistics:
    """Every figure of the statistics page (uses of published cases, kb.models.usage); the totals are
    the start page's (``listing.counts``), so the two never disagree."""
    return cache.get(session, ("statistics",), lambda: _collect(session))


def _collect(session: Session) -> Statistics:
    by_month = growth(session)
    totals = counts(session)
    return Statistics(
        total_cases=totals["cases"],
        total_adoptions=totals["adoptions"],
        total_interested=totals["interested"],
        by_topic=per_topic(session),
        by_land=per_land(session),
        by_month=by_month,
    )


def per_topic(session: Session) -> list[Row]:
    """Cases and adoptions per topic, in the vocabulary's order."""
    topic = case_topic.c.topic_id
    cases = _counts(session, select(topic, func.count()).join(UseCase, UseCase.id == case_topic.c.case_id)
                    .where(PUBLISHED).group_by(topic))
    adoptions = _counts(session, select(topic, func.count()).join(UseCase, UseCase.id == case_topic.c.case_id)
                        .join(Adoption, Adoption.case_id == UseCase.id).where(PUBLISHED, ACTIVE).group_by(topic))
    topics = session.scalars(select(Topic).order_by(Topic.position))
    return [Row(t.name, cases[t.id], adoptions[t.id], t.slug) for t in topics]


def per_land(session: Session) -> list[Row]:
    """Cases by the owner's Land and adoptions by the adopter's Land."""
    land = Organisation.land_code
    cases = _counts(session, select(land, func.count()).join(UseCase, UseCase.owner_id == Organisation.id)
                    .where(PUBLISHED).group_by(land))
    adoptions = _counts(session, select(land, func.count()).join(Adoption, Adoption.organisation_id == Organisation.id)
                        .join(UseCase, UseCase.id == Adoption.case_id).where(PUBLISHED, ACTIVE).group_by(land))
    lands = session.scalars(select(Land).order_by(Land.name))
    return [Row(land.name, cases[land.code], adoptions[land.code], land.code) for land in lands]


def growth(session: Session) -> list[MonthRow]:
    """Published cases by month of publication, uses by the month they began ("seit wann", else when
    they were entered), without gaps."""
    published = _month(session, UseCase.published_at)
    case_months = _counts(session, select(published, func.count()).where(PUBLISHED, UseCase.published_at.is_not(None))
                          .group_by(published))
    began = _began(session)
    adoption_months = _counts(session, select(began, func.count()).join(UseCase, UseCase.id == Adoption.case_id)
                              .where(PUBLISHED, ACTIVE, or_(Adoption.since.is_not(None),
                                                            Adoption.created_at.is_not(None)))
                              .group_by(began))
    months = sorted(set(case_months) | set(adoption_months))
    if not months:
        return []
    rows, cases_total, adoptions_total = [], 0, 0
    for month in _month_range(months[0], months[-1]):
        cases_total += case_months[month]
        adoptions_total += adoption_months[month]
        rows.append(MonthRow(month, case_months[month], adoption_months[month], cases_total, adoptions_total))
    return rows


class _Counts(dict):
    def __missing__(self, key) -> int:
        return 0


def _counts(session: Session, stmt) -> dict:
    """``{key: count}`` of a two-column GROUP BY (0 for keys it did not find)."""
    return _Counts(session.execute(stmt).all())


def _month(session: Session, column):
    """The column's UTC month as ``YYYY-MM``, in SQL (SQLite stores UTC text; PostgreSQL timestamptz)."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM")
    return func.substr(column, 1, 7)


def _began(session: Session):
    """The month a use began as ``YYYY-MM``, in SQL: its "seit wann" (``YYYY`` counts as January), else
    the month it was entered (kb.models.usage.adopted_on)."""
    since = Adoption.since
    return case(
        (func.length(since) >= 7, func.substr(since, 1, 7)),
        (func.length(since) == 4, since + "-01"),
        else_=_month(session, Adoption.created_at),
    )


def _month_range(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:])
    months = []
    while (current := f"{year:04d}-{month:02d}") <= last:
        months.append(current)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months
