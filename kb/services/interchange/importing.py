"""Import use cases from .jsonl, .json (and publiccode.yml) files — all or nothing."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kb.database import begin_write
from kb.models import AdoptionSource, UseCase
from kb.search import bulk_import
from kb.services.cases import bulk as case_bulk
from kb.services.cases import writer as case_writer
from kb.services.cases.record import CaseRecord, RecordParser
from kb.services.interchange import structured_input
from kb.services.interchange.problems import ImportProblem, ImportRejected
from kb.services.interchange.publiccode import reader as publiccode
from kb.services.interchange.structured_input import StructureError
from kb.services.registry import organisations
from kb.services.registry.gazetteer import get_resolver
from kb.services.unit_of_work import retrying

#: new cases are inserted in chunks of this many (bounded memory, a moving progress bar)
BULK_CHUNK = 5000
#: the first block is smaller: a large import's index workers start on it after about a second, not five
FIRST_CHUNK = 1000
#: the largest import file accepted unless KB_IMPORT_MAX_BYTES says otherwise
DEFAULT_MAX_BYTES = 512 * 1024 * 1024


@dataclass
class SourceRecord:
    """One raw record and where it came from."""

    path: str
    line: int
    data: Any
    warnings: list[ImportProblem] = field(default_factory=list)


@dataclass
class ImportReport:
    """What an import did (or would do, for a dry run)."""

    records: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    adoptions_added: int = 0
    adoptions_removed: int = 0
    warnings: list[str] = field(default_factory=list)
    dry_run: bool = False
    seconds: float = 0.0
    slugs: list[str] = field(default_factory=list)


def read_source(path: Path, *, lenient: bool = False) -> list[SourceRecord]:
    """Read the raw records of one file; refuse unreadable, oversized or malformed files.

    ``lenient``: a publiccode.yml is read non-strictly (deviations become the records' warnings).
    """
    name = display_name(path)
    text = _read_text(path, name)
    suffix = path.suffix.lower()
    if path.name.endswith((".yml", ".yaml")):
        records, warnings = publiccode.read_records(name, text, lenient=lenient)
        return [SourceRecord(name, line, data, warnings) for line, data in records]
    if suffix == ".jsonl":
        return _read_jsonl(name, text)
    if suffix == ".json":
        return _read_json_list(name, text)
    raise ImportRejected([ImportProblem(name, None, "-", _(
        "Unbekanntes Dateiformat „%(suffix)s“: erwartet .jsonl, .json oder publiccode.yml.",
        suffix=suffix or path.name))])


def display_name(path: Path) -> str:
    """The file name as shown in messages, control characters written as escapes."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(path))


def max_bytes() -> int:
    """The largest import file accepted (``KB_IMPORT_MAX_BYTES``)."""
    return int(current_app.config.get("KB_IMPORT_MAX_BYTES") or DEFAULT_MAX_BYTES) if has_app_context() \
        else DEFAULT_MAX_BYTES


def _read_text(path: Path, name: str) -> str:
    """The file's text; ImportRejected (naming the file) for a directory, a missing, huge or unreadable file."""
    def refuse(message: str) -> ImportRejected:
        return ImportRejected([ImportProblem(name, None, "-", message)])

    try:
        if path.is_dir():
            raise refuse(_("Das ist ein Verzeichnis, keine Datei. Bitte die Dateien darin einzeln angeben, "
                           "zum Beispiel verzeichnis/*.jsonl."))
        limit = max_bytes()
        if path.stat().st_size > limit:
            raise refuse(_("Die Datei ist zu groß (%(size)s MB, höchstens %(limit)s MB).",
                           size=_megabytes(path.stat().st_size), limit=_megabytes(limit)))
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise refuse(_("Datei nicht gefunden.")) from None
    except UnicodeDecodeError as exc:
        raise refuse(_("Die Datei ist nicht UTF-8-kodiert (%(reason)s).", reason=exc.reason)) from None
    except OSError as exc:
        raise refuse(_("Die Datei kann nicht gelesen werden (%(reason)s).", reason=exc.strerror or exc)) from None


def _megabytes(size: int) -> str:
    return f"{size / 1_048_576:.1f}".replace(".", ",")


def _read_jsonl(name: str, text: str) -> list[SourceRecord]:
    records, problems = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("//"):
            continue
        try:
            records.append(SourceRecord(name, number, structured_input.load_json(stripped, strict_utf8=True)))
        except json.JSONDecodeError as exc:
            problems.append(ImportProblem(name, number, "-", _(
                "Kein gültiges JSON (%(reason)s, Spalte %(col)d).", reason=exc.msg, col=exc.colno)))
        except StructureError as exc:
            problems.append(ImportProblem(name, number, exc.field, str(exc)))
    if problems:
        raise ImportRejected(problems)
    return records


def _read_json_list(name: str, text: str) -> list[SourceRecord]:
    """Read a JSON list, remembering the line where each element starts."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportRejected([ImportProblem(name, exc.lineno, "-", _(
            "Kein gültiges JSON (%(reason)s, Spalte %(col)d).", reason=exc.msg, col=exc.colno))]) from None
    except RecursionError:
        if not text.lstrip().startswith("["):
            raise ImportRejected([ImportProblem(name, 1, "-", str(structured_input.too_deep()))]) from None
        data = None  # the element loop below finds the line of the element that is too deep
    if isinstance(data, dict):
        return [_checked(name, 1, data)]
    if data is not None and not isinstance(data, list):
        raise ImportRejected([ImportProblem(name, 1, "-", _("Erwartet wird eine Liste von Objekten."))])
    decoder = json.JSONDecoder()
    records, index = [], text.index("[") + 1
    while True:
        while text[index] in " \t\r\n,":
            index += 1
        if text[index] == "]":
            return records
        line = text.count("\n", 0, index) + 1
        try:
            value, index = decoder.raw_decode(text, index)
        except RecursionError:
            raise ImportRejected([ImportProblem(name, line, "-", str(structured_input.too_deep()))]) from None
        records.append(_checked(name, line, value))


def _checked(name: str, line: int, value: Any) -> SourceRecord:
    """A source record whose data passed structured_input.check."""
    try:
        structured_input.check(value)
    except StructureError as exc:
        raise ImportRejected([ImportProblem(name, line, exc.field, str(exc))]) from None
    return SourceRecord(name, line, value)


def validate(session: Session, sources: list[SourceRecord]) -> list[tuple[SourceRecord, CaseRecord]]:
    """Check every record; raise ImportRejected listing all problems."""
    return list(Validated(session, sources))


class Validated:
    """The records of ``sources`` checked as the writer reads them, so writing (and indexing) can begin
    after the first block instead of after the last record.

    Iterating yields ``(source, record)`` pairs while every record so far was valid; after the first
    problem it yields nothing more, checks the remaining records and raises ImportRejected listing
    all problems (the writer's transaction then rolls back). Pairs already checked are kept, so a
    second iteration (a retried transaction) yields the same records again.
    """

    def __init__(self, session: Session, sources: list[SourceRecord]) -> None:
        self.session = session
        self.sources = sources
        self.checked: list[tuple[SourceRecord, CaseRecord]] = []
        self.problems: list[ImportProblem] = []
        self._next = 0  # index of the first source not checked yet
        self._seen: dict[str, SourceRecord] = {}
        self._parser: RecordParser | None = None

    def __len__(self) -> int:
        return len(self.sources)

    def __iter__(self) -> Iterator[tuple[SourceRecord, CaseRecord]]:
        yield from list(self.checked)
        while not self.problems and self._next < len(self.sources):
            self._next += 1
            pair = self._check(self.sources[self._next - 1])
            if pair is not None and not self.problems:
                self.checked.append(pair)
                yield pair
        self.finish()

    def finish(self) -> None:
        """Check the records not read yet; raise ImportRejected if any record has a problem."""
        while self._next < len(self.sources):
            self._next += 1
            self._check(self.sources[self._next - 1])
        if self.problems:
            raise ImportRejected(self.problems)

    def slugs(self) -> list[str]:
        """The slugs of all records: checked ones as parsed, the others as written in the file."""
        raw = (s.data.get("slug") if isinstance(s.data, dict) else None for s in self.sources[self._next :])
        return [record.slug for _s, record in self.checked] + [slug.strip() for slug in raw if isinstance(slug, str)]

    def _check(self, source: SourceRecord) -> tuple[SourceRecord, CaseRecord] | None:
        if self._parser is None:
            self._parser = RecordParser(get_resolver(), set(case_writer.topics_by_name(self.session)))
        record, record_problems = self._parser.parse(source.data)
        self.problems.extend(ImportProblem(source.path, source.line, p.field, p.message) for p in record_problems)
        if record is None:
            return None
        first = self._seen.setdefault(record.slug, source)
        if first is not source:
            self.problems.append(ImportProblem(source.path, source.line, "slug", _(
                "Kurzname „%(slug)s“ kommt mehrfach vor (zuerst %(path)s, Zeile %(line)d).",
                slug=record.slug, path=first.path, line=first.line)))
            return None
        source.data = None  # the record has everything now; a 50,000-case import halves its memory
        return source, record


def import_files(session: Session, paths: Iterable[Path], **options) -> ImportReport:
    """Read and validate all files, then write them (see write_validated)."""
    started = time.perf_counter()
    sources = [record for path in paths for record in read_source(Path(path))]
    report = write_validated(session, validate(session, sources), **options)
    report.seconds = time.perf_counter() - started
    return report


@retrying
def write_validated(
    session: Session,
    parsed: list[tuple[SourceRecord, CaseRecord]] | Validated,
    *,
    source: AdoptionSource = AdoptionSource.IMPORTED,
    dry_run: bool = False,
    skip_existing: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Write every validated record in one transaction and commit once (roll back on error).

    ``parsed`` may be a :class:`Validated` stream: a record with a problem anywhere rolls everything
    back and raises ImportRejected (also when writing failed first: the problems are what to fix).
    """
    started = time.perf_counter()
    report = ImportReport(records=len(parsed), dry_run=dry_run)
    try:
        if not dry_run:  # a large import indexes its new cases while it writes them
            bulk_import.begin(session, len(parsed))
        _write_all(session, parsed, source, skip_existing, report, progress)
        if dry_run:
            session.rollback()
        else:
            session.commit()
    except Exception as exc:
        session.rollback()
        if isinstance(parsed, Validated) and not isinstance(exc, ImportRejected):
            parsed.finish()
        raise
    finally:
        bulk_import.discard(session)  # not committed: nothing of it reaches the index
    report.seconds = time.perf_counter() - started
    return report


def _existing_cases(session: Session, slugs: list[str]) -> dict[str, UseCase]:
    found: dict[str, UseCase] = {}
    for start in range(0, len(slugs), 500):
        chunk = slugs[start : start + 500]
        found.update((c.slug, c) for c in session.scalars(select(UseCase).where(UseCase.slug.in_(chunk))))
    return found


def _prefetch_organisations(session: Session, records: list[CaseRecord]) -> None:
    refs = [r.owner for r in records] + [a.owner for r in records for a in r.adopters]
    organisations.prefetch(session, (ref.entry for ref in refs if ref.entry is not None),
                           (ref.name for ref in refs if ref.entry is None and ref.name))


def _write_all(session, parsed, source, skip_existing, report, progress) -> None:
    """Update existing cases one by one; insert new ones in bulk, BULK_CHUNK at a time, block by block
    as ``parsed`` is read (a Validated stream checks each block just before it is written)."""
    begin_write(session)
    topics = case_writer.topics_by_name(session)
    indexing = bulk_import.running(session)
    if indexing is not None:
        slugs = parsed.slugs() if isinstance(parsed, Validated) else [record.slug for _s, record in parsed]
        indexing.start(len(slugs) - _count_existing(session, slugs))
    prefetch = len(parsed) > 50
    new: list[CaseRecord] = []
    written = 0
    with session.no_autoflush:
        for block in _blocks(parsed, FIRST_CHUNK, BULK_CHUNK):
            records = [record for _s, record in block]
            existing = _existing_cases(session, [record.slug for record in records])
            if prefetch:
                _prefetch_organisations(session, records)
            for record in records:
                written += 1
                if record.slug not in existing:
                    new.append(record)
                    report.slugs.append(record.slug)
                    if len(new) >= (BULK_CHUNK if report.created else FIRST_CHUNK):
                        _insert_new(session, new, source, topics, report, progress)
                    continue
                _write_existing(session, record, existing[record.slug], source, topics, skip_existing, report)
                if progress:
                    progress(1)
                if written % 1000 == 0:
                    session.flush()
        _insert_new(session, new, source, topics, report, progress)
    session.flush()


def _blocks(pairs: Iterable, first: int, size: int) -> Iterator[list]:
    """``pairs`` in lists of ``first``, then ``size`` items."""
    block = []
    for pair in pairs:
        block.append(pair)
        if len(block) >= first:
            yield block
            block, first = [], size
    if block:
        yield block


def _count_existing(session: Session, slugs: list[str]) -> int:
    return sum(session.scalar(select(func.count()).select_from(UseCase).where(UseCase.slug.in_(slugs[i : i + 500])))
               for i in range(0, len(slugs), 500))


def _write_existing(session, record, case, source, topics, skip_existing, report) -> None:
    if skip_existing:
        report.skipped += 1
        return
    outcome = case_writer.write_record(session, record, source=source, topics=topics, existing=case)
    setattr(report, outcome.action, getattr(report, outcome.action) + 1)
    report.adoptions_added += outcome.adoptions_added
    report.adoptions_removed += outcome.adoptions_removed
    report.warnings.extend(outcome.warnings)
    report.slugs.append(record.slug)


def _insert_new(session, new: list[CaseRecord], source, topics, report: ImportReport, progress) -> None:
    """Insert the collected new records and empty the list."""
    if not new:
        return
    outcome = case_bulk.insert_cases(session, new, source=source, topics=topics)
    report.created += len(outcome.ids)
    report.adoptions_added += outcome.adoptions_added
    report.warnings.extend(outcome.warnings)
    if progress:
        progress(len(new))
    new.clear()
