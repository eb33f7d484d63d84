"""gunicorn.conf.py's worker start: the search backend warmed and the registry's names read, then the
start-up heap frozen."""

import gc
import importlib.util
from pathlib import Path
from types import SimpleNamespace

from kb.services.registry import gazetteer

ROOT = Path(__file__).resolve().parents[1]


def _conf():
    spec = importlib.util.spec_from_file_location("kb_gunicorn_conf", ROOT / "gunicorn.conf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_post_worker_init_warms_the_backend_and_freezes_the_heap(app):
    gazetteer._resolver_for.cache_clear()
    logged = []
    worker = SimpleNamespace(wsgi=app, log=SimpleNamespace(exception=logged.append))
    try:
        _conf().post_worker_init(worker)
        assert not logged
        assert app.extensions["kb_search"]["warm"]
        backend = app.extensions["kb_search"]["backend"]
        if backend.name == "whoosh":  # the highlight texts' column is open before the first search
            assert all(data.texts is not None for _r, _o, data in backend._current().leaves if data.count)
        assert gazetteer._resolver_for.cache_info().currsize == 1  # the first search reads no files
        assert gc.get_freeze_count() > 0  # full collections skip what the start made
    finally:
        gc.unfreeze()
