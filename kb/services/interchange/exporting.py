"""Export published cases as import records (JSON Lines) or a flat CSV table."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kb.models import ModerationState, UseCase
from kb.services.cases import reuse_facts
from kb.services.cases.record import case_record

CSV_COLUMNS = (
    "slug", "title", "summary", "municipality", "municipality_key", "state", "topics", "status",
    "tags", "adopter_count", "adopters", "interested_count", "license", "repository", "started", "costs",
    "contact_name", "contact_email", "contact_url", "links", "published", "updated", "description",
    "lessons", "reuse", "reuse_path", "operator", "hosting", "costs_once_eur", "costs_yearly_eur", "funding",
    "effort_person_days",
)


def published_cases(session: Session, batch: int = 500) -> Iterator[UseCase]:
    """Yield published cases oldest first, with their relations loaded in batches."""
    stmt = (
        select(UseCase)
        .where(UseCase.moderation == ModerationState.PUBLISHED)
        .order_by(UseCase.published_at, UseCase.id)
        .options(selectinload(UseCase.topics), selectinload(UseCase.adoptions), selectinload(UseCase.reuse_paths))
        .execution_options(yield_per=batch)
    )
    yield from session.scalars(stmt)


def write_jsonl(cases: Iterator[UseCase], out: TextIO) -> int:
    count = 0
    for case in cases:
        out.write(json.dumps(case_record(case), ensure_ascii=False) + "\n")
        count += 1
    return count


#: first characters that make a spreadsheet treat a cell as a formula (OWASP "CSV Injection")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """Prefix a text cell that a spreadsheet would run as a formula with an apostrophe (OWASP)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_row(case: UseCase) -> dict[str, Any]:
    """The case as one CSV row; every text cell is safe to open in a spreadsheet."""
    return {key: neutralise(value) for key, value in _csv_values(case).items()}


def _csv_values(case: UseCase) -> dict[str, Any]:
    owner = case.owner
    contact = case.contact or {}
    return {
        "slug": case.slug,
        "title": case.title,
        "summary": case.summary,
        "municipality": owner.name,
        "municipality_key": owner.key or "",
        "state": owner.land.name if owner.land else "",
        "topics": "; ".join(t.name for t in case.topics),
        "status": case.status.value,
        "tags": "; ".join(case.tags or []),
        "adopter_count": case.usage.users,
        "adopters": "; ".join(a.organisation.name for a in case.user_adoptions),
        "interested_count": case.usage.interested,
        "license": case.license or "",
        "repository": case.repository or "",
        "started": case.started or "",
        "costs": case.costs or "",
        "contact_name": contact.get("name", ""),
        "contact_email": contact.get("email", ""),
        "contact_url": contact.get("url", ""),
        "links": " ".join(link["url"] for link in case.links or []),
        "published": case.published_at.isoformat() if case.published_at else "",
        "updated": case.updated_at.isoformat() if case.updated_at else "",
        "description": case.description,
        "lessons": case.lessons or "",
        "reuse": case.reuse or "",
        **_csv_facts(case),
    }


def _csv_facts(case: UseCase) -> dict[str, Any]:
    """The re-use facts as flat cells: kinds separated by "; ", empty where nothing is known."""
    facts = reuse_facts.record_fields(case)
    operator = facts.get("operator") or {}
    return {
        "reuse_path": "; ".join(p["kind"] for p in facts.get("reuse_path") or []),
        "operator": " – ".join(filter(None, (operator.get("name"), operator.get("kind")))),
        "hosting": facts.get("hosting") or "",
        **{key: facts.get(key, "") for key in ("costs_once_eur", "costs_yearly_eur", "funding", "effort_person_days")},
    }


def write_csv(cases: Iterator[UseCase], out: TextIO) -> int:
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    count = 0
    for case in cases:
        writer.writerow(csv_row(case))
        count += 1
    return count
