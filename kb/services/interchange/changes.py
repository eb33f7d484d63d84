"""The change feeds other catalogues need to stay in step, read from the change journal.

The journal (``case_change``, written by kb.services.cases.journal in the transaction of every
change) holds one row per case that was ever public: ``published`` with the time of the last
change, or a tombstone (``unpublished``, ``deleted``) that keeps the slug after the case is gone.
Drafts never appear. ``/api/v1/changes?since=`` reads all three states,
``/api/v1/cases?updated_since=`` the published cases, oldest change first.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kb.models import CaseChange, ChangeState, ModerationState, UseCase
from kb.services.catalog.listing import CaseFilters, _apply_filters, case_list_options, resolve_filters
from kb.services.paging import Page


def last_change(session: Session) -> datetime | None:
    """When the public catalogue last changed (a case published, edited, unpublished or deleted)."""
    return session.scalar(select(func.max(CaseChange.changed_at)))


def changes_since(session: Session, since: datetime, page: int, per_page: int) -> Page[CaseChange]:
    """Every journal row changed after ``since``, oldest first (published cases and tombstones)."""
    where = CaseChange.changed_at > since
    total = session.scalar(select(func.count()).select_from(CaseChange).where(where)) or 0
    rows = session.scalars(select(CaseChange).where(where).order_by(CaseChange.changed_at, CaseChange.slug)
                           .limit(per_page).offset((page - 1) * per_page))
    return Page(list(rows), total, page, per_page)


def published_since(session: Session, since: datetime, filters: CaseFilters, page: int,
                    per_page: int) -> Page[tuple[UseCase, datetime]]:
    """Published cases changed after ``since`` with the time of their change, oldest change first."""
    stmt = _apply_filters(
        select(UseCase, CaseChange.changed_at).join(CaseChange, CaseChange.case_id == UseCase.id)
        .where(UseCase.moderation == ModerationState.PUBLISHED, CaseChange.state == ChangeState.PUBLISHED,
               CaseChange.changed_at > since),
        *resolve_filters(session, filters))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    stmt = (stmt.order_by(CaseChange.changed_at, UseCase.id).options(*case_list_options())
            .limit(per_page).offset((page - 1) * per_page))
    return Page([(case, changed) for case, changed in session.execute(stmt)], total, page, per_page)
