"""Build search documents from published cases.

A case's document holds its own texts and the texts of its adopters' experience reports (what
they adapted, the data they needed, the pitfalls): a report is written by a confirmed member or
accepted by a moderator before it exists, so every stored report is published."""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from types import SimpleNamespace

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kb.models import (
    Adoption,
    ExperienceReport,
    Kreis,
    Land,
    ModerationState,
    Municipality,
    Organisation,
    Topic,
    UseCase,
    case_topic,
    size_classes,
)
from kb.models.usage import USE_STATUSES, running_organisation_ids, usage_of
from kb.search.engine import SearchDocument

_MARKDOWN_NOISE = [
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"<[^>]+>"), " "),
    (re.compile(r"^[ \t\f\v]{0,3}(#{1,6}|>|[-*+]|\d+\.)\s+", re.MULTILINE), ""),
]
_EMPHASIS = "*_`~|"


def plain_text(markdown: str | None) -> str:
    """Strip Markdown syntax cheaply (for indexing, not for display)."""
    text = markdown or ""
    if "](" in text or "<" in text:
        for pattern, replacement in _MARKDOWN_NOISE[:3]:
            text = pattern.sub(replacement, text)
    pattern, replacement = _MARKDOWN_NOISE[3]
    text = pattern.sub(replacement, text)
    for char in _EMPHASIS:  # str.replace beats a regex or str.translate by far
        text = text.replace(char, " ")
    return " ".join(text.split())


def _place_names(org: Organisation) -> list[str]:
    names = [org.name]
    if org.municipality is not None and org.municipality.kreis is not None:
        names.append(org.municipality.kreis.display_name)
    if org.land is not None:
        names.append(org.land.name)
    return names


#: the text fields of an experience report that go into its case's document
REPORT_TEXTS = ("adapted", "data_prerequisites", "pitfalls")


def _body(case, reports: Iterable) -> str:
    """Description, lessons and re-use notes, then the experience reports' texts, as plain text."""
    texts = [case.description, case.lessons, case.reuse]
    texts += [getattr(report, name) for report in reports for name in REPORT_TEXTS]
    return " ".join(plain_text(t) for t in texts if t)


def _user_sizes(case: UseCase) -> list[str]:
    """Size class keys of the organisations the case runs at (kb.models.usage), in class order."""
    return [c.key for c in size_classes.running_classes(case)]


def _org_keys(ags: str | None, kreis: str | None, own_kreis: str | None) -> tuple[str, ...]:
    """Registry keys an organisation lies in: its AGS and its Kreis (or the Kreis it is)."""
    return tuple(k for k in dict.fromkeys((ags, kreis, own_kreis)) if k)


def _place_keys(case: UseCase) -> list[str]:
    """Registry keys of the places the case runs at (kb.models.usage): the place filter of the search."""
    orgs = {case.owner_id: case.owner} | {a.organisation_id: a.organisation for a in case.adoptions}
    keys: list[str] = []
    for i in running_organisation_ids(case.status, case.owner_id, case.adoptions):
        org = orgs[i]
        kreis = org.municipality.kreis_key if org.municipality is not None else None
        keys.extend(_org_keys(org.municipality_ags, kreis, org.kreis_key))
    return list(dict.fromkeys(keys))


def to_document(case: UseCase) -> SearchDocument:
    """Describe one published case for the search index."""
    owner = case.owner
    places = _place_names(owner)[1:]
    for adoption in case.adoptions:
        places.extend(_place_names(adoption.organisation))
    reports = [a.report for a in case.adoptions if a.report is not None]
    return SearchDocument(
        id=case.id,
        slug=case.slug,
        version=version_of(case),
        title=case.title,
        summary=case.summary,
        body=_body(case, reports),
        tags=list(case.tags or []),
        topics=[t.name for t in case.topics],
        status=case.status.value,
        municipality=owner.name,
        state=owner.land.name if owner.land else None,
        places=list(dict.fromkeys(p for p in places if p)),
        published=case.published_at,
        adopter_count=case.usage.users,
        user_sizes=_user_sizes(case),
        place_keys=_place_keys(case),
    )


def _stamp(lock_version: int, updated, adoption_count: int, adopters: str, report_count: int = 0,
           report_updated=None) -> str:
    parts = [lock_version, updated.isoformat() if updated else "", adoption_count, adopters]
    if report_count:  # (cases without reports keep the stamps they had before reports were indexed)
        parts += [f"r{report_count}", report_updated.isoformat() if report_updated else ""]
    return ":".join(str(p) for p in parts)


def indexed_use(status) -> bool:
    """What a case's document takes from an adoption's status: whether the adopter uses the case
    (its count, the places the case runs at, their size classes) – interest and former use both
    only name the adopter's places."""
    return status in USE_STATUSES


def adopters_stamp(adoptions: Iterable) -> str:
    """What a case's document shows of its adoptions, as a short stamp: each adopter and whether it
    uses the case – not an adoption's dates, note or contact, so changing those (or "Pilot" to
    "In Betrieb") leaves the document and its version as they are (``adoptions``: anything with
    ``organisation_id`` and ``status``)."""
    pairs = sorted(f"{a.organisation_id}{'u' if indexed_use(a.status) else 'i'}" for a in adoptions)
    return "a" + hashlib.blake2b(",".join(pairs).encode(), digest_size=6).hexdigest() if pairs else ""


def version_of(case: UseCase) -> str:
    """A stamp that changes whenever the case, what its document shows of its adoptions, or their
    experience reports change."""
    reports = [a.report for a in case.adoptions if a.report is not None]
    report_latest = max((r.updated_at for r in reports if r.updated_at), default=None)
    return _stamp(case.lock_version, case.updated_at, len(case.adoptions), adopters_stamp(case.adoptions),
                  len(reports), report_latest)


@dataclass
class _Place:
    """What a document shows of an organisation: its name, Kreis and Land, and its size class."""

    name: str
    kreis: str | None
    land: str | None
    size: str | None = None  # key of kb.models.size_classes
    keys: tuple[str, ...] = ()  # registry keys it lies in (AGS, Kreis)

    def names(self) -> list[str]:
        return [n for n in (self.name, self.kreis, self.land) if n]


class _DocumentLoader:
    """Build documents from plain rows (a handful of queries per batch, no ORM objects).

    Gives the same documents as ``to_document`` at a fraction of the cost, which matters when a
    bulk import of 50,000 cases is written to the index.
    """

    def __init__(self, session: Session | None) -> None:
        self.session = session
        self.places: dict[int, _Place] = {}

    def _load_places(self, org_ids: set[int]) -> None:
        wanted = sorted(org_ids - self.places.keys())
        for start in range(0, len(wanted), 500):
            rows = self.session.execute(
                select(Organisation.id, Organisation.name, Kreis.display_name, Land.name,
                       size_classes.class_key_column(), Organisation.municipality_ags, Municipality.kreis_key,
                       Organisation.kreis_key)
                .outerjoin(Municipality, Municipality.ags == Organisation.municipality_ags)
                .outerjoin(Kreis, Kreis.key == Municipality.kreis_key)
                .outerjoin(Land, Land.code == Organisation.land_code)
                .where(Organisation.id.in_(wanted[start : start + 500]))
            )
            self.places.update((row[0], _Place(*row[1:5], keys=_org_keys(*row[5:]))) for row in rows)

    def batch(self, ids: list[int]) -> list[SearchDocument]:
        """Documents of the published cases among ``ids`` (ordered by id)."""
        cases = self.session.execute(
            select(UseCase.id, UseCase.slug, UseCase.title, UseCase.summary, UseCase.description,
                   UseCase.lessons, UseCase.reuse, UseCase.tags, UseCase.status, UseCase.owner_id,
                   UseCase.published_at, UseCase.lock_version, UseCase.updated_at)
            .where(UseCase.id.in_(ids), UseCase.moderation == ModerationState.PUBLISHED)
            .order_by(UseCase.id)
        ).all()
        if not cases:
            return []
        found = [c.id for c in cases]
        topics: dict[int, list[str]] = defaultdict(list)
        for case_id, name in self.session.execute(
            select(case_topic.c.case_id, Topic.name).join(Topic, Topic.id == case_topic.c.topic_id)
            .where(case_topic.c.case_id.in_(found)).order_by(Topic.position)
        ):
            topics[case_id].append(name)
        adoptions: dict[int, list] = defaultdict(list)
        for row in self.session.execute(
            select(Adoption.case_id, Adoption.organisation_id, Adoption.status, Adoption.updated_at)
            .where(Adoption.case_id.in_(found)).order_by(Adoption.created_at, Adoption.id)
        ):
            adoptions[row.case_id].append(row)
        reports: dict[int, list] = defaultdict(list)
        for row in self.session.execute(
            select(Adoption.case_id, ExperienceReport.updated_at,
                   *(getattr(ExperienceReport, name) for name in REPORT_TEXTS))
            .join(ExperienceReport, ExperienceReport.adoption_id == Adoption.id)
            .where(Adoption.case_id.in_(found)).order_by(Adoption.created_at, Adoption.id)
        ):
            reports[row.case_id].append(row)
        self._load_places({c.owner_id for c in cases} | {a.organisation_id for rows in adoptions.values()
                                                         for a in rows})
        return [self._document(c, topics[c.id], adoptions[c.id], reports[c.id]) for c in cases]

    def _document(self, case, topics: list[str], adoptions: list, reports: list) -> SearchDocument:
        owner = self.places[case.owner_id]
        places = owner.names()[1:]
        for adoption in adoptions:
            places.extend(self.places[adoption.organisation_id].names())
        report_latest = max((r.updated_at for r in reports if r.updated_at), default=None)
        running = [self.places[i] for i in running_organisation_ids(case.status, case.owner_id, adoptions)]
        return SearchDocument(
            id=case.id,
            slug=case.slug,
            version=_stamp(case.lock_version, case.updated_at, len(adoptions), adopters_stamp(adoptions),
                           len(reports), report_latest),
            title=case.title,
            summary=case.summary,
            body=_body(case, reports),
            tags=list(case.tags or []),
            topics=topics,
            status=case.status.value,
            municipality=owner.name,
            state=owner.land,
            places=list(dict.fromkeys(p for p in places if p)),
            published=case.published_at,
            adopter_count=usage_of(adoptions).users,
            user_sizes=size_classes.ordered_keys(p.size for p in running if p.size),
            place_keys=list(dict.fromkeys(k for p in running for k in p.keys)),
        )


def written_rows(session: Session, cases: list[dict], topics: dict[int, list[str]],
                 adoptions: dict[int, list[dict]]) -> list[tuple]:
    """What :func:`written_document` needs for cases this transaction has just inserted, from the rows
    it wrote (``UseCase`` columns with ``id``; topic names in ``Topic.position`` order; adoption rows in
    ``created_at``, id order) and their organisations' places, read once here."""
    loader = _DocumentLoader(session)
    loader._load_places({c["owner_id"] for c in cases}
                        | {a["organisation_id"] for rows in adoptions.values() for a in rows})
    places = loader.places
    out = []
    for case in cases:
        rows = adoptions.get(case["id"], [])
        orgs = {case["owner_id"], *(a["organisation_id"] for a in rows)}
        out.append((case, topics.get(case["id"], []), rows, {i: places[i] for i in orgs}))
    return out


def written_document(item: tuple) -> SearchDocument:
    """The document of one case from :func:`written_rows` – what ``iter_documents`` reads back after
    the commit (runs in the index workers of a large import)."""
    case, topics, adoptions, places = item
    loader = _DocumentLoader(None)
    loader.places = places
    return loader._document(SimpleNamespace(**case), topics, [SimpleNamespace(**a) for a in adoptions], [])


def iter_documents(session: Session, ids: Iterable[int], found: set[int] | None = None,
                   batch: int = 500) -> Iterator[SearchDocument]:
    """Yield documents for the published cases among ``ids``, ``batch`` cases at a time.

    The ids of the documents yielded are added to ``found``; memory stays flat however many ids
    are given.
    """
    loader = _DocumentLoader(session)
    id_list = sorted(set(ids))
    for start in range(0, len(id_list), batch):
        docs = loader.batch(id_list[start : start + batch])
        if found is not None:
            found.update(d.id for d in docs)
        yield from docs


def all_documents(session: Session, batch: int = 500) -> Iterator[SearchDocument]:
    """Yield a document for every published case."""
    ids = list(session.scalars(
        select(UseCase.id).where(UseCase.moderation == ModerationState.PUBLISHED).order_by(UseCase.id)
    ))
    yield from iter_documents(session, ids, batch=batch)


def published_versions(session: Session) -> dict[int, str]:
    """Return id → version for every published case (to compare with the index)."""
    adopters: dict[int, list] = defaultdict(list)
    for row in session.execute(select(Adoption.case_id, Adoption.organisation_id, Adoption.status)):
        adopters[row.case_id].append(row)
    reports = (
        select(Adoption.case_id, func.count(ExperienceReport.id).label("n"),
               func.max(ExperienceReport.updated_at).label("latest"))
        .join(ExperienceReport, ExperienceReport.adoption_id == Adoption.id)
        .group_by(Adoption.case_id)
        .subquery()
    )
    rows = session.execute(
        select(UseCase.id, UseCase.lock_version, UseCase.updated_at,
               func.coalesce(reports.c.n, 0), reports.c.latest)
        .outerjoin(reports, reports.c.case_id == UseCase.id)
        .where(UseCase.moderation == ModerationState.PUBLISHED)
    )
    return {
        case_id: _stamp(lock, updated, len(adopters[case_id]), adopters_stamp(adopters[case_id]), n_reports,
                        report_latest)
        for case_id, lock, updated, n_reports, report_latest in rows
    }
