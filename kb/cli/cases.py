"""Schema, seed data, import and export of cases: ``init-db``, ``seed``, ``import-cases``, ``export-cases``."""

from __future__ import annotations

import atexit
import gc
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from flask.cli import with_appcontext

from kb.cli.console import fail, progress_bar
from kb.extensions import db
from kb.models import AdoptionSource
from kb.services import setup
from kb.services.community import matches
from kb.services.interchange import exporting, importing
from kb.services.unit_of_work import ConcurrentUpdate


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or migrate the schema and load the municipality registry."""
    from flask_migrate import upgrade

    started = time.perf_counter()
    upgrade()
    with progress_bar(11_421, "Gemeindeverzeichnis") as bar:
        counts = setup.load_reference_data(db.session, progress=bar.update)
    click.echo(
        f"Datenbank bereit: {counts['laender']} Länder, {counts['kreise']} Kreise, "
        f"{counts['gemeinden'] or counts['skipped']} Gemeinden"
        f"{' (bereits geladen)' if counts['skipped'] else ''}, "
        f"{counts['topics_added']} neue Themen – {time.perf_counter() - started:.1f} s."
    )


@click.command("seed")
@click.option("--first-start", is_flag=True, help="Nur laden, wenn noch nie Startdaten geladen wurden.")
@with_appcontext
def seed(first_start: bool) -> None:
    """Load seed_data/ (idempotent: existing cases are left alone)."""
    if first_start and setup.has_been_seeded(db.session):
        click.echo("Startdaten wurden bereits geladen – übersprungen.")
        return
    try:
        total = sum(len(importing.read_source(p)) for p in setup.seed_files())
        with progress_bar(total, "Startdaten") as bar:
            report = setup.load_seed(db.session, progress=bar.update)
    except importing.ImportRejected as exc:
        fail(f"Startdaten abgelehnt, nichts wurde geschrieben:\n{exc}")
    click.echo(
        f"Startdaten: {report.created} neu, {report.skipped} bereits vorhanden (übersprungen), "
        f"{report.adoptions_added} Nachnutzungen – {report.seconds:.1f} s."
    )


@click.command("import-cases")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Nur prüfen, nichts schreiben.")
@click.option("--lenient", is_flag=True,
              help="publiccode.yml nicht streng lesen: Abweichungen vom Standard werden Hinweise (docs/publiccode.md).")
@with_appcontext
def import_cases(files: tuple[Path, ...], dry_run: bool, lenient: bool) -> None:
    """Import use cases from .jsonl, .json or publiccode.yml files (all or nothing)."""
    started = time.perf_counter()
    try:
        with without_cycle_collector():
            sources = [record for path in files for record in importing.read_source(path, lenient=lenient)]
        parsed = importing.Validated(db.session, sources)  # checked block by block while writing
        with without_cycle_collector(), progress_bar(len(parsed), "Import") as bar:
            report = importing.write_validated(db.session, parsed, source=AdoptionSource.IMPORTED,
                                               dry_run=dry_run, progress=bar.update)
    except importing.ImportRejected as exc:
        count = len(exc.problems)
        fail(f"Import abgelehnt – nichts wurde geschrieben ({count} Fehler):\n{exc}")
    except ConcurrentUpdate as exc:
        fail(f"Import abgebrochen – nichts wurde geschrieben: {exc}")
    no_final_collection()
    report.warnings[:0] = [str(w) for source in sources for w in source.warnings]
    for warning in report.warnings[:50]:
        click.secho(f"Hinweis: {warning}", fg="yellow", err=True)
    verb = "würde anlegen" if dry_run else "angelegt"
    click.echo(
        f"{'Probelauf: ' if dry_run else ''}{report.records} Datensätze – {report.created} {verb}, "
        f"{report.updated} aktualisiert, {report.unchanged} unverändert; "
        f"{report.adoptions_added} Nachnutzungen neu, {report.adoptions_removed} entfernt; "
        f"{len(report.warnings)} Hinweise – {time.perf_counter() - started:.1f} s."
    )
    if not dry_run and report.created:
        matched = matches.sweep(db.session)
        if matched:
            click.echo(f"{matched} neue Lösungen passen zu offenen Bedarfen; deren Abonnenten sind benachrichtigt.")


@click.command("export-cases")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv", "publiccode"]), default="jsonl",
              show_default=True)
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Zieldatei (Standard: Ausgabe); bei publiccode auch ein Verzeichnis (eine Datei je Fall).")
@with_appcontext
def export_cases(fmt: str, output: Path | None) -> None:
    """Export published cases."""
    started = time.perf_counter()
    if fmt == "publiccode":
        from kb.services.interchange.publiccode import reader as publiccode

        writer = publiccode.write_documents
    else:
        writer = exporting.write_jsonl if fmt == "jsonl" else exporting.write_csv
    cases = exporting.published_cases(db.session)
    if fmt == "publiccode" and output is not None and output.is_dir():
        count = publiccode.write_directory(cases, output)
    elif output is None:
        count = writer(cases, sys.stdout)
    else:
        with output.open("w", encoding="utf-8", newline="") as fh:
            count = writer(cases, fh)
    click.echo(f"{count} Fälle exportiert ({fmt}) – {time.perf_counter() - started:.1f} s.", err=True)


@contextmanager
def without_cycle_collector() -> Iterator[None]:
    """Pause Python's cycle collector: a bulk import creates millions of objects, and each full collection
    would walk all of them again (a third of the import's CPU); its garbage is freed by reference counting."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            _promote_all()
            gc.enable()


def _promote_all() -> None:
    """Move every tracked object to the oldest generation without examining it (``freeze`` and ``unfreeze``
    splice lists): otherwise the first young collection after the pause walks all the objects made during
    it (0.9 s after 50,000 cases, when the index workers are done and nothing else runs); a full
    collection examines them when Python's own threshold calls for one."""
    gc.freeze()
    gc.unfreeze()


def no_final_collection() -> None:
    """Let the interpreter's last garbage collection at exit pass over what exists now: after a bulk
    import it would walk the millions of objects the process is about to drop anyway (3 s of the 35 s
    of 50,000 cases); ``atexit`` runs before that collection, ``gc.freeze`` hides the objects from it."""
    atexit.unregister(gc.freeze)  # once, however many imports a process runs (tests)
    atexit.register(gc.freeze)


COMMANDS = (init_db, seed, import_cases, export_cases)
