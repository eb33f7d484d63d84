"""What a fresh gunicorn worker prepares before its first request (``post_worker_init``)."""

from __future__ import annotations

from flask import Flask

from kb.search.sync import warm_up_worker
from kb.services.registry.gazetteer import get_resolver


def prepare_worker(app: Flask) -> None:
    """Warm the search backend and write what a dead process left queued (kb.search.sync), then read
    the municipality registry's names: every search looks for places in its words with them, and
    reading the files on the first search cost its visitor about a quarter of a second."""
    warm_up_worker(app)
    with app.app_context():
        get_resolver()
