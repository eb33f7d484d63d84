"""The change journal behind the change feeds: what other catalogues need to stay in step.

Every flush that changes a published case — its fields, topics, owner or adopters — or takes one
off the catalogue (unpublished, deleted) writes the case's row in ``case_change`` inside the same
transaction: ``published`` with the time of the change, or a tombstone (``unpublished``,
``deleted``) that keeps the slug after the case itself is gone. Drafts never appear. The feeds
read it: ``/api/v1/changes?since=`` (all three states) and ``/api/v1/cases?updated_since=``
(published cases, oldest change first).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from itertools import chain

from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from kb.models import Adoption, CaseChange, ChangeState, ModerationState, UseCase
from kb.models.base import utcnow
from kb.services.catalog.listing import CaseFilters, Page, _apply_filters, case_list_options, resolve_filters

_listening = False


def init_app(_app) -> None:
    """Listen to the flushes of the app's session (once per process)."""
    global _listening
    if not _listening:
        from sqlalchemy import event

        from kb.extensions import db

        event.listen(db.session, "after_flush", journal_flush)
        _listening = True


def journal_flush(session: Session, _flush_context) -> None:
    """Write the journal rows of the cases this flush changed (same transaction)."""
    case_ids: set[int] = set()
    deleted: dict[str, int] = {}
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, UseCase):
            if obj in session.deleted:
                if obj.published_at is not None or obj.moderation is ModerationState.PUBLISHED:
                    deleted[obj.slug] = obj.id
            elif obj in session.new or session.is_modified(obj):
                case_ids.add(obj.id)
        elif isinstance(obj, Adoption) and (obj in session.new or obj in session.deleted or session.is_modified(obj)):
            case_id = obj.case_id if obj.case_id is not None else inspect(obj).attrs.case_id.loaded_value
            if isinstance(case_id, int):
                case_ids.add(case_id)
    if case_ids or deleted:
        record(session, case_ids, deleted)


def record(session: Session, case_ids: Iterable[int], deleted: dict[str, int] | None = None) -> None:
    """Journal the current state of these cases (and the deletion of ``deleted``: slug → id)."""
    connection = session.connection()
    now = utcnow()
    rows: dict[str, dict] = {}
    ids = sorted({i for i in case_ids if isinstance(i, int)})
    current = []
    for start in range(0, len(ids), 500):
        current += connection.execute(select(UseCase.id, UseCase.slug, UseCase.moderation)
                                      .where(UseCase.id.in_(ids[start:start + 500]))).all()
    slugs = [slug for _id, slug, _m in current] + list(deleted or {})
    known = _states(connection, slugs)
    for case_id, slug, moderation in current:
        if moderation == ModerationState.PUBLISHED:
            rows[slug] = {"slug": slug, "case_id": case_id, "state": ChangeState.PUBLISHED, "changed_at": now}
        elif known.get(slug) == ChangeState.PUBLISHED:
            rows[slug] = {"slug": slug, "case_id": case_id, "state": ChangeState.UNPUBLISHED, "changed_at": now}
    for slug, case_id in (deleted or {}).items():
        rows[slug] = {"slug": slug, "case_id": case_id, "state": ChangeState.DELETED, "changed_at": now}
    _replace(connection, list(rows.values()))


def _states(connection, slugs: list[str]) -> dict[str, ChangeState]:
    states: dict[str, ChangeState] = {}
    for start in range(0, len(slugs), 500):
        states.update(connection.execute(select(CaseChange.slug, CaseChange.state)
                                         .where(CaseChange.slug.in_(slugs[start:start + 500]))).all())
    return {slug: ChangeState(state) for slug, state in states.items()}


def _replace(connection, rows: list[dict]) -> None:
    """Insert or overwrite the rows (an upsert, so concurrent writers of one slug both succeed)."""
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert
    rows = sorted(rows, key=lambda r: r["slug"])  # one lock order for every writer
    for start in range(0, len(rows), 500):
        stmt = upsert(CaseChange.__table__)
        stmt = stmt.on_conflict_do_update(index_elements=["slug"], set_={
            "case_id": stmt.excluded.case_id, "state": stmt.excluded.state, "changed_at": stmt.excluded.changed_at})
        connection.execute(stmt, rows[start:start + 500])


def journal_new_cases(session: Session, case_ids: Iterable[int]) -> None:
    """Journal cases inserted without the ORM (bulk import), as published now."""
    record(session, case_ids)


# -- reading ----------------------------------------------------------------------------------------


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
