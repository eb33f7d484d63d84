"""Run the jobs queued with kb.services.deferred once the server has sent the response."""

from __future__ import annotations

import logging

from flask import Flask, Response

from kb.services import deferred

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    @app.after_request
    def run_after_sending(response: Response) -> Response:
        jobs = deferred.take_jobs()
        if jobs:
            response.call_on_close(lambda: run_jobs(app, jobs))
        return response


def run_jobs(app: Flask, jobs: list[deferred.Job]) -> None:
    """Run each job in its own application context (a fresh session); log failures, go on."""
    from kb.extensions import db

    for job in jobs:
        with app.app_context():
            try:
                job(db.session)
            except Exception:  # the response is out; the operator sees the log
                db.session.rollback()
                log.exception("Nachgelagerte Aufgabe fehlgeschlagen: %s", getattr(job, "__name__", job))
