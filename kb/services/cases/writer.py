"""Write validated CaseRecords into the database (shared by import, seed and API)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.models import (
    Adoption,
    AdoptionSource,
    ModerationState,
    Organisation,
    ReusePath,
    ReusePathKind,
    Topic,
    UseCase,
)
from kb.models.base import utcnow
from kb.models.usage import partial_date_start
from kb.services.cases import reuse_facts
from kb.services.cases.record import CaseRecord, OwnerRef
from kb.services.registry import organisations

CASE_FIELDS = (
    "title", "summary", "description", "status", "tags", "contact", "links", "license",
    "repository", "started", "costs", "lessons", "reuse", *reuse_facts.COLUMNS,
)
LOCAL_SOURCES = (AdoptionSource.DECLARED, AdoptionSource.MODERATOR, AdoptionSource.API)


@dataclass
class WriteOutcome:
    """What writing one record did."""

    case: UseCase
    action: str  # created | updated | unchanged
    adoptions_added: int = 0
    adoptions_removed: int = 0
    adoptions_changed: int = 0
    warnings: list[str] = field(default_factory=list)


def owner_organisation(session: Session, ref: OwnerRef) -> Organisation:
    """Return the organisation an OwnerRef points to, creating a named one if needed."""
    if ref.entry is not None:
        return organisations.for_entry(session, ref.entry)
    return organisations.named(session, ref.name or "?", ref.uri, ref.kind, ref.land_code, ref.kreis_key)


def topics_by_name(session: Session) -> dict[str, Topic]:
    return {t.name: t for t in session.scalars(select(Topic))}


def _assign(obj: Any, name: str, value: Any) -> bool:
    if getattr(obj, name) != value:
        setattr(obj, name, value)
        return True
    return False


def write_record(
    session: Session,
    record: CaseRecord,
    *,
    source: AdoptionSource,
    topics: dict[str, Topic],
    publish: bool = True,
    author_id: int | None = None,
    existing: UseCase | None | bool = True,
    sync_adopters: bool = True,
) -> WriteOutcome:
    """Create or update the case with the record's slug; never commits.

    ``existing`` may pass the already loaded case (or None if known to be new) to save a query.
    ``sync_adopters`` False leaves the adoptions alone (a submission holds its adopters for review).
    """
    if existing is True:
        with session.no_autoflush:
            case = session.scalar(select(UseCase).where(UseCase.slug == record.slug))
    else:
        case = existing or None
    created = case is None
    if case is None:
        case = UseCase(slug=record.slug, author_id=author_id, tags=[], links=[])
        session.add(case)
    changed = False
    for name in CASE_FIELDS:
        changed |= _assign(case, name, getattr(record, name))
    owner = owner_organisation(session, record.owner)
    changed |= _assign(case, "owner", owner)
    changed |= sync_reuse_paths(case, record.reuse_path)
    wanted_topics = [topics[name] for name in record.topics]
    if {t.id for t in case.topics} != {t.id for t in wanted_topics}:
        case.topics = wanted_topics
        changed = True
    if publish:
        changed |= _publish(case, record)
    outcome = WriteOutcome(case=case, action="created" if created else "updated")
    outcome.warnings.extend(record.warnings)
    if sync_adopters:
        _sync_adopters(session, case, owner, record, source, outcome)
    adoptions_touched = outcome.adoptions_added + outcome.adoptions_removed + outcome.adoptions_changed
    if not created and not changed and not adoptions_touched:
        outcome.action = "unchanged"
    return outcome


def sync_reuse_paths(case: UseCase, wanted: list[dict[str, str]]) -> bool:
    """Make the case's reuse paths match ``wanted`` (record dicts), updating rows in place."""
    if [p.as_record() for p in case.reuse_paths] == wanted:
        return False
    existing = {p.kind.value: p for p in case.reuse_paths}
    rows = []
    for position, item in enumerate(wanted):
        row = existing.pop(item["kind"], None) or ReusePath(kind=ReusePathKind(item["kind"]))
        row.note, row.link, row.position = item.get("note"), item.get("link"), position
        rows.append(row)
    case.reuse_paths = rows
    return True


def listed_adoption_dates(ref, record: CaseRecord, now: datetime) -> dict[str, datetime | None]:
    """``created_at`` and ``confirmed_at`` of an adoption a record lists: its date comes from the data
    (``since``, else the record's publication), never from the import run, and it counts as confirmed
    only when the record says so (``confirmed``) – so it ages for re-confirmation like any other."""
    began = partial_date_start(ref.since) or record.published or now
    return {"created_at": min(began, now), "confirmed_at": partial_date_start(ref.confirmed)}


def _publish(case: UseCase, record: CaseRecord) -> bool:
    changed = _assign(case, "moderation", ModerationState.PUBLISHED)
    published_at = record.published or case.published_at or utcnow()
    changed |= _assign(case, "published_at", published_at)
    return changed


def listed_adopters(session: Session, record: CaseRecord, owner: Organisation,
                    warnings: list[str]) -> list[tuple[Organisation, object]]:
    """The record's distinct adopter organisations with their entries; the owner is skipped with a warning."""
    seen: set[int] = set()
    result = []
    for ref in record.adopters:
        org = owner_organisation(session, ref.owner)
        if org is owner:
            warnings.append(_("%(slug)s: %(name)s ist Eigentümer, nicht Nachnutzer – übersprungen.",
                              slug=record.slug, name=org.name))
        elif id(org) not in seen:
            seen.add(id(org))
            result.append((org, ref))
    return result


def sync_listed_adopters(session: Session, case: UseCase, record: CaseRecord, *,
                         source: AdoptionSource) -> WriteOutcome:
    """Make the record's adopters (from ``source``) match the case's, without touching its content."""
    outcome = WriteOutcome(case=case, action="unchanged")
    _sync_adopters(session, case, case.owner, record, source, outcome)
    return outcome


def _sync_adopters(
    session: Session,
    case: UseCase,
    owner: Organisation,
    record: CaseRecord,
    source: AdoptionSource,
    outcome: WriteOutcome,
) -> None:
    """Make the listed adopters match the record; leave adoptions declared by members alone."""
    existing = {id(a.organisation): a for a in case.adoptions}
    wanted: set[int] = set()
    for org, ref in listed_adopters(session, record, owner, outcome.warnings):
        wanted.add(id(org))
        adoption = existing.get(id(org))
        if adoption is None:
            case.adoptions.append(
                Adoption(organisation=org, status=ref.status, note=ref.note, since=ref.since,
                         source=source, verified=False, **listed_adoption_dates(ref, record, utcnow()))
            )
            outcome.adoptions_added += 1
        elif adoption.source not in LOCAL_SOURCES:
            changed = _assign(adoption, "status", ref.status)
            changed |= _assign(adoption, "note", ref.note)
            changed |= _assign(adoption, "since", ref.since)
            for name, value in listed_adoption_dates(ref, record, adoption.created_at).items():
                if value is not None:
                    changed |= _assign(adoption, name, value)
            outcome.adoptions_changed += int(changed)
    for org_id, adoption in existing.items():
        if org_id not in wanted and adoption.source not in LOCAL_SOURCES:
            case.adoptions.remove(adoption)
            outcome.adoptions_removed += 1
