"""One writer process against a test instance (concurrency and crash tests of the search sync).

    python -m tests.search_sync_driver DATA_DIR DB_URL import FILE [--kill-at POINT]
    python -m tests.search_sync_driver DATA_DIR DB_URL declare AGS SLUG...

``--kill-at`` sends SIGKILL to the process itself at a chosen point, like an OOM killer or a
gunicorn worker timeout would: ``before-commit`` (new cases written, transaction open),
``after-commit`` (committed, index not yet written) or ``in-index-write`` (whoosh has written the new segment
but not yet switched to it).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _die() -> None:
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def _arm(point: str) -> None:
    """Patch the import path so that the process kills itself at ``point``."""
    from kb.search import sync as search
    from kb.search.engine.whoosh import backend as whoosh_backend
    from kb.services.cases import bulk as case_bulk

    if point == "before-commit":
        insert_cases = case_bulk.insert_cases

        def insert_then_die(*args, **kwargs):
            insert_cases(*args, **kwargs)
            _die()

        case_bulk.insert_cases = insert_then_die
    elif point == "after-commit":
        search.drain_outbox = lambda *args, **kwargs: _die()
    elif point == "in-index-write":  # segment files written, table of contents not yet
        whoosh_backend.writing.SegmentWriter._commit_toc = lambda *args, **kwargs: _die()
    else:
        raise SystemExit(f"unknown kill point {point}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("db_url")
    parser.add_argument("action", choices=("import", "declare"))
    parser.add_argument("args", nargs="+")
    parser.add_argument("--kill-at")
    options = parser.parse_args()

    from kb import create_app
    from kb.extensions import db
    from tests import dbprovision

    app = create_app(dbprovision.settings(options.data_dir, options.db_url))
    if options.kill_at:
        _arm(options.kill_at)
    with app.app_context():
        if options.action == "import":
            from kb.services.interchange import importing

            report = importing.import_files(db.session, [Path(p) for p in options.args])
            print(f"imported {report.created} new, {report.updated} updated")
        else:
            _declare(db.session, options.args[0], options.args[1:])
    dbprovision.dispose(app)
    return 0


def _declare(session, ags: str, slugs: list[str]) -> None:
    from sqlalchemy import select

    from kb.models import AdoptionSource, UseCase
    from kb.services.adoptions import declarations as adoptions
    from kb.services.registry import organisations

    for slug in slugs:
        case = session.scalar(select(UseCase).where(UseCase.slug == slug))
        org = organisations.for_key(session, ags)
        adoptions.declare(session, case=case, organisation=org, status="in_betrieb", note=f"Test {os.getpid()}",
                          actor=None, source=AdoptionSource.MODERATOR, verified=True)
    print(f"declared {len(slugs)}")


if __name__ == "__main__":
    raise SystemExit(main())
