"""Build search documents from published cases."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from kb.models import Adoption, ModerationState, Organisation, UseCase
from kb.search import SearchDocument

_MARKDOWN_NOISE = [
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"<[^>]+>"), " "),
    (re.compile(r"^\s{0,3}(#{1,6}|>|[-*+]|\d+\.)\s+", re.MULTILINE), ""),
    (re.compile(r"[*_`~|]+"), " "),
    (re.compile(r"\s+"), " "),
]


def plain_text(markdown: str | None) -> str:
    """Strip Markdown syntax cheaply (for indexing, not for display)."""
    text = markdown or ""
    for pattern, replacement in _MARKDOWN_NOISE:
        text = pattern.sub(replacement, text)
    return text.strip()


def _place_names(org: Organisation) -> list[str]:
    names = [org.name]
    if org.municipality is not None and org.municipality.kreis is not None:
        names.append(org.municipality.kreis.display_name)
    if org.land is not None:
        names.append(org.land.name)
    return names


def to_document(case: UseCase) -> SearchDocument:
    """Describe one published case for the search index."""
    owner = case.owner
    places = _place_names(owner)[1:]
    for adoption in case.adoptions:
        places.extend(_place_names(adoption.organisation))
    return SearchDocument(
        id=case.id,
        slug=case.slug,
        version=version_of(case),
        title=case.title,
        summary=case.summary,
        body=" ".join(plain_text(t) for t in (case.description, case.lessons, case.reuse) if t),
        tags=list(case.tags or []),
        topics=[t.name for t in case.topics],
        status=case.status.value,
        municipality=owner.name,
        state=owner.land.name if owner.land else None,
        places=list(dict.fromkeys(p for p in places if p)),
        published=case.published_at,
        adopter_count=len(case.active_adoptions),
    )


def _stamp(lock_version: int, updated, adoption_count: int, adoption_updated) -> str:
    parts = (lock_version, updated.isoformat() if updated else "", adoption_count,
             adoption_updated.isoformat() if adoption_updated else "")
    return ":".join(str(p) for p in parts)


def version_of(case: UseCase) -> str:
    """A stamp that changes whenever the case or its adoptions change."""
    latest = max((a.updated_at for a in case.adoptions if a.updated_at), default=None)
    return _stamp(case.lock_version, case.updated_at, len(case.adoptions), latest)


def _load_options():
    org_options = (
        selectinload(Organisation.municipality),
        selectinload(Organisation.land),
    )
    return (
        selectinload(UseCase.topics),
        selectinload(UseCase.owner).options(*org_options),
        selectinload(UseCase.adoptions).selectinload(Adoption.organisation).options(*org_options),
    )


def documents_for(session: Session, ids: Iterable[int]) -> tuple[list[SearchDocument], set[int]]:
    """Return documents for the published cases among ``ids`` and the ids to remove."""
    wanted = set(ids)
    docs: list[SearchDocument] = []
    id_list = sorted(wanted)
    for start in range(0, len(id_list), 500):
        chunk = id_list[start : start + 500]
        stmt = select(UseCase).where(
            UseCase.id.in_(chunk), UseCase.moderation == ModerationState.PUBLISHED
        ).options(*_load_options())
        docs.extend(to_document(case) for case in session.scalars(stmt))
    return docs, wanted - {d.id for d in docs}


def all_documents(session: Session, batch: int = 500) -> Iterator[SearchDocument]:
    """Yield a document for every published case."""
    ids = list(session.scalars(
        select(UseCase.id).where(UseCase.moderation == ModerationState.PUBLISHED).order_by(UseCase.id)
    ))
    for start in range(0, len(ids), batch):
        docs, _removed = documents_for(session, ids[start : start + batch])
        yield from docs
        session.expunge_all()


def published_versions(session: Session) -> dict[int, str]:
    """Return id → version for every published case (to compare with the index)."""
    adoptions = (
        select(Adoption.case_id, func.count(Adoption.id).label("n"),
               func.max(Adoption.updated_at).label("latest"))
        .group_by(Adoption.case_id)
        .subquery()
    )
    rows = session.execute(
        select(UseCase.id, UseCase.lock_version, UseCase.updated_at,
               func.coalesce(adoptions.c.n, 0), adoptions.c.latest)
        .outerjoin(adoptions, adoptions.c.case_id == UseCase.id)
        .where(UseCase.moderation == ModerationState.PUBLISHED)
    )
    return {
        case_id: _stamp(lock, updated, n, latest) for case_id, lock, updated, n, latest in rows
    }
