"""The backup directory: manifest, checksums, table dumps and their value encoding.

Layout of a backup directory::

    manifest.json              format, date, schema revision, dialect, row counts, checksums
    database.sqlite3           SQLite instances: an exact copy (sqlite3 backup API)
    tables/<table>.jsonl.gz    PostgreSQL instances: one JSON object per row, per table
    uploads/…                  the instance's uploaded files

JSON values are neutral (dates as ISO 8601 with time zone, binary as base64), so a dump
restores into either database.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import types as sqltypes

FORMAT = "praxisatlas-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
TABLES_DIR = "tables"
UPLOADS_DIR = "uploads"
#: derived and transient tables: rebuilt (or started afresh) after a restore instead of copied
DERIVED_TABLES = frozenset({"alembic_version", "search_document", "search_term", "search_outbox", "api_rate_window"})


class BackupError(RuntimeError):
    """The backup cannot be written or restored; the message says why (in German)."""


@dataclass
class Manifest:
    """What a backup holds and how to check it."""

    revision: str
    dialect: str
    kind: str  # sqlite-file | jsonl
    created: str = ""
    tables: dict[str, dict] = field(default_factory=dict)  # name -> {"rows", "file"?, "sha256"?}
    files: dict[str, dict] = field(default_factory=dict)  # relative path -> {"bytes", "sha256"}
    counts: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"format": FORMAT, "format_version": FORMAT_VERSION, "created": self.created,
                "schema_revision": self.revision, "dialect": self.dialect, "kind": self.kind,
                "counts": self.counts, "tables": self.tables, "files": self.files}

    def write(self, directory: Path) -> None:
        text = json.dumps(self.as_dict(), ensure_ascii=False, indent=2, sort_keys=True)
        (directory / MANIFEST).write_text(text + "\n", encoding="utf-8")


def read_manifest(directory: Path) -> Manifest:
    """Load the manifest and check every file against its checksum."""
    path = directory / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(_("%(path)s fehlt – das ist keine (vollständige) Sicherung.", path=path)) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise BackupError(_("%(path)s ist beschädigt: %(reason)s", path=path, reason=exc)) from None
    if data.get("format") != FORMAT or data.get("format_version") != FORMAT_VERSION:
        raise BackupError(_("%(path)s ist keine Praxisatlas-Sicherung im Format %(v)d.", path=path, v=FORMAT_VERSION))
    manifest = Manifest(revision=data["schema_revision"], dialect=data["dialect"], kind=data["kind"],
                        created=data.get("created", ""), tables=data["tables"], files=data["files"],
                        counts=data.get("counts", {}))
    for relative, meta in manifest.files.items():
        file = directory / relative
        if not file.is_file():
            raise BackupError(_("Datei %(file)s fehlt in der Sicherung.", file=file))
        if sha256(file) != meta["sha256"]:
            raise BackupError(_("Datei %(file)s ist beschädigt (Prüfsumme stimmt nicht).", file=file))
    return manifest


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def file_entry(directory: Path, path: Path) -> tuple[str, dict]:
    return path.relative_to(directory).as_posix(), {"bytes": path.stat().st_size, "sha256": sha256(path)}


# ------------------------------------------------------------------ values


def encode(value):
    """A database value as JSON (datetimes in UTC with offset, binary as base64)."""
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return {"$base64": base64.b64encode(bytes(value)).decode("ascii")}
    return value


def decode(value, column_type: sqltypes.TypeEngine):
    """A JSON value back as what the target column expects."""
    if value is None:
        return None
    if isinstance(column_type, sqltypes.DateTime):
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else value
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if isinstance(column_type, sqltypes.Date) and isinstance(value, str):
        return date.fromisoformat(value)
    if isinstance(column_type, sqltypes.Time) and isinstance(value, str):
        return time.fromisoformat(value)
    if isinstance(column_type, sqltypes.Numeric) and not isinstance(column_type, sqltypes.Float):
        return Decimal(value) if isinstance(value, str) else value
    if isinstance(column_type, sqltypes.LargeBinary) and isinstance(value, dict):
        return base64.b64decode(value["$base64"])
    return value


def write_rows(path: Path, rows: Iterable[dict]) -> int:
    """Write rows as gzipped JSON lines (reproducible: no time stamp in the gzip header)."""
    count = 0
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        for row in rows:
            line = json.dumps({k: encode(v) for k, v in row.items()}, ensure_ascii=False, separators=(",", ":"))
            gz.write(line.encode("utf-8") + b"\n")
            count += 1
    return count


def read_rows(path: Path) -> Iterator[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)
