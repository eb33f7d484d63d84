"""The change journal: every flush that changes what the public catalogue shows writes it.

Every flush that changes a published case — its fields, topics, owner or adopters — or takes one
off the catalogue (unpublished, deleted) writes the case's row in ``case_change`` inside the same
transaction: ``published`` with the time of the change, or a tombstone (``unpublished``,
``deleted``) that keeps the slug after the case itself is gone. Drafts never appear. The change
feeds read it (kb.services.interchange.changes).
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from kb.models import Adoption, CaseChange, ChangeState, ModerationState, UseCase
from kb.models.base import utcnow

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
            elif (obj in session.new and not _new_and_unpublished(obj)) or (
                    obj not in session.new and session.is_modified(obj)):
                case_ids.add(obj.id)
        elif isinstance(obj, Adoption) and (obj in session.new or obj in session.deleted or session.is_modified(obj)):
            case_id = obj.case_id if obj.case_id is not None else inspect(obj).attrs.case_id.loaded_value
            if isinstance(case_id, int):
                case_ids.add(case_id)
    if case_ids or deleted:
        record(session, case_ids, deleted)


def _new_and_unpublished(case: UseCase) -> bool:
    """True for a case this flush inserted as a draft or a submission: it has nothing to journal. Its slug
    is new to ``use_case``, and the journal says "published" only of slugs of published cases (a case
    unpublished or deleted leaves "unpublished" or "deleted"), so no row would have to be marked."""
    moderation = inspect(case).attrs.moderation.loaded_value
    return isinstance(moderation, ModerationState) and moderation is not ModerationState.PUBLISHED


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
