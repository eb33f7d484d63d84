"""Back up and restore a whole instance: database and uploads (INTERFACES §3).

A backup is a consistent snapshot taken while the site runs: SQLite through the ``sqlite3``
backup API, PostgreSQL as a logical dump read in one ``REPEATABLE READ`` transaction (no
``pg_dump`` needed, and it restores into either database). Restoring refuses an instance
that holds cases, accounts or uploads unless forced, checks every checksum first, recreates
the schema at the backup's revision, loads the rows in one transaction, migrates to the
current revision and leaves rebuilding the search index to the caller.
"""

from __future__ import annotations

import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import Integer, MetaData, Table, create_engine, func, inspect, select, text
from sqlalchemy.engine import Connection, Engine

from kb.models.base import utcnow
from kb.services.interchange.backup_format import (
    DERIVED_TABLES,
    SQLITE_FILE,
    TABLES_DIR,
    UPLOADS_DIR,
    BackupError,
    Manifest,
    decode,
    file_entry,
    read_manifest,
    read_rows,
    write_rows,
)
from kb.services.private_files import private_dir, restrict_tree

Progress = Callable[[int], None]
CONTENT_TABLES = ("use_case", "user_account", "adoption")
BATCH = 1000


@dataclass
class Report:
    """What a backup or restore did."""

    directory: Path
    manifest: Manifest
    seconds: float


# ------------------------------------------------------------------ backup


def create_backup(engine: Engine, data_dir: Path, target: Path, *, revision: str,
                  progress: Progress | None = None) -> Report:
    """Write database and uploads to ``target`` (new or empty directory); the manifest comes last."""
    started = time.perf_counter()
    target = target.resolve()
    _check_target(target, data_dir)
    current = _revision(engine)
    if current != revision:
        raise BackupError(_("Die Datenbank hat den Stand %(current)s, diese Version erwartet %(expected)s – "
                            "bitte zuerst `flask --app wsgi init-db` ausführen.", current=current, expected=revision))
    created = not target.exists()
    private_dir(target)
    try:
        manifest = Manifest(revision=revision, dialect=engine.dialect.name,
                            kind="sqlite-file" if engine.dialect.name == "sqlite" else "jsonl",
                            created=utcnow().isoformat(timespec="seconds"))
        if manifest.kind == "sqlite-file":
            _copy_sqlite(engine, target / SQLITE_FILE, manifest, progress)
        else:
            _dump_tables(engine, target / TABLES_DIR, manifest, progress)
        _copy_tree(Path(data_dir) / UPLOADS_DIR, target / UPLOADS_DIR)
        for path in sorted(p for p in target.rglob("*") if p.is_file()):
            name, entry = file_entry(target, path)
            manifest.files[name] = entry
        manifest.counts = {name: manifest.tables.get(name, {}).get("rows", 0) for name in CONTENT_TABLES}
        manifest.counts["uploads"] = sum(1 for name in manifest.files if name.startswith(UPLOADS_DIR + "/"))
        manifest.write(target)
        restrict_tree(target)  # password hashes and addresses: for the service account only
    except BaseException:
        if created:
            shutil.rmtree(target, ignore_errors=True)
        raise
    return Report(target, manifest, time.perf_counter() - started)


def _check_target(target: Path, data_dir: Path) -> None:
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(_("%(path)s ist nicht leer – bitte ein neues Verzeichnis angeben.", path=target))
    data = Path(data_dir).resolve()
    if target == data or data / UPLOADS_DIR in (target, *target.parents):
        raise BackupError(_("Die Sicherung darf nicht im Datenverzeichnis %(path)s liegen.", path=data))


def _revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _copy_sqlite(engine: Engine, dest: Path, manifest: Manifest, progress: Progress | None) -> None:
    """Copy the live SQLite database page by page (a consistent snapshot, writers may go on)."""
    raw = engine.raw_connection()
    try:
        copy = sqlite3.connect(dest)
        try:
            raw.driver_connection.backup(copy, pages=512)
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
            for (name,) in copy.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE "
                                        "'sqlite_%' ORDER BY name").fetchall():
                quoted = name.replace('"', '""')
                rows = copy.execute(f'SELECT count(*) FROM "{quoted}"').fetchone()[0]  # noqa: S608
                manifest.tables[name] = {"rows": rows}
                if progress:
                    progress(rows)
        finally:
            copy.close()
    finally:
        raw.close()


def _dump_tables(engine: Engine, directory: Path, manifest: Manifest, progress: Progress | None) -> None:
    """Dump every table as JSON lines inside one read-only snapshot."""
    directory.mkdir()
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, conn.begin():
        conn.execute(text("SET TRANSACTION READ ONLY"))
        for table in _tables(conn):
            path = directory / f"{table.name}.jsonl.gz"
            rows = conn.execution_options(stream_results=True, yield_per=BATCH).execute(
                select(table).order_by(*table.primary_key.columns)).mappings()
            count = write_rows(path, _counted(rows, progress))
            manifest.tables[table.name] = {"rows": count, "file": path.relative_to(directory.parent).as_posix()}


def _counted(rows, progress: Progress | None) -> Iterator[dict]:
    for n, row in enumerate(rows, start=1):
        if progress and n % BATCH == 0:
            progress(BATCH)
        yield dict(row)


def _tables(conn: Connection) -> list[Table]:
    """The instance's tables in dependency order, without derived ones (search index, versions)."""
    metadata = MetaData()
    metadata.reflect(conn)
    return [t for t in metadata.sorted_tables if t.name not in DERIVED_TABLES]


def _copy_tree(source: Path, dest: Path) -> None:
    if source.is_dir():
        shutil.copytree(source, dest, dirs_exist_ok=True)
    else:
        dest.mkdir(parents=True, exist_ok=True)


# ------------------------------------------------------------------ restore


def occupied(engine: Engine, data_dir: Path) -> list[str]:
    """Why the instance is not empty (cases, accounts, adoptions, uploads), or []."""
    reasons = []
    with engine.connect() as conn:
        inspector = inspect(conn)
        for name in CONTENT_TABLES:
            if inspector.has_table(name):
                count = conn.execute(select(func.count()).select_from(Table(name, MetaData()))).scalar()
                if count:
                    reasons.append(f"{name}: {count}")
    uploads = Path(data_dir) / UPLOADS_DIR
    files = sum(1 for p in uploads.rglob("*") if p.is_file()) if uploads.is_dir() else 0
    if files:
        reasons.append(f"{UPLOADS_DIR}: {files}")
    return reasons


def restore_backup(engine: Engine, data_dir: Path, source: Path, *, force: bool,
                   migrate: Callable[[str | None], None], known_revision: Callable[[str], bool],
                   progress: Progress | None = None) -> Report:
    """Replace the instance's database and uploads with the backup in ``source``.

    ``migrate(revision)`` brings the schema to a revision (None: the newest); the caller
    rebuilds the search index afterwards."""
    started = time.perf_counter()
    source = source.resolve()
    manifest = read_manifest(source)
    if not known_revision(manifest.revision):
        raise BackupError(_("Die Sicherung hat den Schemastand %(rev)s, den diese Version nicht kennt – "
                            "bitte mit der Version zurückspielen, die sie geschrieben hat.", rev=manifest.revision))
    reasons = occupied(engine, data_dir)
    if reasons and not force:
        raise BackupError(_("Die Instanz ist nicht leer (%(what)s). Mit --force wird sie vollständig durch die "
                            "Sicherung ersetzt.", what=", ".join(reasons)))
    if manifest.kind == "sqlite-file" and engine.dialect.name == "sqlite":
        _replace_sqlite(engine, source / SQLITE_FILE)
    else:
        _drop_all(engine)
        migrate(manifest.revision)
        _load(engine, source, manifest, progress)
    migrate(None)
    uploads = Path(data_dir) / UPLOADS_DIR
    shutil.rmtree(uploads, ignore_errors=True)
    _copy_tree(source / UPLOADS_DIR, uploads)
    return Report(source, manifest, time.perf_counter() - started)


def _replace_sqlite(engine: Engine, backup_file: Path) -> None:
    """Overwrite the SQLite database with the backup copy (sqlite3 backup API)."""
    engine.dispose()
    backup = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
    raw = engine.raw_connection()
    try:
        backup.backup(raw.driver_connection)
    finally:
        raw.close()
        backup.close()
        engine.dispose()


def _drop_all(engine: Engine) -> None:
    with engine.begin() as conn:
        metadata = MetaData()
        metadata.reflect(conn)
        metadata.drop_all(conn)


def _load(engine: Engine, source: Path, manifest: Manifest, progress: Progress | None) -> None:
    """Insert every row of the backup in one transaction, parents before children."""
    reader = _SourceRows(source, manifest)
    try:
        with engine.begin() as conn:
            for table in _tables(conn):
                if table.name not in manifest.tables:
                    continue
                types = {c.name: c.type for c in table.columns}
                batch: list[dict] = []
                for row in reader.rows(table.name):
                    batch.append({k: decode(v, types[k]) for k, v in row.items() if k in types})
                    if len(batch) == BATCH:
                        _insert(conn, table, batch, progress)
                        batch = []
                if batch:
                    _insert(conn, table, batch, progress)
            if conn.dialect.name == "postgresql":
                _reset_sequences(conn)
    finally:
        reader.close()


def _insert(conn: Connection, table: Table, batch: list[dict], progress: Progress | None) -> None:
    conn.execute(table.insert(), batch)
    if progress:
        progress(len(batch))


def _reset_sequences(conn: Connection) -> None:
    """Let PostgreSQL's id sequences continue after the restored ids."""
    for table in _tables(conn):
        for column in table.primary_key.columns:
            if column.autoincrement is not False and isinstance(column.type, Integer):
                highest = conn.execute(select(func.max(column))).scalar()
                conn.execute(text("SELECT setval(pg_get_serial_sequence(:table, :column), :value, :called)"),
                             {"table": table.name, "column": column.name, "value": highest or 1,
                              "called": highest is not None})


class _SourceRows:
    """Rows of a backup: from its JSON-lines files, or from its SQLite copy (cross-database restore)."""

    def __init__(self, source: Path, manifest: Manifest) -> None:
        self.source = source
        self.manifest = manifest
        self._engine: Engine | None = None
        if manifest.kind == "sqlite-file":
            self._engine = create_engine(f"sqlite:///file:{source / SQLITE_FILE}?mode=ro&uri=true")

    def rows(self, name: str) -> Iterator[dict]:
        if self._engine is None:
            yield from read_rows(self.source / self.manifest.tables[name]["file"])
            return
        with self._engine.connect() as conn:
            table = Table(name, MetaData(), autoload_with=conn)
            for row in conn.execute(select(table).order_by(*table.primary_key.columns)).mappings():
                yield dict(row)

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
