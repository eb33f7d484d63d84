"""``backup DIR`` / ``restore DIR``: a full, consistent copy of database and uploads."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from kb.cli.console import fail, progress_bar
from kb.extensions import db
from kb.search import maintenance as search
from kb.search.backend import get_backend
from kb.services import generation, health
from kb.services.interchange import backup
from kb.services.interchange.backup_format import BackupError


def _row_estimate() -> int:
    from sqlalchemy import MetaData, func, select

    metadata = MetaData()
    metadata.reflect(db.engine)
    with db.engine.connect() as conn:
        return sum(conn.execute(select(func.count()).select_from(t)).scalar() or 0
                   for t in metadata.sorted_tables)


@click.command("backup")
@click.argument("directory", type=click.Path(path_type=Path))
@with_appcontext
def backup_command(directory: Path) -> None:
    """Write a full, consistent copy of database and uploads to DIRECTORY (new or empty)."""
    data_dir = Path(current_app.config["KB_DATA_DIR"])
    try:
        with progress_bar(_row_estimate(), "Sicherung") as bar:
            report = backup.create_backup(db.engine, data_dir, directory, revision=health.expected_revision(),
                                          progress=bar.update)
    except (BackupError, OSError) as exc:
        fail(f"Sicherung nicht geschrieben: {exc}")
    counts = report.manifest.counts
    click.echo(f"Sicherung in {report.directory}: {counts.get('use_case', 0)} Fälle, "
               f"{counts.get('adoption', 0)} Nachnutzungen, {counts.get('user_account', 0)} Konten, "
               f"{counts.get('uploads', 0)} Dateien (Schemastand {report.manifest.revision}, "
               f"{report.manifest.dialect}) – {report.seconds:.1f} s.")


@click.command("restore")
@click.argument("directory", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option("--force", is_flag=True, help="Auch eine Instanz mit Fällen, Konten oder Dateien vollständig ersetzen.")
@with_appcontext
def restore_command(directory: Path, force: bool) -> None:
    """Replace database and uploads with the backup in DIRECTORY, then rebuild the search index."""
    from flask_migrate import upgrade

    data_dir = Path(current_app.config["KB_DATA_DIR"])
    db.session.remove()
    try:
        manifest = backup.read_manifest(directory)
        total = sum(t["rows"] for t in manifest.tables.values())
        with progress_bar(total, "Wiederherstellung") as bar:
            report = backup.restore_backup(
                db.engine, data_dir, directory, force=force,
                migrate=lambda revision: upgrade(revision=revision or "head"),
                known_revision=_known_revision, progress=bar.update,
            )
    except (BackupError, OSError) as exc:
        fail(f"Nichts zurückgespielt: {exc}")
    db.session.remove()
    backend = get_backend()
    with progress_bar(report.manifest.counts.get("use_case", 0), "Suchindex") as bar:
        indexed, _seconds = search.rebuild_index(db.session, backend, progress=bar.update)
    generation.index_rewritten(db.session)
    counts = report.manifest.counts
    click.echo(f"Zurückgespielt aus {report.directory} (vom {report.manifest.created}): "
               f"{counts.get('use_case', 0)} Fälle, {counts.get('adoption', 0)} Nachnutzungen, "
               f"{counts.get('user_account', 0)} Konten, {counts.get('uploads', 0)} Dateien; "
               f"Suchindex mit {indexed} Fällen neu aufgebaut – {report.seconds:.1f} s.")


def _known_revision(revision: str) -> bool:
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    script = ScriptDirectory(str(Path(current_app.extensions["migrate"].directory)))
    try:
        return script.get_revision(revision) is not None
    except CommandError:
        return False


COMMANDS = (backup_command, restore_command)
