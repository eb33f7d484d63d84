"""Is this app server able to serve? Database, schema revision and search index, for /healthz."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from functools import lru_cache

from flask import current_app
from sqlalchemy import text
from sqlalchemy.orm import Session

from kb.search.backend import get_backend
from kb.search.engine import SearchBackend

log = logging.getLogger(__name__)


@dataclass
class Health:
    """The outcome of the checks; ``ok`` only if every check passed."""

    checks: dict[str, dict] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(c["status"] == "ok" for c in self.checks.values())

    def as_dict(self) -> dict:
        return {"status": "ok" if self.ok else "error", "checks": self.checks}


def expected_revision() -> str | None:
    """The newest migration of this code base (read once per process)."""
    return _head_revision(current_app.extensions["migrate"].directory)


@lru_cache(maxsize=4)
def _head_revision(migrations: str) -> str | None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(migrations))
    return ScriptDirectory.from_config(config).get_current_head()


def check(session: Session) -> Health:
    """Run every check; never raises (a failing check says so, without internals)."""
    health = Health()
    health.checks["database"] = _timed(lambda: _database(session))
    health.checks["search"] = _timed(lambda: _search(get_backend()))
    return health


def _timed(probe) -> dict:
    started = time.perf_counter()
    try:
        result = {"status": "ok", **probe()}
    except Exception as exc:  # noqa: BLE001  (reported as a failed check, details only in the log)
        log.warning("Health check failed: %s", type(exc).__name__, exc_info=True)
        result = {"status": "error", "error": type(exc).__name__}
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def _database(session: Session) -> dict:
    try:
        current = session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        session.rollback()
    expected = expected_revision()
    if current != expected:
        return {"status": "error", "error": "schema_outdated", "revision": current, "expected": expected}
    return {"revision": current, "dialect": session.get_bind().dialect.name}


def _search(backend: SearchBackend) -> dict:
    counter = getattr(backend, "doc_count", None)
    documents = counter() if counter is not None else len(backend.versions())
    return {"backend": getattr(backend, "name", type(backend).__name__), "documents": int(documents)}
