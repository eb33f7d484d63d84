"""Figures for /statistik: cases and adoptions per topic, per Land and over time."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.models import (
    Adoption,
    AdoptionStatus,
    Land,
    ModerationState,
    Organisation,
    Topic,
    UseCase,
    case_topic,
)

PUBLISHED = UseCase.moderation == ModerationState.PUBLISHED
ACTIVE = Adoption.status != AdoptionStatus.EINGESTELLT


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
    by_topic: list[Row]
    by_land: list[Row]
    by_month: list[MonthRow]


def collect(session: Session) -> Statistics:
    """Compute every figure of the statistics page (active adoptions of published cases)."""
    by_month = growth(session)
    return Statistics(
        total_cases=by_month[-1].cases_total if by_month else 0,
        total_adoptions=by_month[-1].adoptions_total if by_month else 0,
        by_topic=per_topic(session),
        by_land=per_land(session),
        by_month=by_month,
    )


def per_topic(session: Session) -> list[Row]:
    """Cases and adoptions per topic, in the vocabulary's order."""
    cases = Counter(session.scalars(
        select(case_topic.c.topic_id).join(UseCase, UseCase.id == case_topic.c.case_id).where(PUBLISHED)
    ))
    adoptions = Counter(session.scalars(
        select(case_topic.c.topic_id).join(UseCase, UseCase.id == case_topic.c.case_id)
        .join(Adoption, Adoption.case_id == UseCase.id).where(PUBLISHED, ACTIVE)
    ))
    topics = session.scalars(select(Topic).order_by(Topic.position))
    return [Row(t.name, cases[t.id], adoptions[t.id], t.slug) for t in topics]


def per_land(session: Session) -> list[Row]:
    """Cases by the owner's Land and adoptions by the adopter's Land."""
    cases = Counter(session.scalars(
        select(Organisation.land_code).join(UseCase, UseCase.owner_id == Organisation.id).where(PUBLISHED)
    ))
    adoptions = Counter(session.scalars(
        select(Organisation.land_code).join(Adoption, Adoption.organisation_id == Organisation.id)
        .join(UseCase, UseCase.id == Adoption.case_id).where(PUBLISHED, ACTIVE)
    ))
    lands = session.scalars(select(Land).order_by(Land.name))
    return [Row(land.name, cases[land.code], adoptions[land.code], land.code) for land in lands]


def growth(session: Session) -> list[MonthRow]:
    """Published cases by month of publication, adoptions by month of creation, without gaps."""
    case_months = Counter(_month(d) for d in session.scalars(select(UseCase.published_at).where(PUBLISHED)) if d)
    adoption_months = Counter(_month(d) for d in session.scalars(
        select(Adoption.created_at).join(UseCase, UseCase.id == Adoption.case_id).where(PUBLISHED, ACTIVE)
    ) if d)
    months = sorted(set(case_months) | set(adoption_months))
    if not months:
        return []
    rows, cases_total, adoptions_total = [], 0, 0
    for month in _month_range(months[0], months[-1]):
        cases_total += case_months[month]
        adoptions_total += adoption_months[month]
        rows.append(MonthRow(month, case_months[month], adoption_months[month], cases_total, adoptions_total))
    return rows


def _month(value: datetime) -> str:
    return f"{value.year:04d}-{value.month:02d}"


def _month_range(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:])
    months = []
    while (current := f"{year:04d}-{month:02d}") <= last:
        months.append(current)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months
