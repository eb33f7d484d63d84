"""Insert many new cases at once: one multi-row INSERT per table instead of the unit of work.

Used by the import for records whose slug does not exist yet (50,000 cases in one transaction
would spend minutes in the ORM); existing cases keep going through ``case_writer.write_record``.
The rows are the same the ORM would write; nothing commits here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from kb.models import Adoption, AdoptionSource, ModerationState, Organisation, ReusePath, Topic, UseCase, case_topic
from kb.models.base import utcnow
from kb.search import bulk_import, documents
from kb.search import sync as search
from kb.services.cases import journal as change_journal
from kb.services.cases.record import CaseRecord
from kb.services.cases.writer import CASE_FIELDS, listed_adopters, listed_adoption_dates, owner_organisation


@dataclass
class BulkOutcome:
    """What inserting the new cases did."""

    ids: dict[str, int] = field(default_factory=dict)  # slug -> new case id
    adoptions_added: int = 0
    warnings: list[str] = field(default_factory=list)


def insert_cases(session: Session, records: list[CaseRecord], *, source: AdoptionSource,
                 topics: dict[str, Topic]) -> BulkOutcome:
    """Insert published cases for records whose slugs are new; queue them for the search index."""
    outcome = BulkOutcome()
    if not records:
        return outcome
    plan = []
    for record in records:
        owner = owner_organisation(session, record.owner)
        plan.append((record, owner, listed_adopters(session, record, owner, outcome.warnings)))
        outcome.warnings.extend(record.warnings)
    session.flush()  # new organisations get their ids
    now = utcnow()
    case_rows = [_case_row(record, owner, now) for record, owner, _adopters in plan]
    session.execute(insert(UseCase.__table__), case_rows)
    slugs = [row["slug"] for row in case_rows]
    for start in range(0, len(slugs), 500):
        outcome.ids.update(session.execute(
            select(UseCase.slug, UseCase.id).where(UseCase.slug.in_(slugs[start : start + 500]))).all())
    topic_rows = [
        {"case_id": outcome.ids[record.slug], "topic_id": topic_id}
        for record, _owner, _adopters in plan
        for topic_id in dict.fromkeys(topics[name].id for name in record.topics)
    ]
    adoption_rows = [
        {"case_id": outcome.ids[record.slug], "organisation_id": org.id, "status": ref.status, "note": ref.note,
         "since": ref.since, "source": source, "verified": False, "updated_at": now,
         **listed_adoption_dates(ref, record, now)}
        for record, _owner, adopters in plan
        for org, ref in adopters
    ]
    path_rows = [
        {"case_id": outcome.ids[record.slug], "kind": item["kind"], "note": item.get("note"),
         "link": item.get("link"), "position": position}
        for record, _owner, _adopters in plan
        for position, item in enumerate(record.reuse_path)
    ]
    if topic_rows:
        session.execute(insert(case_topic), topic_rows)
    if path_rows:
        session.execute(insert(ReusePath.__table__), path_rows)
    if adoption_rows:
        session.execute(insert(Adoption.__table__), adoption_rows)
    outcome.adoptions_added = len(adoption_rows)
    search.queue_cases(session, outcome.ids.values())
    change_journal.journal_new_cases(session, outcome.ids.values())
    indexing = bulk_import.running(session)
    if indexing is not None:  # a large import: index what was just written, beside the transaction
        rows = _document_rows(session, case_rows, outcome.ids, topics, topic_rows, adoption_rows)
        indexing.add(session, rows, [row[0]["id"] for row in rows])
    return outcome


def _document_rows(session: Session, case_rows: list[dict], ids: dict[str, int], topics: dict[str, Topic],
               topic_rows: list[dict], adoption_rows: list[dict]) -> list:
    """What the search documents of the rows just inserted are made of (``documents.written_rows``)."""
    position = {t.id: t.position for t in topics.values()}
    name = {t.id: t.name for t in topics.values()}
    cases = sorted(({**row, "id": ids[row["slug"]]} for row in case_rows), key=lambda row: row["id"])
    names: dict[int, list[str]] = {}
    for row in sorted(topic_rows, key=lambda row: position[row["topic_id"]]):
        names.setdefault(row["case_id"], []).append(name[row["topic_id"]])
    adoptions: dict[int, list[dict]] = {}
    for _index, row in sorted(enumerate(adoption_rows), key=lambda item: (item[1]["created_at"], item[0])):
        adoptions.setdefault(row["case_id"], []).append(
            {"organisation_id": row["organisation_id"], "status": row["status"], "updated_at": row["updated_at"]})
    return documents.written_rows(session, cases, names, adoptions)


def _case_row(record: CaseRecord, owner: Organisation, now) -> dict:
    row = {name: getattr(record, name) for name in CASE_FIELDS}
    row.update(
        slug=record.slug,
        owner_id=owner.id,
        moderation=ModerationState.PUBLISHED,
        published_at=record.published or now,
        tags=list(record.tags or []),
        links=list(record.links or []),
        created_at=now,
        updated_at=now,
        lock_version=1,
    )
    return row
