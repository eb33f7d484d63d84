"""Gunicorn settings for Praxisatlas: ``gunicorn -c gunicorn.conf.py wsgi:app``.

Every value can be overridden on the command line or with ``GUNICORN_CMD_ARGS``; the
``KB_GUNICORN_*`` variables below are shortcuts for the usual ones. See docs/production.md.
"""

from __future__ import annotations

import multiprocessing
import os

# Listen on loopback by default: nginx (TLS, static files) sits in front.
bind = os.environ.get("KB_GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: each handles one request at a time; the work is CPU-bound (threads gain nothing under
# the GIL) and every worker keeps its own stored answers and warm search caches, so fewer processes
# answer more: one per core – measured on 2 cores with `make load-test` (07.12.2026, alternating): SQLite
# 2 workers 414/416 req/s, 3 workers 387/392; PostgreSQL 256/249 against 214/222 (docs/performance.md,
# "Siebte Runde – Zahl der Worker"). No spare worker for slow requests: a Steckbrief PDF takes about
# 80 ms once a worker has its fonts (the first one 1.5 s), an export streams.
workers = int(os.environ.get("KB_GUNICORN_WORKERS") or multiprocessing.cpu_count())
worker_class = "sync"
timeout = int(os.environ.get("KB_GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then (bounded memory, no effect on users) – rarely: a new worker starts
# cold (search warm-up, templates, per-process caches). After 5,000 requests, at 300 req/s on 2 cores
# each worker was replaced about once a minute, which cost 5 % of the CPU (make load-test 298.5/310.9
# against 318.0/331.1 req/s with 50,000; a worker's memory grew 225 → 228 MB over 6,500 requests).
max_requests = int(os.environ.get("KB_GUNICORN_MAX_REQUESTS", "50000"))
max_requests_jitter = 5000
# Each worker builds its own app: no database connection or index reader crosses a fork.
preload_app = False
# The app writes one JSON line per request itself (kb.web.request_log); gunicorn's own access
# log would only duplicate it. Errors go to stderr (journald, docker logs).
accesslog = None
errorlog = "-"
loglevel = os.environ.get("KB_GUNICORN_LOG_LEVEL", "info")
# nginx sets X-Forwarded-For/-Proto; the app trusts one proxy hop (KB_PROXY_HOPS, ProxyFix).
forwarded_allow_ips = os.environ.get("KB_GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker) -> None:
    """Warm the search backend (German analysis data, index reader, the most frequent terms'
    postings) and read the registry's place names before the first request, and write index
    changes a killed worker may have left queued (kb.web.worker_start). Then move everything the
    start created out of the garbage collector's way: a full collection no longer walks the app,
    the caches and the index reader (about 150 ms every few hundred requests, in every worker at
    about the same time)."""
    import gc

    from kb.web.worker_start import prepare_worker

    try:
        prepare_worker(worker.wsgi)
    except Exception:  # a cold start is slower, not broken: the first search loads the data
        worker.log.exception("Suchindex konnte beim Start nicht vorgewärmt werden")
    gc.collect()
    gc.freeze()
