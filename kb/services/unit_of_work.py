"""Run a unit of work again when a concurrent writer got in its way.

Several app servers and workers write at the same time. Some collisions can only be detected
by the database, and a fresh attempt resolves them: two members submitting the same title get
slugs ``…`` and ``…-2``, a second moderator finds the case already decided, a second import of
the same slug updates the case the first one created. :func:`retrying` rolls the session back and
runs the service function again (a few times, with a short random pause); if the conflict
persists it raises :class:`ConcurrentUpdate`, which the app answers with HTTP 409 and a clear
message instead of a server error.

Transient collisions: a lost optimistic lock (``UseCase.lock_version``: ``StaleDataError``), a
unique key inserted meanwhile, SQLite's "database is locked", PostgreSQL's deadlock,
serialization and lock-timeout errors.
"""

from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

log = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")
ATTEMPTS = 6
#: PostgreSQL SQLSTATEs a retry resolves: unique violation, serialization failure, deadlock, lock timeout
_PG_TRANSIENT = {"23505", "40001", "40P01", "55P03"}
_SQLITE_TRANSIENT = ("database is locked", "database table is locked", "UNIQUE constraint failed")
MESSAGE = _l("Jemand anderes hat dieselben Daten im selben Moment geändert. Bitte laden Sie die Seite neu "
             "und versuchen Sie es noch einmal.")


class ConcurrentUpdate(RuntimeError):
    """A concurrent change kept colliding with this one; nothing of this attempt was stored."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(str(message or MESSAGE))


def is_transient(exc: BaseException) -> bool:
    """True if running the unit of work again can succeed."""
    if isinstance(exc, StaleDataError | ConcurrentUpdate):
        return True
    if isinstance(exc, DBAPIError):
        code = getattr(exc.orig, "sqlstate", None)
        if code is not None:
            return code in _PG_TRANSIENT
        return any(text in str(exc.orig) for text in _SQLITE_TRANSIENT)
    return False


def retrying(func: Callable[P, R]) -> Callable[P, R]:
    """Decorate a service function whose first argument is the session it commits."""

    @functools.wraps(func)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        session: Session = args[0]  # type: ignore[assignment]
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return func(*args, **kwargs)
            except (StaleDataError, DBAPIError) as exc:
                if not is_transient(exc):
                    raise
                session.rollback()
                if attempt == ATTEMPTS:
                    log.warning("%s: concurrent update persisted after %d attempts", func.__qualname__, attempt)
                    raise ConcurrentUpdate() from exc
                kind = "unique key" if isinstance(exc, IntegrityError) else type(exc).__name__
                log.info("%s: concurrent update (%s), attempt %d", func.__qualname__, kind, attempt)
                time.sleep(random.uniform(0.01, 0.05) * attempt)  # noqa: S311  (jitter, not security)
        raise AssertionError("unreachable")

    return run
