"""Harvest publiccode.yml files into cases: fetch each source, read it non-strictly, write one unit of work.

Per source, in this order:

1. The source's stored state is read (the raw URL of the last read, ``ETag``/``Last-Modified``).
2. The file is fetched outside any transaction (kb.services.interchange.harvest.fetch; a repository's file is
   found at its default branch's root, kb.services.interchange.harvest.forges), conditionally when the source
   was read before. 304, or the same bytes as last time, changes no case.
3. The file is read like ``import-cases --lenient`` and validated like every import record.
4. One transaction writes the case and the source's state (validators, fingerprint, result,
   warnings), and commits once (a dry run rolls it back). A new case is published; an existing one
   is updated directly — unless a curator edited it since the last harvest (or it was written by
   hand before it was first harvested): then the source's version waits in moderation as a proposed
   revision. An unpublished case stays unpublished. Anything failing rolls the whole unit back; only
   the error is then recorded for the admin page.
5. A source that cannot be fetched counts a failure; after ``UNREACHABLE_AFTER`` in a row its case
   is shown as "Quelle nicht mehr erreichbar". Nothing is ever deleted.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.database import begin_write
from kb.models import AdoptionSource, CaseRevision, HarvestOutcome, HarvestSource, RevisionState, UseCase
from kb.models.base import utcnow
from kb.models.interchange import UNREACHABLE_AFTER
from kb.services import audit
from kb.services.cases import moderation_queue, revisions, submissions
from kb.services.cases import writer as case_writer
from kb.services.cases.record import CaseRecord
from kb.services.interchange import importing
from kb.services.interchange.harvest import forges
from kb.services.interchange.harvest.fetch import Fetcher, FetchError, FetchResult, Validators
from kb.services.interchange.harvest.sources import Source
from kb.services.interchange.problems import ImportProblem, ImportRejected
from kb.services.interchange.publiccode import reader as publiccode
from kb.services.unit_of_work import ConcurrentUpdate, retrying

log = logging.getLogger(__name__)
ACCEPT = "application/yaml, text/yaml, text/x-yaml, text/plain;q=0.9, */*;q=0.5"
MAX_WARNINGS = 50
PROBLEMS = (HarvestOutcome.INVALID, HarvestOutcome.FAILED)


@dataclass
class SourceResult:
    """What harvesting one source did (or, in a dry run, would do)."""

    url: str
    origin: str
    outcome: HarvestOutcome
    slug: str | None = None
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    failures: int = 0

    @property
    def ok(self) -> bool:
        return self.outcome not in PROBLEMS

    @property
    def unreachable(self) -> bool:
        return self.failures >= UNREACHABLE_AFTER


@dataclass
class HarvestReport:
    """Every source's result, in the order the sources were given."""

    results: list[SourceResult] = field(default_factory=list)
    dry_run: bool = False
    seconds: float = 0.0

    def count(self, outcome: HarvestOutcome) -> int:
        return sum(1 for r in self.results if r.outcome is outcome)

    @property
    def problems(self) -> list[SourceResult]:
        return [r for r in self.results if not r.ok]


@dataclass
class _State:
    """What is known about a source before it is fetched."""

    fetch_url: str | None = None
    validators: Validators | None = None
    content_digest: str | None = None
    case_slug: str | None = None
    failures: int = 0


def harvest(session: Session, sources: list[Source], *, fetcher: Fetcher, dry_run: bool = False,
            progress: Callable[[int], None] | None = None) -> HarvestReport:
    """Harvest every source, one unit of work each; a failing source does not stop the others."""
    started = time.perf_counter()
    report = HarvestReport(dry_run=dry_run)
    for source in sources:
        report.results.append(harvest_source(session, source, fetcher=fetcher, dry_run=dry_run))
        if progress:
            progress(1)
    report.seconds = time.perf_counter() - started
    return report


def harvest_source(session: Session, source: Source, *, fetcher: Fetcher, dry_run: bool = False) -> SourceResult:
    """Fetch, read and write one source (see the module docstring)."""
    state = _state(session, source.url)
    session.rollback()  # no transaction stays open while the network is asked
    try:
        answer = _fetch(state, source.location, fetcher)
    except FetchError as exc:
        return _failed(session, source, str(exc), state, dry_run)
    digest = hashlib.sha256(answer.body).hexdigest() if not answer.not_modified else state.content_digest
    if answer.not_modified or (digest == state.content_digest and state.case_slug):
        outcome = HarvestOutcome.NOT_MODIFIED if answer.not_modified else HarvestOutcome.UNCHANGED
        return _store(session, source, _Written(outcome, state.case_slug), answer, digest, dry_run)
    try:
        record, warnings = _read(session, source, answer, state.case_slug)
    except ImportRejected as exc:
        return _store(session, source, _Written(HarvestOutcome.INVALID, state.case_slug,
                                                error="\n".join(str(p) for p in exc.problems[:20])),
                      answer, None, dry_run)
    try:
        written = _write(session, source.url, record, dry_run, answer, digest, warnings)
    except ConcurrentUpdate as exc:
        return _failed(session, source, str(exc), state, dry_run, count=False)
    except Exception as exc:  # a bug or a broken database: this source's unit is rolled back, the others go on
        session.rollback()
        log.exception("Ernte von %s fehlgeschlagen", source.url)
        return _failed(session, source, _("Fehler beim Schreiben, nichts wurde übernommen: %(error)s",
                                          error=str(exc) or type(exc).__name__), state, dry_run, count=False)
    return _result(session, source, written, 0, dry_run)


# -- reading ----------------------------------------------------------------------------------------


def _state(session: Session, url: str) -> _State:
    row = session.scalar(select(HarvestSource).where(HarvestSource.url == url))
    if row is None:
        return _State()
    slug = session.scalar(select(UseCase.slug).where(UseCase.id == row.case_id)) if row.case_id else None
    return _State(row.fetch_url, Validators(row.etag, row.last_modified), row.content_digest, slug, row.failures)


def _fetch(state: _State, location: forges.Location, fetcher: Fetcher) -> FetchResult:
    """The publiccode.yml of a source: from where it was found last time, else found anew."""
    if state.fetch_url:
        try:
            return fetcher.get(state.fetch_url, state.validators, accept=ACCEPT)
        except FetchError as exc:
            if not exc.gone or location.is_file:
                raise
    tried: list[str] = []
    for candidate in forges.candidates(location, fetcher):
        tried.append(candidate)
        try:
            answer = fetcher.get(candidate, accept=ACCEPT)
        except FetchError as exc:
            if exc.gone and not location.is_file:
                continue
            raise
        if location.is_file or not (answer.content_type or "").startswith("text/html"):
            return answer
    raise FetchError("http", location.url, _(
        "Im Repository %(url)s ist keine publiccode.yml zu finden (gesucht: %(tried)s).",
        url=location.url, tried=", ".join(tried) or "–"), status=404)


def _read(session: Session, source: Source, answer: FetchResult,
          case_slug: str | None) -> tuple[CaseRecord, list[str]]:
    """Read the file non-strictly and validate its record; raise ImportRejected naming URL, line and field."""
    name = answer.url
    try:
        text = answer.body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRejected([ImportProblem(name, None, "-", _(
            "Die Datei ist nicht UTF-8-kodiert (%(reason)s).", reason=exc.reason))]) from None
    records, warnings = publiccode.read_records(name, text, lenient=True)
    line, data = records[0]
    if case_slug:  # the source keeps feeding its case, even if the file now names another repository
        data["slug"] = case_slug
    parsed = importing.validate(session, [importing.SourceRecord(name, line, data)])
    session.rollback()
    return parsed[0][1], [str(w) for w in warnings]


# -- writing ----------------------------------------------------------------------------------------


@dataclass
class _Written:
    outcome: HarvestOutcome
    slug: str | None
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    proposed_for: UseCase | None = None


def content_digest(case: UseCase) -> str:
    """A fingerprint of the case's editable content (a curator's edit changes it)."""
    content = revisions.snapshot(case)
    content["topics"] = sorted(content.get("topics") or [])  # as stored, not as last assigned
    data = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


@retrying
def _write(session: Session, url: str, record: CaseRecord, dry_run: bool, answer: FetchResult, digest: str | None,
           read_warnings: list[str]) -> _Written:
    """Write the record into its case (directly or as a proposal) and the source's state, in one transaction
    (rolled back again for a dry run)."""
    begin_write(session)
    row = _row(session, url)
    case = session.get(UseCase, row.case_id) if row.case_id else None
    case = case or session.scalar(select(UseCase).where(UseCase.slug == record.slug))
    topics = case_writer.topics_by_name(session)
    with session.no_autoflush:
        if case is None:
            outcome = case_writer.write_record(session, record, source=AdoptionSource.PUBLICCODE, topics=topics,
                                               existing=None)
            written = _Written(HarvestOutcome.CREATED, record.slug, warnings=list(outcome.warnings))
            case = outcome.case
        elif not case.is_published:
            written = _Written(HarvestOutcome.UNCHANGED, case.slug, warnings=[_(
                "%(slug)s ist nicht veröffentlicht (von der Moderation zurückgenommen oder nie freigegeben); "
                "der Fall bleibt, wie er ist.", slug=case.slug)])
        elif _curated(session, row, case):
            written = _propose(session, url, case, record)
        else:
            outcome = case_writer.write_record(session, record, source=AdoptionSource.PUBLICCODE, topics=topics,
                                               existing=case)
            action = HarvestOutcome.UNCHANGED if outcome.action == "unchanged" else HarvestOutcome.UPDATED
            written = _Written(action, case.slug, warnings=list(outcome.warnings))
    session.flush()
    if written.outcome in (HarvestOutcome.CREATED, HarvestOutcome.UPDATED):
        audit.record(session, None, "case.harvest", case, data={"source": url, "outcome": written.outcome.value})
    if written.outcome is not HarvestOutcome.PROPOSED and case.is_published:
        row.written_digest = content_digest(case)
    row.case_id = case.id
    written.warnings[:0] = read_warnings
    _apply_state(row, written, answer, _kept_digest(written, digest), failed=False)
    _finish(session, dry_run)
    return written


def _curated(session: Session, row: HarvestSource, case: UseCase) -> bool:
    """True when people changed the case since the harvest last wrote it (or wrote it before any harvest).

    A case whose text is the source's last proposal, published as it was, counts as written by the harvest.
    """
    revision = revisions.open_revision(session, case)
    if revision is not None and revision.author_id is not None:
        return True
    digest = content_digest(case)
    if row.written_digest == digest:
        return False
    proposal = session.get(CaseRevision, row.proposal_id) if row.proposal_id else None
    if (proposal is not None and proposal.case_id == case.id and proposal.state is RevisionState.PUBLISHED
            and revisions.same_content(proposal.data, revisions.snapshot(case))):
        row.written_digest = digest
        return False
    return True


def _propose(session: Session, row_url: str, case: UseCase, record: CaseRecord) -> _Written:
    """Offer the source's version to moderation; adopters from the source follow directly."""
    adopters = case_writer.sync_listed_adopters(session, case, record, source=AdoptionSource.PUBLICCODE)
    warnings = list(record.warnings) + list(adopters.warnings)
    revision = revisions.open_revision(session, case)
    if revision is not None and revision.author_id is not None:
        return _Written(HarvestOutcome.PROPOSED, case.slug, warnings=[*warnings, _(
            "Eine Änderung von Hand wartet bereits in der Moderation; die Fassung der Quelle wird nach der "
            "Entscheidung erneut angeboten.")])
    if revisions.same_content(revisions.record_data(record), revisions.snapshot(case)):
        if revision is not None and revision.state is RevisionState.SUBMITTED:  # the source went back
            revision.state = RevisionState.SUPERSEDED
        action = HarvestOutcome.UPDATED if adopters.adoptions_added + adopters.adoptions_removed else \
            HarvestOutcome.UNCHANGED
        return _Written(action, case.slug, warnings=warnings)
    try:
        proposal = submissions.propose_from_source(session, case, record, via="harvest")
    except submissions.SubmissionError:  # the same version waits already
        return _Written(HarvestOutcome.UNCHANGED, case.slug, warnings=warnings)
    _row(session, row_url).proposal_id = proposal.id
    return _Written(HarvestOutcome.PROPOSED, case.slug, warnings=warnings, proposed_for=case)


def _row(session: Session, url: str) -> HarvestSource:
    row = session.scalar(select(HarvestSource).where(HarvestSource.url == url))
    if row is None:
        row = HarvestSource(url=url, warnings=[], failures=0)
        session.add(row)
    return row


def _finish(session: Session, dry_run: bool) -> None:
    if dry_run:
        session.rollback()
    else:
        session.commit()


@retrying
def _save_state(session: Session, url: str, written: _Written, answer: FetchResult | None,
                digest: str | None, failed: bool, dry_run: bool, count: bool = True) -> int:
    """Store how the source's harvest went when no case was written; return its failures in a row."""
    begin_write(session)
    failures = _apply_state(_row(session, url), written, answer, digest, failed, count)
    _finish(session, dry_run)
    return failures


def _apply_state(row: HarvestSource, written: _Written, answer: FetchResult | None, digest: str | None,
                 failed: bool, count: bool = True) -> int:
    """Set the source's last result, validators and fingerprint on its row; return its failures in a row.

    A failure to fetch counts towards "Quelle nicht mehr erreichbar" (``count``); a failure of our own
    (writing) does not, and neither resets the count nor dates a harvest that took nothing over.
    """
    now = utcnow()
    row.attempted_at = now
    row.outcome = written.outcome
    row.error = written.error
    row.warnings = written.warnings[:MAX_WARNINGS]
    if failed:
        row.failures = (row.failures or 0) + int(count)
    else:
        row.failures = 0
        row.harvested_at = now
    if answer is not None:
        row.fetch_url = answer.url
        if not answer.not_modified:
            row.etag, row.last_modified = answer.etag, answer.last_modified
        elif answer.etag or answer.last_modified:
            row.etag, row.last_modified = answer.etag or row.etag, answer.last_modified or row.last_modified
        row.content_digest = digest  # None: read the file again next time
    return row.failures


def _kept_digest(written: _Written, digest: str | None) -> str | None:
    """The file's fingerprint to remember, or None when it was not taken over (invalid, or a hand-made change
    waits in moderation): then the file is read again next time."""
    if written.outcome is HarvestOutcome.INVALID or (
            written.outcome is HarvestOutcome.PROPOSED and written.proposed_for is None):
        return None
    return digest


def _store(session: Session, source: Source, written: _Written, answer: FetchResult, digest: str | None,
           dry_run: bool) -> SourceResult:
    """Store the state of a source whose file changed no case (not modified, unchanged, invalid)."""
    failures = _save_state(session, source.url, written, answer, _kept_digest(written, digest), False, dry_run)
    return _result(session, source, written, failures, dry_run)


def _result(session: Session, source: Source, written: _Written, failures: int, dry_run: bool) -> SourceResult:
    """The source's result; moderators hear of a proposal only once it is committed."""
    if written.proposed_for is not None and not dry_run:
        case = session.scalar(select(UseCase).where(UseCase.slug == written.slug))
        if case is not None:
            moderation_queue.notify_moderators(session, case, edit=True)
    return SourceResult(source.url, source.origin, written.outcome, written.slug, written.error,
                        written.warnings, failures)


def _failed(session: Session, source: Source, message: str, state: _State, dry_run: bool,
            count: bool = True) -> SourceResult:
    written = _Written(HarvestOutcome.FAILED, state.case_slug, error=message)
    failures = _save_state(session, source.url, written, None, None, True, dry_run, count)
    if dry_run:
        failures = state.failures + int(count)
    return SourceResult(source.url, source.origin, HarvestOutcome.FAILED, state.case_slug, message, [], failures)
