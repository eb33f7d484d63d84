"""The search backend of an app (``KB_SEARCH_BACKEND``), created on first use, warmed once per process."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask, current_app

from kb.extensions import db

if TYPE_CHECKING:
    from kb.search.engine import SearchBackend


_warm_lock = threading.Lock()


def get_backend(app: Flask | None = None) -> SearchBackend:
    """Return this app's search backend, creating it on first use."""
    from kb.search.engine import create_backend

    app = app or current_app
    state = app.extensions["kb_search"]
    if state["backend"] is None:
        name = app.config["KB_SEARCH_BACKEND"]
        if name == "whoosh":
            state["backend"] = create_backend("whoosh", index_dir=Path(app.config["KB_DATA_DIR"]) / "index")
        else:
            state["backend"] = create_backend(name, engine=db.engine)
    return state["backend"]


def get_searcher(app: Flask | None = None) -> SearchBackend:
    """Return the backend, warmed up once per process (for code paths that search)."""
    app = app or current_app
    backend = get_backend(app)
    state = app.extensions["kb_search"]
    if not state["warm"]:
        with _warm_lock:
            if not state["warm"]:
                warm_up = getattr(backend, "warm_up", None)
                if warm_up is not None:
                    warm_up()
                state["warm"] = True
    return backend


def close_backend(app: Flask) -> None:
    state = app.extensions.get("kb_search")
    if state and state["backend"] is not None:
        state["backend"].close()
        state["backend"] = None
        state["warm"] = False
