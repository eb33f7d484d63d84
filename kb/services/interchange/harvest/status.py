"""What the harvest knows, for pages and the API: the source of a case, all sources with their last result."""

from __future__ import annotations

from functools import cache as built_once

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, selectinload

from kb.models import HarvestSource, UseCase


def source_of(session: Session, case: UseCase) -> HarvestSource | None:
    """The source that feeds the case (the most recently read one if there are several)."""
    return session.scalar(_source_of_case(), {"case": case.id})


@built_once
def _source_of_case():
    """The statement of :func:`source_of`, built once per process (every case page runs it)."""
    return (select(HarvestSource).where(HarvestSource.case_id == bindparam("case"))
            .order_by(HarvestSource.harvested_at.desc().nulls_last(), HarvestSource.id.desc()).limit(1))


def all_sources(session: Session) -> list[HarvestSource]:
    """Every source, the ones that need attention first (unreachable, failed, invalid), then by URL."""
    rows = session.scalars(select(HarvestSource).options(selectinload(HarvestSource.case)))
    return sorted(rows, key=lambda r: (-r.failures, r.outcome is None or r.outcome.value not in ("failed", "invalid"),
                                       r.url))
