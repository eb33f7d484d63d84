"""Structured request logs: one JSON line per request."""

from __future__ import annotations

import json
import logging
import time

from flask import Flask, g, request

access_log = logging.getLogger("kb.access")


def init_app(app: Flask) -> None:
    if not app.testing and not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(message)s")

    @app.before_request
    def start_timer() -> None:
        g.request_started = time.perf_counter()

    @app.after_request
    def log_request(response):
        started = g.get("request_started")
        if started is not None and not request.path.startswith("/static/"):
            access_log.info(json.dumps({
                "event": "request",
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "ms": round((time.perf_counter() - started) * 1000, 1),
                "remote": request.remote_addr,
                "bytes": response.calculate_content_length(),
            }))
        return response
