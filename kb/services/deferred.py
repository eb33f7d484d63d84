"""Work that runs after the response has been sent (during a request), or at once (CLI, workers).

Used where the time an answer takes must not tell anything, e.g. whether a reset mail was sent.
The web layer (kb/web/after_response.py) runs the queued jobs when the server closes the response;
each job gets a fresh database session and commits itself.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import g, has_request_context
from sqlalchemy.orm import Session

Job = Callable[[Session], None]
_KEY = "kb_after_response"


def after_response(job: Job, session: Session) -> None:
    """Queue ``job`` for after the response; outside a request run it now with ``session``."""
    if has_request_context():
        g.setdefault(_KEY, []).append(job)
    else:
        job(session)


def pending() -> bool:
    """True if jobs were queued during this request."""
    return bool(g.get(_KEY))


def take_jobs() -> list[Job]:
    """Remove and return the jobs queued during this request."""
    return g.pop(_KEY, [])
