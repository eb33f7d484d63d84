"""Stored versions of a case and a readable, field-by-field comparison of two of them.

A revision holds the case's editable fields as an import record (docs/import-format.md),
without slug-independent extras such as adopters, so it can be validated again on publishing.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from kb.models import CaseRevision, RevisionState, UseCase, labels
from kb.services.cases import reuse_facts
from kb.services.cases.record import CaseRecord, case_record
from kb.services.registry.gazetteer import get_resolver

OPEN_STATES = (RevisionState.DRAFT, RevisionState.SUBMITTED)
FIELD_LABELS = {
    "title": _l("Titel"),
    "summary": _l("Kurzbeschreibung"),
    "owner": _l("Betrieben von"),
    "topics": _l("Themen"),
    "status": _l("Stand der Lösung"),
    "started": _l("Seit"),
    "description": _l("Beschreibung"),
    "lessons": _l("Erfahrungen"),
    "reuse": _l("Was Sie zur Nachnutzung brauchen"),
    "costs": _l("Kosten"),
    "tags": _l("Schlagwörter"),
    "contact": _l("Kontakt"),
    "links": _l("Links"),
    "license": _l("Lizenz"),
    "repository": _l("Quellcode"),
    "reuse_path": _l("Wege zur Nachnutzung"),
    "operator": _l("Betrieb durch"),
    "hosting": _l("Betrieb wo"),
    "costs_once_eur": _l("Einmalige Kosten (Euro)"),
    "costs_yearly_eur": _l("Laufende Kosten pro Jahr (Euro)"),
    "funding": _l("Förderung"),
    "effort_person_days": _l("Aufwand (Personentage)"),
}
_TOKENS = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)


def snapshot(case: UseCase) -> dict[str, Any]:
    """Return the case's current content as revision data."""
    data = case_record(case)
    data.pop("adopters", None)
    data.pop("published", None)
    return data


def record_data(record: CaseRecord) -> dict[str, Any]:
    """Return a validated record as revision data (owner as registry key or organisation)."""
    data: dict[str, Any] = {"slug": record.slug, "title": record.title, "summary": record.summary,
                            "description": record.description}
    owner = record.owner
    if owner.entry is not None:
        data["municipality"] = owner.entry.key
    else:
        org: dict[str, Any] = {"name": owner.name}
        if owner.uri:
            org["uri"] = owner.uri
        if owner.kind.value != "sonstige":
            org["kind"] = owner.kind.value
        data["organisation"] = org
    data["topics"] = list(record.topics)
    data["status"] = record.status.value
    optional = {"tags": record.tags, "contact": record.contact, "links": record.links,
                "license": record.license, "repository": record.repository, "started": record.started,
                "costs": record.costs, "lessons": record.lessons, "reuse": record.reuse}
    data.update({k: v for k, v in optional.items() if v})
    data.update(reuse_facts.record_fields(record))
    return data


def same_content(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """True if two versions say the same (the order of topics does not matter)."""
    def normal(data: dict[str, Any]) -> dict[str, Any]:
        return {**data, "topics": sorted(data.get("topics") or [])}

    return normal(a) == normal(b)


def owner_label(data: dict[str, Any]) -> str:
    """The owner of revision data as people read it ("Leipzig", "Civitas Connect e.V.")."""
    key = data.get("municipality")
    if key:
        entry = get_resolver().lookup(str(key))
        return entry.display_name if entry is not None else str(key)
    org = data.get("organisation") or {}
    return str(org.get("name") or "")


def display_values(data: dict[str, Any]) -> dict[str, str]:
    """Every compared field of revision data as plain text (one item per line)."""
    contact = data.get("contact") or {}
    return {
        "title": data.get("title") or "",
        "summary": data.get("summary") or "",
        "owner": owner_label(data),
        "topics": "\n".join(data.get("topics") or []),
        "status": labels.label(labels.CASE_STATUS, data.get("status") or ""),
        "started": data.get("started") or "",
        "description": data.get("description") or "",
        "lessons": data.get("lessons") or "",
        "reuse": data.get("reuse") or "",
        "costs": data.get("costs") or "",
        "tags": "\n".join(data.get("tags") or []),
        "contact": "\n".join(str(contact[k]) for k in ("name", "role", "email", "phone", "url") if contact.get(k)),
        "links": "\n".join(f"{link.get('title') or ''} – {link.get('url') or ''}" for link in data.get("links") or []),
        "license": data.get("license") or "",
        "repository": data.get("repository") or "",
        **fact_values(data),
    }


def fact_values(data: dict[str, Any]) -> dict[str, str]:
    """The re-use facts of revision data as plain text."""
    operator = data.get("operator") or {}
    return {
        "reuse_path": "\n".join(
            " – ".join(filter(None, (labels.label(labels.REUSE_PATH, p.get("kind")), p.get("note"), p.get("link"))))
            for p in data.get("reuse_path") or []),
        "operator": " – ".join(filter(None, (labels.label(labels.OPERATOR_KIND, operator.get("kind") or ""),
                                             operator.get("name")))),
        "hosting": labels.label(labels.HOSTING, data.get("hosting") or ""),
        **{key: "" if data.get(key) is None else str(data[key])
           for key in ("costs_once_eur", "costs_yearly_eur", "effort_person_days")},
        "funding": data.get("funding") or "",
    }


@dataclass
class Segment:
    """A piece of text that is the same in both versions, or only in the old or new one."""

    op: str  # equal | delete | insert
    text: str


@dataclass
class FieldDiff:
    """One field compared: its label and the segments (only for changed fields)."""

    name: str
    label: str
    changed: bool
    segments: list[Segment] = field(default_factory=list)


def compare(old: dict[str, Any], new: dict[str, Any]) -> list[FieldDiff]:
    """Compare two versions field by field; text is kept as text (templates escape it)."""
    before, after = display_values(old), display_values(new)
    result = []
    for name, label in FIELD_LABELS.items():
        a, b = before[name], after[name]
        segments = diff_text(a, b) if a != b else []
        result.append(FieldDiff(name, str(label), a != b, segments))
    return result


def diff_text(old: str, new: str) -> list[Segment]:
    """Word-level diff inside changed lines, so long texts stay fast and readable."""
    old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
    segments: list[Segment] = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        a, b = "".join(old_lines[i1:i2]), "".join(new_lines[j1:j2])
        if op == "equal":
            segments.append(Segment("equal", a))
        elif op == "replace":
            segments.extend(_diff_words(a, b))
        elif op == "delete":
            segments.append(Segment("delete", a))
        else:
            segments.append(Segment("insert", b))
    return _merge(segments)


def _diff_words(old: str, new: str) -> list[Segment]:
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    segments = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            segments.append(Segment("equal", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            segments.append(Segment("delete", "".join(a[i1:i2])))
        if j2 > j1:
            segments.append(Segment("insert", "".join(b[j1:j2])))
    return segments


def _merge(segments: list[Segment]) -> list[Segment]:
    merged: list[Segment] = []
    for segment in segments:
        if not segment.text:
            continue
        if merged and merged[-1].op == segment.op:
            merged[-1].text += segment.text
        else:
            merged.append(segment)
    return merged


def history(session: Session, case: UseCase) -> list[CaseRevision]:
    """Return the case's revisions, newest first."""
    return list(session.scalars(
        select(CaseRevision).where(CaseRevision.case_id == case.id)
        .options(selectinload(CaseRevision.author))
        .order_by(CaseRevision.number.desc())
    ))


def get(session: Session, case: UseCase, number: int) -> CaseRevision | None:
    return session.scalar(select(CaseRevision).where(CaseRevision.case_id == case.id,
                                                     CaseRevision.number == number))


def open_revision(session: Session, case: UseCase) -> CaseRevision | None:
    """Return the case's pending or draft revision, if any (there is at most one)."""
    return session.scalar(
        select(CaseRevision).where(CaseRevision.case_id == case.id, CaseRevision.state.in_(OPEN_STATES))
        .order_by(CaseRevision.number.desc()).limit(1)
    )


def latest(session: Session, case: UseCase, state: RevisionState) -> CaseRevision | None:
    return session.scalar(
        select(CaseRevision).where(CaseRevision.case_id == case.id, CaseRevision.state == state)
        .order_by(CaseRevision.number.desc()).limit(1)
    )


def add(session: Session, case: UseCase, data: dict[str, Any], state: RevisionState,
        author_id: int | None, note: str | None = None) -> CaseRevision:
    """Add the next numbered revision of a case (does not commit)."""
    number = (session.scalar(select(func.max(CaseRevision.number)).where(CaseRevision.case_id == case.id))
              or 0) + 1
    revision = CaseRevision(case_id=case.id, number=number, state=state, data=data,
                            author_id=author_id, note=note)
    session.add(revision)
    session.flush()
    return revision


def first(session: Session, case: UseCase, data: dict[str, Any], state: RevisionState,
          author_id: int | None) -> CaseRevision:
    """Add revision 1 of a case created in this transaction (it has no other); written with the next flush."""
    revision = CaseRevision(case_id=case.id, number=1, state=state, data=data, author_id=author_id)
    session.add(revision)
    return revision


def supersede(session: Session, case: UseCase, state: RevisionState, keep: CaseRevision | None = None) -> None:
    """Mark the case's revisions in ``state`` (except ``keep``) as superseded."""
    for revision in session.scalars(select(CaseRevision).where(CaseRevision.case_id == case.id,
                                                               CaseRevision.state == state)):
        if revision is not keep:
            revision.state = RevisionState.SUPERSEDED
